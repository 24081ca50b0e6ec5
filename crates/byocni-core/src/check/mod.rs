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
    let r = context::parse_ranges(plan, connected, &mut out);
    names::check(plan, &mut out);
    ranges::check_reserved(plan, &r, &mut out);
    vnet::check_vnet(plan, &r, &mut out);
    pods_services::check_pod_and_service(plan, &r, &mut out);
    dns::check_dns(plan, &r, &mut out);
    pools::check_pools(plan, &mut out);
    let capacity = capacity::capacity(plan);
    capacity::check_capacity(plan, &r, &capacity, &mut out);
    cni::check_cni(plan, &mut out);
    around::check_around(plan, &r, &mut out);
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.field.cmp(&b.field))
    });
    Report {
        findings: out,
        capacity,
        ipv6_connected_networks: connected.ipv6.clone(),
    }
}
