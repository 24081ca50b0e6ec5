//! Rules 8 and 10 for a planned VNet: its prefixes (disjoint, /2 to /29, clear of connected
//! networks), its node subnet (present, and only one), its subnets (inside the VNet, disjoint,
//! /2 to /29).

use crate::cidr::{prefix_for_addresses, Cidr};
use crate::finding::{Finding, Rule};
use crate::plan::{Plan, SubnetRole};

use super::capacity::node_addresses_needed;
use super::context::{overlaps_connected, taken_without_vnet, Labeled, Ranges};

pub(super) fn check_vnet(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let Some(v) = &plan.vnet else {
        // AKS's managed VNet: only the connected networks can collide with it.
        for l in &r.vnet {
            overlaps_connected(r, l, Rule::VnetOverlapsConnected, out);
        }
        return;
    };
    for (i, a) in r.vnet.iter().enumerate() {
        if !(2..=29).contains(&a.cidr.prefix_len()) {
            out.push(size_finding(a, "a VNet address prefix"));
        }
        for b in &r.vnet[i + 1..] {
            if a.cidr.overlaps(b.cidr) {
                out.push(
                    Finding::new(
                        Rule::VnetSpaceOverlap,
                        &b.field,
                        format!(
                            "{} overlaps {}; a VNet's address prefixes must be disjoint",
                            b.label, a.label
                        ),
                    )
                    .related(&a.field)
                    .advice(format!("remove {} or choose a disjoint prefix", b.field)),
                );
            }
        }
        overlaps_connected(r, a, Rule::VnetOverlapsConnected, out);
    }
    if v.subnets.is_empty() {
        let mut f = Finding::new(
            Rule::NodeSubnetMissing,
            "vnet.subnets",
            "vnet.subnets is empty: AKS needs a node subnet in the VNet (--vnet-subnet-id)",
        );
        let need = node_addresses_needed(plan);
        if let (Some(p), Some(space)) = (
            prefix_for_addresses(need).map(|p| p.min(29)),
            r.vnet.first(),
        ) {
            if let Some(free) = taken_without_vnet(r, "").first_free(space.cidr, p) {
                f = f.fix_set(
                    format!("add a node subnet {free} ({need} addresses needed)"),
                    "vnet.subnets",
                    serde_json::json!([{ "name": "nodes", "cidr": free.to_string(), "role": "nodes" }]),
                );
            }
        }
        out.push(f.advice_if_none("add a subnet with role `nodes` inside the VNet"));
    }
    let roles = v
        .subnets
        .iter()
        .filter(|s| s.role == SubnetRole::Nodes)
        .count();
    if roles > 1 {
        out.push(
            Finding::new(
                Rule::NodeSubnetMissing,
                "vnet.subnets",
                format!("vnet.subnets has {roles} subnets with role `nodes`; the cluster is created on one node subnet (the first is used)"),
            )
            .advice("give the extra subnets role `other`"),
        );
    }
    for (i, s) in r.subnets.iter().enumerate() {
        if !(2..=29).contains(&s.cidr.prefix_len()) {
            out.push(size_finding(s, "a subnet"));
        }
        if !r.vnet.iter().any(|space| space.cidr.contains(s.cidr)) {
            let spaces: Vec<String> = r.vnet.iter().map(|l| l.cidr.to_string()).collect();
            let mut f = Finding::new(
                Rule::SubnetOutsideVnet,
                &s.field,
                format!(
                    "{} is not inside the VNet's address space ({})",
                    s.label,
                    if spaces.is_empty() {
                        "none parses".into()
                    } else {
                        spaces.join(", ")
                    }
                ),
            );
            if let Some(space) = r.vnet.first() {
                if let Some(free) =
                    taken_without_vnet(r, &s.field).first_free(space.cidr, s.cidr.prefix_len())
                {
                    f = f.fix_set(
                        format!("move it to {free}, free inside the VNet"),
                        &s.field,
                        free.to_string(),
                    );
                }
            }
            out.push(f.advice_if_none(
                "move the subnet inside the VNet, or add a VNet prefix that holds it",
            ));
        }
        for t in &r.subnets[i + 1..] {
            if s.cidr.overlaps(t.cidr) {
                out.push(
                    Finding::new(
                        Rule::SubnetOverlap,
                        &t.field,
                        format!(
                            "{} overlaps {}; subnets of a VNet must be disjoint",
                            t.label, s.label
                        ),
                    )
                    .related(&s.field)
                    .advice(format!("move {} to a free range of the VNet", t.field)),
                );
            }
        }
    }
}

pub(super) fn size_finding(l: &Labeled, what: &str) -> Finding {
    let p = l.cidr.prefix_len();
    let (to, why) = if p > 29 {
        (29, "smaller than /29, Azure's smallest")
    } else {
        (2, "larger than /2, Azure's largest")
    };
    let mut f = Finding::new(
        Rule::SubnetSize,
        &l.field,
        format!(
            "{} is {why}: {what} must be /2 to /29 (Azure keeps 5 addresses of each subnet)",
            l.label
        ),
    );
    if let Some(c) = l
        .cidr
        .supernet(to)
        .or_else(|| Cidr::new(l.cidr.network(), to))
    {
        f = f.fix_set(format!("use {c}"), &l.field, c.to_string());
    }
    f
}
