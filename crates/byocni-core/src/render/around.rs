//! What ARM and Bicep write around the cluster (issue 14): the node subnet's NSG with the CNI's
//! rules, the route table of `userDefinedRouting`, a user-assigned NAT gateway and its public
//! IPs, their association with the node subnet, the API server subnet's delegation, Network
//! Contributor on the route table and the API server subnet, and the cluster's outbound and
//! API server properties.
//!
//! Each piece is built once as a [`V`] tree that knows both spellings (an ARM expression and
//! its Bicep twin), so the two templates cannot drift apart. Nothing here is written for a plan
//! without `outbound`, `apiServer` or `nsg`: such plans render exactly as before.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::plan::{OutboundType, Plan};
use crate::steps::around::{
    nat_public_ips, overlay_rules, APISERVER_DELEGATION, DEFAULT_ROUTE_NAME,
};
use crate::steps::identity_name;

use super::arm::{
    arg, lit, AUTHORIZATION_API_VERSION, IDENTITY_API_VERSION, NETWORK_API_VERSION,
    NETWORK_CONTRIBUTOR_ROLE_ID,
};
use super::bicep::q;

/// A template value in both languages.
#[derive(Debug, Clone)]
pub(crate) enum V {
    /// A literal string (user text is escaped for each language).
    Lit(String),
    /// An expression: ARM's (without the brackets) and Bicep's.
    Expr(String, String),
    /// A number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An object, keys in order.
    Obj(Vec<(&'static str, V)>),
    /// An array.
    Arr(Vec<V>),
}

impl V {
    fn lit(s: &str) -> V {
        V::Lit(s.to_owned())
    }

    /// The ARM JSON value.
    pub(crate) fn arm(&self) -> Value {
        match self {
            V::Lit(s) => lit(s),
            V::Expr(a, _) => Value::String(format!("[{a}]")),
            V::Int(n) => Value::from(*n),
            V::Bool(b) => Value::Bool(*b),
            V::Obj(kv) => Value::Object(
                kv.iter()
                    .map(|(k, v)| ((*k).to_owned(), v.arm()))
                    .collect::<Map<String, Value>>(),
            ),
            V::Arr(items) => Value::Array(items.iter().map(V::arm).collect()),
        }
    }

    /// Writes the Bicep value after `key: ` (or as an array item), `depth` levels in.
    fn bicep(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        match self {
            V::Lit(s) => out.push_str(&q(s)),
            V::Expr(_, b) => out.push_str(b),
            V::Int(n) => {
                let _ = write!(out, "{n}");
            }
            V::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            V::Obj(kv) if kv.is_empty() => out.push_str("{}"),
            V::Obj(kv) => {
                out.push_str("{\n");
                write_bicep_props(out, kv, depth + 1);
                let _ = write!(out, "{pad}}}");
            }
            V::Arr(items) => {
                out.push_str("[\n");
                for item in items {
                    let _ = write!(out, "{pad}  ");
                    item.bicep(out, depth + 1);
                    out.push('\n');
                }
                let _ = write!(out, "{pad}]");
            }
        }
    }
}

/// Writes `key: value` lines at `depth`.
pub(crate) fn write_bicep_props(out: &mut String, kv: &[(&'static str, V)], depth: usize) {
    let pad = "  ".repeat(depth);
    for (k, v) in kv {
        let _ = write!(out, "{pad}{k}: ");
        v.bicep(out, depth);
        out.push('\n');
    }
}

/// A resource in both languages.
pub(crate) struct Res {
    /// The Bicep symbol.
    symbol: &'static str,
    kind: &'static str,
    api: &'static str,
    name: V,
    /// Only a Bicep `existing` declaration (ARM refers to it by id).
    existing: bool,
    /// ARM's `scope` expression and Bicep's scope symbol (role assignments).
    scope: Option<(String, &'static str)>,
    location: bool,
    sku: Option<V>,
    /// ARM's `dependsOn` (expressions without brackets); Bicep infers them from symbols.
    depends: Vec<String>,
    properties: Option<V>,
}

impl Res {
    /// The ARM resource, or `None` for a Bicep-only `existing` declaration.
    pub(crate) fn arm(&self) -> Option<Value> {
        if self.existing {
            return None;
        }
        let mut m = Map::new();
        m.insert("type".into(), Value::from(self.kind));
        m.insert("apiVersion".into(), Value::from(self.api));
        if let Some((scope, _)) = &self.scope {
            m.insert("scope".into(), Value::String(format!("[{scope}]")));
        }
        m.insert("name".into(), self.name.arm());
        if self.location {
            m.insert("location".into(), Value::from("[parameters('location')]"));
        }
        if let Some(sku) = &self.sku {
            m.insert("sku".into(), sku.arm());
        }
        if !self.depends.is_empty() {
            m.insert(
                "dependsOn".into(),
                Value::Array(
                    self.depends
                        .iter()
                        .map(|d| Value::String(format!("[{d}]")))
                        .collect(),
                ),
            );
        }
        if let Some(p) = &self.properties {
            m.insert("properties".into(), p.arm());
        }
        Some(Value::Object(m))
    }

    /// The Bicep declaration, preceded by a blank line.
    pub(crate) fn bicep(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nresource {} '{}@{}' {}= {{",
            self.symbol,
            self.kind,
            self.api,
            if self.existing { "existing " } else { "" }
        );
        let mut kv: Vec<(&'static str, V)> = vec![("name", self.name.clone())];
        if let Some((_, symbol)) = &self.scope {
            kv.push(("scope", V::Expr(String::new(), (*symbol).to_owned())));
        }
        if self.location && !self.existing {
            kv.push(("location", V::Expr(String::new(), "location".into())));
        }
        if let Some(sku) = &self.sku {
            kv.push(("sku", sku.clone()));
        }
        if let Some(p) = &self.properties {
            kv.push(("properties", p.clone()));
        }
        write_bicep_props(out, &kv, 1);
        out.push_str("}\n");
    }
}

fn rid(kind: &str, names: &[&str]) -> String {
    let mut s = format!("resourceId('{kind}'");
    for n in names {
        s.push_str(", ");
        s.push_str(&arg(n));
    }
    s.push(')');
    s
}

/// An id in both languages: ARM's `resourceId(...)`, Bicep's `symbol.id`.
fn id_of(kind: &str, names: &[&str], symbol: &str) -> V {
    V::Obj(vec![(
        "id",
        V::Expr(rid(kind, names), format!("{symbol}.id")),
    )])
}

const NSG: &str = "Microsoft.Network/networkSecurityGroups";
const ROUTE_TABLE: &str = "Microsoft.Network/routeTables";
const NAT_GATEWAY: &str = "Microsoft.Network/natGateways";
const PUBLIC_IP: &str = "Microsoft.Network/publicIPAddresses";
const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";

/// The route table of `userDefinedRouting` (planned VNet only).
fn udr(plan: &Plan) -> Option<crate::plan::RouteTable> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserDefinedRouting && plan.vnet.is_some())
        .then(|| o.route_table.clone().unwrap_or_default())
}

/// The user-assigned NAT gateway (planned VNet only).
fn user_nat(plan: &Plan) -> Option<crate::plan::NatGateway> {
    let o = plan.outbound.as_ref()?;
    (o.kind == OutboundType::UserAssignedNatGateway && plan.vnet.is_some())
        .then(|| o.nat_gateway.clone().unwrap_or_default())
}

/// The node subnet's CIDR (planned VNet only).
fn node_cidr(plan: &Plan) -> Option<String> {
    plan.vnet
        .as_ref()?
        .node_subnet()
        .map(|s| s.cidr.trim().to_owned())
}

/// The resources before the VNet: NSG, route table, public IPs, NAT gateway (created, or
/// declared `existing` in Bicep).
pub(crate) fn network_resources(plan: &Plan) -> Vec<Res> {
    let mut out = Vec::new();
    let Some(node_cidr) = node_cidr(plan) else {
        return out;
    };
    if let Some(nsg) = &plan.nsg {
        let name = plan.nsg_name();
        let rules = overlay_rules(plan.cni.plugin)
            .into_iter()
            .map(|r| {
                V::Obj(vec![
                    ("name", V::Lit(r.name.clone())),
                    (
                        "properties",
                        V::Obj(vec![
                            (
                                "description",
                                V::Lit(format!(
                                    "byocni: {} between nodes ({}/{})",
                                    r.what,
                                    r.port,
                                    r.protocol.to_lowercase()
                                )),
                            ),
                            ("priority", V::Int(i64::from(r.priority))),
                            ("direction", V::lit("Inbound")),
                            ("access", V::lit("Allow")),
                            ("protocol", V::lit(r.protocol)),
                            ("sourceAddressPrefix", V::Lit(node_cidr.clone())),
                            ("sourcePortRange", V::lit("*")),
                            ("destinationAddressPrefix", V::Lit(node_cidr.clone())),
                            ("destinationPortRange", V::Lit(r.port.to_string())),
                        ]),
                    ),
                ])
            })
            .collect();
        out.push(Res {
            symbol: "nsg",
            kind: NSG,
            api: NETWORK_API_VERSION,
            name: V::Lit(name),
            existing: nsg.existing,
            scope: None,
            location: true,
            sku: None,
            depends: Vec::new(),
            properties: (!nsg.existing).then(|| V::Obj(vec![("securityRules", V::Arr(rules))])),
        });
    }
    if let Some(rt) = udr(plan) {
        let mut routes = Vec::new();
        if let Some(hop) = rt.next_hop_ip.as_deref() {
            routes.push(V::Obj(vec![
                ("name", V::lit(DEFAULT_ROUTE_NAME)),
                (
                    "properties",
                    V::Obj(vec![
                        ("addressPrefix", V::lit("0.0.0.0/0")),
                        ("nextHopType", V::lit("VirtualAppliance")),
                        ("nextHopIpAddress", V::lit(hop.trim())),
                    ]),
                ),
            ]));
        }
        out.push(Res {
            symbol: "routeTable",
            kind: ROUTE_TABLE,
            api: NETWORK_API_VERSION,
            name: V::Lit(plan.route_table_name()),
            existing: rt.existing,
            scope: None,
            location: true,
            sku: None,
            depends: Vec::new(),
            properties: (!rt.existing).then(|| V::Obj(vec![("routes", V::Arr(routes))])),
        });
    }
    if let Some(nat) = user_nat(plan) {
        let name = plan.nat_gateway_name();
        let ips = nat_public_ips(plan);
        for (i, ip) in ips.iter().enumerate() {
            out.push(Res {
                symbol: PUBLIC_IP_SYMBOLS[i.min(PUBLIC_IP_SYMBOLS.len() - 1)],
                kind: PUBLIC_IP,
                api: NETWORK_API_VERSION,
                name: V::Lit(ip.clone()),
                existing: false,
                scope: None,
                location: true,
                sku: Some(V::Obj(vec![("name", V::lit("Standard"))])),
                depends: Vec::new(),
                properties: Some(V::Obj(vec![
                    ("publicIPAllocationMethod", V::lit("Static")),
                    ("publicIPAddressVersion", V::lit("IPv4")),
                ])),
            });
        }
        out.push(Res {
            symbol: "natGateway",
            kind: NAT_GATEWAY,
            api: NETWORK_API_VERSION,
            name: V::Lit(name),
            existing: nat.existing,
            scope: None,
            location: true,
            sku: (!nat.existing).then(|| V::Obj(vec![("name", V::lit("Standard"))])),
            depends: ips.iter().map(|ip| rid(PUBLIC_IP, &[ip])).collect(),
            properties: (!nat.existing).then(|| {
                V::Obj(vec![
                    (
                        "idleTimeoutInMinutes",
                        V::Int(i64::from(nat.idle_timeout_minutes.unwrap_or(4))),
                    ),
                    (
                        "publicIpAddresses",
                        V::Arr(
                            ips.iter()
                                .enumerate()
                                .map(|(i, ip)| {
                                    id_of(
                                        PUBLIC_IP,
                                        &[ip],
                                        PUBLIC_IP_SYMBOLS[i.min(PUBLIC_IP_SYMBOLS.len() - 1)],
                                    )
                                })
                                .collect(),
                        ),
                    ),
                ])
            }),
        });
    }
    out
}

/// Bicep symbols of the public IPs (a NAT gateway has at most 16).
const PUBLIC_IP_SYMBOLS: [&str; 16] = [
    "publicIp1",
    "publicIp2",
    "publicIp3",
    "publicIp4",
    "publicIp5",
    "publicIp6",
    "publicIp7",
    "publicIp8",
    "publicIp9",
    "publicIp10",
    "publicIp11",
    "publicIp12",
    "publicIp13",
    "publicIp14",
    "publicIp15",
    "publicIp16",
];

/// ARM `dependsOn` of the VNet: the resources its subnets use that the template creates.
pub(crate) fn vnet_depends(plan: &Plan) -> Vec<Value> {
    network_resources(plan)
        .iter()
        .filter(|r| !r.existing && r.kind != PUBLIC_IP)
        .map(|r| {
            let V::Lit(name) = &r.name else {
                return Value::Null;
            };
            Value::String(format!("[{}]", rid(r.kind, &[name])))
        })
        .collect()
}

/// What subnet `index` carries beside its prefix: the node subnet's NSG, route table and NAT
/// gateway, the API server subnet's delegation.
pub(crate) fn subnet_properties(plan: &Plan, index: usize) -> Vec<(&'static str, V)> {
    let mut kv = Vec::new();
    let Some(v) = &plan.vnet else { return kv };
    if Some(index) == v.node_subnet_index() {
        if plan.nsg.is_some() {
            kv.push((
                "networkSecurityGroup",
                id_of(NSG, &[&plan.nsg_name()], "nsg"),
            ));
        }
        if udr(plan).is_some() {
            kv.push((
                "routeTable",
                id_of(ROUTE_TABLE, &[&plan.route_table_name()], "routeTable"),
            ));
        }
        if user_nat(plan).is_some() {
            kv.push((
                "natGateway",
                id_of(NAT_GATEWAY, &[&plan.nat_gateway_name()], "natGateway"),
            ));
        }
    } else if crate::steps::around::is_api_server_subnet(plan, index) {
        kv.push((
            "delegations",
            V::Arr(vec![V::Obj(vec![
                ("name", V::lit("aks-apiserver")),
                (
                    "properties",
                    V::Obj(vec![("serviceName", V::lit(APISERVER_DELEGATION))]),
                ),
            ])]),
        ));
    }
    kv
}

/// The API server subnet: its name, when VNet integration has one to use.
fn api_server_subnet(plan: &Plan) -> Option<(String, String)> {
    let v = plan.vnet.as_ref()?;
    let (i, s) = plan.api_server_subnet()?;
    crate::steps::around::is_api_server_subnet(plan, i).then(|| (v.name.clone(), s.name.clone()))
}

/// Network Contributor for the identity on the route table and the API server subnet, with
/// ARM's extension ids and Bicep's symbols for the cluster to depend on.
pub(crate) fn role_resources(plan: &Plan) -> (Vec<Res>, Vec<String>, Vec<&'static str>) {
    let mut res = Vec::new();
    let mut arm_depends = Vec::new();
    let mut bicep_depends = Vec::new();
    let Some(vnet) = &plan.vnet else {
        return (res, arm_depends, bicep_depends);
    };
    let identity = rid(
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        &[&identity_name(plan)],
    );
    let role = arg(NETWORK_CONTRIBUTOR_ROLE_ID);
    let mut grant = |symbol: &'static str,
                     scope_symbol: &'static str,
                     scope_id: String,
                     scope_path: String,
                     what: String,
                     depends: Vec<String>| {
        let guid = format!("guid({scope_id}, {identity}, {role})");
        arm_depends.push(format!(
            "extensionResourceId({scope_id}, 'Microsoft.Authorization/roleAssignments', {guid})"
        ));
        bicep_depends.push(symbol);
        res.push(Res {
            symbol,
            kind: "Microsoft.Authorization/roleAssignments",
            api: AUTHORIZATION_API_VERSION,
            name: V::Expr(
                guid,
                format!("guid({scope_symbol}.id, identity.id, '{NETWORK_CONTRIBUTOR_ROLE_ID}')"),
            ),
            existing: false,
            scope: Some((scope_path, scope_symbol)),
            location: false,
            sku: None,
            depends: depends.into_iter().chain([identity.clone()]).collect(),
            properties: Some(V::Obj(vec![
                (
                    "roleDefinitionId",
                    V::Expr(
                        format!("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {role})"),
                        format!("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{NETWORK_CONTRIBUTOR_ROLE_ID}')"),
                    ),
                ),
                (
                    "principalId",
                    V::Expr(
                        format!("reference({identity}, '{IDENTITY_API_VERSION}').principalId"),
                        "identity.properties.principalId".into(),
                    ),
                ),
                ("principalType", V::lit("ServicePrincipal")),
                ("description", V::Lit(format!(
                    "byocni: Network Contributor for AKS cluster {} on {what}",
                    plan.cluster.name
                ))),
            ])),
        });
    };
    if let Some(rt) = udr(plan) {
        let name = plan.route_table_name();
        let id = rid(ROUTE_TABLE, &[&name]);
        grant(
            "routeTableContributor",
            "routeTable",
            id.clone(),
            format!("format('{ROUTE_TABLE}/{{0}}', {})", arg(&name)),
            format!("its route table {name}"),
            if rt.existing { Vec::new() } else { vec![id] },
        );
    }
    if let Some((vnet_name, subnet)) = api_server_subnet(plan) {
        let _ = vnet;
        grant(
            "apiserverSubnetContributor",
            "apiserverSubnet",
            rid(SUBNET, &[&vnet_name, &subnet]),
            format!(
                "format('Microsoft.Network/virtualNetworks/{{0}}/subnets/{{1}}', {}, {})",
                arg(&vnet_name),
                arg(&subnet)
            ),
            format!("its API server subnet {subnet}"),
            vec![rid("Microsoft.Network/virtualNetworks", &[&vnet_name])],
        );
    }
    (res, arm_depends, bicep_depends)
}

/// Bicep's `existing` declaration of the API server subnet (the role's scope).
pub(crate) fn bicep_api_server_subnet(plan: &Plan, out: &mut String) {
    if let Some((_, subnet)) = api_server_subnet(plan) {
        let _ = writeln!(
            out,
            "\nresource apiserverSubnet '{SUBNET}@{NETWORK_API_VERSION}' existing = {{\n  parent: vnet\n  name: {}\n}}",
            q(&subnet)
        );
    }
}

/// The cluster's `networkProfile` beside the plugin and ranges: outbound type and profiles.
pub(crate) fn network_profile(plan: &Plan) -> Vec<(&'static str, V)> {
    let mut kv = Vec::new();
    let Some(o) = &plan.outbound else { return kv };
    kv.push(("outboundType", V::lit(o.kind.as_str())));
    match o.kind {
        OutboundType::LoadBalancer => {
            if let Some(n) = o
                .load_balancer
                .as_ref()
                .and_then(|l| l.managed_outbound_ips)
            {
                kv.push((
                    "loadBalancerProfile",
                    V::Obj(vec![(
                        "managedOutboundIPs",
                        V::Obj(vec![("count", V::Int(i64::from(n)))]),
                    )]),
                ));
            }
        }
        OutboundType::ManagedNatGateway => {
            let mut p = Vec::new();
            if let Some(nat) = &o.nat_gateway {
                if let Some(n) = nat.outbound_ips {
                    p.push((
                        "managedOutboundIPProfile",
                        V::Obj(vec![("count", V::Int(i64::from(n)))]),
                    ));
                }
                if let Some(n) = nat.idle_timeout_minutes {
                    p.push(("idleTimeoutInMinutes", V::Int(i64::from(n))));
                }
            }
            if !p.is_empty() {
                kv.push(("natGatewayProfile", V::Obj(p)));
            }
        }
        OutboundType::UserAssignedNatGateway | OutboundType::UserDefinedRouting => {}
    }
    kv
}

/// The cluster's `apiServerAccessProfile`, when the plan says anything about the API server.
pub(crate) fn api_server_profile(plan: &Plan) -> Vec<(&'static str, V)> {
    let Some(a) = &plan.api_server else {
        return Vec::new();
    };
    let mut p = Vec::new();
    if a.private {
        p.push(("enablePrivateCluster", V::Bool(true)));
    }
    if let Some((vnet, subnet)) = api_server_subnet(plan) {
        p.push(("enableVnetIntegration", V::Bool(true)));
        p.push((
            "subnetId",
            V::Expr(rid(SUBNET, &[&vnet, &subnet]), "apiserverSubnet.id".into()),
        ));
    }
    if !a.authorized_ip_ranges.is_empty() {
        p.push((
            "authorizedIPRanges",
            V::Arr(
                a.authorized_ip_ranges
                    .iter()
                    .map(|r| V::lit(r.trim()))
                    .collect(),
            ),
        ));
    }
    if p.is_empty() {
        return Vec::new();
    }
    vec![("apiServerAccessProfile", V::Obj(p))]
}
