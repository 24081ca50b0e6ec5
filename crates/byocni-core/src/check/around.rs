//! Around the cluster: the outbound type and its blocks (`outbound-config`,
//! `outbound-ip-count`, `udr-next-hop`), the API server (`apiserver-subnet-size`,
//! `apiserver-subnet-role`, `authorized-ranges-private`, `authorized-range-invalid`) and the
//! names of the route table, NAT gateway and NSG. The private endpoint is counted by
//! `capacity` (`private-endpoint-ip`); `udr-default-route` and `nsg-blocks-overlay` need what
//! exists in Azure and come from `apply`'s preflight.

use crate::cidr::{parse_ipv4, Cidr, CidrError};
use crate::finding::{Finding, Rule};
use crate::plan::{OutboundType, Plan, SubnetRole};

use super::context::{taken_without_vnet, Ranges};
use super::names::{self, show_value};
use super::ranges::{AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN};

/// AKS's limit on `--load-balancer-managed-outbound-ip-count`.
pub const LB_OUTBOUND_IPS: std::ops::RangeInclusive<u32> = 1..=100;
/// AKS's limit on a NAT gateway's outbound IPs.
pub const NAT_OUTBOUND_IPS: std::ops::RangeInclusive<u32> = 1..=16;
/// A NAT gateway's idle timeout, in minutes.
pub const NAT_IDLE_TIMEOUT: std::ops::RangeInclusive<u32> = 4..=120;
/// The most authorized IP ranges AKS accepts.
pub const MAX_AUTHORIZED_RANGES: usize = 200;
/// The largest API server subnet prefix (the smallest subnet): /28.
pub const APISERVER_SUBNET_PREFIX: u8 = 28;
/// Free IPs the API server subnet must have.
pub const APISERVER_SUBNET_FREE: u64 = 9;

/// Ranges that are not global, beside private space and what AKS and Azure reserve: "this
/// network", IETF protocol assignments, benchmarking, the documentation ranges TEST-NET-2 and
/// TEST-NET-3, and 240.0.0.0/4 (az refuses them as authorized ranges: "must be global
/// non-reserved addresses or CIDRs", Python's `ipaddress.is_global`).
const NOT_PUBLIC: &[&str] = &[
    "0.0.0.0/8",
    "192.0.0.0/24",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "240.0.0.0/4",
];

pub(super) fn check_around(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    check_outbound(plan, r, out);
    check_api_server(plan, r, out);
    if let Some(name) = plan.nsg.as_ref().and_then(|n| n.name.as_deref()) {
        out.extend(names::check_network_name("an NSG name", "nsg.name", name));
    }
}

/// A value outside `range`: the finding with the nearest value as its fix.
fn out_of_range(
    field: &str,
    what: &str,
    value: u32,
    range: &std::ops::RangeInclusive<u32>,
) -> Option<Finding> {
    if range.contains(&value) {
        return None;
    }
    let near = value.clamp(*range.start(), *range.end());
    Some(
        Finding::new(
            Rule::OutboundIpCount,
            field,
            format!(
                "{field} is {value}: {what} is {} to {}",
                range.start(),
                range.end()
            ),
        )
        .fix_set(format!("use {near}"), field, near),
    )
}

