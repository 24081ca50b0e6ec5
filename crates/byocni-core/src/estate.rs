//! The plan file, version 2: an *estate* of several clusters, their VNets and the peerings
//! between them, with the Cilium ClusterMesh that joins some of them (issue 13; domain.md
//! "Several clusters in one estate").
//!
//! Version 1 ([`Plan`]) stays as it is. Every cluster of an estate is *projected* into a v1
//! [`Plan`] ([`Estate::project`]): its VNet, its pools and CNI, and as connected networks the
//! estate's `connectedNetworks` plus the address spaces of the VNets its VNet is peered with
//! directly (peering is not transitive). Every v1 rule, the capacity report and every renderer
//! then run per cluster unchanged; [`crate::check::estate`] adds the rules only an estate has
//! (peerings, shared node subnets, the mesh) and reports v1 findings at estate paths
//! (`clusters[1].podCidr`, `vnets[0].subnets[2].cidr`).
//!
//! The reader follows v1's conventions: camelCase, unknown fields refused with their path, a key
//! written twice refused, a byte order mark skipped, other versions refused. [`PlanFile`] reads
//! either version.

use serde::{Deserialize, Serialize};

use crate::plan::{
    strict, ApiServer, Cluster, Cni, CniPlugin, ConnectedNetwork, NodePool, Nsg, Outbound, Plan,
    PlanError, Subnet, SubnetRole, Vnet, PLAN_VERSION,
};

/// The estate plan-file version.
pub const ESTATE_VERSION: u32 = 2;
/// Cilium's `clustermesh.maxConnectedClusters` when the estate gives none.
pub const DEFAULT_MAX_CONNECTED_CLUSTERS: u32 = 255;

/// A whole estate, as in a version 2 plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Estate {
    /// The JSON Schema this file follows; read and written back, never used otherwise.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(description = "The JSON Schema this file follows (`byocni schema` prints it).")
    )]
    pub schema: Option<String>,
    /// Plan-file version: [`ESTATE_VERSION`].
    #[cfg_attr(
        feature = "schema",
        schemars(
            schema_with = "json_schema::version",
            description = "Plan-file version: 2, an estate of clusters, VNets and peerings."
        )
    )]
    pub version: u32,
    /// The estate's name (a label).
    pub name: String,
    /// The VNets of the estate: planned ones and `existing` ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vnets: Vec<EstateVnet>,
    /// Peerings between two VNets of the estate (both directions are created).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peerings: Vec<Peering>,
    /// The clusters: planned ones and `existing` ones.
    #[serde(default)]
    pub clusters: Vec<EstateCluster>,
    /// Settings of the one Cilium ClusterMesh formed by the clusters with a `clusterMesh` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_mesh: Option<MeshSettings>,
    /// Networks every cluster must stay clear of: on-premises, VPN ranges, VNets outside the
    /// estate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connected_networks: Vec<ConnectedNetwork>,
}

/// A VNet of the estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EstateVnet {
    /// VNet name, unique in the estate; clusters and peerings name it.
    pub name: String,
    /// Resource group.
    pub resource_group: String,
    /// Azure region.
    pub location: String,
    /// Address prefixes; a new VNet may leave them empty for `suggest` to fill. An existing
    /// dual-stack VNet's IPv6 prefixes are kept here (taken space, as discovered) and skipped by
    /// the rules, which read IPv4.
    #[serde(default)]
    pub address_space: Vec<String>,
    /// Subnets inside the address space.
    #[serde(default)]
    pub subnets: Vec<EstateSubnet>,
    /// Already there (discovered): its ranges are taken, it is never created or removed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub existing: bool,
}

/// A subnet of an estate VNet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EstateSubnet {
    /// Subnet name, unique in its VNet; a cluster's `nodeSubnet` is `vnet/subnet`.
    pub name: String,
    /// Address prefix; a new subnet may leave it empty for `suggest` to fill.
    #[serde(default)]
    pub cidr: String,
    /// What the subnet is for (a cluster's node subnet is the one its `nodeSubnet` names).
    #[serde(default)]
    pub role: SubnetRole,
}

/// A peering between two VNets of the estate, created both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Peering {
    /// The two VNets, by name.
    pub between: [String; 2],
}

