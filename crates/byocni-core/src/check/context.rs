//! The shared context of the rules: the plan's ranges parsed once into [`Ranges`] (every CIDR
//! that parses, with the field it came from), the connected networks indexed once into
//! [`ConnectedIndex`], and the helpers every family uses to find free space for a fix.

use std::net::Ipv4Addr;

use crate::cidr::{is_ipv6_network, parse_ipv4, Cidr, CidrError};
use crate::finding::{Finding, Rule};
use crate::plan::{ConnectedNetwork, Plan, MANAGED_NODE_SUBNET, MANAGED_VNET_SPACE};
use crate::space::{CidrIndex, Taken};

use super::names::{self, show_value};
use super::ranges::{AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN};

/// At most this many overlap findings per plan range against connected networks; the rest are
/// summed up in one more finding.
pub(super) const MAX_OVERLAPS_PER_FIELD: usize = 20;

/// A parsed range and where it came from.
#[derive(Debug, Clone)]
pub(super) struct Labeled {
    pub(super) field: String,
    /// How messages call it: "vnet.addressSpace[0] 10.224.0.0/12" or "AKS's managed VNet ...".
    pub(super) label: String,
    pub(super) cidr: Cidr,
}

/// Every range of the plan that parses.
pub(super) struct Ranges<'a> {
    pub(super) vnet: Vec<Labeled>,
    pub(super) subnets: Vec<Labeled>,
    /// Index into `subnets` of the node subnet.
    pub(super) node_subnet: Option<usize>,
    pub(super) pod: Option<Labeled>,
    pub(super) service: Option<Labeled>,
    pub(super) dns: Option<Ipv4Addr>,
    pub(super) connected: &'a ConnectedIndex,
    /// The connected networks `connected` was built from (for their names in messages).
    pub(super) networks: &'a [ConnectedNetwork],
    /// The estate's VNets around a cluster (empty for a v1 plan).
    pub(super) extra: &'a [ExtraNet],
}

/// A VNet prefix of an estate that one of its clusters must stay clear of: a VNet peered with
/// the cluster's VNet (an overlap is an error, as with any connected network), or any other VNet
/// of the estate (a warning: no route meets it today, a later peering would).
#[derive(Debug, Clone)]
pub(crate) struct ExtraNet {
    /// Its field in the estate: `vnets[0].addressSpace[1]`.
    pub(crate) path: String,
    /// How messages call it: "VNet `hub` 10.0.0.0/22".
    pub(crate) label: String,
    pub(crate) cidr: Cidr,
    /// Not peered with the cluster's VNet: overlaps are warnings.
    pub(crate) warning: bool,
}

/// What a plan's ranges are checked against besides themselves: its connected networks
/// (indexed once) and, for a cluster of an estate, the estate's other VNets.
pub(crate) struct Neighbours<'a> {
    pub(crate) networks: &'a [ConnectedNetwork],
    pub(crate) index: &'a ConnectedIndex,
    pub(crate) extra: &'a [ExtraNet],
}

/// The connected networks, parsed and indexed once.
///
/// [`check`](super::check) builds one from the plan on every call. A caller that checks many edits of one plan
/// (the web planner, where a plan may hold 10,000 networks) builds it once with
/// [`ConnectedIndex::new`] and passes it to [`check_with`](super::check_with) for every edit that leaves the
/// connected networks as they were.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectedIndex {
    /// Findings about the networks themselves: CIDRs that do not parse or have host bits set,
    /// names with control characters.
    pub(super) findings: Vec<Finding>,
    /// The networks that parse, by position in the plan.
    pub(super) index: CidrIndex<usize>,
    /// The union of their addresses.
    pub(super) taken: Taken,
    /// Positions of the IPv6 networks (dual-stack VNets, as `byocni discover` finds them):
    /// recorded and shown, never an error, and outside every IPv4 rule.
    pub(super) ipv6: Vec<usize>,
    /// How many networks it was built from.
    pub(super) len: usize,
}

