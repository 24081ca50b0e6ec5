//! `check`: every rule of `shared/domain.md` (1-19) over a plan, returning all findings at once,
//! plus the capacity report.
//!
//! The plan's text is parsed once into [`Ranges`] (every CIDR that parses, with the field it came
//! from); the rules then run over those. Connected networks go into one [`ConnectedIndex`] (a
//! [`CidrIndex`] and the union of their addresses), so each plan range is compared with 100,000
//! of them in O(log n + k), never pairwise; [`check_with`] reuses an index across edits that do
//! not touch them.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::cidr::{parse_ipv4, prefix_for_addresses, Cidr, CidrError};
use crate::finding::{Finding, Rule, Severity};
use crate::plan::{
    parse_max_surge, ConnectedNetwork, Plan, PoolMode, SubnetRole, MANAGED_NODE_SUBNET,
    MANAGED_VNET_SPACE,
};
use crate::space::{CidrIndex, Taken};

pub mod capacity;
pub mod explain;
mod names;
pub mod ranges;

pub use capacity::{Capacity, NodeSubnetCapacity, PodCapacity, ServiceCapacity};
pub use ranges::{is_private, AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN};

use names::show_value;

/// What `check` says about a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Every finding, errors first, then by field.
    pub findings: Vec<Finding>,
    /// How full each range will be.
    pub capacity: Capacity,
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

/// At most this many overlap findings per plan range against connected networks; the rest are
/// summed up in one more finding.
const MAX_OVERLAPS_PER_FIELD: usize = 20;

/// A parsed range and where it came from.
#[derive(Debug, Clone)]
struct Labeled {
    field: String,
    /// How messages call it: "vnet.addressSpace[0] 10.224.0.0/12" or "AKS's managed VNet ...".
    label: String,
    cidr: Cidr,
}

/// Every range of the plan that parses.
struct Ranges<'a> {
    vnet: Vec<Labeled>,
    subnets: Vec<Labeled>,
    /// Index into `subnets` of the node subnet.
    node_subnet: Option<usize>,
    pod: Option<Labeled>,
    service: Option<Labeled>,
    dns: Option<Ipv4Addr>,
    connected: &'a ConnectedIndex,
}

/// The connected networks, parsed and indexed once.
///
/// [`check`] builds one from the plan on every call. A caller that checks many edits of one plan
/// (the web planner, where a plan may hold 10,000 networks) builds it once with
/// [`ConnectedIndex::new`] and passes it to [`check_with`] for every edit that leaves the
/// connected networks as they were.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectedIndex {
    /// Findings about the networks themselves: CIDRs that do not parse or have host bits set,
    /// names with control characters.
    findings: Vec<Finding>,
    /// The networks that parse, by position in the plan.
    index: CidrIndex<usize>,
    /// The union of their addresses.
    taken: Taken,
    /// How many networks it was built from.
    len: usize,
}

impl ConnectedIndex {
    /// Parses and indexes `networks` (a plan's `connectedNetworks`); O(n log n).
    pub fn new(networks: &[ConnectedNetwork]) -> ConnectedIndex {
        let mut findings = Vec::new();
        let mut parsed = Vec::with_capacity(networks.len());
        for (i, n) in networks.iter().enumerate() {
            // The common case (a clean CIDR) builds no field name: this loop runs 100,000s of
            // times.
            if let Ok(c) = Cidr::parse(&n.cidr) {
                parsed.push((c, i));
            } else {
                let field = format!("connectedNetworks[{i}].cidr");
                if let Some(c) = parse_field(&field, &n.cidr, false, &mut findings) {
                    parsed.push((c, i));
                }
            }
        }
        names::check_connected(networks, &mut findings);
        ConnectedIndex {
            findings,
            taken: Taken::new(parsed.iter().map(|&(c, _)| c)),
            index: CidrIndex::new(parsed),
            len: networks.len(),
        }
    }