/// A cluster of the estate: v1's cluster, ranges, pools and CNI, placed on a VNet subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EstateCluster {
    /// AKS cluster name (`--name`); with ClusterMesh also Cilium's `cluster.name`.
    pub name: String,
    /// Resource group.
    pub resource_group: String,
    /// Azure region.
    pub location: String,
    /// DNS prefix; derived from the cluster name when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_prefix: Option<String>,
    /// `--node-resource-group`; AKS's `MC_...` name when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
    /// Already there (discovered): its ranges are taken, it is never created or removed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub existing: bool,
    /// For the record, the network plugin AKS reports for an existing cluster (`kubenet`,
    /// `azure`, `none`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_plugin: Option<String>,
    /// The node subnet as `vnet/subnet`; omitted, AKS creates a managed VNet (10.224.0.0/12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_subnet: Option<String>,
    /// `--pod-cidr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// `--service-cidr`; AKS's default 10.0.0.0/16 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
    /// `--dns-service-ip`; AKS's default 10.0.0.10 when omitted.
    #[serde(
        default,
        rename = "dnsServiceIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_service_ip: Option<String>,
    /// Node pools; omitted means one system pool `nodepool1` of 3 nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_pools: Option<Vec<NodePool>>,
    /// Internal load balancer front ends that take node-subnet IPs; 0 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_load_balancers: Option<u32>,
    /// The CNI installed after the cluster is created; Cilium when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<Cni>,
    /// Membership of the estate's Cilium ClusterMesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_mesh: Option<MeshMember>,
    /// How the cluster's nodes reach the internet, as a v1 plan's `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound: Option<Outbound>,
    /// API server access, as a v1 plan's `apiServer` (its VNet integration subnet is a subnet
    /// of the cluster's VNet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServer>,
    /// The node subnet's NSG, as a v1 plan's `nsg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsg: Option<Nsg>,
}

/// A cluster's place in the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshMember {
    /// Cilium's `cluster.id`: 1-255 (1-511 with `maxConnectedClusters: 511`), unique in the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
}

/// The mesh's settings, the same on every meshed cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshSettings {
    /// Cilium's `clustermesh.maxConnectedClusters`: 255 (default) or 511, set at install time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connected_clusters: Option<u32>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

/// The positions of an estate's VNets by name (Azure's names compare case-insensitively; a name
/// written twice finds its first VNet, as [`Estate::vnet_index`] does): built once, so that
/// passes over thousands of VNets, peerings and clusters (a discovered estate) look names up in
/// constant time instead of scanning the VNets each time.
#[derive(Debug, Clone, Default)]
pub struct VnetNames(std::collections::HashMap<String, usize>);

impl VnetNames {
    /// Indexes the estate's VNet names.
    pub fn new(estate: &Estate) -> VnetNames {
        let mut m = std::collections::HashMap::with_capacity(estate.vnets.len());
        for (i, v) in estate.vnets.iter().enumerate() {
            m.entry(v.name.to_ascii_lowercase()).or_insert(i);
        }
        VnetNames(m)
    }

    /// The position of the VNet named `name`.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.0.get(&name.to_ascii_lowercase()).copied()
    }
}

/// A plan file of either version, as the CLI reads it.
#[derive(Debug, Clone, PartialEq)]
// Read once per command: a box would only add an indirection to every use of the plan.
#[allow(clippy::large_enum_variant)]
pub enum PlanFile {
    /// Version 1: one cluster.
    V1(Plan),
    /// Version 2: an estate.
    V2(Estate),
}

/// The top-level `version`, read without building the rest.
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    version: Option<u64>,
}

/// Whether `text` opens with `{"version": <version>` (JSON whitespace allowed between the
/// tokens), as the files byocni writes do. A later `version` key written twice is still refused
/// by the strict reader the file then goes to.
fn leads_with_version(text: &str, version: u32) -> bool {
    let ws: &[char] = &[' ', '\t', '\n', '\r'];
    let rest = text.trim_start_matches(ws);
    let Some(rest) = rest.strip_prefix('{') else {
        return false;
    };
    let Some(rest) = rest.trim_start_matches(ws).strip_prefix("\"version\"") else {
        return false;
    };
    let Some(rest) = rest.trim_start_matches(ws).strip_prefix(':') else {
        return false;
    };
    let Some(rest) = rest
        .trim_start_matches(ws)
        .strip_prefix(version.to_string().as_str())
    else {
        return false;
    };
    // `2` and not `20` or `2.5`.
    !rest.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E'))
}

