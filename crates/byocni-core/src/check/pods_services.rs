//! Rules 4-6: the pod CIDR and the service CIDR clear of the VNet, its subnets, each other and
//! the connected networks; the service CIDR smaller than /12.

use crate::cidr::Cidr;
use crate::finding::{Finding, Rule};

use super::context::{overlaps_connected, with_move_fix, Labeled, Ranges};

pub(super) fn check_pod_and_service(r: &Ranges, out: &mut Vec<Finding>) {
    // Subnets are checked on their own only where they stick out of the VNet (no double report).
    let vnet_like: Vec<&Labeled> = r
        .vnet
        .iter()
        .chain(
            r.subnets
                .iter()
                .filter(|s| !r.vnet.iter().any(|v| v.cidr.contains(s.cidr))),
        )
        .collect();
    if let Some(pod) = &r.pod {
        for v in &vnet_like {
            if pod.cidr.overlaps(v.cidr) {
                out.push(with_move_fix(
                    Finding::new(
                        Rule::PodCidrOverlap,
                        "podCidr",
                        format!("{} overlaps {}", pod.label, v.label),
                    )
                    .related(&v.field),
                    r,
                    pod,
                ));
            }
        }
        if let Some(svc) = &r.service {
            if pod.cidr.overlaps(svc.cidr) {
                out.push(with_move_fix(
                    Finding::new(
                        Rule::PodCidrOverlap,
                        "podCidr",
                        format!("{} overlaps {}", pod.label, svc.label),
                    )
                    .related(&svc.field),
                    r,
                    pod,
                ));
            }
        }
        overlaps_connected(r, pod, Rule::PodCidrOverlap, out);
    }
    if let Some(svc) = &r.service {
        for v in &vnet_like {
            if svc.cidr.overlaps(v.cidr) {
                out.push(with_move_fix(
                    Finding::new(
                        Rule::ServiceCidrOverlap,
                        "serviceCidr",
                        format!("{} overlaps {}", svc.label, v.label),
                    )
                    .related(&v.field),
                    r,
                    svc,
                ));
            }
        }
        overlaps_connected(r, svc, Rule::ServiceCidrOverlap, out);
        if svc.cidr.prefix_len() <= 12 {
            let to = Cidr::new(svc.cidr.network(), 16).expect("16 <= 32");
            out.push(
                Finding::new(
                    Rule::ServiceCidrTooLarge,
                    "serviceCidr",
                    format!("{} is /{}: the service CIDR must be smaller than /12 (kube-apiserver rejects larger ones); /13 or smaller is fine", svc.label, svc.cidr.prefix_len()),
                )
                .fix_set(format!("use {to}"), "serviceCidr", to.to_string()),
            );
        }
    }
}