fn check_outbound(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let Some(o) = &plan.outbound else { return };
    let kind = o.kind;
    let config = |field: &str, msg: String, advice: &str| {
        Finding::new(Rule::OutboundConfig, field, msg).advice(advice)
    };
    let nat_type = matches!(
        kind,
        OutboundType::ManagedNatGateway | OutboundType::UserAssignedNatGateway
    );
    if o.load_balancer.is_some() && kind != OutboundType::LoadBalancer {
        out.push(config(
            "outbound.loadBalancer",
            format!("outbound.loadBalancer is given, but outbound type {} does not use a load balancer for egress", kind.as_str()),
            "remove outbound.loadBalancer, or use type loadBalancer",
        ));
    }
    if o.nat_gateway.is_some() && !nat_type {
        out.push(config(
            "outbound.natGateway",
            format!(
                "outbound.natGateway is given, but outbound type {} uses no NAT gateway",
                kind.as_str()
            ),
            "remove outbound.natGateway, or use type managedNATGateway or userAssignedNATGateway",
        ));
    }
    if o.route_table.is_some() && kind != OutboundType::UserDefinedRouting {
        out.push(config(
            "outbound.routeTable",
            format!(
                "outbound.routeTable is given, but outbound type {} uses no route table of yours",
                kind.as_str()
            ),
            "remove outbound.routeTable, or use type userDefinedRouting",
        ));
    }
    if matches!(
        kind,
        OutboundType::UserAssignedNatGateway | OutboundType::UserDefinedRouting
    ) && plan.vnet.is_none()
    {
        out.push(config(
            "outbound.type",
            format!("outbound type {} needs the plan's own VNet: AKS attaches the {} to your node subnet, and a managed VNet has none", kind.as_str(), if kind == OutboundType::UserDefinedRouting { "route table" } else { "NAT gateway" }),
            "plan a VNet with a node subnet (`vnet`), or use type loadBalancer or managedNATGateway",
        ));
    }
    if let Some(lb) = &o.load_balancer {
        if let Some(n) = lb.managed_outbound_ips {
            out.extend(out_of_range(
                "outbound.loadBalancer.managedOutboundIps",
                "a load balancer's managed outbound IP count",
                n,
                &LB_OUTBOUND_IPS,
            ));
        }
    }
    if let (Some(nat), true) = (&o.nat_gateway, nat_type) {
        if kind == OutboundType::ManagedNatGateway && (nat.name.is_some() || nat.existing) {
            out.push(config(
                "outbound.natGateway",
                "outbound.natGateway names a NAT gateway, but a managed NAT gateway is created and named by AKS".into(),
                "remove natGateway.name and existing, or use type userAssignedNATGateway",
            ));
        }
        if nat.existing && (nat.outbound_ips.is_some() || nat.idle_timeout_minutes.is_some()) {
            out.push(config(
                "outbound.natGateway",
                "outbound.natGateway is an existing NAT gateway, which keeps its own outbound IPs and idle timeout".into(),
                "remove natGateway.outboundIps and idleTimeoutMinutes, or let byocni create it (existing: false)",
            ));
        }
        if let Some(n) = nat.outbound_ips {
            out.extend(out_of_range(
                "outbound.natGateway.outboundIps",
                "a NAT gateway's outbound IP count",
                n,
                &NAT_OUTBOUND_IPS,
            ));
        }
        if let Some(n) = nat.idle_timeout_minutes {
            out.extend(out_of_range(
                "outbound.natGateway.idleTimeoutMinutes",
                "a NAT gateway's idle timeout in minutes",
                n,
                &NAT_IDLE_TIMEOUT,
            ));
        }
        if kind == OutboundType::UserAssignedNatGateway {
            if let Some(name) = &nat.name {
                out.extend(names::check_network_name(
                    "a NAT gateway name",
                    "outbound.natGateway.name",
                    name,
                ));
            }
        }
    }
    // Without the plan's VNet there is no node subnet to route: outbound.type says so.
    if kind == OutboundType::UserDefinedRouting && plan.vnet.is_some() {
        check_next_hop(plan, r, out);
    }
}