impl PlanFile {
    /// Reads a plan file of version 1 or 2. A v1 file takes exactly [`Plan::from_json`]'s
    /// road (its one-pass fast path first); otherwise the version is peeked (one scan, nothing
    /// built) and the file read by its version's reader. A version neither reads is refused
    /// naming both.
    pub fn from_json(text: &str) -> Result<PlanFile, PlanError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        #[cfg(feature = "fast-json")]
        {
            let mut de = serde_json::Deserializer::from_str(text);
            if let Ok(plan) = Plan::deserialize(&mut de).and_then(|p| de.end().map(|()| p)) {
                if plan.version == PLAN_VERSION {
                    return Ok(PlanFile::V1(plan));
                }
            }
        }
        // byocni writes `version` first: `{"version": 2` needs no scan of the whole file (one
        // of 100,000s of networks) to tell; anything else is peeked.
        let peek = if leads_with_version(text, ESTATE_VERSION) {
            Some(u64::from(ESTATE_VERSION))
        } else {
            serde_json::from_str::<Peek>(text)
                .ok()
                .and_then(|p| p.version)
        };
        if peek == Some(u64::from(ESTATE_VERSION)) {
            return Estate::from_json(text).map(PlanFile::V2);
        }
        Plan::from_json(text)
            .map(PlanFile::V1)
            .map_err(|e| match e {
                PlanError::Version { found, hint, .. } => PlanError::Version {
                    found,
                    reads: "version 1 or 2",
                    hint,
                },
                e => e,
            })
    }

    /// The file as an estate: v2 as it is, v1 through [`Estate::from_v1`].
    pub fn into_estate(self) -> Estate {
        match self {
            PlanFile::V1(p) => Estate::from_v1(p),
            PlanFile::V2(e) => e,
        }
    }
}