impl ConnectedIndex {
    /// Parses and indexes `networks` (a plan's `connectedNetworks`); O(n log n).
    pub fn new(networks: &[ConnectedNetwork]) -> ConnectedIndex {
        let mut findings = Vec::new();
        let mut parsed = Vec::with_capacity(networks.len());
        let mut ipv6 = Vec::new();
        for (i, n) in networks.iter().enumerate() {
            // The common case (a clean CIDR) builds no field name: this loop runs 100,000s of
            // times.
            if let Ok(c) = Cidr::parse(&n.cidr) {
                parsed.push((c, i));
            } else if is_ipv6_network(&n.cidr) {
                ipv6.push(i);
            } else {
                let field = format!("connectedNetworks[{i}].cidr");
                if let Some(c) = parse_field(&field, &n.cidr, false, &mut findings) {
                    parsed.push((c, i));
                }
            }
        }
        names::check_connected(networks, &mut findings);
        let index = CidrIndex::new(parsed);
        ConnectedIndex {
            findings,
            // The index is sorted by start already: the union is one merging pass.
            taken: Taken::from_sorted(index.iter().map(|&(c, _)| c)),
            index,
            ipv6,
            len: networks.len(),
        }
    }

    /// The union of the networks' addresses (those that parse).
    pub fn taken(&self) -> &Taken {
        &self.taken
    }

    /// Positions in `connectedNetworks` of the IPv6 networks, which the IPv4 rules skip.
    pub fn ipv6(&self) -> &[usize] {
        &self.ipv6
    }

