//! The steps around the cluster (issue 14): the node subnet's NSG with the rules the CNI needs
//! between nodes, the route table of `userDefinedRouting` with its 0.0.0.0/0 route, a
//! user-assigned NAT gateway with its public IPs, their association with the node subnet, the
//! delegation of the API server subnet, Network Contributor on the route table and the API
//! server subnet, and the `az aks create` flags of the outbound type and API server access.
//!
//! Resources the plan marks `existing` are not created: the node subnet names them, and steps
//! that need their id look them up (a `show` whose `create` is the same `show`, which fails
//! when the resource is missing; `apply`'s preflight says so before anything is created).

use crate::plan::{CniPlugin, OutboundType, Plan, SubnetRole};

use super::{expect, output, rid, step, Cmd, Command, Exists, Step, StepKind, NETWORK_CONTRIBUTOR};

/// The delegation AKS requires on the API server subnet.
pub const APISERVER_DELEGATION: &str = "Microsoft.ContainerService/managedClusters";
/// The name of the route byocni adds to its route table.
pub const DEFAULT_ROUTE_NAME: &str = "default-via-appliance";
/// The variable holding the API server subnet's id.
pub const APISERVER_SUBNET_ID: &str = "APISERVER_SUBNET_ID";
/// The variable holding the route table's id.
pub const ROUTE_TABLE_ID: &str = "ROUTE_TABLE_ID";
/// The first priority of the NSG rules byocni writes (one per overlay port, counting up).
pub const NSG_RULE_PRIORITY: u32 = 1000;

/// An NSG rule the plan's CNI needs: inbound from the node subnet to the node subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayRule {
    /// The rule's name (`byocni-cilium-vxlan`).
    pub name: String,
    /// Its priority (1000, 1001, ...).
    pub priority: u32,
    /// `Udp` or `Tcp`.
    pub protocol: &'static str,
    /// The destination port.
    pub port: u16,
    /// What it carries, for descriptions.
    pub what: &'static str,
}

/// The NSG rules the plan's CNI needs between nodes (none for `other`).
pub fn overlay_rules(plugin: CniPlugin) -> Vec<OverlayRule> {
    plugin
        .overlay_ports()
        .iter()
        .zip(NSG_RULE_PRIORITY..)
        .map(|(p, priority)| OverlayRule {
            name: format!("byocni-{}", p.what.to_lowercase().replace(' ', "-")),
            priority,
            protocol: p.protocol,
            port: p.port,
            what: p.what,
        })
        .collect()
}

/// The public IPs byocni creates for a user-assigned NAT gateway: `<natgw>-ip1`, ...
pub fn nat_public_ips(plan: &Plan) -> Vec<String> {
    let Some(nat) = user_nat(plan) else {
        return Vec::new();
    };
    if nat.existing {
        return Vec::new();
    }
    let name = plan.nat_gateway_name();
    (1..=nat.outbound_ips.unwrap_or(1).clamp(1, 16))
        .map(|i| format!("{name}-ip{i}"))
        .collect()
}

/// The user-assigned NAT gateway block (defaults when the type is given without one).
fn user_nat(plan: &Plan) -> Option<crate::plan::NatGateway> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserAssignedNatGateway && plan.vnet.is_some())
        .then(|| o.nat_gateway.clone().unwrap_or_default())
}

/// The route table block of `userDefinedRouting` (defaults when the type is given without one).
fn udr(plan: &Plan) -> Option<crate::plan::RouteTable> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserDefinedRouting && plan.vnet.is_some())
        .then(|| o.route_table.clone().unwrap_or_default())
}

/// The node subnet's CIDR text, when the plan has its own VNet.
fn node_cidr(plan: &Plan) -> Option<&str> {
    plan.vnet.as_ref()?.node_subnet().map(|s| s.cidr.trim())
}

