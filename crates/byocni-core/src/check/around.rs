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
    // A connected network, or (in an estate) a VNet peered with the cluster's.
    let in_connected = r.connected.index.any_overlap(host)
        || r.extra.iter().any(|x| !x.warning && x.cidr.contains(host));
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

/// `udr-default-route`, from what `az network route-table show` says of the existing route
/// table a `userDefinedRouting` plan names: it needs a 0.0.0.0/0 route whose next hop type is
/// `VirtualAppliance` (at the plan's `nextHopIp`, when it gives one). `apply`'s preflight runs
/// this before creating anything.
pub fn route_table_findings(plan: &Plan, table: &serde_json::Value) -> Vec<Finding> {
    let field = "outbound.routeTable";
    let name = show_value(&plan.route_table_name());
    let routes = table
        .get("routes")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let text = |r: &serde_json::Value, key: &str| {
        r.get(key)
            .or_else(|| r.get("properties").and_then(|p| p.get(key)))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let fix = "add a 0.0.0.0/0 route with next hop type VirtualAppliance to your firewall (az network route-table route create --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address FIREWALL_IP), or let byocni create the table (existing: false)";
    let Some(default) = routes
        .iter()
        .find(|r| text(r, "addressPrefix").trim() == "0.0.0.0/0")
    else {
        return vec![Finding::new(
            Rule::UdrDefaultRoute,
            field,
            format!("the existing route table `{name}` has no 0.0.0.0/0 route: with userDefinedRouting AKS needs one to a virtual appliance, and az aks create fails without it"),
        )
        .advice(fix)];
    };
    let hop_type = text(default, "nextHopType");
    if hop_type != "VirtualAppliance" {
        return vec![Finding::new(
            Rule::UdrDefaultRoute,
            field,
            format!(
                "the existing route table `{name}` sends 0.0.0.0/0 (route `{}`) to next hop type {}, not to a virtual appliance",
                show_value(&text(default, "name")),
                show_value(&hop_type)
            ),
        )
        .advice(fix)];
    }
    let hop = text(default, "nextHopIpAddress");
    let want = plan
        .outbound
        .as_ref()
        .and_then(|o| o.route_table.as_ref())
        .and_then(|r| r.next_hop_ip.as_deref())
        .map(str::trim);
    match want {
        Some(want) if want != hop => vec![Finding::new(
            Rule::UdrDefaultRoute,
            field,
            format!(
                "the existing route table `{name}` sends 0.0.0.0/0 to the virtual appliance {}, but outbound.routeTable.nextHopIp is {}",
                show_value(&hop),
                show_value(want)
            ),
        )
        .related("outbound.routeTable.nextHopIp")
        .fix_set(
            format!("plan the route table's next hop, {}", show_value(&hop)),
            "outbound.routeTable.nextHopIp",
            hop,
        )],
        _ => Vec::new(),
    }
}

/// `nsg-blocks-overlay`, from what `az network nsg show` says of the existing NSG the plan
/// names: for each port the CNI needs between nodes, in each direction, the rule Azure applies
/// first (lowest priority number among those that match the node subnet, the protocol and the
/// port; Azure's default rules when the answer lacks them) must not deny it.
pub fn nsg_findings(plan: &Plan, nsg: &serde_json::Value) -> Vec<Finding> {
    let Some(node) = plan
        .vnet
        .as_ref()
        .and_then(|v| v.node_subnet())
        .and_then(|s| Cidr::parse_lenient(&s.cidr))
    else {
        return Vec::new();
    };
    let mut rules: Vec<NsgRule> = ["securityRules", "defaultSecurityRules"]
        .iter()
        .filter_map(|k| nsg.get(*k).and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(NsgRule::read)
        .collect();
    if nsg.get("defaultSecurityRules").is_none() {
        rules.extend(NsgRule::azure_defaults());
    }
    rules.sort_by_key(|r| r.priority);
    let name = show_value(&plan.nsg_name());
    let mut out = Vec::new();
    for port in plan.cni.plugin.overlay_ports() {
        for direction in ["Inbound", "Outbound"] {
            let first = rules.iter().find(|r| {
                r.direction.eq_ignore_ascii_case(direction)
                    && r.matches_protocol(port.protocol)
                    && r.matches_port(port.port)
                    && prefixes_take(&r.source, node)
                    && prefixes_take(&r.destination, node)
            });
            if let Some(r) = first.filter(|r| r.access.eq_ignore_ascii_case("Deny")) {
                out.push(
                    Finding::new(
                        Rule::NsgBlocksOverlay,
                        "nsg",
                        format!(
                            "NSG `{name}` rule `{}` (priority {}, {direction}) denies {} {}/{} between nodes in {node}: pods on different nodes cannot reach each other",
                            show_value(&r.name),
                            r.priority,
                            port.what,
                            port.port,
                            port.protocol.to_lowercase()
                        ),
                    )
                    .advice(format!(
                        "add an {direction} Allow rule for {}/{} from {node} to {node} with a priority number below {}",
                        port.port,
                        port.protocol.to_lowercase(),
                        r.priority
                    )),
                );
            }
        }
    }
    out
}

/// One NSG security rule, as `az network nsg show` prints it (flattened or under `properties`).
struct NsgRule {
    name: String,
    priority: u32,
    direction: String,
    access: String,
    protocol: String,
    ports: Vec<String>,
    source: Vec<String>,
    destination: Vec<String>,
}

impl NsgRule {
    fn read(v: &serde_json::Value) -> Option<NsgRule> {
        let p = v.get("properties").unwrap_or(v);
        let text = |k: &str| {
            p.get(k)
                .or_else(|| v.get(k))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let list = |one: &str, many: &str| {
            let mut out: Vec<String> = text(one).into_iter().collect();
            out.extend(
                p.get(many)
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_owned),
            );
            out
        };
        Some(NsgRule {
            name: text("name").unwrap_or_default(),
            priority: u32::try_from(p.get("priority")?.as_u64()?).ok()?,
            direction: text("direction")?,
            access: text("access")?,
            protocol: text("protocol").unwrap_or_else(|| "*".into()),
            ports: list("destinationPortRange", "destinationPortRanges"),
            source: list("sourceAddressPrefix", "sourceAddressPrefixes"),
            destination: list("destinationAddressPrefix", "destinationAddressPrefixes"),
        })
    }

    /// Azure's default rules that matter between nodes.
    fn azure_defaults() -> Vec<NsgRule> {
        let rule = |name: &str, priority, direction: &str, access: &str, prefix: &str| NsgRule {
            name: name.into(),
            priority,
            direction: direction.into(),
            access: access.into(),
            protocol: "*".into(),
            ports: vec!["*".into()],
            source: vec![prefix.into()],
            destination: vec![prefix.into()],
        };
        vec![
            rule(
                "AllowVnetInBound",
                65000,
                "Inbound",
                "Allow",
                "VirtualNetwork",
            ),
            rule("DenyAllInBound", 65500, "Inbound", "Deny", "*"),
            rule(
                "AllowVnetOutBound",
                65000,
                "Outbound",
                "Allow",
                "VirtualNetwork",
            ),
            rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*"),
        ]
    }

    fn matches_protocol(&self, protocol: &str) -> bool {
        self.protocol == "*" || self.protocol.eq_ignore_ascii_case(protocol)
    }

    fn matches_port(&self, port: u16) -> bool {
        self.ports.iter().any(|r| {
            let r = r.trim();
            if r == "*" {
                return true;
            }
            match r.split_once('-') {
                Some((a, b)) => match (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
                    (Ok(a), Ok(b)) => (a..=b).contains(&port),
                    _ => false,
                },
                None => r.parse::<u16>() == Ok(port),
            }
        })
    }
}

/// Whether the prefixes take in (part of) the node subnet: `*`, `Any`, the VirtualNetwork
/// tag, or a CIDR or address that overlaps it. Other service tags do not.
fn prefixes_take(prefixes: &[String], node: Cidr) -> bool {
    prefixes.iter().any(|p| {
        let p = p.trim();
        if p == "*" || p.eq_ignore_ascii_case("any") || p.eq_ignore_ascii_case("VirtualNetwork") {
            return true;
        }
        Cidr::parse_lenient(p)
            .or_else(|| parse_ipv4(p).ok().and_then(|a| Cidr::new(a, 32)))
            .is_some_and(|c| c.overlaps(node))
    })
}