    /// How many networks it was built from.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it was built from no networks.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Parses a CIDR field: invalid text is an `invalid-cidr` finding, host bits set a
/// `host-bits-set` finding whose fix is the normalised network (which is then used, so the
/// other rules still run).
pub(super) fn parse_field(
    field: &str,
    text: &str,
    defaulted: bool,
    out: &mut Vec<Finding>,
) -> Option<Cidr> {
    match Cidr::parse(text) {
        Ok(c) => Some(c),
        Err(CidrError::HostBitsSet { normalised, .. }) => {
            out.push(
                Finding::new(
                    Rule::HostBitsSet,
                    field,
                    format!(
                        "{field} `{}` has host bits set; the network it denotes is {normalised}",
                        show_value(text)
                    ),
                )
                .fix_set(
                    format!("write it as {normalised}"),
                    field,
                    normalised.to_string(),
                ),
            );
            Some(normalised)
        }
        Err(e) => {
            let dflt = if defaulted { " (AKS's default)" } else { "" };
            let f = Finding::new(Rule::InvalidCidr, field, format!("{field}{dflt}: {e}"));
            out.push(match e {
                CidrError::LeadingZero { decimal, .. } => {
                    f.fix_set(format!("write it as {decimal}"), field, decimal)
                }
                _ => f.advice("write an IPv4 network as address/prefix, such as 10.0.0.0/16"),
            });
            None
        }
    }
}

pub(super) fn parse_ranges<'a>(
    plan: &Plan,
    nb: &Neighbours<'a>,
    out: &mut Vec<Finding>,
) -> Ranges<'a> {
    let mut vnet = Vec::new();
    let mut subnets = Vec::new();
    let mut node_subnet = None;
    match &plan.vnet {
        None => {
            for (text, field, what) in [
                (MANAGED_VNET_SPACE, "vnet", "AKS's managed VNet"),
                (MANAGED_NODE_SUBNET, "vnet", "AKS's managed node subnet"),
            ] {
                let cidr = Cidr::parse(text).expect("constant parses");
                let l = Labeled {
                    field: field.into(),
                    label: format!("{what} {cidr}"),
                    cidr,
                };
                if what.ends_with("VNet") {
                    vnet.push(l);
                } else {
                    subnets.push(l);
                    node_subnet = Some(0);
                }
            }
        }
        Some(v) => {
            if v.address_space.is_empty() {
                out.push(
                    Finding::new(
                        Rule::InvalidCidr,
                        "vnet.addressSpace",
                        "vnet.addressSpace lists no address prefix; a VNet needs at least one",
                    )
                    .fix_set(
                        "use AKS's conventional 10.224.0.0/12",
                        "vnet.addressSpace",
                        vec![MANAGED_VNET_SPACE],
                    ),
                );
            }
            for (i, text) in v.address_space.iter().enumerate() {
                let field = format!("vnet.addressSpace[{i}]");
                if let Some(cidr) = parse_field(&field, text, false, out) {
                    vnet.push(Labeled {
                        label: format!("{field} {cidr}"),
                        field,
                        cidr,
                    });
                }
            }
            let node_ix = v.node_subnet_index();
            for (i, s) in v.subnets.iter().enumerate() {
                let field = format!("vnet.subnets[{i}].cidr");
                if let Some(cidr) = parse_field(&field, &s.cidr, false, out) {
                    if Some(i) == node_ix {
                        node_subnet = Some(subnets.len());
                    }
                    subnets.push(Labeled {
                        label: format!("subnet `{}` {cidr}", show_value(&s.name)),
                        field,
                        cidr,
                    });
                }
            }
        }
    }
    let pod = match plan.pod_cidr.as_deref().map(str::trim) {
        None | Some("") => {
            out.push(
                Finding::new(
                    Rule::PodCidrMissing,
                    "podCidr",
                    "podCidr is missing: with --network-plugin none AKS needs --pod-cidr, and the CNI allocates pod IPs from it",
                )
                .advice("run `byocni suggest` (or Suggest in the planner) to pick a free range"),
            );
            None
        }
        Some(text) => parse_field("podCidr", text, false, out).map(|cidr| Labeled {
            field: "podCidr".into(),
            label: format!("podCidr {cidr}"),
            cidr,
        }),
    };
    let defaulted = plan.service_cidr.is_none();
    let service =
        parse_field("serviceCidr", plan.effective_service_cidr(), defaulted, out).map(|cidr| {
            Labeled {
                field: "serviceCidr".into(),
                label: if defaulted {
                    format!("serviceCidr {cidr} (AKS's default)")
                } else {
                    format!("serviceCidr {cidr}")
                },
                cidr,
            }
        });
    let dns = match parse_ipv4(plan.effective_dns_service_ip()) {
        Ok(a) => Some(a),
        Err(e) => {
            let dflt = if plan.dns_service_ip.is_none() {
                " (AKS's default)"
            } else {
                ""
            };
            let f = Finding::new(
                Rule::InvalidCidr,
                "dnsServiceIP",
                format!("dnsServiceIP{dflt}: {e}"),
            );
            out.push(match e {
                CidrError::LeadingZero { decimal, .. } => {
                    f.fix_set(format!("write it as {decimal}"), "dnsServiceIP", decimal)
                }
                _ => f.advice("write one IPv4 address inside the service CIDR, such as 10.0.0.10"),
            });
            None
        }
    };
    Ranges {
        vnet,
        subnets,
        node_subnet,
        pod,
        service,
        dns,
        connected: nb.index,
        networks: nb.networks,
        extra: nb.extra,
    }
}

/// Describes connected network `i` for messages.
pub(super) fn connected_label(r: &Ranges, i: usize, c: Cidr) -> String {
    let name = r.networks.get(i).map_or("", |n| n.name.as_str());
    format!("connectedNetworks[{i}] `{}` {c}", show_value(name))
}

/// A free block of `prefix_len` that avoids `taken`, preferring private space.
pub(super) fn free_private(taken: &Taken, prefix_len: u8) -> Option<Cidr> {
    PRIVATE_RANGES
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .find_map(|space| taken.first_free(space, prefix_len))
}

