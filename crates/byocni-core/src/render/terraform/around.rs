//! What the Terraform export writes around the cluster (issue 14): the node subnet's NSG and
//! the CNI's rules, the route table and its 0.0.0.0/0 route, a user-assigned NAT gateway with
//! its public IPs, the subnet associations, the API server subnet's delegation, Network
//! Contributor on the route table and the API server subnet, and the cluster's
//! `outbound_type`, `private_cluster_enabled` and `api_server_access_profile`. Nothing for a
//! plan without `outbound`, `apiServer` or `nsg`.

use crate::plan::{OutboundType, Plan};
use crate::steps::around::{
    is_api_server_subnet, nat_public_ips, overlay_rules, APISERVER_DELEGATION, DEFAULT_ROUTE_NAME,
};
use crate::steps::NETWORK_CONTRIBUTOR;

use super::{attr, q, resource, Item};

const LOCATION: &str = "azurerm_resource_group.this.location";
const GROUP: &str = "azurerm_resource_group.this.name";

/// The provider constraint: API server VNet integration's arguments came back in azurerm 4.x
/// after 4.0 (the reference held, 4.81.0, has them), so such a plan asks for that release.
pub(super) fn provider_version(plan: &Plan) -> &'static str {
    if api_server_subnet(plan).is_some() {
        "\"~> 4.81\""
    } else {
        "\"~> 4.0\""
    }
}

fn udr(plan: &Plan) -> Option<crate::plan::RouteTable> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserDefinedRouting && plan.vnet.is_some())
        .then(|| o.route_table.clone().unwrap_or_default())
}

fn user_nat(plan: &Plan) -> Option<crate::plan::NatGateway> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserAssignedNatGateway && plan.vnet.is_some())
        .then(|| o.nat_gateway.clone().unwrap_or_default())
}

/// The index of the API server subnet VNet integration uses.
fn api_server_subnet(plan: &Plan) -> Option<usize> {
    plan.api_server_subnet()
        .map(|(i, _)| i)
        .filter(|i| is_api_server_subnet(plan, *i))
}

/// The id of a resource the plan says exists in its resource group.
fn existing_id(kind: &str, name: &str) -> String {
    let quoted = q(name);
    format!(
        "\"${{azurerm_resource_group.this.id}}/providers/{kind}/{}\"",
        &quoted[1..quoted.len() - 1]
    )
}

fn block(kind: &str, name: &str, body: Vec<Item>) -> [Item; 2] {
    [Item::Blank, Item::Block(resource(kind, name), body)]
}

