//! The fixed address ranges the rules know: what AKS reserves (rule 2), what Azure forbids in a
//! VNet (rule 3), and what counts as private (rule 9); and the rules that keep the plan's ranges
//! clear of them.

use crate::cidr::Cidr;
use crate::finding::{Finding, Rule};
use crate::plan::Plan;

use super::context::{with_move_fix, Ranges};

/// Reserved by AKS: never usable for the VNet, pods or services (seed, prerequisites).
pub const AKS_RESERVED: &[&str] = &[
    "169.254.0.0/16",
    "172.30.0.0/16",
    "172.31.0.0/16",
    "192.0.2.0/24",
];

/// Not usable in a VNet at all (Azure VNet FAQ).
pub const VNET_FORBIDDEN: &[&str] = &[
    "224.0.0.0/4",
    "255.255.255.255/32",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "168.63.129.16/32",
];

/// Private space, in the order suggestions and fixes prefer it: RFC 1918, then shared
/// address space (RFC 6598).
pub const PRIVATE_RANGES: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

/// Whether the range lies wholly in private space.
pub fn is_private(c: Cidr) -> bool {
    PRIVATE_RANGES
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .any(|p| p.contains(c))
}

/// Why a fixed range is off limits, for messages.
pub(crate) fn why_reserved(c: Cidr) -> &'static str {
    match c.to_string().as_str() {
        "169.254.0.0/16" => "link-local",
        "172.30.0.0/16" | "172.31.0.0/16" => "used inside AKS",
        "192.0.2.0/24" => "TEST-NET-1, used by AKS",
        "224.0.0.0/4" => "multicast",
        "255.255.255.255/32" => "broadcast",
        "127.0.0.0/8" => "loopback",
        "168.63.129.16/32" => "Azure's platform address for DNS, DHCP and health probes",
        _ => "reserved",
    }
}

pub(super) fn check_reserved(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let _ = plan;
    let reserved: Vec<Cidr> = AKS_RESERVED
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .collect();
    let forbidden: Vec<Cidr> = VNET_FORBIDDEN
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .collect();
    let in_vnet = r
        .vnet
        .iter()
        .chain(&r.subnets)
        .filter(|l| l.field != "vnet");
    for l in in_vnet {
        let mut hit: Vec<Cidr> = Vec::new();
        for &f in &forbidden {
            if l.cidr.overlaps(f) {
                hit.push(f);
                out.push(with_move_fix(
                    Finding::new(
                        Rule::VnetForbiddenRange,
                        &l.field,
                        format!(
                            "{} overlaps {f}, which Azure does not allow in a VNet ({})",
                            l.label,
                            why_reserved(f)
                        ),
                    ),
                    r,
                    l,
                ));
            }
        }
        for &a in &reserved {
            if l.cidr.overlaps(a) && !hit.contains(&a) {
                out.push(with_move_fix(
                    Finding::new(
                        Rule::ReservedRange,
                        &l.field,
                        format!(
                            "{} overlaps {a}, which AKS reserves ({})",
                            l.label,
                            why_reserved(a)
                        ),
                    ),
                    r,
                    l,
                ));
            }
        }
    }
    for l in r.pod.iter().chain(&r.service) {
        for &a in reserved
            .iter()
            .chain(forbidden.iter().filter(|f| !reserved.contains(f)))
        {
            if l.cidr.overlaps(a) {
                out.push(with_move_fix(
                    Finding::new(
                        Rule::ReservedRange,
                        &l.field,
                        format!(
                            "{} overlaps {a}, which cannot be used for pods or services ({})",
                            l.label,
                            why_reserved(a)
                        ),
                    ),
                    r,
                    l,
                ));
            }
        }
        if !is_private(l.cidr) {
            out.push(Finding::new(
                Rule::PublicRange,
                &l.field,
                format!(
                    "{} is public address space; pods and services normally use RFC 1918 (10/8, 172.16/12, 192.168/16) or 100.64.0.0/10, and public ranges there hide the real owners of those addresses",
                    l.label
                ),
            ));
        }
    }
}
