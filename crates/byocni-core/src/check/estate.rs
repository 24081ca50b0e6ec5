//! `check` of an estate (plan version 2, [`crate::estate`]): every v1 rule per new cluster,
//! through its projection, reported at estate paths (`clusters[1].podCidr`,
//! `vnets[0].subnets[2].cidr`), plus the rules only an estate has: peerings (peering-overlap,
//! peering-unknown), VNets against each other (vnet-overlap), node subnets (node-subnet-unknown,
//! node-subnet-shared) and the Cilium ClusterMesh (mesh-*).
//!
//! The connected networks are indexed once for the whole estate ([`ConnectedIndex`]) and every
//! cluster is checked against that one index plus the estate's VNets (peered with its VNet: as
//! connected networks; the others: warnings only), so an estate of 50 clusters with 1,000,000
//! connected networks costs one index and 50 small checks, not 50 indexes. VNets against VNets
//! go through one [`CidrIndex`], never pairwise.

use serde::Serialize;

use crate::cidr::Cidr;
use crate::estate::Estate;
use crate::finding::{Finding, Rule};
use crate::plan::{CniPlugin, SubnetRole};
use crate::space::CidrIndex;

use super::context::{parse_field, ExtraNet, Neighbours};
use super::names::{self, show_value};
use super::{check_parts, sort, Capacity, ConnectedIndex};

/// What `check` says about an estate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EstateReport {
    /// Every finding, errors first, then by field.
    pub findings: Vec<Finding>,
    /// The capacity of each new cluster checked, in the estate's order.
    pub clusters: Vec<ClusterCapacity>,
    /// Positions in `connectedNetworks` of IPv6 prefixes, outside every IPv4 rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_connected_networks: Vec<usize>,
}

/// One cluster's capacity report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterCapacity {
    /// The cluster's name.
    pub name: String,
    /// Its position in `clusters`.
    pub index: usize,
    /// How full its ranges will be.
    pub capacity: Capacity,
}

impl EstateReport {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == crate::Severity::Error)
    }
}

/// Checks an estate: every cluster, or only cluster `only` (then the estate rules' findings
/// are kept when they involve that cluster or its VNet).
pub fn check_estate(estate: &Estate, only: Option<usize>) -> EstateReport {
    check_estate_with(
        estate,
        &ConnectedIndex::new(&estate.connected_networks),
        only,
    )
}