/// `udr-next-hop`: a next hop is given (unless the table exists), is an address, lies in a
/// network the nodes reach and outside the node subnet.
fn check_next_hop(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let rt = plan.outbound.as_ref().and_then(|o| o.route_table.as_ref());
    if let Some(name) = rt.and_then(|t| t.name.as_deref()) {
        out.extend(names::check_network_name(
            "a route table name",
            "outbound.routeTable.name",
            name,
        ));
    }
    let field = "outbound.routeTable.nextHopIp";
    let Some(table) = rt else {
        out.push(
            Finding::new(
                Rule::UdrNextHop,
                "outbound.routeTable",
                "outbound.routeTable is missing: userDefinedRouting needs a route table on the node subnet whose 0.0.0.0/0 route goes to a virtual appliance",
            )
            .fix_set(
                "add a route table; then set nextHopIp to your firewall's private IP",
                "outbound.routeTable",
                serde_json::json!({ "name": plan.route_table_name() }),
            ),
        );
        return;
    };
    let text = match &table.next_hop_ip {
        Some(ip) => ip,
        None if table.existing => return,
        None => {
            out.push(
                Finding::new(
                    Rule::UdrNextHop,
                    field,
                    "outbound.routeTable.nextHopIp is missing: with userDefinedRouting the route table byocni creates sends 0.0.0.0/0 to a virtual appliance, and needs its address",
                )
                .advice("set nextHopIp to your firewall's private IP, or name an existing route table (existing: true)"),
            );
            return;
        }
    };
    let addr = match parse_ipv4(text) {
        Ok(a) => a,
        Err(e) => {
            let f = Finding::new(Rule::UdrNextHop, field, format!("{field}: {e}"));
            out.push(match e {
                CidrError::LeadingZero { decimal, .. } => {
                    f.fix_set(format!("write it as {decimal}"), field, decimal)
                }
                _ => f.advice("write one IPv4 address, such as 10.0.0.4"),
            });
            return;
        }
    };
    let host = Cidr::new(addr, 32).expect("/32 is a prefix");
    if let Some(ix) = r.node_subnet {
        let node = &r.subnets[ix];
        if node.cidr.contains(host) {
            out.push(
                Finding::new(
                    Rule::UdrNextHop,
                    field,
                    format!(
                        "{field} {addr} is inside the node subnet ({}): the appliance 0.0.0.0/0 goes to must be outside the subnet whose traffic it routes",
                        node.label
                    ),
                )
                .related(&node.field)
                .advice("use the firewall's address in its own subnet or in a peered hub VNet"),
            );
            return;
        }
    }
    let in_vnet = r.vnet.iter().any(|v| v.cidr.contains(host));
    let in_connected = r.connected.index.any_overlap(host);
    if !in_vnet && !in_connected {
        out.push(
            Finding::new(
                Rule::UdrNextHop,
                field,
                format!(
                    "{field} {addr} is in no network the nodes reach: neither the VNet ({}) nor any connected network",
                    r.vnet
                        .iter()
                        .map(|v| v.cidr.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .advice("use the firewall's private IP, and list its VNet (a peered hub) in connectedNetworks"),
        );
    }
}

fn check_api_server(plan: &Plan, r: &Ranges, out: &mut Vec<Finding>) {
    let Some(a) = &plan.api_server else { return };
    let field = "apiServer.authorizedIpRanges";
    if a.private && !a.authorized_ip_ranges.is_empty() {
        out.push(
            Finding::new(
                Rule::AuthorizedRangesPrivate,
                field,
                format!(
                    "apiServer.authorizedIpRanges lists {} range(s), but a private cluster has no public endpoint to restrict; AKS refuses the two together",
                    a.authorized_ip_ranges.len()
                ),
            )
            .fix_set("remove the authorized IP ranges", field, serde_json::json!([])),
        );
    }
    if a.authorized_ip_ranges.len() > MAX_AUTHORIZED_RANGES {
        out.push(
            Finding::new(
                Rule::AuthorizedRangeInvalid,
                field,
                format!(
                    "apiServer.authorizedIpRanges lists {} ranges; AKS accepts at most {MAX_AUTHORIZED_RANGES}",
                    a.authorized_ip_ranges.len()
                ),
            )
            .advice("merge neighbouring ranges into larger CIDRs"),
        );
    }
    for (i, text) in a.authorized_ip_ranges.iter().enumerate() {
        out.extend(authorized_range(&format!("{field}[{i}]"), text));
    }
    if let Some(v) = &a.vnet_integration {
        check_api_server_subnet(plan, r, &v.subnet, out);
    }
}

/// One authorized range: a public IPv4 CIDR.
fn authorized_range(field: &str, text: &str) -> Option<Finding> {
    let shown = show_value(text);
    let c = match Cidr::parse(text) {
        Ok(c) => c,
        Err(CidrError::HostBitsSet { normalised, .. }) => {
            return Some(
                Finding::new(
                    Rule::AuthorizedRangeInvalid,
                    field,
                    format!(
                    "{field} `{shown}` has host bits set; the network it denotes is {normalised}"
                ),
                )
                .fix_set(
                    format!("write it as {normalised}"),
                    field,
                    normalised.to_string(),
                ),
            )
        }
        Err(CidrError::MissingPrefix(t)) if parse_ipv4(&t).is_ok() => {
            return Some(
                Finding::new(
                    Rule::AuthorizedRangeInvalid,
                    field,
                    format!("{field} `{shown}` is an address without a prefix"),
                )
                .fix_set(format!("write it as {t}/32"), field, format!("{t}/32")),
            )
        }
        Err(e) => {
            let f = Finding::new(Rule::AuthorizedRangeInvalid, field, format!("{field}: {e}"));
            return Some(match e {
                CidrError::LeadingZero { decimal, .. } => {
                    f.fix_set(format!("write it as {decimal}"), field, decimal)
                }
                _ => f.advice("write a public IPv4 CIDR, such as 131.107.0.0/16"),
            });
        }
    };
    let not_public = PRIVATE_RANGES
        .iter()
        .chain(AKS_RESERVED)
        .chain(VNET_FORBIDDEN)
        .chain(NOT_PUBLIC)
        .filter_map(|t| Cidr::parse(t).ok())
        .find(|n| n.overlaps(c))?;
    Some(
        Finding::new(
            Rule::AuthorizedRangeInvalid,
            field,
            format!(
                "{field} {c} overlaps {not_public}, which is not public: the API server sees clients by their public address, so it never matches"
            ),
        )
        .advice("list the public addresses of your offices, CI runners and jump hosts"),
    )
}

/// `apiserver-subnet-role` and `apiserver-subnet-size` for the subnet VNet integration names.
fn check_api_server_subnet(plan: &Plan, r: &Ranges, name: &str, out: &mut Vec<Finding>) {
    let field = "apiServer.vnetIntegration.subnet";
    let shown = show_value(name);
    let Some(vnet) = &plan.vnet else {
        out.push(
            Finding::new(
                Rule::ApiserverSubnetRole,
                field,
                format!("{field} `{shown}`: the plan has no VNet to hold an API server subnet"),
            )
            .advice("plan a VNet with a subnet of role apiServer (at least /28) and name it here"),
        );
        return;
    };
    let Some((index, subnet)) = plan.api_server_subnet() else {
        out.push(
            Finding::new(
                Rule::ApiserverSubnetRole,
                field,
                format!("{field} `{shown}` names no subnet of vnet.subnets"),
            )
            .advice("add a subnet of at least /28 with role apiServer, and name it here"),
        );
        return;
    };
    let subnet_field = format!("vnet.subnets[{index}]");
    if Some(index) == vnet.node_subnet_index() {
        out.push(
            Finding::new(
                Rule::ApiserverSubnetRole,
                field,
                format!("{field} `{shown}` is the node subnet: the API server needs a subnet of its own, delegated to Microsoft.ContainerService/managedClusters, and the node subnet must not be delegated"),
            )
            .related(&subnet_field)
            .advice("add a subnet of at least /28 with role apiServer, and name it here"),
        );
        return;
    }
    if subnet.role != SubnetRole::ApiServer {
        out.push(
            Finding::new(
                Rule::ApiserverSubnetRole,
                format!("{subnet_field}.role"),
                format!("subnet `{}` holds the API server (apiServer.vnetIntegration.subnet) but its role is not apiServer, so it would not be delegated to Microsoft.ContainerService/managedClusters", show_value(&subnet.name)),
            )
            .related(field)
            .fix_set("set its role to apiServer", format!("{subnet_field}.role"), "apiServer"),
        );
    }
    let cidr_field = format!("{subnet_field}.cidr");
    let Some(labeled) = r.subnets.iter().find(|l| l.field == cidr_field) else {
        return;
    };
    let free = labeled.cidr.size().saturating_sub(5);
    if labeled.cidr.prefix_len() > APISERVER_SUBNET_PREFIX || free < APISERVER_SUBNET_FREE {
        let finding = Finding::new(
            Rule::ApiserverSubnetSize,
            &cidr_field,
            format!(
                "{} is /{} with {free} free IPs: API server VNet integration needs at least /{APISERVER_SUBNET_PREFIX} and {APISERVER_SUBNET_FREE} free IPs",
                labeled.label,
                labeled.cidr.prefix_len()
            ),
        );
        let taken = taken_without_vnet(r, &labeled.field);
        let choice = Cidr::new(labeled.cidr.network(), APISERVER_SUBNET_PREFIX)
            .filter(|c| r.vnet.iter().any(|v| v.cidr.contains(*c)) && !taken.overlaps(*c))
            .or_else(|| {
                r.vnet
                    .iter()
                    .find_map(|v| taken.first_free(v.cidr, APISERVER_SUBNET_PREFIX))
            });
        out.push(match choice {
            Some(c) => finding.fix_set(format!("use {c}"), &cidr_field, c.to_string()),
            None => finding.advice("make the API server subnet /28 or larger"),
        });
    }
}
