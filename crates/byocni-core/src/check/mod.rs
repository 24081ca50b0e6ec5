//! `check`: every rule of `shared/domain.md` over a plan, returning all findings at once, plus
//! the capacity report.
//!
//! The plan's text is parsed once into [`context::Ranges`] (every CIDR that parses, with the
//! field it came from); the rules then run over those, one family per file: fixed ranges
//! (`ranges`), the VNet (`vnet`), pod and service CIDRs (`pods_services`), the DNS IP (`dns`),
//! node pools (`pools`), sizes (`capacity`), names (`names`), the CNI (`cni`) and what is
//! around the cluster: outbound, the API server and the NSG (`around`). Connected
//! networks go into one [`ConnectedIndex`] (a [`CidrIndex`](crate::space::CidrIndex) and the
//! union of their addresses), so each plan range is compared with 100,000 of them in
//! O(log n + k), never pairwise; [`check_with`] reuses an index across edits that do not touch
//! them.

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::plan::Plan;

pub mod around;
pub mod capacity;
mod cni;
mod context;
mod dns;
pub mod estate;
pub mod explain;
mod names;
mod pods_services;
mod pools;
pub mod ranges;
mod vnet;

pub use capacity::{
    node_addresses_needed, ApiServerSubnetCapacity, Capacity, NodeSubnetCapacity, PodCapacity,
    ServiceCapacity,
};
pub use context::ConnectedIndex;
pub use dns::dns_suggestion;
pub use estate::{check_estate, check_estate_with, ClusterCapacity, EstateReport};
pub use ranges::{is_private, AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN};

/// What `check` says about a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Every finding, errors first, then by field.
    pub findings: Vec<Finding>,
    /// How full each range will be.
    pub capacity: Capacity,
    /// Positions in `connectedNetworks` of IPv6 prefixes (dual-stack VNets): recorded and shown,
    /// outside every IPv4 rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_connected_networks: Vec<usize>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// How many errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        (errors, self.findings.len() - errors)
    }
}

/// Checks a plan against every rule.
pub fn check(plan: &Plan) -> Report {
    check_with(plan, &ConnectedIndex::new(&plan.connected_networks))
}

/// Checks a plan against every rule, with its connected networks already indexed.
///
/// `connected` must have been built from `plan.connected_networks`, as they are now; an index
/// of a different number of networks is ignored and rebuilt (the result is then the same as
/// [`check`]'s, only slower).
pub fn check_with(plan: &Plan, connected: &ConnectedIndex) -> Report {
    if connected.len != plan.connected_networks.len() {
        return check(plan);
    }
    let mut out = connected.findings.clone();
    let nb = context::Neighbours {
        networks: &plan.connected_networks,
        index: connected,
        extra: &[],
    };
    let capacity = check_parts(plan, &nb, (0, 0), &mut out);
    sort(&mut out);
    Report {
        findings: out,
        capacity,
        ipv6_connected_networks: connected.ipv6.clone(),
    }
}

/// Every v1 rule over `plan` against `nb`, findings added to `out` (unsorted); returns the
/// capacity report. `shared` adds (max nodes, surge nodes) of other clusters on the same node
/// subnet to its capacity (an estate's node-subnet-shared).
pub(crate) fn check_parts(
    plan: &Plan,
    nb: &context::Neighbours<'_>,
    shared: (u64, u64),
    out: &mut Vec<Finding>,
) -> Capacity {
    let r = context::parse_ranges(plan, nb, out);
    names::check(plan, out);
    ranges::check_reserved(plan, &r, out);
    vnet::check_vnet(plan, &r, out);
    pods_services::check_pod_and_service(&r, out);
    dns::check_dns(plan, &r, out);
    pools::check_pools(plan, out);
    let mut capacity = capacity::capacity(plan);
    if let Some(ns) = capacity.node_subnet.as_mut() {
        ns.max_nodes = ns.max_nodes.saturating_add(shared.0);
        ns.surge_nodes = ns.surge_nodes.saturating_add(shared.1);
        ns.needed = ns.needed.saturating_add(shared.0).saturating_add(shared.1);
    }
    capacity::check_capacity(plan, &r, &capacity, out);
    cni::check_cni(plan, out);
    around::check_around(plan, &r, out);
    capacity
}

/// Errors first, then by field; stable, so equal keys keep the order the rules found them in.
pub(crate) fn sort(out: &mut [Finding]) {
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.field.cmp(&b.field))
    });
}