/// The steps that make the NSG, route table and NAT gateway, before the subnets that use them.
pub(super) fn network_steps(plan: &Plan) -> Vec<Step> {
    let c = &plan.cluster;
    let rg = c.resource_group.as_str();
    let mut steps = Vec::new();
    let Some(node_cidr) = node_cidr(plan) else {
        return steps;
    };
    if let Some(nsg) = plan.nsg.as_ref().filter(|n| !n.existing) {
        let _ = nsg;
        let name = plan.nsg_name();
        let mut s = step(
            "nsg",
            StepKind::Nsg,
            format!("Create network security group {name}"),
            Cmd::az(&["network", "nsg", "create"])
                .flag("--resource-group", rg)
                .flag("--name", &name)
                .flag("--location", &c.location)
                .tags(plan)
                .json(),
        );
        s.resource = Some(rid(
            rg,
            &format!("Microsoft.Network/networkSecurityGroups/{name}"),
        ));
        s.show = Some(
            Cmd::az(&["network", "nsg", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &name)
                .json(),
        );
        steps.push(s);
        for r in overlay_rules(plan.cni.plugin) {
            let mut s = step(
                format!("nsg-rule:{}", r.name),
                StepKind::NsgRule,
                format!(
                    "Allow {} ({}/{}) between nodes in {name}",
                    r.what,
                    r.port,
                    r.protocol.to_lowercase()
                ),
                Cmd::az(&["network", "nsg", "rule", "create"])
                    .flag("--resource-group", rg)
                    .flag("--nsg-name", &name)
                    .flag("--name", &r.name)
                    .flag("--priority", &r.priority.to_string())
                    .flag("--direction", "Inbound")
                    .flag("--access", "Allow")
                    .flag("--protocol", r.protocol)
                    .flag("--source-address-prefixes", node_cidr)
                    .flag("--source-port-ranges", "*")
                    .flag("--destination-address-prefixes", node_cidr)
                    .flag("--destination-port-ranges", &r.port.to_string())
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["network", "nsg", "rule", "show"])
                    .flag("--resource-group", rg)
                    .flag("--nsg-name", &name)
                    .flag("--name", &r.name)
                    .json(),
            );
            s.expect.push(expect("NSG rule access", "/access", "Allow"));
            s.resource = Some(rid(
                rg,
                &format!(
                    "Microsoft.Network/networkSecurityGroups/{name}/securityRules/{}",
                    r.name
                ),
            ));
            steps.push(s);
        }
    }
    if let Some(rt) = udr(plan) {
        let name = plan.route_table_name();
        let show = Cmd::az(&["network", "route-table", "show"])
            .flag("--resource-group", rg)
            .flag("--name", &name)
            .json();
        let mut s = if rt.existing {
            // Looked up, never created: the create is the lookup, which fails when it is missing.
            step(
                "route-table",
                StepKind::Lookup,
                format!("Look up the existing route table {name}"),
                show.clone(),
            )
        } else {
            step(
                "route-table",
                StepKind::RouteTable,
                format!("Create route table {name}"),
                Cmd::az(&["network", "route-table", "create"])
                    .flag("--resource-group", rg)
                    .flag("--name", &name)
                    .flag("--location", &c.location)
                    .tags(plan)
                    .json(),
            )
        };
        if !rt.existing {
            s.resource = Some(rid(rg, &format!("Microsoft.Network/routeTables/{name}")));
        }
        s.show = Some(show);
        s.outputs.push(output(ROUTE_TABLE_ID, "/id"));
        steps.push(s);
        if let (false, Some(hop)) = (rt.existing, rt.next_hop_ip.as_deref()) {
            let mut s = step(
                "route:default",
                StepKind::Route,
                format!("Route 0.0.0.0/0 in {name} to the virtual appliance {hop}"),
                Cmd::az(&["network", "route-table", "route", "create"])
                    .flag("--resource-group", rg)
                    .flag("--route-table-name", &name)
                    .flag("--name", DEFAULT_ROUTE_NAME)
                    .flag("--address-prefix", "0.0.0.0/0")
                    .flag("--next-hop-type", "VirtualAppliance")
                    .flag("--next-hop-ip-address", hop.trim())
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["network", "route-table", "route", "show"])
                    .flag("--resource-group", rg)
                    .flag("--route-table-name", &name)
                    .flag("--name", DEFAULT_ROUTE_NAME)
                    .json(),
            );
            s.expect
                .push(expect("route prefix", "/addressPrefix", "0.0.0.0/0"));
            s.expect.push(expect(
                "route next hop type",
                "/nextHopType",
                "VirtualAppliance",
            ));
            s.expect
                .push(expect("route next hop", "/nextHopIpAddress", hop.trim()));
            s.resource = Some(rid(
                rg,
                &format!("Microsoft.Network/routeTables/{name}/routes/{DEFAULT_ROUTE_NAME}"),
            ));
            steps.push(s);
        }
    }
    if let Some(nat) = user_nat(plan) {
        let name = plan.nat_gateway_name();
        if !nat.existing {
            let ips = nat_public_ips(plan);
            for ip in &ips {
                let mut s = step(
                    format!("public-ip:{ip}"),
                    StepKind::PublicIp,
                    format!("Create public IP {ip} for NAT gateway {name}"),
                    Cmd::az(&["network", "public-ip", "create"])
                        .flag("--resource-group", rg)
                        .flag("--name", ip)
                        .flag("--location", &c.location)
                        .flag("--sku", "Standard")
                        .flag("--allocation-method", "Static")
                        .tags(plan)
                        .json(),
                );
                s.resource = Some(rid(
                    rg,
                    &format!("Microsoft.Network/publicIPAddresses/{ip}"),
                ));
                s.show = Some(
                    Cmd::az(&["network", "public-ip", "show"])
                        .flag("--resource-group", rg)
                        .flag("--name", ip)
                        .json(),
                );
                steps.push(s);
            }
            let idle = nat.idle_timeout_minutes.unwrap_or(4);
            let mut create = Cmd::az(&["network", "nat", "gateway", "create"])
                .flag("--resource-group", rg)
                .flag("--name", &name)
                .flag("--location", &c.location)
                .word("--public-ip-addresses");
            for ip in &ips {
                create = create.word(ip);
            }
            let mut s = step(
                "nat-gateway",
                StepKind::NatGateway,
                format!(
                    "Create NAT gateway {name} ({} outbound IP(s), idle timeout {idle} min)",
                    ips.len()
                ),
                create
                    .flag("--idle-timeout", &idle.to_string())
                    .tags(plan)
                    .json(),
            );
            s.resource = Some(rid(rg, &format!("Microsoft.Network/natGateways/{name}")));
            s.show = Some(
                Cmd::az(&["network", "nat", "gateway", "show"])
                    .flag("--resource-group", rg)
                    .flag("--name", &name)
                    .json(),
            );
            s.expect.push(expect(
                "NAT gateway idle timeout",
                "/idleTimeoutInMinutes",
                idle,
            ));
            steps.push(s);
        }
    }
    steps
}