impl Estate {
    /// Reads a version 2 plan file, with [`Plan::from_json`]'s conventions.
    pub fn from_json(text: &str) -> Result<Estate, PlanError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        #[cfg(feature = "fast-json")]
        {
            let mut de = serde_json::Deserializer::from_str(text);
            if let Ok(e) = Estate::deserialize(&mut de).and_then(|e| de.end().map(|()| e)) {
                if e.version == ESTATE_VERSION {
                    return Ok(e);
                }
            }
        }
        Self::from_value(strict::parse(text)?)
    }

    /// Reads an estate from a parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Estate, PlanError> {
        crate::plan::expect_version(&value, ESTATE_VERSION, "version 2")?;
        #[cfg(feature = "path-errors")]
        return serde_path_to_error::deserialize(value).map_err(|e| PlanError::Shape {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        });
        #[cfg(not(feature = "path-errors"))]
        serde_json::from_value(value).map_err(|e| PlanError::Unplaced {
            message: e.to_string(),
        })
    }

    /// The estate as pretty JSON (two-space indent, trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("an estate always serialises");
        s.push('\n');
        s
    }

    /// A v1 plan as an estate of one cluster: its VNet (when it plans one) in the cluster's
    /// resource group and region, the cluster on the VNet's node subnet, the same ranges, pools,
    /// CNI and connected networks. [`Estate::project`] of cluster 0 gives the plan back.
    pub fn from_v1(plan: Plan) -> Estate {
        let Plan {
            schema: _,
            version: _,
            cluster,
            vnet,
            pod_cidr,
            service_cidr,
            dns_service_ip,
            node_pools,
            internal_load_balancers,
            cni,
            connected_networks,
            outbound,
            api_server,
            nsg,
        } = plan;
        let node_subnet = vnet.as_ref().map(|v| match v.node_subnet() {
            Some(s) => format!("{}/{}", v.name, s.name),
            // No subnet yet: the VNet is named, node-subnet-missing says the rest.
            None => format!("{}/", v.name),
        });
        let vnets = vnet
            .map(|v| EstateVnet {
                name: v.name,
                resource_group: cluster.resource_group.clone(),
                location: cluster.location.clone(),
                address_space: v.address_space,
                subnets: v
                    .subnets
                    .into_iter()
                    .map(|s| EstateSubnet {
                        name: s.name,
                        cidr: s.cidr,
                        role: s.role,
                    })
                    .collect(),
                existing: false,
            })
            .into_iter()
            .collect();
        Estate {
            schema: None,
            version: ESTATE_VERSION,
            name: cluster.name.clone(),
            vnets,
            peerings: Vec::new(),
            clusters: vec![EstateCluster {
                name: cluster.name,
                resource_group: cluster.resource_group,
                location: cluster.location,
                dns_prefix: cluster.dns_prefix,
                node_resource_group: cluster.node_resource_group,
                existing: false,
                network_plugin: None,
                node_subnet,
                pod_cidr,
                service_cidr,
                dns_service_ip,
                node_pools,
                internal_load_balancers,
                cni: Some(cni),
                cluster_mesh: None,
                outbound,
                api_server,
                nsg,
            }],
            cluster_mesh: None,
            connected_networks,
        }
    }

    /// The position of the VNet named `name` (names compare case-insensitively, as Azure's).
    pub fn vnet_index(&self, name: &str) -> Option<usize> {
        self.vnets
            .iter()
            .position(|v| v.name.eq_ignore_ascii_case(name))
    }

    /// The position of the cluster named `name`.
    pub fn cluster_index(&self, name: &str) -> Option<usize> {
        self.clusters
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Where cluster `i`'s `nodeSubnet` points: `Ok(None)` without one (AKS's managed VNet),
    /// `Ok(Some((vnet, subnet)))`, or `Err(())` when it names no subnet of the estate.
    #[allow(clippy::result_unit_err)]
    pub fn node_subnet_of(&self, i: usize) -> Result<Option<(usize, usize)>, ()> {
        self.node_subnet_by(i, |n| self.vnet_index(n))
    }

    /// [`Estate::node_subnet_of`] with the VNets' names indexed once by the caller.
    #[allow(clippy::result_unit_err)]
    pub fn node_subnet_in(
        &self,
        i: usize,
        names: &VnetNames,
    ) -> Result<Option<(usize, usize)>, ()> {
        self.node_subnet_by(i, |n| names.get(n))
    }

    fn node_subnet_by(
        &self,
        i: usize,
        find: impl Fn(&str) -> Option<usize>,
    ) -> Result<Option<(usize, usize)>, ()> {
        let Some(text) = self.clusters.get(i).and_then(|c| c.node_subnet.as_deref()) else {
            return Ok(None);
        };
        let (v, s) = text.split_once('/').ok_or(())?;
        let vi = find(v).ok_or(())?;
        let si = self.vnets[vi]
            .subnets
            .iter()
            .position(|x| x.name.eq_ignore_ascii_case(s))
            .ok_or(())?;
        Ok(Some((vi, si)))
    }

    /// The VNet of cluster `i`, when its `nodeSubnet` names one.
    pub fn vnet_of(&self, i: usize) -> Option<usize> {
        self.clusters
            .get(i)
            .and_then(|c| c.node_subnet.as_deref())
            .and_then(|t| t.split_once('/'))
            .and_then(|(v, _)| self.vnet_index(v))
    }

    /// [`Estate::vnet_of`] with the VNets' names indexed once by the caller.
    pub fn vnet_in(&self, i: usize, names: &VnetNames) -> Option<usize> {
        self.clusters
            .get(i)
            .and_then(|c| c.node_subnet.as_deref())
            .and_then(|t| t.split_once('/'))
            .and_then(|(v, _)| names.get(v))
    }

    /// Pairs of VNet positions peered directly, sorted, each once, smaller first (for
    /// `binary_search`); peerings naming an unknown VNet, or one VNet twice, are left out.
    pub fn peered_pairs(&self) -> Vec<(usize, usize)> {
        let names = VnetNames::new(self);
        let mut pairs: Vec<(usize, usize)> = self
            .peerings
            .iter()
            .filter_map(|p| {
                let a = names.get(&p.between[0])?;
                let b = names.get(&p.between[1])?;
                Some((a.min(b), a.max(b)))
            })
            .filter(|(a, b)| a != b)
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Positions of the meshed clusters (those with a `clusterMesh` block).
    pub fn meshed(&self) -> Vec<usize> {
        (0..self.clusters.len())
            .filter(|&i| self.clusters[i].cluster_mesh.is_some())
            .collect()
    }

    /// `clustermesh.maxConnectedClusters`: the estate's, or 255.
    pub fn max_connected_clusters(&self) -> u32 {
        self.cluster_mesh
            .and_then(|m| m.max_connected_clusters)
            .unwrap_or(DEFAULT_MAX_CONNECTED_CLUSTERS)
    }

    /// Cluster `i` as a v1 [`Plan`]: its identity, ranges, pools and CNI; its VNet (the subnet
    /// its `nodeSubnet` names gets role `nodes`, every other subnet keeps its role but `nodes`);
    /// and as connected networks the estate's `connectedNetworks` followed by the address
    /// prefixes of every VNet peered directly with its VNet, named `vnet <name>`.
    /// `None` when there is no cluster `i`.
    pub fn project(&self, i: usize) -> Option<Plan> {
        let mut plan = self.project_bare(i)?;
        let mut connected = self.connected_networks.clone();
        if let Some(v) = self.vnet_of(i) {
            for (w, _) in self.peers_of(v) {
                let vn = &self.vnets[w];
                connected.extend(vn.address_space.iter().map(|c| ConnectedNetwork {
                    name: format!("vnet {}", vn.name),
                    cidr: c.clone(),
                }));
            }
        }
        plan.connected_networks = connected;
        Some(plan)
    }

    /// VNets peered directly with VNet `v`, each with the position of the first peering that
    /// joins them.
    pub fn peers_of(&self, v: usize) -> Vec<(usize, usize)> {
        let Some(name) = self.vnets.get(v).map(|x| x.name.as_str()) else {
            return Vec::new();
        };
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (p, peering) in self.peerings.iter().enumerate() {
            // Most peerings of a large estate do not touch `v`: skip them before any lookup.
            if !peering.between.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            let (Some(a), Some(b)) = (
                self.vnet_index(&peering.between[0]),
                self.vnet_index(&peering.between[1]),
            ) else {
                continue;
            };
            let other = if a == v && b != v {
                b
            } else if b == v && a != v {
                a
            } else {
                continue;
            };
            if !out.iter().any(|&(w, _)| w == other) {
                out.push((other, p));
            }
        }
        out
    }

    /// [`Estate::project`] without connected networks (the checker indexes those once for the
    /// whole estate).
    pub(crate) fn project_bare(&self, i: usize) -> Option<Plan> {
        let c = self.clusters.get(i)?;
        // A `nodeSubnet` naming a known VNet but no subnet of it still places the cluster in
        // that VNet (node-subnet-unknown says what is wrong; v1's rules pick no subnet).
        let node = self.node_subnet_of(i).ok().flatten().map(|(_, s)| s);
        let vnet = match self.vnet_of(i) {
            Some(v) => {
                let s = node.unwrap_or(usize::MAX);
                let vn = &self.vnets[v];
                Some(Vnet {
                    name: vn.name.clone(),
                    // An existing dual-stack VNet's IPv6 prefixes are recorded, never created
                    // or checked: the cluster's rules read its IPv4 space.
                    address_space: vn
                        .address_space
                        .iter()
                        .filter(|c| !(vn.existing && crate::cidr::is_ipv6_network(c)))
                        .cloned()
                        .collect(),
                    subnets: vn
                        .subnets
                        .iter()
                        .enumerate()
                        .map(|(k, sub)| Subnet {
                            name: sub.name.clone(),
                            cidr: sub.cidr.clone(),
                            role: if k == s {
                                SubnetRole::Nodes
                            } else if sub.role == SubnetRole::Nodes {
                                SubnetRole::Other
                            } else {
                                sub.role
                            },
                        })
                        .collect(),
                })
            }
            None => None,
        };
        Some(Plan {
            schema: None,
            version: PLAN_VERSION,
            cluster: Cluster {
                name: c.name.clone(),
                resource_group: c.resource_group.clone(),
                location: c.location.clone(),
                dns_prefix: c.dns_prefix.clone(),
                node_resource_group: c.node_resource_group.clone(),
            },
            vnet,
            pod_cidr: c.pod_cidr.clone(),
            service_cidr: c.service_cidr.clone(),
            dns_service_ip: c.dns_service_ip.clone(),
            node_pools: c.node_pools.clone(),
            internal_load_balancers: c.internal_load_balancers,
            cni: c.cni.clone().unwrap_or_default(),
            connected_networks: Vec::new(),
            outbound: c.outbound.clone(),
            api_server: c.api_server.clone(),
            nsg: c.nsg.clone(),
        })
    }

    /// The CNI plugin of cluster `i` (Cilium when omitted).
    pub fn plugin_of(&self, i: usize) -> CniPlugin {
        self.clusters[i]
            .cni
            .as_ref()
            .map_or(CniPlugin::Cilium, |c| c.plugin)
    }

    /// Maps a v1 field path of cluster `i`'s projection to the estate's path: `cluster.name` is
    /// `clusters[i].name`, `podCidr` `clusters[i].podCidr`, `vnet.subnets[2].cidr`
    /// `vnets[v].subnets[2].cidr` (v the cluster's VNet). `connectedNetworks[..]` stays as is
    /// (the estate's own list comes first in the projection).
    pub fn estate_path(&self, i: usize, path: &str) -> String {
        // Already an estate path: the estate's own lists (the checker's VNet neighbours).
        if [
            "connectedNetworks",
            "vnets[",
            "peerings",
            "clusters[",
            "clusterMesh",
        ]
        .iter()
        .any(|p| path.starts_with(p))
        {
            return path.to_owned();
        }
        if let Some(rest) = path
            .strip_prefix("vnet")
            .filter(|r| r.is_empty() || r.starts_with('.'))
        {
            return match self.vnet_of(i) {
                Some(v) => format!("vnets[{v}]{rest}"),
                None => format!("clusters[{i}].nodeSubnet"),
            };
        }
        if let Some(rest) = path
            .strip_prefix("cluster")
            .filter(|r| r.is_empty() || r.starts_with('.'))
        {
            return format!("clusters[{i}]{rest}");
        }
        format!("clusters[{i}].{path}")
    }
}