/// [`check_estate`] with the connected networks already indexed (`connected` built from
/// `estate.connectedNetworks`; another index is ignored and rebuilt).
pub fn check_estate_with(
    estate: &Estate,
    connected: &ConnectedIndex,
    only: Option<usize>,
) -> EstateReport {
    if connected.len() != estate.connected_networks.len() {
        return check_estate(estate, only);
    }
    let mut out = connected.findings.clone();
    let mut clusters = Vec::new();

    // Every VNet prefix that parses, with its estate path and label: built once.
    let mut prefixes: Vec<ExtraNet> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (v, vn) in estate.vnets.iter().enumerate() {
        for (k, text) in vn.address_space.iter().enumerate() {
            if let Ok(cidr) = Cidr::parse(text) {
                prefixes.push(ExtraNet {
                    path: format!("vnets[{v}].addressSpace[{k}]"),
                    label: format!("VNet `{}` {cidr}", show_value(&vn.name)),
                    cidr,
                    warning: false,
                });
                owner.push(v);
            }
        }
    }
    let peered = estate.peered_pairs();
    let is_peered = |a: usize, b: usize| peered.binary_search(&(a.min(b), a.max(b))).is_ok();
    let names = crate::estate::VnetNames::new(estate);
    let vnet_of: Vec<Option<usize>> = (0..estate.clusters.len())
        .map(|i| estate.vnet_in(i, &names))
        .collect();
    let node_of: Vec<Option<(usize, usize)>> = (0..estate.clusters.len())
        .map(|i| estate.node_subnet_in(i, &names).ok().flatten())
        .collect();

    // The VNets no new cluster projects: their own ranges and names are checked here.
    let mut projected = vec![false; estate.vnets.len()];
    for (i, c) in estate.clusters.iter().enumerate() {
        if !c.existing {
            if let Some(v) = vnet_of[i] {
                projected[v] = true;
            }
        }
    }
    for (v, vn) in estate.vnets.iter().enumerate() {
        names::check_estate_vnet(vn, v, &mut out);
        if projected[v] {
            continue;
        }
        for (k, text) in vn.address_space.iter().enumerate() {
            // A dual-stack VNet's IPv6 prefixes are recorded, outside the IPv4 rules.
            if crate::cidr::is_ipv6_network(text) {
                continue;
            }
            parse_field(
                &format!("vnets[{v}].addressSpace[{k}]"),
                text,
                false,
                &mut out,
            );
        }
        if !vn.existing {
            for (k, s) in vn.subnets.iter().enumerate() {
                parse_field(
                    &format!("vnets[{v}].subnets[{k}].cidr"),
                    &s.cidr,
                    false,
                    &mut out,
                );
            }
        }
    }
    names::estate_duplicates(
        estate.vnets.iter().map(|v| v.name.as_str()),
        |i| format!("vnets[{i}].name"),
        "VNet",
        &mut out,
    );
    names::estate_duplicates(
        estate.clusters.iter().map(|c| c.name.as_str()),
        |i| format!("clusters[{i}].name"),
        "cluster",
        &mut out,
    );

    // Per new cluster: the v1 rules through its projection.
    let mut v1: Vec<Finding> = Vec::new();
    for (i, c) in estate.clusters.iter().enumerate() {
        if c.existing || only.is_some_and(|o| o != i) {
            continue;
        }
        let Some(plan) = estate.project_bare(i) else {
            continue;
        };
        let own = vnet_of[i];
        let extra: Vec<ExtraNet> = prefixes
            .iter()
            .zip(&owner)
            .filter(|&(_, &w)| Some(w) != own)
            .map(|(e, &w)| ExtraNet {
                warning: !own.is_some_and(|v| is_peered(v, w)),
                ..e.clone()
            })
            .collect();
        // Other clusters on the same node subnet: their nodes count in its capacity.
        let shared = match node_of[i] {
            Some(ns) => (0..estate.clusters.len())
                .filter(|&j| j != i && node_of[j] == Some(ns))
                .filter_map(|j| estate.project_bare(j))
                .map(|p| p.node_totals())
                .fold((0u64, 0u64), |(a, b), (n, s)| {
                    (a.saturating_add(n), b.saturating_add(s))
                }),
            None => (0, 0),
        };
        let nb = Neighbours {
            networks: &estate.connected_networks,
            index: connected,
            extra: &extra,
        };
        let mut found = Vec::new();
        let capacity = check_parts(&plan, &nb, shared, &mut found);
        let vpath = own.map(|v| format!("vnets[{v}]"));
        for mut f in found {
            f.field = estate.estate_path(i, &f.field);
            f.related = f.related.iter().map(|r| estate.estate_path(i, r)).collect();
            if let Some(edit) = f.fix.as_mut().and_then(|x| x.edit.as_mut()) {
                edit.path = estate.estate_path(i, &edit.path);
            }
            let mut message = f.message.clone();
            if let Some(vp) = &vpath {
                message = message
                    .replace("vnet.name", &format!("{vp}.name"))
                    .replace("vnet.addressSpace", &format!("{vp}.addressSpace"))
                    .replace("vnet.subnets", &format!("{vp}.subnets"));
            }
            f.message = format!(
                "cluster `{}`: {}",
                show_value(&c.name),
                estate_fields_in(&message, i)
            );
            v1.push(f);
        }
        clusters.push(ClusterCapacity {
            name: c.name.clone(),
            index: i,
            capacity,
        });
    }
    // A VNet shared by clusters is checked once per cluster (and its names once by the estate):
    // keep one finding per place.
    let mut seen: Vec<(Rule, String, Vec<String>)> = out
        .iter()
        .filter(|f| f.field.starts_with("vnets["))
        .map(|f| (f.rule, f.field.clone(), f.related.clone()))
        .collect();
    for f in v1 {
        if f.field.starts_with("vnets[") {
            let key = (f.rule, f.field.clone(), f.related.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        out.push(f);
    }

    let mut estate_findings = Vec::new();
    check_peerings(estate, &names, &mut estate_findings);
    check_vnet_overlaps(estate, &prefixes, &owner, &is_peered, &mut estate_findings);
    check_node_subnets(estate, &node_of, &mut estate_findings);
    check_mesh(estate, &vnet_of, &node_of, &is_peered, &mut estate_findings);
    if let Some(o) = only {
        let mut mine = vec![format!("clusters[{o}]")];
        if let Some(v) = vnet_of.get(o).copied().flatten() {
            mine.push(format!("vnets[{v}]"));
            for (w, p) in estate.peers_of(v) {
                let _ = w;
                mine.push(format!("peerings[{p}]"));
            }
        }
        let involves = |path: &str| {
            mine.iter().any(|m| {
                path.strip_prefix(m.as_str())
                    .is_some_and(|r| r.is_empty() || r.starts_with('.') || r.starts_with('['))
            })
        };
        estate_findings.retain(|f| involves(&f.field) || f.related.iter().any(|r| involves(r)));
    }
    out.extend(estate_findings);
    sort(&mut out);
    EstateReport {
        findings: out,
        clusters,
        ipv6_connected_networks: connected.ipv6().to_vec(),
    }
}

/// A v1 message with the cluster's field names written as estate paths: `podCidr` as
/// `clusters[1].podCidr`, `cluster.name` as `clusters[1].name` (a name starts a word: after the
/// start, a space or `(`; `cluster.` only before a field name, never a sentence's end).
fn estate_fields_in(message: &str, i: usize) -> String {
    const FIELDS: [&str; 6] = [
        "podCidr",
        "serviceCidr",
        "dnsServiceIP",
        "nodePools[",
        "internalLoadBalancers",
        "cni.",
    ];
    let mut out = String::with_capacity(message.len() + 16);
    let mut rest = message;
    let mut at_word_start = true;
    while let Some(c) = rest.chars().next() {
        if at_word_start {
            if let Some(field) = rest
                .strip_prefix("cluster.")
                .filter(|r| r.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            {
                out.push_str(&format!("clusters[{i}]."));
                rest = field;
                at_word_start = false;
                continue;
            }
            if FIELDS.iter().any(|f| rest.starts_with(f)) {
                out.push_str(&format!("clusters[{i}]."));
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        at_word_start = c == ' ' || c == '(';
    }
    out
}

/// peering-unknown and peering-overlap.
fn check_peerings(estate: &Estate, names: &crate::estate::VnetNames, out: &mut Vec<Finding>) {
    for (p, peering) in estate.peerings.iter().enumerate() {
        let field = format!("peerings[{p}].between");
        let ends: Vec<Option<usize>> = peering.between.iter().map(|n| names.get(n)).collect();
        for (k, e) in ends.iter().enumerate() {
            if e.is_none() {
                out.push(
                    Finding::new(
                        Rule::PeeringUnknown,
                        format!("{field}[{k}]"),
                        format!(
                            "{field}[{k}] names VNet `{}`, which is not among the estate's vnets",
                            show_value(&peering.between[k])
                        ),
                    )
                    .advice("name a VNet of the estate, or add it to vnets (with \"existing\": true when it is already there)"),
                );
            }
        }
        let (Some(a), Some(b)) = (ends[0], ends[1]) else {
            continue;
        };
        if a == b {
            out.push(
                Finding::new(
                    Rule::PeeringUnknown,
                    &field,
                    format!(
                        "{field} peers VNet `{}` with itself",
                        show_value(&estate.vnets[a].name)
                    ),
                )
                .advice("name two different VNets"),
            );
            continue;
        }
        for (ka, ta) in estate.vnets[a].address_space.iter().enumerate() {
            let Ok(ca) = Cidr::parse(ta) else { continue };
            for (kb, tb) in estate.vnets[b].address_space.iter().enumerate() {
                let Ok(cb) = Cidr::parse(tb) else { continue };
                if ca.overlaps(cb) {
                    out.push(
                        Finding::new(
                            Rule::PeeringOverlap,
                            &field,
                            format!(
                                "{field} joins VNets whose spaces overlap: `{}` {ca} and `{}` {cb}; Azure refuses to peer overlapping VNets",
                                show_value(&estate.vnets[a].name),
                                show_value(&estate.vnets[b].name)
                            ),
                        )
                        .related(format!("vnets[{a}].addressSpace[{ka}]"))
                        .related(format!("vnets[{b}].addressSpace[{kb}]"))
                        .advice("move one VNet's space clear of the other, or drop the peering"),
                    );
                }
            }
        }
    }
}

/// vnet-overlap: VNets of the estate that overlap and are not peered (peered ones are
/// peering-overlap). One index over every prefix: O(n log n + k).
fn check_vnet_overlaps(
    estate: &Estate,
    prefixes: &[ExtraNet],
    owner: &[usize],
    is_peered: &dyn Fn(usize, usize) -> bool,
    out: &mut Vec<Finding>,
) {
    let index = CidrIndex::new(prefixes.iter().enumerate().map(|(n, e)| (e.cidr, n)));
    for (n, e) in prefixes.iter().enumerate() {
        let a = owner[n];
        for &(_, m) in index.overlapping(e.cidr) {
            let b = owner[m];
            // Each pair once, from its first prefix; a VNet's own prefixes are v1's rule.
            if m <= n || a == b || is_peered(a, b) {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::VnetOverlap,
                    &e.path,
                    format!(
                        "{} overlaps {}: the two VNets can never be peered, and routes between them break at the overlap",
                        e.label, prefixes[m].label
                    ),
                )
                .related(prefixes[m].path.clone())
                .advice(format!(
                    "give VNet `{}` or `{}` its own space",
                    show_value(&estate.vnets[a].name),
                    show_value(&estate.vnets[b].name)
                )),
            );
        }
    }
}

/// node-subnet-unknown and node-subnet-shared.
fn check_node_subnets(estate: &Estate, node_of: &[Option<(usize, usize)>], out: &mut Vec<Finding>) {
    for (i, c) in estate.clusters.iter().enumerate() {
        let Some(text) = c.node_subnet.as_deref() else {
            continue;
        };
        if node_of[i].is_none() {
            let field = format!("clusters[{i}].nodeSubnet");
            let (v, s) = text.split_once('/').unwrap_or((text, ""));
            // A known VNet without subnets yet: v1's node-subnet-missing says it.
            if let Some(vi) = estate.vnet_index(v) {
                if s.is_empty() && estate.vnets[vi].subnets.is_empty() {
                    continue;
                }
            }
            let why = match estate.vnet_index(v) {
                _ if !text.contains('/') => "is not written `vnet/subnet`".to_owned(),
                None => format!(
                    "names VNet `{}`, which is not among the estate's vnets",
                    show_value(v)
                ),
                Some(vi) => format!(
                    "names subnet `{}`, which VNet `{}` does not have",
                    show_value(s),
                    show_value(&estate.vnets[vi].name)
                ),
            };
            let mut f = Finding::new(
                Rule::NodeSubnetUnknown,
                &field,
                format!("{field} `{}` {why}", show_value(text)),
            );
            // The one node subnet of the named VNet is a mechanical fix.
            if let Some(vi) = estate.vnet_index(v) {
                let vn = &estate.vnets[vi];
                let nodes: Vec<&str> = vn
                    .subnets
                    .iter()
                    .filter(|s| s.role == SubnetRole::Nodes)
                    .map(|s| s.name.as_str())
                    .collect();
                if let [one] = nodes[..] {
                    let to = format!("{}/{one}", vn.name);
                    f = f.fix_set(format!("use {to}"), &field, to.clone());
                }
            }
            out.push(f.advice_if_none(
                "name a subnet of an estate VNet as vnet/subnet, or omit nodeSubnet for AKS's managed VNet",
            ));
        }
    }
    for j in 0..estate.clusters.len() {
        let Some(ns) = node_of[j] else { continue };
        if let Some(i) = (0..j).find(|&i| node_of[i] == Some(ns)) {
            out.push(
                Finding::new(
                    Rule::NodeSubnetShared,
                    format!("clusters[{j}].nodeSubnet"),
                    format!(
                        "clusters `{}` and `{}` share node subnet `{}/{}`: its addresses hold both clusters' nodes (the capacity check counts them all)",
                        show_value(&estate.clusters[i].name),
                        show_value(&estate.clusters[j].name),
                        show_value(&estate.vnets[ns.0].name),
                        show_value(&estate.vnets[ns.0].subnets[ns.1].name),
                    ),
                )
                .related(format!("clusters[{i}].nodeSubnet"))
                .advice("give each cluster its own node subnet, unless sharing is intended"),
            );
        }
    }
}

/// Whether `name` is a valid Cilium cluster name: at most 32 of `[a-z0-9-]`, starting and
/// ending with a letter or digit, not `default`.
pub fn mesh_name_ok(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name != "default"
}

/// The mesh rules.
fn check_mesh(
    estate: &Estate,
    vnet_of: &[Option<usize>],
    node_of: &[Option<(usize, usize)>],
    is_peered: &dyn Fn(usize, usize) -> bool,
    out: &mut Vec<Finding>,
) {
    let meshed = estate.meshed();
    let max = estate.max_connected_clusters();
    if let Some(m) = estate.cluster_mesh.and_then(|m| m.max_connected_clusters) {
        if m != 255 && m != 511 {
            out.push(
                Finding::new(
                    Rule::MeshMaxClusters,
                    "clusterMesh.maxConnectedClusters",
                    format!("clusterMesh.maxConnectedClusters is {m}; Cilium takes 255 or 511"),
                )
                .fix_set(
                    "use 255, Cilium's default",
                    "clusterMesh.maxConnectedClusters",
                    255,
                ),
            );
        }
    }
    if meshed.is_empty() {
        return;
    }
    let limit = if max == 511 { 511 } else { 255 };
    if meshed.len() > limit as usize {
        out.push(
            Finding::new(
                Rule::MeshMaxClusters,
                "clusterMesh",
                format!(
                    "{} clusters are meshed; a mesh with maxConnectedClusters {limit} holds at most {limit}",
                    meshed.len()
                ),
            )
            .advice(if limit == 255 {
                "set clusterMesh.maxConnectedClusters to 511, or mesh fewer clusters"
            } else {
                "mesh fewer clusters"
            }),
        );
    }
    // Ids: present, in range, unique.
    let mut ids: Vec<(u32, usize)> = Vec::new();
    for &i in &meshed {
        let field = format!("clusters[{i}].clusterMesh.id");
        let name = show_value(&estate.clusters[i].name);
        match estate.clusters[i].cluster_mesh.and_then(|m| m.id) {
            None => out.push(
                Finding::new(
                    Rule::MeshClusterId,
                    &field,
                    format!("cluster `{name}` is meshed but has no clusterMesh.id (1-{limit})"),
                )
                .advice("give it an id unused in the mesh; `byocni suggest` fills one"),
            ),
            Some(id) if id == 0 || id > limit => out.push(
                Finding::new(
                    Rule::MeshClusterId,
                    &field,
                    format!(
                        "cluster `{name}` has clusterMesh.id {id}; ids are 1-{limit}{}",
                        if limit == 255 && (256..=511).contains(&id) {
                            " (1-511 needs clusterMesh.maxConnectedClusters 511)"
                        } else {
                            ""
                        }
                    ),
                )
                .advice(format!("use an id from 1 to {limit} unused in the mesh")),
            ),
            Some(id) => ids.push((id, i)),
        }
    }
    ids.sort_unstable();
    for w in ids.windows(2) {
        if w[0].0 == w[1].0 {
            let (id, first) = w[0];
            let i = w[1].1;
            let mut f = Finding::new(
                Rule::MeshClusterId,
                format!("clusters[{i}].clusterMesh.id"),
                format!(
                    "clusters `{}` and `{}` both have clusterMesh.id {id}; ids are unique in a mesh",
                    show_value(&estate.clusters[first].name),
                    show_value(&estate.clusters[i].name)
                ),
            )
            .related(format!("clusters[{first}].clusterMesh.id"));
            if let Some(free) = (1..=limit).find(|n| ids.binary_search_by_key(n, |x| x.0).is_err())
            {
                f = f.fix_set(
                    format!("use {free}, unused in the mesh"),
                    format!("clusters[{i}].clusterMesh.id"),
                    free,
                );
            }
            out.push(f);
        }
    }
    for &i in &meshed {
        let c = &estate.clusters[i];
        if !mesh_name_ok(&c.name) {
            out.push(
                Finding::new(
                    Rule::MeshClusterName,
                    format!("clusters[{i}].name"),
                    format!(
                        "cluster `{}` is meshed, and Cilium's cluster.name must be at most 32 characters of a-z, 0-9 and -, start and end with a letter or digit, and not be `default`",
                        show_value(&c.name)
                    ),
                )
                .advice("rename the cluster to a lowercase name of at most 32 characters"),
            );
        }
        let plugin = c.cni.as_ref().map(|x| x.plugin);
        let kubenet = c
            .network_plugin
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("kubenet"));
        let not_cilium = match plugin {
            Some(p) => p != CniPlugin::Cilium,
            None => c.existing && kubenet,
        };
        if not_cilium {
            let what = match plugin {
                Some(p) if p != CniPlugin::Cilium => format!("plans CNI `{}`", p.as_str()),
                _ => "runs kubenet".to_owned(),
            };
            let f = Finding::new(
                Rule::MeshCni,
                if plugin.is_some() {
                    format!("clusters[{i}].cni.plugin")
                } else {
                    format!("clusters[{i}].networkPlugin")
                },
                format!(
                    "cluster `{}` is meshed but {what}; ClusterMesh needs Cilium on every cluster",
                    show_value(&c.name)
                ),
            );
            out.push(if plugin.is_some() && !c.existing {
                f.fix_set(
                    "plan it with Cilium",
                    format!("clusters[{i}].cni.plugin"),
                    "cilium",
                )
            } else {
                f.advice("take it out of the mesh (remove clusterMesh), or replace it by a new Cilium cluster")
            });
        }
    }
    // Pairs: pod CIDRs, node subnets, reachability.
    let pod: Vec<Option<Cidr>> = meshed
        .iter()
        .map(|&i| {
            estate.clusters[i]
                .pod_cidr
                .as_deref()
                .and_then(|t| Cidr::parse(t).ok())
        })
        .collect();
    let node: Vec<Option<Cidr>> = meshed
        .iter()
        .map(|&i| match node_of[i] {
            Some((v, s)) => Cidr::parse(&estate.vnets[v].subnets[s].cidr).ok(),
            None if estate.clusters[i].node_subnet.is_none() => {
                Cidr::parse(crate::plan::MANAGED_NODE_SUBNET).ok()
            }
            None => None,
        })
        .collect();
    for (b, &j) in meshed.iter().enumerate() {
        for (a, &i) in meshed.iter().enumerate().take(b) {
            let (ni, nj) = (
                show_value(&estate.clusters[i].name),
                show_value(&estate.clusters[j].name),
            );
            if let (Some(p), Some(q)) = (pod[a], pod[b]) {
                if p.overlaps(q) {
                    out.push(
                        Finding::new(
                            Rule::MeshPodCidrOverlap,
                            format!("clusters[{j}].podCidr"),
                            format!(
                                "meshed clusters `{ni}` podCidr {p} and `{nj}` podCidr {q} overlap; pod IPs must be unique across the mesh"
                            ),
                        )
                        .related(format!("clusters[{i}].podCidr"))
                        .advice("move one pod CIDR; `byocni suggest` gives new meshed clusters disjoint ones"),
                    );
                }
            }
            if let (Some(p), Some(q)) = (node[a], node[b]) {
                if p.overlaps(q) && (node_of[i].is_none() || node_of[i] != node_of[j]) {
                    out.push(
                        Finding::new(
                            Rule::MeshNodeSubnetOverlap,
                            format!("clusters[{j}].nodeSubnet"),
                            format!(
                                "meshed clusters `{ni}` (node subnet {p}) and `{nj}` (node subnet {q}) have overlapping node subnets; node IPs must be unique across the mesh"
                            ),
                        )
                        .related(format!("clusters[{i}].nodeSubnet"))
                        .advice("give each meshed cluster a node subnet in its own space"),
                    );
                }
            }
            let reachable = match (vnet_of[i], vnet_of[j]) {
                (Some(v), Some(w)) => v == w || is_peered(v, w),
                _ => false,
            };
            if !reachable {
                let (vi, vj) = (
                    vnet_of[i].map(|v| estate.vnets[v].name.as_str()),
                    vnet_of[j].map(|v| estate.vnets[v].name.as_str()),
                );
                let f = Finding::new(
                    Rule::MeshUnreachable,
                    format!("clusters[{j}].clusterMesh"),
                    match (vi, vj) {
                        (Some(vi), Some(vj)) => format!(
                            "meshed clusters `{ni}` and `{nj}` cannot reach each other's nodes: VNets `{}` and `{}` are not peered directly (peering is not transitive); add the peering {{\"between\": [\"{}\", \"{}\"]}}",
                            show_value(vi), show_value(vj), show_value(vi), show_value(vj)
                        ),
                        _ => format!(
                            "meshed clusters `{ni}` and `{nj}` cannot reach each other's nodes: a cluster on AKS's managed VNet cannot be peered by the plan; place it on a subnet of an estate VNet (nodeSubnet) and peer the VNets"
                        ),
                    },
                )
                .related(format!("clusters[{i}].clusterMesh"));
                out.push(match (vi, vj) {
                    (Some(vi), Some(vj)) => {
                        let mut peerings: Vec<serde_json::Value> = estate
                            .peerings
                            .iter()
                            .map(|p| serde_json::json!({ "between": p.between }))
                            .collect();
                        peerings.push(serde_json::json!({ "between": [vi, vj] }));
                        f.fix_set(
                            format!("peer VNets `{}` and `{}`", show_value(vi), show_value(vj)),
                            "peerings",
                            peerings,
                        )
                    }
                    _ => f.advice("place both clusters on peered estate VNets"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::finding::Severity;

    /// Two peered VNets, a meshed cluster on each; service CIDRs repeat (no finding).
    fn base() -> Value {
        json!({
            "version": 2, "name": "t",
            "vnets": [
                {"name": "va", "resourceGroup": "rg", "location": "westeurope",
                 "addressSpace": ["10.10.0.0/16"],
                 "subnets": [{"name": "nodes", "cidr": "10.10.0.0/20", "role": "nodes"}]},
                {"name": "vb", "resourceGroup": "rg", "location": "westeurope",
                 "addressSpace": ["10.11.0.0/16"],
                 "subnets": [{"name": "nodes", "cidr": "10.11.0.0/20", "role": "nodes"}]}
            ],
            "peerings": [{"between": ["va", "vb"]}],
            "clusters": [
                {"name": "ca", "resourceGroup": "rg", "location": "westeurope",
                 "nodeSubnet": "va/nodes", "podCidr": "10.100.0.0/16",
                 "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10",
                 "nodePools": [{"name": "system", "count": 3}], "clusterMesh": {"id": 1}},
                {"name": "cb", "resourceGroup": "rg", "location": "westeurope",
                 "nodeSubnet": "vb/nodes", "podCidr": "10.101.0.0/16",
                 "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10",
                 "nodePools": [{"name": "system", "count": 3}], "clusterMesh": {"id": 2}}
            ],
            "clusterMesh": {"maxConnectedClusters": 255},
            "connectedNetworks": [{"name": "on-prem", "cidr": "192.168.0.0/16"}]
        })
    }

    fn run(v: &Value) -> EstateReport {
        check_estate(&Estate::from_value(v.clone()).unwrap(), None)
    }

    fn has(r: &EstateReport, rule: Rule, field: &str) -> Option<Finding> {
        r.findings
            .iter()
            .find(|f| f.rule == rule && f.field == field)
            .cloned()
    }

    fn ids(r: &EstateReport) -> Vec<String> {
        r.findings
            .iter()
            .map(|f| format!("{} {}", f.rule, f.field))
            .collect()
    }

    #[test]
    fn a_clean_estate_with_repeated_service_cidrs_has_no_finding() {
        let r = run(&base());
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
        assert_eq!(r.clusters.len(), 2);
        assert_eq!(r.clusters[1].name, "cb");
    }

    #[test]
    fn v1_rules_run_per_cluster_at_estate_paths() {
        let mut v = base();
        v["clusters"][1]["podCidr"] = json!("10.11.128.0/17"); // inside its own VNet
        v["clusters"][0]["nodePools"][0]["maxPods"] = json!(5);
        v["vnets"][1]["subnets"][0]["cidr"] = json!("10.11.0.1/20");
        let r = run(&v);
        let f = has(&r, Rule::PodCidrOverlap, "clusters[1].podCidr").expect("pod overlap");
        assert!(f.message.starts_with("cluster `cb`: "), "{}", f.message);
        assert!(
            f.message.contains("vnets[1].addressSpace[0]"),
            "{}",
            f.message
        );
        assert!(has(&r, Rule::MaxPodsRange, "clusters[0].nodePools[0].maxPods").is_some());
        let f = has(&r, Rule::HostBitsSet, "vnets[1].subnets[0].cidr").expect("host bits");
        assert_eq!(
            f.fix.unwrap().edit.unwrap().path,
            "vnets[1].subnets[0].cidr"
        );
        // The estate's connected networks apply to every cluster.
        let mut v = base();
        v["clusters"][0]["podCidr"] = json!("192.168.0.0/20");
        let r = run(&v);
        let f = has(&r, Rule::PodCidrOverlap, "clusters[0].podCidr").unwrap();
        assert_eq!(f.related, vec!["connectedNetworks[0].cidr"]);
    }

    /// Messages name the estate's fields, as the findings' paths do.
    #[test]
    fn messages_name_estate_fields() {
        assert_eq!(
            estate_fields_in("podCidr 10.1.0.0/16 overlaps serviceCidr (dnsServiceIP x)", 2),
            "clusters[2].podCidr 10.1.0.0/16 overlaps clusters[2].serviceCidr (clusters[2].dnsServiceIP x)"
        );
        assert_eq!(
            estate_fields_in(
                "cluster.name `a` is long; see the cluster. nodePools[0].count",
                0
            ),
            "clusters[0].name `a` is long; see the cluster. clusters[0].nodePools[0].count"
        );
        assert_eq!(
            estate_fields_in("connectedNetworks[0] and vnets[1].addressSpace[0]", 1),
            "connectedNetworks[0] and vnets[1].addressSpace[0]"
        );
        let mut v = base();
        v["clusters"][1]["podCidr"] = json!("10.11.128.0/17");
        let r = run(&v);
        let f = has(&r, Rule::PodCidrOverlap, "clusters[1].podCidr").unwrap();
        assert!(
            f.message
                .starts_with("cluster `cb`: clusters[1].podCidr 10.11.128.0/17 overlaps"),
            "{}",
            f.message
        );
    }

    #[test]
    fn peered_vnets_are_connected_networks_and_other_vnets_warnings() {
        // Pod CIDR of ca inside peered VNet b: an error.
        let mut v = base();
        v["clusters"][0]["podCidr"] = json!("10.11.64.0/18");
        let r = run(&v);
        let f = has(&r, Rule::PodCidrOverlap, "clusters[0].podCidr").unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.related, vec!["vnets[1].addressSpace[0]"]);
        // The same without the peering: a warning (and the mesh is unreachable).
        v["peerings"] = json!([]);
        let r = run(&v);
        let f = has(&r, Rule::PodCidrOverlap, "clusters[0].podCidr").unwrap();
        assert_eq!(f.severity, Severity::Warning, "{f:?}");
        assert!(f.message.contains("not peered"), "{}", f.message);
        assert!(has(&r, Rule::MeshUnreachable, "clusters[1].clusterMesh").is_some());
        // Service CIDR in a peered VNet: an error at the service CIDR.
        let mut v = base();
        v["clusters"][1]["serviceCidr"] = json!("10.10.128.0/20");
        v["clusters"][1]["dnsServiceIP"] = json!("10.10.128.10");
        let r = run(&v);
        assert!(has(&r, Rule::ServiceCidrOverlap, "clusters[1].serviceCidr").is_some());
    }

    #[test]
    fn peering_and_vnet_overlaps() {
        let mut v = base();
        v["vnets"][1]["addressSpace"] = json!(["10.10.128.0/17"]);
        v["vnets"][1]["subnets"][0]["cidr"] = json!("10.10.128.0/20");
        let r = run(&v);
        let f = has(&r, Rule::PeeringOverlap, "peerings[0].between").expect("peering overlap");
        assert_eq!(
            f.related,
            vec!["vnets[0].addressSpace[0]", "vnets[1].addressSpace[0]"]
        );
        assert!(has(&r, Rule::VnetOverlap, "vnets[0].addressSpace[0]").is_none());
        // Not peered: vnet-overlap, a warning, once per pair.
        v["peerings"] = json!([]);
        let r = run(&v);
        assert!(has(&r, Rule::PeeringOverlap, "peerings[0].between").is_none());
        let f = has(&r, Rule::VnetOverlap, "vnets[0].addressSpace[0]").unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            r.findings
                .iter()
                .filter(|f| f.rule == Rule::VnetOverlap)
                .count(),
            1
        );
        // Touching is not overlapping.
        let mut v = base();
        v["vnets"][1]["addressSpace"] = json!(["10.11.0.0/16"]);
        v["vnets"][0]["addressSpace"] = json!(["10.10.0.0/16"]);
        assert!(run(&v).findings.is_empty());
    }

    #[test]
    fn peering_names_known_vnets() {
        let mut v = base();
        v["peerings"] = json!([{"between": ["va", "zz"]}, {"between": ["vb", "VB"]}]);
        let r = run(&v);
        assert!(has(&r, Rule::PeeringUnknown, "peerings[0].between[1]").is_some());
        assert!(has(&r, Rule::PeeringUnknown, "peerings[1].between").is_some());
    }

    #[test]
    fn node_subnet_unknown() {
        for (text, why) in [
            ("va/nope", "does not have"),
            ("zz/nodes", "not among"),
            ("nodes", "vnet/subnet"),
        ] {
            let mut v = base();
            v["clusters"][0]["nodeSubnet"] = json!(text);
            let r = run(&v);
            let f = has(&r, Rule::NodeSubnetUnknown, "clusters[0].nodeSubnet")
                .unwrap_or_else(|| panic!("{text}: {:?}", ids(&r)));
            assert!(f.message.contains(why), "{}", f.message);
            if text == "va/nope" {
                assert_eq!(f.fix.unwrap().edit.unwrap().value, json!("va/nodes"));
            }
        }
        // Names compare as Azure's do.
        let mut v = base();
        v["clusters"][0]["nodeSubnet"] = json!("VA/Nodes");
        assert!(run(&v).findings.is_empty());
    }

    /// node-subnet-shared: a warning; the subnet's capacity counts both clusters' nodes: a /28
    /// (16 addresses) holds one cluster of 5 nodes (5 + 1 surge + 5 reserved = 11) but not two
    /// (17).
    #[test]
    fn node_subnet_shared_counts_both_clusters() {
        let mut v = base();
        v["vnets"][0]["subnets"][0]["cidr"] = json!("10.10.0.0/28");
        v["clusters"][0]["nodePools"][0]["count"] = json!(5);
        v["clusters"][1]["nodePools"][0]["count"] = json!(5);
        let r = run(&v);
        assert!(r.findings.is_empty(), "{:?}", ids(&r));
        v["clusters"][1]["nodeSubnet"] = json!("va/nodes");
        let r = run(&v);
        let f = has(&r, Rule::NodeSubnetShared, "clusters[1].nodeSubnet").unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.related, vec!["clusters[0].nodeSubnet"]);
        assert!(has(&r, Rule::NodeSubnetTooSmall, "vnets[0].subnets[0].cidr").is_some());
        assert_eq!(
            r.clusters[0].capacity.node_subnet.as_ref().unwrap().needed,
            17
        );
        // One subnet shared by two meshed clusters is no node-subnet overlap.
        assert!(!ids(&r)
            .iter()
            .any(|i| i.starts_with("mesh-node-subnet-overlap")));
    }

    #[test]
    fn mesh_pod_cidrs_are_unique_including_existing_clusters() {
        let mut v = base();
        v["clusters"][1]["podCidr"] = json!("10.100.128.0/17");
        let r = run(&v);
        let f = has(&r, Rule::MeshPodCidrOverlap, "clusters[1].podCidr").unwrap();
        assert_eq!(f.related, vec!["clusters[0].podCidr"]);
        // An existing meshed cluster (on a VNet peered with both).
        let mut v = base();
        v["clusters"].as_array_mut().unwrap().push(json!({
            "name": "old", "resourceGroup": "rg", "location": "westeurope", "existing": true,
            "nodeSubnet": "vb/nodes", "podCidr": "10.101.0.0/24", "clusterMesh": {"id": 3}
        }));
        let r = run(&v);
        assert!(has(&r, Rule::MeshPodCidrOverlap, "clusters[2].podCidr").is_some());
        // Pod CIDRs of clusters outside the mesh may overlap.
        v["clusters"][2]["clusterMesh"] = Value::Null;
        v["clusters"][2]
            .as_object_mut()
            .unwrap()
            .remove("clusterMesh");
        let r = run(&v);
        assert!(has(&r, Rule::MeshPodCidrOverlap, "clusters[2].podCidr").is_none());
    }

    #[test]
    fn mesh_cluster_ids() {
        let field = "clusters[1].clusterMesh.id";
        let case = |id: Value, max: u32| {
            let mut v = base();
            v["clusters"][1]["clusterMesh"] = if id.is_null() {
                json!({})
            } else {
                json!({"id": id})
            };
            v["clusterMesh"]["maxConnectedClusters"] = json!(max);
            run(&v)
        };
        assert!(has(&case(Value::Null, 255), Rule::MeshClusterId, field).is_some());
        assert!(has(&case(json!(0), 255), Rule::MeshClusterId, field).is_some());
        assert!(has(&case(json!(255), 255), Rule::MeshClusterId, field).is_none());
        let r = case(json!(256), 255);
        let f = has(&r, Rule::MeshClusterId, field).unwrap();
        assert!(f.message.contains("511"), "{}", f.message);
        assert!(has(&case(json!(256), 511), Rule::MeshClusterId, field).is_none());
        assert!(has(&case(json!(511), 511), Rule::MeshClusterId, field).is_none());
        assert!(has(&case(json!(512), 511), Rule::MeshClusterId, field).is_some());
        let r = case(json!(1), 255);
        let f = has(&r, Rule::MeshClusterId, field).unwrap();
        assert_eq!(f.related, vec!["clusters[0].clusterMesh.id"]);
        assert_eq!(f.fix.unwrap().edit.unwrap().value, json!(2));
    }

    #[test]
    fn mesh_max_clusters() {
        let mut v = base();
        v["clusterMesh"]["maxConnectedClusters"] = json!(300);
        let f = has(
            &run(&v),
            Rule::MeshMaxClusters,
            "clusterMesh.maxConnectedClusters",
        )
        .unwrap();
        assert_eq!(f.fix.unwrap().edit.unwrap().value, json!(255));
        // 256 meshed clusters: too many for 255, fine for 511.
        let mut v = base();
        let clusters: Vec<Value> = (0..256)
            .map(|i| {
                json!({"name": format!("c{i}"), "resourceGroup": "rg", "location": "westeurope",
                       "existing": true, "clusterMesh": {"id": i + 1}})
            })
            .collect();
        v["clusters"] = json!(clusters);
        v["vnets"] = json!([]);
        v["peerings"] = json!([]);
        let r = run(&v);
        assert!(has(&r, Rule::MeshMaxClusters, "clusterMesh").is_some());
        v["clusterMesh"]["maxConnectedClusters"] = json!(511);
        assert!(has(&run(&v), Rule::MeshMaxClusters, "clusterMesh").is_none());
    }

    #[test]
    fn mesh_cluster_names() {
        assert!(mesh_name_ok(&"a".repeat(32)));
        for bad in [
            "a".repeat(33),
            "Blue".into(),
            "-a".into(),
            "a-".into(),
            "a_b".into(),
            "default".into(),
            String::new(),
        ] {
            assert!(!mesh_name_ok(&bad), "{bad}");
        }
        assert!(mesh_name_ok("blue-2"));
        let mut v = base();
        v["clusters"][0]["name"] = json!("Blue");
        assert!(has(&run(&v), Rule::MeshClusterName, "clusters[0].name").is_some());
        // Not meshed: no Cilium name rule.
        v["clusters"][0]
            .as_object_mut()
            .unwrap()
            .remove("clusterMesh");
        assert!(has(&run(&v), Rule::MeshClusterName, "clusters[0].name").is_none());
    }

    #[test]
    fn mesh_cni() {
        let mut v = base();
        v["clusters"][1]["cni"] = json!({"plugin": "calico"});
        let f = has(&run(&v), Rule::MeshCni, "clusters[1].cni.plugin").unwrap();
        assert_eq!(f.fix.unwrap().edit.unwrap().value, json!("cilium"));
        let mut v = base();
        v["clusters"][1] = json!({"name": "old", "resourceGroup": "rg", "location": "westeurope",
            "existing": true, "networkPlugin": "kubenet", "nodeSubnet": "vb/nodes",
            "podCidr": "10.244.0.0/16", "clusterMesh": {"id": 2}});
        assert!(has(&run(&v), Rule::MeshCni, "clusters[1].networkPlugin").is_some());
    }

    /// Peering is not transitive: a and c both peered with hub b are not reachable.
    #[test]
    fn mesh_unreachable_names_the_missing_peering() {
        let mut v = base();
        v["vnets"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "vc", "resourceGroup": "rg",
            "location": "westeurope", "addressSpace": ["10.12.0.0/16"],
            "subnets": [{"name": "nodes", "cidr": "10.12.0.0/20"}]}));
        v["peerings"] = json!([{"between": ["va", "vb"]}, {"between": ["vb", "vc"]}]);
        v["clusters"][1]["nodeSubnet"] = json!("vc/nodes");
        let r = run(&v);
        let f = has(&r, Rule::MeshUnreachable, "clusters[1].clusterMesh").unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("`va` and `vc`"), "{}", f.message);
        let edit = f.fix.unwrap().edit.unwrap();
        assert_eq!(edit.path, "peerings");
        assert_eq!(edit.value[2], json!({"between": ["va", "vc"]}));
        // Same VNet: reachable.
        v["clusters"][1]["nodeSubnet"] = json!("va/nodes");
        assert!(has(&run(&v), Rule::MeshUnreachable, "clusters[1].clusterMesh").is_none());
    }

    #[test]
    fn mesh_node_subnets_do_not_overlap() {
        // Both on AKS's managed VNet: 10.224.0.0/16 twice, and unreachable.
        let mut v = base();
        for c in 0..2 {
            v["clusters"][c]
                .as_object_mut()
                .unwrap()
                .remove("nodeSubnet");
        }
        let r = run(&v);
        assert!(has(&r, Rule::MeshNodeSubnetOverlap, "clusters[1].nodeSubnet").is_some());
        assert!(has(&r, Rule::MeshUnreachable, "clusters[1].clusterMesh").is_some());
        // Overlapping subnets of two VNets (not peered: they overlap).
        let mut v = base();
        v["vnets"][1]["addressSpace"] = json!(["10.10.0.0/16"]);
        v["vnets"][1]["subnets"][0]["cidr"] = json!("10.10.0.0/24");
        v["peerings"] = json!([]);
        let r = run(&v);
        assert!(has(&r, Rule::MeshNodeSubnetOverlap, "clusters[1].nodeSubnet").is_some());
    }

    #[test]
    fn one_cluster_keeps_what_involves_it() {
        let mut v = base();
        v["clusters"][1]["podCidr"] = json!("10.11.128.0/17"); // cb's own problem
        v["clusters"][0]["clusterMesh"] = json!({});
        let e = Estate::from_value(v).unwrap();
        let r = check_estate(&e, Some(0));
        assert!(has(&r, Rule::MeshClusterId, "clusters[0].clusterMesh.id").is_some());
        assert!(
            r.findings
                .iter()
                .all(|f| !f.field.starts_with("clusters[1]")),
            "{:?}",
            ids(&r)
        );
        assert_eq!(r.clusters.len(), 1);
        let r = check_estate(&e, Some(1));
        assert!(has(&r, Rule::PodCidrOverlap, "clusters[1].podCidr").is_some());
        assert!(has(&r, Rule::MeshClusterId, "clusters[0].clusterMesh.id").is_none());
    }

    #[test]
    fn names_and_duplicates() {
        let mut v = base();
        v["vnets"][1]["name"] = json!("VA");
        v["vnets"][1]["resourceGroup"] = json!("bad rg;");
        let r = run(&v);
        assert!(has(&r, Rule::DuplicateName, "vnets[1].name").is_some());
        assert!(has(&r, Rule::InvalidName, "vnets[1].resourceGroup").is_some());
        let mut v = base();
        v["clusters"][1]["name"] = json!("CA");
        assert!(has(&run(&v), Rule::DuplicateName, "clusters[1].name").is_some());
    }

    /// A VNet no new cluster uses still has its ranges read; existing VNets are not judged on
    /// their subnets.
    #[test]
    fn unused_vnets_are_read() {
        let mut v = base();
        v["vnets"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "spare", "resourceGroup": "rg",
            "location": "westeurope", "addressSpace": ["10.50.0.1/16"],
            "subnets": [{"name": "s"}]}));
        let r = run(&v);
        assert!(has(&r, Rule::HostBitsSet, "vnets[2].addressSpace[0]").is_some());
        assert!(has(&r, Rule::InvalidCidr, "vnets[2].subnets[0].cidr").is_some());
    }

    /// The index of 10,000 connected networks is built once and reused: the same report.
    #[test]
    fn a_prebuilt_index_gives_the_same_report() {
        let mut v = base();
        let nets: Vec<Value> = (0..10_000u32)
            .map(|i| json!({"name": format!("n{i}"), "cidr": format!("172.{}.{}.0/24", 20 + i / 256, i % 256)}))
            .collect();
        v["connectedNetworks"] = json!(nets);
        v["clusters"][0]["podCidr"] = json!("172.20.0.0/16");
        let e = Estate::from_value(v).unwrap();
        let index = ConnectedIndex::new(&e.connected_networks);
        let a = check_estate_with(&e, &index, None);
        assert_eq!(a, check_estate(&e, None));
        assert!(has(&a, Rule::PodCidrOverlap, "clusters[0].podCidr").is_some());
    }
}