/// What destroy removes around the cluster, after the VNet: (step id, title, `az` words of
/// the delete, name). The caller keeps those with a create in `provision_steps` (none for an
/// existing resource) that the journal says apply created.
pub(super) fn destroy_order(plan: &Plan) -> Vec<(String, String, Vec<&'static str>, String)> {
    let mut out = Vec::new();
    if user_nat(plan).is_some_and(|n| !n.existing) {
        let name = plan.nat_gateway_name();
        out.push((
            "nat-gateway".to_owned(),
            format!("Delete NAT gateway {name}"),
            vec!["network", "nat", "gateway", "delete"],
            name,
        ));
        for ip in nat_public_ips(plan) {
            out.push((
                format!("public-ip:{ip}"),
                format!("Delete public IP {ip}"),
                vec!["network", "public-ip", "delete"],
                ip,
            ));
        }
    }
    if udr(plan).is_some_and(|r| !r.existing) {
        let name = plan.route_table_name();
        out.push((
            "route-table".to_owned(),
            format!("Delete route table {name} and its routes"),
            vec!["network", "route-table", "delete"],
            name,
        ));
    }
    if plan.nsg.as_ref().is_some_and(|n| !n.existing) && node_cidr(plan).is_some() {
        let name = plan.nsg_name();
        out.push((
            "nsg".to_owned(),
            format!("Delete network security group {name} and its rules"),
            vec!["network", "nsg", "delete"],
            name,
        ));
    }
    out
}