    /// The union of the networks' addresses (those that parse).
    pub fn taken(&self) -> &Taken {
        &self.taken
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
    let r = parse_ranges(plan, connected, &mut out);
    names::check(plan, &mut out);
    check_reserved(plan, &r, &mut out);
    check_vnet(plan, &r, &mut out);
    check_pod_and_service(plan, &r, &mut out);
    check_dns(plan, &r, &mut out);
    check_pools(plan, &mut out);
    let capacity = capacity::capacity(plan);
    check_capacity(plan, &r, &capacity, &mut out);
    if plan.cni.plugin == crate::plan::CniPlugin::Flannel {
        out.push(
            Finding::new(
                Rule::CniUnsupported,
                "cni.plugin",
                "cni.plugin `flannel`: Flannel's default kube subnet manager reads node.spec.podCIDR, which AKS does not assign with --network-plugin none, so it will not come up as is",
            )
            .fix_set("use Cilium, which allocates from the pod CIDR itself", "cni.plugin", "cilium"),
        );
    }
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.field.cmp(&b.field))
    });
    Report {
        findings: out,
        capacity,
    }
}

/// Parses a CIDR field: invalid text is an `invalid-cidr` finding, host bits set a
/// `host-bits-set` finding whose fix is the normalised network (which is then used, so the
/// other rules still run).
fn parse_field(field: &str, text: &str, defaulted: bool, out: &mut Vec<Finding>) -> Option<Cidr> {
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
            out.push(
                Finding::new(Rule::InvalidCidr, field, format!("{field}{dflt}: {e}"))
                    .advice("write an IPv4 network as address/prefix, such as 10.0.0.0/16"),
            );
            None
        }
    }
}

fn parse_ranges<'a>(
    plan: &Plan,
    connected: &'a ConnectedIndex,
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
            out.push(
                Finding::new(
                    Rule::InvalidCidr,
                    "dnsServiceIP",
                    format!("dnsServiceIP{dflt}: {e}"),
                )
                .advice("write one IPv4 address inside the service CIDR, such as 10.0.0.10"),
            );
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
        connected,
    }
}

/// Describes connected network `i` for messages.
fn connected_label(plan: &Plan, i: usize, c: Cidr) -> String {
    format!(
        "connectedNetworks[{i}] `{}` {c}",
        show_value(&plan.connected_networks[i].name)
    )
}

/// A free block of `prefix_len` that avoids `taken`, preferring private space.
fn free_private(taken: &Taken, prefix_len: u8) -> Option<Cidr> {
    PRIVATE_RANGES
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .find_map(|space| taken.first_free(space, prefix_len))
}

/// Everything the plan's own ranges and its neighbours take, except the field `skip`.
fn taken_except(r: &Ranges, skip: &str) -> Taken {
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
    for c in own.chain(fixed) {
        taken.insert(c);
    }
    taken
}