/// The `version` of the estate's JSON Schema.
#[cfg(feature = "schema")]
mod json_schema {
    use schemars::{json_schema, Schema, SchemaGenerator};

    pub(super) fn version(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "const": super::ESTATE_VERSION,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leading-`version` shortcut takes only what it should: `2` first, not `20` or `2.5`
    /// or a `version` that is not the first key; every form still reads as its version says.
    #[test]
    fn a_leading_version_2_is_told_without_a_scan() {
        assert!(leads_with_version("{\"version\":2,", 2));
        assert!(leads_with_version(" \n{ \"version\" :\t2 }", 2));
        for no in [
            "{\"version\": 20}",
            "{\"version\": 2.5}",
            "{\"version\": 2e0}",
            "{\"name\": \"x\", \"version\": 2}",
            "[\"version\", 2]",
            "{\"version\": \"2\"}",
        ] {
            assert!(!leads_with_version(no, 2), "{no}");
        }
        // A file whose `version` comes later still reads as an estate (through the peek), and a
        // `version` written twice is refused whichever way the file goes.
        let later = r#"{"name": "e", "version": 2}"#;
        assert!(matches!(PlanFile::from_json(later), Ok(PlanFile::V2(_))));
        let twice = r#"{"version": 2, "name": "e", "version": 2}"#;
        assert!(PlanFile::from_json(twice).is_err());
        let v20 = PlanFile::from_json(r#"{"version": 20}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(v20.contains("version 20"), "{v20}");
    }

    pub(crate) const BLUEGREEN: &str = r#"{
  "version": 2,
  "name": "contoso-prod",
  "vnets": [
    { "name": "hub", "resourceGroup": "net-rg", "location": "westeurope",
      "addressSpace": ["10.0.0.0/22"], "subnets": [], "existing": true },
    { "name": "aks-blue", "resourceGroup": "blue-rg", "location": "westeurope",
      "addressSpace": ["10.224.0.0/16"],
      "subnets": [{ "name": "nodes", "cidr": "10.224.0.0/20", "role": "nodes" }] }
  ],
  "peerings": [{ "between": ["hub", "aks-blue"] }],
  "clusters": [
    { "name": "blue", "resourceGroup": "blue-rg", "location": "westeurope", "dnsPrefix": "blue",
      "nodeSubnet": "aks-blue/nodes",
      "podCidr": "10.100.0.0/16", "serviceCidr": "10.0.16.0/20", "dnsServiceIP": "10.0.16.10",
      "nodePools": [{ "name": "system", "mode": "system", "count": 3 }],
      "cni": { "plugin": "cilium", "perNodePrefix": 24 },
      "clusterMesh": { "id": 1 } }
  ],
  "clusterMesh": { "maxConnectedClusters": 255 },
  "connectedNetworks": [{ "name": "on-prem", "cidr": "192.168.0.0/16" }]
}"#;

    #[test]
    fn the_issue_example_reads_and_round_trips() {
        let e = Estate::from_json(BLUEGREEN).unwrap();
        assert_eq!(e.vnets.len(), 2);
        assert_eq!(e.clusters[0].cluster_mesh, Some(MeshMember { id: Some(1) }));
        assert_eq!(Estate::from_json(&e.to_json()).unwrap(), e);
        assert_eq!(e.node_subnet_of(0), Ok(Some((1, 0))));
        assert_eq!(e.peers_of(1), vec![(0, 0)]);
        let p = e.project(0).unwrap();
        assert_eq!(p.node_subnet_cidr(), Some("10.224.0.0/20"));
        assert_eq!(p.connected_networks.len(), 2);
        assert_eq!(p.connected_networks[1].cidr, "10.0.0.0/22");
        assert_eq!(p.connected_networks[1].name, "vnet hub");
    }

    /// A shape error at `path` (with `path-errors`; the CLI and the export worker), or, without
    /// it (the planner's page, which asks the worker for the place), one whose message names
    /// `word`.
    fn at(e: PlanError, path: &str, word: &str) {
        #[cfg(feature = "path-errors")]
        {
            let _ = word;
            match e {
                PlanError::Shape { path: p, .. } => assert!(p.starts_with(path), "{p}"),
                other => panic!("{other:?}"),
            }
        }
        #[cfg(not(feature = "path-errors"))]
        {
            let _ = path;
            assert!(e.to_string().contains(word), "{e}");
        }
    }

    #[test]
    fn the_reader_keeps_v1_conventions() {
        // Unknown field, with its path.
        let bad = BLUEGREEN.replace("\"dnsPrefix\": \"blue\"", "\"colour\": \"blue\"");
        at(
            Estate::from_json(&bad).unwrap_err(),
            "clusters[0].colour",
            "colour",
        );
        // A key written twice.
        let twice = BLUEGREEN.replace(
            "\"name\": \"contoso-prod\",",
            "\"name\": \"a\", \"name\": \"b\",",
        );
        match Estate::from_json(&twice).unwrap_err() {
            PlanError::Shape { path, message } => {
                assert_eq!(path, "name");
                assert!(message.contains("appears twice"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // A byte order mark.
        let bom = format!("\u{feff}{BLUEGREEN}");
        assert_eq!(
            Estate::from_json(&bom).unwrap(),
            Estate::from_json(BLUEGREEN).unwrap()
        );
        // Future versions, on either reader.
        let e = Estate::from_json(r#"{"version":3,"name":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("newer byocni"), "{e}");
        let e = PlanFile::from_json(r#"{"version":3,"name":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("reads version 1 or 2"), "{e}");
        assert!(e.to_string().contains("newer byocni"), "{e}");
        // A peering names exactly two VNets.
        let three = BLUEGREEN.replace(r#"["hub", "aks-blue"]"#, r#"["hub", "aks-blue", "x"]"#);
        at(
            Estate::from_json(&three).unwrap_err(),
            "peerings[0].between",
            "length",
        );
    }

    #[test]
    fn plan_file_reads_either_version() {
        let v1 = Plan::example().to_json();
        assert_eq!(
            PlanFile::from_json(&v1).unwrap(),
            PlanFile::V1(Plan::example())
        );
        assert!(matches!(
            PlanFile::from_json(BLUEGREEN).unwrap(),
            PlanFile::V2(_)
        ));
        // A v1 shape error stays v1's.
        let e = PlanFile::from_json(r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c","colour":"red"}}"#).unwrap_err();
        at(e, "cluster.colour", "colour");
        // A v2 shape error is v2's.
        let e = PlanFile::from_json(r#"{"version":2,"name":"e","clusters":[{"name":"a"}]}"#)
            .unwrap_err();
        at(e, "clusters[0]", "resourceGroup");
        // Plan::from_json still reads v1 only, and says so.
        let e = Plan::from_json(BLUEGREEN).unwrap_err();
        assert!(e.to_string().contains("reads version 1:"), "{e}");
    }

    /// v1 -> v2 -> the cluster's projection gives the v1 plan back, for the example, a managed
    /// VNet and a VNet whose node subnet is its first subnet.
    #[test]
    fn upgrade_round_trips() {
        let mut managed = Plan::example();
        managed.vnet = None;
        let mut first = Plan::example();
        if let Some(v) = first.vnet.as_mut() {
            for s in &mut v.subnets {
                s.role = SubnetRole::Other;
            }
        }
        for p in [Plan::example(), managed, first] {
            let e = Estate::from_v1(p.clone());
            let again = Estate::from_json(&e.to_json()).unwrap();
            assert_eq!(again, e);
            let mut back = again.project(0).unwrap();
            // The node subnet is named by nodeSubnet now, so it reads back with role `nodes`.
            if let (Some(v), Some(orig)) = (back.vnet.as_mut(), p.vnet.as_ref()) {
                let ix = orig.node_subnet_index();
                for (k, s) in v.subnets.iter_mut().enumerate() {
                    if Some(k) == ix {
                        s.role = orig.subnets[k].role;
                    }
                }
            }
            assert_eq!(back, p);
        }
    }

    /// A discovered dual-stack VNet keeps its IPv6 prefix: recorded, read by no IPv4 rule, not
    /// in a cluster's projection of it, a connected network (recorded as IPv6) of the clusters
    /// peered with it.
    #[test]
    fn an_existing_dual_stack_vnet_keeps_its_ipv6_prefix_outside_the_ipv4_rules() {
        let text = BLUEGREEN.replace(
            r#""addressSpace": ["10.0.0.0/22"], "subnets": [], "existing": true"#,
            r#""addressSpace": ["10.0.0.0/22", "fd00:db8:deca::/48"], "subnets": [{ "name": "shared", "cidr": "10.0.1.0/24", "role": "nodes" }], "existing": true"#,
        );
        let mut e = Estate::from_json(&text).unwrap();
        assert_eq!(e.vnets[0].address_space.len(), 2);
        let r = crate::check::check_estate(&e, None);
        assert!(!r.has_errors(), "{:#?}", r.findings);
        assert!(
            !r.findings
                .iter()
                .any(|f| f.field.starts_with("vnets[0].addressSpace")),
            "{:#?}",
            r.findings
        );
        // blue, peered with the hub, sees it as a connected network.
        let p = e.project(0).unwrap();
        assert!(p
            .connected_networks
            .iter()
            .any(|c| c.cidr == "fd00:db8:deca::/48"));
        // A cluster on the dual-stack VNet projects its IPv4 space only.
        e.clusters[0].node_subnet = Some("hub/shared".into());
        e.clusters[0].pod_cidr = Some("10.100.0.0/16".into());
        let p = e.project(0).unwrap();
        assert_eq!(
            p.vnet.as_ref().unwrap().address_space,
            vec!["10.0.0.0/22".to_owned()]
        );
        let r = crate::check::check_estate(&e, None);
        assert!(!r.has_errors(), "{:#?}", r.findings);
        // suggest reads around it.
        let mut s = e.clone();
        s.vnets[1].address_space.clear();
        s.vnets[1].subnets[0].cidr.clear();
        let filled = crate::estate_suggest::suggest_estate(&s).unwrap();
        assert!(!crate::check::check_estate(&filled.estate, None).has_errors());
        // The file keeps it.
        assert!(e.to_json().contains("fd00:db8:deca::/48"));
    }

    #[test]
    fn estate_paths() {
        let e = Estate::from_json(BLUEGREEN).unwrap();
        assert_eq!(e.estate_path(0, "podCidr"), "clusters[0].podCidr");
        assert_eq!(e.estate_path(0, "cluster.name"), "clusters[0].name");
        assert_eq!(e.estate_path(0, "cluster"), "clusters[0]");
        assert_eq!(
            e.estate_path(0, "vnet.subnets[0].cidr"),
            "vnets[1].subnets[0].cidr"
        );
        assert_eq!(e.estate_path(0, "vnet"), "vnets[1]");
        assert_eq!(
            e.estate_path(0, "nodePools[0].count"),
            "clusters[0].nodePools[0].count"
        );
        assert_eq!(
            e.estate_path(0, "connectedNetworks[0].cidr"),
            "connectedNetworks[0].cidr"
        );
    }
}