/// The resources before the subnets: NSG and rules, route table and route, public IPs and the
/// NAT gateway with their associations.
pub(super) fn network(plan: &Plan, node_cidr: Option<&str>) -> Vec<Item> {
    let mut top = Vec::new();
    let Some(node_cidr) = node_cidr else {
        return top;
    };
    if plan.nsg.as_ref().is_some_and(|n| !n.existing) {
        top.extend(block(
            "azurerm_network_security_group",
            "nodes",
            vec![
                attr("name", q(&plan.nsg_name())),
                attr("location", LOCATION),
                attr("resource_group_name", GROUP),
            ],
        ));
        for r in overlay_rules(plan.cni.plugin) {
            top.extend(block(
                "azurerm_network_security_rule",
                &r.name.replace('-', "_"),
                vec![
                    attr("name", q(&r.name)),
                    attr(
                        "description",
                        q(&format!(
                            "byocni: {} between nodes ({}/{})",
                            r.what,
                            r.port,
                            r.protocol.to_lowercase()
                        )),
                    ),
                    attr("priority", r.priority.to_string()),
                    attr("direction", "\"Inbound\""),
                    attr("access", "\"Allow\""),
                    attr("protocol", q(r.protocol)),
                    attr("source_address_prefix", q(node_cidr)),
                    attr("source_port_range", "\"*\""),
                    attr("destination_address_prefix", q(node_cidr)),
                    attr("destination_port_range", q(&r.port.to_string())),
                    attr("resource_group_name", GROUP),
                    attr(
                        "network_security_group_name",
                        "azurerm_network_security_group.nodes.name",
                    ),
                ],
            ));
        }
    }
    if let Some(rt) = udr(plan).filter(|r| !r.existing) {
        top.extend(block(
            "azurerm_route_table",
            "nodes",
            vec![
                attr("name", q(&plan.route_table_name())),
                attr("location", LOCATION),
                attr("resource_group_name", GROUP),
            ],
        ));
        if let Some(hop) = rt.next_hop_ip.as_deref() {
            top.extend(block(
                "azurerm_route",
                "default",
                vec![
                    attr("name", q(DEFAULT_ROUTE_NAME)),
                    attr("resource_group_name", GROUP),
                    attr("route_table_name", "azurerm_route_table.nodes.name"),
                    attr("address_prefix", "\"0.0.0.0/0\""),
                    attr("next_hop_type", "\"VirtualAppliance\""),
                    attr("next_hop_in_ip_address", q(hop.trim())),
                ],
            ));
        }
    }
    if let Some(nat) = user_nat(plan).filter(|n| !n.existing) {
        let ips = nat_public_ips(plan);
        for (i, ip) in ips.iter().enumerate() {
            top.extend(block(
                "azurerm_public_ip",
                &format!("nat_{}", i + 1),
                vec![
                    attr("name", q(ip)),
                    attr("location", LOCATION),
                    attr("resource_group_name", GROUP),
                    attr("allocation_method", "\"Static\""),
                    attr("sku", "\"Standard\""),
                ],
            ));
        }
        top.extend(block(
            "azurerm_nat_gateway",
            "nodes",
            vec![
                attr("name", q(&plan.nat_gateway_name())),
                attr("location", LOCATION),
                attr("resource_group_name", GROUP),
                attr("sku_name", "\"Standard\""),
                attr(
                    "idle_timeout_in_minutes",
                    nat.idle_timeout_minutes.unwrap_or(4).to_string(),
                ),
            ],
        ));
        for i in 0..ips.len() {
            top.extend(block(
                "azurerm_nat_gateway_public_ip_association",
                &format!("nat_{}", i + 1),
                vec![
                    attr("nat_gateway_id", "azurerm_nat_gateway.nodes.id"),
                    attr(
                        "public_ip_address_id",
                        format!("azurerm_public_ip.nat_{}.id", i + 1),
                    ),
                ],
            ));
        }
    }
    top
}

/// The API server subnet's delegation block, for subnet `index`.
pub(super) fn subnet_body(plan: &Plan, index: usize) -> Vec<Item> {
    if api_server_subnet(plan) != Some(index) {
        return Vec::new();
    }
    vec![
        Item::Blank,
        Item::Block(
            "delegation".into(),
            vec![
                attr("name", "\"aks-apiserver\""),
                Item::Blank,
                Item::Block(
                    "service_delegation".into(),
                    vec![
                        attr("name", q(APISERVER_DELEGATION)),
                        attr(
                            "actions",
                            "[\"Microsoft.Network/virtualNetworks/subnets/join/action\"]",
                        ),
                    ],
                ),
            ],
        ),
    ]
}

/// A Network Contributor role assignment for the identity on `scope`.
fn grant(top: &mut Vec<Item>, depends: &mut Vec<String>, label: &str, scope: String, what: &str) {
    top.push(Item::Blank);
    top.push(Item::Comment(format!(
        "The cluster identity needs Network Contributor on {what}."
    )));
    top.push(Item::Block(
        resource("azurerm_role_assignment", label),
        vec![
            attr("scope", scope),
            attr("role_definition_name", q(NETWORK_CONTRIBUTOR)),
            attr(
                "principal_id",
                "azurerm_user_assigned_identity.aks.principal_id",
            ),
            attr("principal_type", "\"ServicePrincipal\""),
        ],
    ));
    depends.push(format!("azurerm_role_assignment.{label}"));
}