/// Adds "move it to a free range of the same size" to an overlap finding.
fn with_move_fix(f: Finding, r: &Ranges, l: &Labeled) -> Finding {
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

fn check_reserved(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
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
                            ranges::why_reserved(f)
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
                            ranges::why_reserved(a)
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
                            ranges::why_reserved(a)
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

fn check_vnet(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let Some(v) = &plan.vnet else {
        // AKS's managed VNet: only the connected networks can collide with it.
        for l in &r.vnet {
            overlaps_connected(plan, r, l, Rule::VnetOverlapsConnected, out);
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
        overlaps_connected(plan, r, a, Rule::VnetOverlapsConnected, out);
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

fn size_finding(l: &Labeled, what: &str) -> Finding {
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

/// Overlaps of `l` with connected networks, capped per field.
fn overlaps_connected(plan: &Plan, r: &Ranges, l: &Labeled, rule: Rule, out: &mut Vec<Finding>) {
    let hits = r.connected.index.overlapping(l.cidr);
    for (c, i) in hits.iter().take(MAX_OVERLAPS_PER_FIELD) {
        let f = Finding::new(
            rule,
            &l.field,
            format!("{} overlaps {}", l.label, connected_label(plan, *i, *c)),
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

fn check_pod_and_service(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
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
        overlaps_connected(plan, r, pod, Rule::PodCidrOverlap, out);
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
        overlaps_connected(plan, r, svc, Rule::ServiceCidrOverlap, out);
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

fn check_dns(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
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

fn check_pools(plan: &Plan, out: &mut Vec<Finding>) {
    let Some(pools) = &plan.node_pools else {
        return;
    };
    if pools.is_empty() {
        out.push(
            Finding::new(
                Rule::NodeCountLimit,
                "nodePools",
                "nodePools is empty; a cluster needs at least one system pool",
            )
            .fix_set(
                "add AKS's default pool",
                "nodePools",
                serde_json::json!([{"name": "nodepool1", "mode": "system", "count": 3}]),
            ),
        );
        return;
    }
    if pools.len() > 100 {
        out.push(Finding::new(
            Rule::NodeCountLimit,
            "nodePools",
            format!(
                "nodePools has {} pools; AKS allows 100 per cluster",
                pools.len()
            ),
        ));
    }
    if pools[0].mode != PoolMode::System {
        out.push(
            Finding::new(
                Rule::NodeCountLimit,
                "nodePools[0].mode",
                "nodePools[0] is the pool `az aks create` makes, and it must be a system pool",
            )
            .fix_set("make it a system pool", "nodePools[0].mode", "system"),
        );
    }
    let mut total: u64 = 0;
    for (i, p) in pools.iter().enumerate() {
        let f = |k: &str| format!("nodePools[{i}].{k}");
        if p.count > 1000 {
            out.push(
                Finding::new(
                    Rule::NodeCountLimit,
                    f("count"),
                    format!(
                        "{} is {}; a pool holds at most 1000 nodes",
                        f("count"),
                        p.count
                    ),
                )
                .fix_set("use 1000", f("count"), 1000),
            );
        }
        if let Some(m) = p.max_count {
            if m > 1000 {
                out.push(
                    Finding::new(
                        Rule::NodeCountLimit,
                        f("maxCount"),
                        format!("{} is {m}; a pool holds at most 1000 nodes", f("maxCount")),
                    )
                    .fix_set("use 1000", f("maxCount"), 1000),
                );
            }
            if m < p.count {
                out.push(
                    Finding::new(Rule::NodeCountLimit, f("maxCount"), format!("{} is {m}, below {} {}; the autoscaler maximum must be at least the node count", f("maxCount"), f("count"), p.count))
                        .fix_set(format!("use {}", p.count), f("maxCount"), p.count),
                );
            }
        }
        if p.mode == PoolMode::System && p.count == 0 {
            out.push(
                Finding::new(
                    Rule::NodeCountLimit,
                    f("count"),
                    format!("{} is 0; a system pool needs at least 1 node", f("count")),
                )
                .fix_set("use 1", f("count"), 1),
            );
        }
        if parse_max_surge(p.effective_max_surge()).is_none() {
            out.push(
                Finding::new(
                    Rule::MaxSurgeInvalid,
                    f("maxSurge"),
                    format!("{} `{}` is neither a node count (`3`) nor a percentage from 1% to 100% (`33%`)", f("maxSurge"), show_value(p.effective_max_surge())),
                )
                .fix_set("use 10%, AKS's default", f("maxSurge"), "10%"),
            );
        }
        let mp = p.effective_max_pods();
        if !(10..=250).contains(&mp) {
            let to = mp.clamp(10, 250);
            out.push(
                Finding::new(
                    Rule::MaxPodsRange,
                    f("maxPods"),
                    format!(
                        "{} is {mp}; AKS allows 10 to 250 pods per node",
                        f("maxPods")
                    ),
                )
                .fix_set(format!("use {to}"), f("maxPods"), to),
            );
        } else if mp < 30 && u64::from(mp) * u64::from(p.count.max(1)) < 30 {
            out.push(
                Finding::new(
                    Rule::MaxPodsRange,
                    f("maxPods"),
                    format!("{} is {mp} with {} node(s): below 30 pods per node AKS needs the pool to hold at least 30 pods in all", f("maxPods"), p.count),
                )
                .fix_set("use 30", f("maxPods"), 30),
            );
        }
        total = total.saturating_add(u64::from(p.max_nodes()));
    }
    if total > 5000 {
        out.push(Finding::new(
            Rule::NodeCountLimit,
            "nodePools",
            format!(
                "the pools add up to {total} nodes at their maximum; AKS allows 5000 per cluster"
            ),
        ));
    }
}

/// Addresses the node subnet needs: max nodes + surge + ILB + 5 (rule 11).
pub fn node_addresses_needed(plan: &Plan) -> u64 {
    let (nodes, surge) = plan.node_totals();
    nodes
        .saturating_add(surge)
        .saturating_add(u64::from(plan.effective_internal_load_balancers()))
        .saturating_add(5)
}

fn check_capacity(plan: &Plan, r: &Ranges, cap: &Capacity, out: &mut Vec<Finding>) {
    if let (Some(ns), Some(ix)) = (&cap.node_subnet, r.node_subnet) {
        let l = &r.subnets[ix];
        if ns.needed > ns.total {
            let mut f = Finding::new(
                Rule::NodeSubnetTooSmall,
                &l.field,
                format!(
                    "{} has {} usable addresses but the pools need {}: {} nodes at most + {} surge + {} internal load balancer IPs, plus the 5 Azure reserves in every subnet",
                    l.label, ns.usable, ns.needed - 5, ns.max_nodes, ns.surge_nodes, ns.internal_load_balancers
                ),
            );
            if let (Some(p), true) = (prefix_for_addresses(ns.needed), l.field != "vnet") {
                // Same start if it still fits in the VNet and collides with nothing, else the
                // first free block of the VNet.
                let taken = taken_without_vnet(r, &l.field);
                let choice = Cidr::new(l.cidr.network(), p)
                    .filter(|c| r.vnet.iter().any(|v| v.cidr.contains(*c)) && !taken.overlaps(*c))
                    .or_else(|| r.vnet.iter().find_map(|v| taken.first_free(v.cidr, p)));
                if let Some(c) = choice {
                    f = f.fix_set(
                        format!(
                            "use {c}, the smallest subnet that fits ({} addresses)",
                            c.size()
                        ),
                        &l.field,
                        c.to_string(),
                    );
                }
            }
            out.push(f.advice_if_none("make the node subnet larger, or plan fewer nodes"));
        }
    }
    if let Some(pc) = &cap.pods {
        let p = plan.effective_per_node_prefix();
        if p < pc.cidr.prefix_len() || p > 30 {
            out.push(Finding::new(
                Rule::PerNodePrefixInvalid,
                "cni.perNodePrefix",
                format!(
                    "cni.perNodePrefix /{p} does not fit podCidr {}: each node's block must be /{} to /30",
                    pc.cidr,
                    pc.cidr.prefix_len()
                ),
            ).fix_set(format!("use the plugin's default /{}", plan.cni.plugin.default_per_node_prefix()), "cni.perNodePrefix", plan.cni.plugin.default_per_node_prefix()));
            return;
        }
        if pc.nodes_supported < pc.nodes_planned {
            let mut f = Finding::new(
                Rule::PodCidrTooSmall,
                "podCidr",
                format!(
                    "podCidr {} gives {} nodes a /{p} block each, but the pools reach {} nodes during upgrades (max nodes + surge)",
                    pc.cidr, pc.nodes_supported, pc.nodes_planned
                ),
            );
            let bits = 64 - (pc.nodes_planned.max(1) - 1).leading_zeros();
            if let Some(want) = u32::from(p).checked_sub(bits).map(|w| w as u8) {
                if let Some(l) = &r.pod {
                    if let Some(free) = free_private(&taken_except(r, &l.field), want) {
                        f = f.fix_set(
                            format!("use {free} ({} nodes)", 1u64 << bits),
                            "podCidr",
                            free.to_string(),
                        );
                    }
                }
            }
            out.push(f.advice_if_none("use a larger pod CIDR or a smaller per-node block"));
        }
        // Calico borrows addresses from other blocks, so its block size is no per-node limit.
        if pc.pods_per_node_supported < pc.pods_per_node_planned
            && plan.cni.plugin != crate::plan::CniPlugin::Calico
        {
            let need = prefix_for_addresses(pc.pods_per_node_planned + 2).unwrap_or(24);
            out.push(
                Finding::new(
                    Rule::PerNodePrefixInvalid,
                    "cni.perNodePrefix",
                    format!(
                        "a /{p} block per node gives {} pod IPs, but a pool allows {} pods per node (maxPods)",
                        pc.pods_per_node_supported, pc.pods_per_node_planned
                    ),
                )
                .fix_set(format!("use /{need}"), "cni.perNodePrefix", need),
            );
        }
        if pc.pods_supported < pc.pods_planned
            && pc.nodes_supported >= pc.nodes_planned
            && plan.cni.plugin == crate::plan::CniPlugin::Calico
        {
            out.push(Finding::new(
                Rule::PodCidrTooSmall,
                "podCidr",
                format!(
                    "podCidr {} holds {} pod IPs but the pools allow {} pods",
                    pc.cidr, pc.pods_supported, pc.pods_planned
                ),
            ));
        }
    }
}

fn taken_without_vnet(r: &Ranges, skip: &str) -> Taken {
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
    fn advice_if_none(self, summary: &str) -> Finding {
        if self.fix.is_some() {
            self
        } else {
            self.advice(summary)
        }
    }
}