/// The node subnet's associations (NSG, route table, NAT gateway, by name in the resource
/// group) and the API server subnet's delegation, added to `az network vnet subnet create`.
pub(super) fn subnet_flags(plan: &Plan, index: usize, mut create: Cmd) -> Cmd {
    let Some(v) = &plan.vnet else { return create };
    if Some(index) == v.node_subnet_index() {
        if plan.nsg.is_some() {
            create = create.flag("--network-security-group", &plan.nsg_name());
        }
        if udr(plan).is_some() {
            create = create.flag("--route-table", &plan.route_table_name());
        }
        if user_nat(plan).is_some() {
            create = create.flag("--nat-gateway", &plan.nat_gateway_name());
        }
    } else if is_api_server_subnet(plan, index) {
        create = create.flag("--delegations", APISERVER_DELEGATION);
    }
    create
}

/// Whether subnet `index` is the one API server VNet integration names (role `apiServer`).
pub fn is_api_server_subnet(plan: &Plan, index: usize) -> bool {
    plan.api_server_subnet()
        .is_some_and(|(i, s)| i == index && s.role == SubnetRole::ApiServer)
}

/// Network Contributor for the cluster identity beyond the node subnet: on the route table
/// (AKS updates it under `userDefinedRouting`) and on the API server subnet.
pub(super) fn role_steps(plan: &Plan, id: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut grant = |step_id: &str, what: String, scope_var: &str| {
        let mut s = step(
            step_id,
            StepKind::RoleAssignment,
            format!("Grant {id} {NETWORK_CONTRIBUTOR} on {what}"),
            Cmd::az(&["role", "assignment", "create"])
                .var("--assignee-object-id", "IDENTITY_PRINCIPAL_ID")
                .flag("--assignee-principal-type", "ServicePrincipal")
                .flag("--role", NETWORK_CONTRIBUTOR)
                .var("--scope", scope_var)
                .json(),
        );
        s.show = Some(
            Cmd::az(&["role", "assignment", "list"])
                .var("--assignee-object-id", "IDENTITY_PRINCIPAL_ID")
                .flag("--role", NETWORK_CONTRIBUTOR)
                .var("--scope", scope_var)
                .json(),
        );
        s.exists = Exists::NonEmptyList;
        steps.push(s);
    };
    if udr(plan).is_some() {
        grant(
            "role-assignment:route-table",
            format!("the route table {}", plan.route_table_name()),
            ROUTE_TABLE_ID,
        );
    }
    if let Some((_, s)) = plan
        .api_server_subnet()
        .filter(|(i, _)| is_api_server_subnet(plan, *i))
    {
        grant(
            "role-assignment:apiserver-subnet",
            format!("the API server subnet {}", s.name),
            APISERVER_SUBNET_ID,
        );
    }
    steps
}

/// The outbound and API server flags of `az aks create`: nothing when the plan has neither.
pub(super) fn cluster_flags(plan: &Plan, mut create: Cmd) -> Cmd {
    if let Some(o) = &plan.outbound {
        create = create.flag("--outbound-type", o.kind.as_str());
        match o.kind {
            OutboundType::LoadBalancer => {
                if let Some(n) = o
                    .load_balancer
                    .as_ref()
                    .and_then(|l| l.managed_outbound_ips)
                {
                    create =
                        create.flag("--load-balancer-managed-outbound-ip-count", &n.to_string());
                }
            }
            OutboundType::ManagedNatGateway => {
                if let Some(nat) = &o.nat_gateway {
                    if let Some(n) = nat.outbound_ips {
                        create =
                            create.flag("--nat-gateway-managed-outbound-ip-count", &n.to_string());
                    }
                    if let Some(n) = nat.idle_timeout_minutes {
                        create = create.flag("--nat-gateway-idle-timeout", &n.to_string());
                    }
                }
            }
            OutboundType::UserAssignedNatGateway | OutboundType::UserDefinedRouting => {}
        }
    }
    if let Some(a) = &plan.api_server {
        if a.private {
            create = create.word("--enable-private-cluster");
        }
        if plan
            .api_server_subnet()
            .is_some_and(|(i, _)| is_api_server_subnet(plan, i))
        {
            create = create
                .word("--enable-apiserver-vnet-integration")
                .var("--apiserver-subnet-id", APISERVER_SUBNET_ID);
        }
        if !a.authorized_ip_ranges.is_empty() {
            let ranges: Vec<&str> = a.authorized_ip_ranges.iter().map(|r| r.trim()).collect();
            create = create.flag("--api-server-authorized-ip-ranges", &ranges.join(","));
        }
    }
    create
}