/// Everything the plan's own ranges and its neighbours take, except the field `skip`.
pub(super) fn taken_except(r: &Ranges, skip: &str) -> Taken {
    let own = r
        .vnet
        .iter()
        .chain(&r.subnets)
        .chain(&r.pod)
        .chain(&r.service)
        .filter(|l| l.field != skip)
        .map(|l| l.cidr);
    let fixed = AKS_RESERVED
        .iter()
        .chain(VNET_FORBIDDEN)
        .filter_map(|t| Cidr::parse(t).ok());
    // The connected networks' union is built once; the plan's own few ranges go into a copy.
    let mut taken = r.connected.taken.clone();
    for c in own.chain(fixed).chain(r.extra.iter().map(|e| e.cidr)) {
        taken.insert(c);
    }
    taken
}

/// Adds "move it to a free range of the same size" to an overlap finding.
pub(super) fn with_move_fix(f: Finding, r: &Ranges, l: &Labeled) -> Finding {
    if l.field == "vnet" {
        return f.advice("plan a VNet (`vnet`) with an address space clear of the other ranges");
    }
    // Fields inside the VNet move within it; the others move within private space.
    if l.field.starts_with("vnet.") {
        return f.advice(format!("move {} to a free range", l.field));
    }
    match free_private(&taken_except(r, &l.field), l.cidr.prefix_len()) {
        Some(free) => f.fix_set(
            format!(
                "move {} to {free}, a free /{} ",
                l.field,
                l.cidr.prefix_len()
            )
            .trim_end()
            .to_owned(),
            l.field.clone(),
            free.to_string(),
        ),
        None => f.advice(format!("move {} to a free range", l.field)),
    }
}

/// Overlaps of `l` with connected networks, capped per field.
pub(super) fn overlaps_connected(r: &Ranges, l: &Labeled, rule: Rule, out: &mut Vec<Finding>) {
    // An estate's VNets: the pod and service CIDRs stay clear of them (VNet against VNet is
    // the estate's own peering-overlap and vnet-overlap).
    if !(l.field == "vnet" || l.field.starts_with("vnet.")) {
        for e in r.extra.iter().filter(|e| e.cidr.overlaps(l.cidr)) {
            let mut f = Finding::new(
                rule,
                &l.field,
                if e.warning {
                    format!(
                        "{} overlaps {}, a VNet of the estate not peered with this cluster's VNet: nothing routes there today, but a later peering would break",
                        l.label, e.label
                    )
                } else {
                    format!(
                        "{} overlaps {}, peered with this cluster's VNet",
                        l.label, e.label
                    )
                },
            )
            .related(e.path.clone());
            if e.warning {
                f.severity = crate::finding::Severity::Warning;
            }
            out.push(with_move_fix(f, r, l));
        }
    }
    let hits = r.connected.index.overlapping(l.cidr);
    for (c, i) in hits.iter().take(MAX_OVERLAPS_PER_FIELD) {
        let f = Finding::new(
            rule,
            &l.field,
            format!("{} overlaps {}", l.label, connected_label(r, *i, *c)),
        )
        .related(format!("connectedNetworks[{i}].cidr"));
        out.push(with_move_fix(f, r, l));
    }
    if hits.len() > MAX_OVERLAPS_PER_FIELD {
        out.push(Finding::new(
            rule,
            &l.field,
            format!(
                "{} also overlaps {} more connected networks (only the first {MAX_OVERLAPS_PER_FIELD} are listed)",
                l.label,
                hits.len() - MAX_OVERLAPS_PER_FIELD
            ),
        ));
    }
}

pub(super) fn taken_without_vnet(r: &Ranges, skip: &str) -> Taken {
    let own = r
        .subnets
        .iter()
        .chain(&r.pod)
        .chain(&r.service)
        .filter(|l| l.field != skip)
        .map(|l| l.cidr);
    Taken::new(
        own.chain(
            AKS_RESERVED
                .iter()
                .chain(VNET_FORBIDDEN)
                .filter_map(|t| Cidr::parse(t).ok()),
        ),
    )
}

impl Finding {
    /// Adds advice only when the finding has no fix yet.
    #[must_use]
    pub(super) fn advice_if_none(self, summary: &str) -> Finding {
        if self.fix.is_some() {
            self
        } else {
            self.advice(summary)
        }
    }
}