/// The subnet associations and role assignments after the identity, and what the cluster
/// must wait for (`depends_on` entries). `subnet_ref(i)` is subnet `i`'s id expression.
pub(super) fn after_identity(
    plan: &Plan,
    node_ref: &str,
    subnet_ref: &dyn Fn(usize) -> String,
) -> (Vec<Item>, Vec<String>) {
    let mut top = Vec::new();
    let mut depends = Vec::new();
    if let Some(nsg) = &plan.nsg {
        let id = if nsg.existing {
            existing_id("Microsoft.Network/networkSecurityGroups", &plan.nsg_name())
        } else {
            "azurerm_network_security_group.nodes.id".to_owned()
        };
        top.extend(block(
            "azurerm_subnet_network_security_group_association",
            "nodes",
            vec![
                attr("subnet_id", node_ref),
                attr("network_security_group_id", id),
            ],
        ));
        depends.push("azurerm_subnet_network_security_group_association.nodes".to_owned());
    }
    if let Some(rt) = udr(plan) {
        let id = if rt.existing {
            existing_id("Microsoft.Network/routeTables", &plan.route_table_name())
        } else {
            "azurerm_route_table.nodes.id".to_owned()
        };
        top.extend(block(
            "azurerm_subnet_route_table_association",
            "nodes",
            vec![
                attr("subnet_id", node_ref),
                attr("route_table_id", id.clone()),
            ],
        ));
        grant(&mut top, &mut depends, "route_table", id, "the route table");
    }
    if let Some(nat) = user_nat(plan) {
        let id = if nat.existing {
            existing_id("Microsoft.Network/natGateways", &plan.nat_gateway_name())
        } else {
            "azurerm_nat_gateway.nodes.id".to_owned()
        };
        top.extend(block(
            "azurerm_subnet_nat_gateway_association",
            "nodes",
            vec![attr("subnet_id", node_ref), attr("nat_gateway_id", id)],
        ));
        depends.push("azurerm_subnet_nat_gateway_association.nodes".to_owned());
    }
    if let Some(i) = api_server_subnet(plan) {
        grant(
            &mut top,
            &mut depends,
            "apiserver_subnet",
            subnet_ref(i),
            "the API server subnet",
        );
    }
    if udr(plan).is_some() {
        depends.push("azurerm_subnet_route_table_association.nodes".to_owned());
    }
    (top, depends)
}

/// The `network_profile` arguments beside the plugin and ranges.
pub(super) fn network_profile(plan: &Plan) -> Vec<Item> {
    let mut items = Vec::new();
    let Some(o) = &plan.outbound else {
        return items;
    };
    items.push(attr("outbound_type", q(o.kind.as_str())));
    match o.kind {
        OutboundType::LoadBalancer => {
            if let Some(n) = o
                .load_balancer
                .as_ref()
                .and_then(|l| l.managed_outbound_ips)
            {
                items.push(Item::Blank);
                items.push(Item::Block(
                    "load_balancer_profile".into(),
                    vec![attr("managed_outbound_ip_count", n.to_string())],
                ));
            }
        }
        OutboundType::ManagedNatGateway => {
            let mut p = Vec::new();
            if let Some(nat) = &o.nat_gateway {
                if let Some(n) = nat.outbound_ips {
                    p.push(attr("managed_outbound_ip_count", n.to_string()));
                }
                if let Some(n) = nat.idle_timeout_minutes {
                    p.push(attr("idle_timeout_in_minutes", n.to_string()));
                }
            }
            if !p.is_empty() {
                items.push(Item::Blank);
                items.push(Item::Block("nat_gateway_profile".into(), p));
            }
        }
        OutboundType::UserAssignedNatGateway | OutboundType::UserDefinedRouting => {}
    }
    items
}

/// The cluster's API server arguments: `private_cluster_enabled` and
/// `api_server_access_profile`.
pub(super) fn cluster(plan: &Plan, subnet_ref: &dyn Fn(usize) -> String) -> Vec<Item> {
    let mut items = Vec::new();
    let Some(a) = &plan.api_server else {
        return items;
    };
    if a.private {
        items.push(attr("private_cluster_enabled", "true"));
    }
    let mut profile = Vec::new();
    if !a.authorized_ip_ranges.is_empty() {
        let ranges: Vec<String> = a.authorized_ip_ranges.iter().map(|r| q(r.trim())).collect();
        profile.push(attr(
            "authorized_ip_ranges",
            format!("[{}]", ranges.join(", ")),
        ));
    }
    if let Some(i) = api_server_subnet(plan) {
        profile.push(attr("subnet_id", subnet_ref(i)));
        profile.push(attr("virtual_network_integration_enabled", "true"));
    }
    if !profile.is_empty() {
        items.push(Item::Blank);
        items.push(Item::Block("api_server_access_profile".into(), profile));
    }
    items
}
