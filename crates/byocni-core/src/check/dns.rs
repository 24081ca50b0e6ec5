//! Rule 7: the DNS service IP inside the service CIDR, between network + 2 and broadcast - 1.

use std::net::Ipv4Addr;

use crate::cidr::Cidr;
use crate::finding::{Finding, Rule};
use crate::plan::Plan;

use super::context::Ranges;

pub(super) fn check_dns(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let (Some(svc), Some(dns)) = (&r.service, r.dns) else {
        return;
    };
    let dflt = if plan.dns_service_ip.is_none() {
        " (AKS's default)"
    } else {
        ""
    };
    let suggestion = dns_suggestion(svc.cidr);
    let fix = |f: Finding| match suggestion {
        Some(a) => f.fix_set(format!("use {a}"), "dnsServiceIP", a.to_string()),
        None => f.advice("make the service CIDR larger than /31"),
    };
    if !svc.cidr.contains_addr(dns) {
        out.push(fix(Finding::new(
            Rule::DnsIpOutsideServiceCidr,
            "dnsServiceIP",
            format!("dnsServiceIP {dns}{dflt} is not inside {}", svc.label),
        )
        .related("serviceCidr")));
        return;
    }
    let n = u32::from(dns);
    let what = if n == svc.cidr.start() {
        Some("the network address")
    } else if n == svc.cidr.start().wrapping_add(1) {
        Some("the first address, which the `kubernetes` service takes")
    } else if n == svc.cidr.end() {
        Some("the broadcast address")
    } else {
        None
    };
    if let Some(what) = what {
        out.push(fix(Finding::new(
            Rule::DnsIpReserved,
            "dnsServiceIP",
            format!("dnsServiceIP {dns}{dflt} is {what} of {}; it must lie between network + 2 and broadcast - 1", svc.label),
        )
        .related("serviceCidr")));
    }
}

/// AKS's convention for the DNS service IP: the `.10` of the service CIDR (network + 2 in tiny
/// ranges); `None` below a /30.
pub fn dns_suggestion(svc: Cidr) -> Option<Ipv4Addr> {
    let offset = if svc.size() > 11 { 10 } else { 2 };
    (svc.size() >= 4).then(|| Ipv4Addr::from(svc.start() + offset))
}