/// What an existing cluster must say about outbound and API server access (none of these can
/// change in place): only what the plan sets, so a plan without them expects what it did.
pub(super) fn cluster_expectations(plan: &Plan) -> Vec<super::Expect> {
    let mut e = Vec::new();
    if let Some(o) = &plan.outbound {
        e.push(expect(
            "outbound type",
            "/networkProfile/outboundType",
            o.kind.as_str(),
        ));
    }
    if let Some(a) = &plan.api_server {
        if a.private {
            e.push(expect(
                "private API server",
                "/apiServerAccessProfile/enablePrivateCluster",
                true,
            ));
        }
        if plan
            .api_server_subnet()
            .is_some_and(|(i, _)| is_api_server_subnet(plan, i))
        {
            e.push(expect(
                "API server VNet integration",
                "/apiServerAccessProfile/enableVnetIntegration",
                true,
            ));
        }
    }
    e
}

/// What `status` says about outbound and API server access, from `az aks show`'s JSON.
pub fn describe_access(cluster: &serde_json::Value) -> (String, String) {
    let outbound = cluster
        .pointer("/networkProfile/outboundType")
        .and_then(|v| v.as_str())
        .unwrap_or("loadBalancer")
        .to_owned();
    let access = cluster.get("apiServerAccessProfile");
    let flag = |key: &str| {
        access
            .and_then(|a| a.get(key))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let mut api = if flag("enablePrivateCluster") {
        "private".to_owned()
    } else {
        "public".to_owned()
    };
    if flag("enableVnetIntegration") {
        api.push_str(", VNet-integrated");
    }
    let ranges: Vec<&str> = access
        .and_then(|a| a.get("authorizedIpRanges"))
        .and_then(serde_json::Value::as_array)
        .map(|r| r.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    if !ranges.is_empty() {
        api.push_str(&format!(", authorized ranges {}", ranges.join(", ")));
    }
    (outbound, api)
}

/// What the plan says about the same, for `status` to show next to Azure's answer.
pub fn planned_access(plan: &Plan) -> (String, String) {
    let outbound = plan.effective_outbound_type().as_str().to_owned();
    let mut api = if plan.is_private_cluster() {
        "private".to_owned()
    } else {
        "public".to_owned()
    };
    if let Some(a) = &plan.api_server {
        if a.vnet_integration.is_some() {
            api.push_str(", VNet-integrated");
        }
        if !a.authorized_ip_ranges.is_empty() {
            api.push_str(&format!(
                ", authorized ranges {}",
                a.authorized_ip_ranges.join(", ")
            ));
        }
    }
    (outbound, api)
}

/// The show command of an existing resource the preflight reads: the route table of
/// `userDefinedRouting` (`existing: true`) and the NSG (`existing: true`).
pub fn preflight_reads(plan: &Plan) -> Vec<(PreflightRead, Command)> {
    let rg = plan.cluster.resource_group.as_str();
    let mut out = Vec::new();
    if udr(plan).is_some_and(|r| r.existing) {
        out.push((
            PreflightRead::RouteTable,
            Cmd::az(&["network", "route-table", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &plan.route_table_name())
                .json(),
        ));
    }
    if plan.nsg.as_ref().is_some_and(|n| n.existing) && node_cidr(plan).is_some() {
        out.push((
            PreflightRead::Nsg,
            Cmd::az(&["network", "nsg", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &plan.nsg_name())
                .json(),
        ));
    }
    if let Some(nat) = user_nat(plan).filter(|n| n.existing) {
        let _ = nat;
        out.push((
            PreflightRead::NatGateway,
            Cmd::az(&["network", "nat", "gateway", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &plan.nat_gateway_name())
                .json(),
        ));
    }
    out
}

/// What a preflight read is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightRead {
    /// An existing route table (`udr-default-route`).
    RouteTable,
    /// An existing NSG (`nsg-blocks-overlay`).
    Nsg,
    /// An existing NAT gateway (it must exist).
    NatGateway,
}
