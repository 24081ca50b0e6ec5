//! The simulated network resources around the cluster (issue 14): NSGs and their rules, route
//! tables and their routes, public IPs and NAT gateways, shaped as `az network ... show` prints
//! them (an NSG with its `securityRules` and Azure's `defaultSecurityRules`, a route table with
//! its `routes`); the node subnet's associations and the API server subnet's delegation; the
//! cluster's outbound type and API server access profile.

use serde_json::{json, Value};

use super::{missing, out, rg_id, Args, Sim};

/// Azure's default rules of every NSG.
fn default_rules() -> Value {
    let rule = |name: &str, priority: u32, direction: &str, access: &str, src: &str, dst: &str| {
        json!({ "name": name, "priority": priority, "direction": direction, "access": access,
            "protocol": "*", "sourceAddressPrefix": src, "sourcePortRange": "*",
            "destinationAddressPrefix": dst, "destinationPortRange": "*" })
    };
    json!([
        rule(
            "AllowVnetInBound",
            65000,
            "Inbound",
            "Allow",
            "VirtualNetwork",
            "VirtualNetwork"
        ),
        rule(
            "AllowAzureLoadBalancerInBound",
            65001,
            "Inbound",
            "Allow",
            "AzureLoadBalancer",
            "*"
        ),
        rule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
        rule(
            "AllowVnetOutBound",
            65000,
            "Outbound",
            "Allow",
            "VirtualNetwork",
            "VirtualNetwork"
        ),
        rule(
            "AllowInternetOutBound",
            65001,
            "Outbound",
            "Allow",
            "*",
            "Internet"
        ),
        rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
    ])
}

fn id(rg: &str, kind: &str, name: &str) -> String {
    format!("{}/providers/Microsoft.Network/{kind}/{name}", rg_id(rg))
}

/// The children stored under `prefix` (rules of an NSG, routes of a table).
fn children(sim: &Sim, prefix: &str) -> Vec<Value> {
    sim.state["resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v.clone())
        .collect()
}

/// One value or the list of a flag: `--source-address-prefixes a b`.
fn one_or_many(a: &Args, flag: &str, single: &str, plural: &str) -> (String, Value) {
    let all = a.all(flag);
    if all.len() == 1 {
        (single.to_owned(), json!(all[0]))
    } else {
        (plural.to_owned(), json!(all))
    }
}

fn remove_children(sim: &mut Sim, prefix: &str) {
    let keys: Vec<String> = sim.state["resources"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .cloned()
        .collect();
    for k in keys {
        sim.remove(&k);
    }
}

/// The network commands around the cluster, or `None` for any other command.
pub(super) fn az(sim: &mut Sim, w: &[&str], a: &Args) -> Option<i32> {
    let rg = a.get("resource-group");
    let name = a.get("name");
    let group_missing = |sim: &Sim| {
        if sim.get(&format!("group/{rg}")).is_none() {
            eprintln!("ERROR: (ResourceGroupNotFound) Resource group '{rg}' could not be found.");
            true
        } else {
            false
        }
    };
    let code = match w {
        ["network", "nsg", "show"] => match sim.get(&format!("nsg/{rg}/{name}")) {
            Some(mut v) => {
                v["securityRules"] = json!(children(sim, &format!("nsgrule/{rg}/{name}/")));
                out(&v)
            }
            None => missing(&name),
        },
        ["network", "nsg", "create"] => {
            if group_missing(sim) {
                return Some(1);
            }
            let v = json!({ "id": id(&rg, "networkSecurityGroups", &name), "name": name,
                "location": a.get("location"), "securityRules": [],
                "defaultSecurityRules": default_rules(), "tags": tags(a) });
            sim.put(&format!("nsg/{rg}/{name}"), v.clone());
            out(&json!({ "NewNSG": v }))
        }
        ["network", "nsg", "delete"] => {
            remove_children(sim, &format!("nsgrule/{rg}/{name}/"));
            i32::from(!sim.remove(&format!("nsg/{rg}/{name}")))
        }
        ["network", "nsg", "rule", "show"] => sim
            .get(&format!("nsgrule/{rg}/{}/{name}", a.get("nsg-name")))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["network", "nsg", "rule", "create"] => {
            let nsg = a.get("nsg-name");
            if sim.get(&format!("nsg/{rg}/{nsg}")).is_none() {
                return Some(missing(&nsg));
            }
            let mut v = json!({ "id": format!("{}/securityRules/{name}", id(&rg, "networkSecurityGroups", &nsg)),
                "name": name, "priority": a.get("priority").parse::<u64>().unwrap_or(0),
                "direction": a.get("direction"), "access": a.get("access"), "protocol": a.get("protocol"),
                "provisioningState": "Succeeded" });
            for (flag, one, many) in [
                (
                    "source-address-prefixes",
                    "sourceAddressPrefix",
                    "sourceAddressPrefixes",
                ),
                ("source-port-ranges", "sourcePortRange", "sourcePortRanges"),
                (
                    "destination-address-prefixes",
                    "destinationAddressPrefix",
                    "destinationAddressPrefixes",
                ),
                (
                    "destination-port-ranges",
                    "destinationPortRange",
                    "destinationPortRanges",
                ),
            ] {
                let (k, val) = one_or_many(a, flag, one, many);
                v[k] = val;
            }
            sim.put(&format!("nsgrule/{rg}/{nsg}/{name}"), v.clone());
            out(&v)
        }
        ["network", "route-table", "show"] => match sim.get(&format!("routetable/{rg}/{name}")) {
            Some(mut v) => {
                v["routes"] = json!(children(sim, &format!("route/{rg}/{name}/")));
                out(&v)
            }
            None => missing(&name),
        },
        ["network", "route-table", "create"] => {
            if group_missing(sim) {
                return Some(1);
            }
            let v = json!({ "id": id(&rg, "routeTables", &name), "name": name,
                "location": a.get("location"), "routes": [], "tags": tags(a) });
            sim.put(&format!("routetable/{rg}/{name}"), v.clone());
            out(&v)
        }
        ["network", "route-table", "delete"] => {
            remove_children(sim, &format!("route/{rg}/{name}/"));
            i32::from(!sim.remove(&format!("routetable/{rg}/{name}")))
        }
        ["network", "route-table", "route", "show"] => sim
            .get(&format!("route/{rg}/{}/{name}", a.get("route-table-name")))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["network", "route-table", "route", "create"] => {
            let table = a.get("route-table-name");
            if sim.get(&format!("routetable/{rg}/{table}")).is_none() {
                return Some(missing(&table));
            }
            let mut v = json!({ "id": format!("{}/routes/{name}", id(&rg, "routeTables", &table)),
                "name": name, "addressPrefix": a.get("address-prefix"),
                "nextHopType": a.get("next-hop-type"), "provisioningState": "Succeeded" });
            if a.has("next-hop-ip-address") {
                v["nextHopIpAddress"] = json!(a.get("next-hop-ip-address"));
            }
            sim.put(&format!("route/{rg}/{table}/{name}"), v.clone());
            out(&v)
        }
        ["network", "public-ip", "show"] => sim
            .get(&format!("publicip/{rg}/{name}"))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["network", "public-ip", "create"] => {
            if group_missing(sim) {
                return Some(1);
            }
            let v = json!({ "id": id(&rg, "publicIPAddresses", &name), "name": name,
                "location": a.get("location"), "sku": { "name": a.get("sku") },
                "publicIPAllocationMethod": a.get("allocation-method"), "ipAddress": "20.0.0.1",
                "tags": tags(a) });
            sim.put(&format!("publicip/{rg}/{name}"), v.clone());
            out(&json!({ "publicIp": v }))
        }
        ["network", "public-ip", "delete"] => {
            i32::from(!sim.remove(&format!("publicip/{rg}/{name}")))
        }
        ["network", "nat", "gateway", "show"] => sim
            .get(&format!("natgw/{rg}/{name}"))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["network", "nat", "gateway", "create"] => {
            if group_missing(sim) {
                return Some(1);
            }
            let mut ips = Vec::new();
            for ip in a.all("public-ip-addresses") {
                match sim.get(&format!("publicip/{rg}/{ip}")) {
                    Some(v) => ips.push(json!({ "id": v["id"] })),
                    None => return Some(missing(&ip)),
                }
            }
            let v = json!({ "id": id(&rg, "natGateways", &name), "name": name,
                "location": a.get("location"), "sku": { "name": "Standard" },
                "idleTimeoutInMinutes": a.get("idle-timeout").parse::<u64>().unwrap_or(4),
                "publicIpAddresses": ips, "tags": tags(a) });
            sim.put(&format!("natgw/{rg}/{name}"), v.clone());
            out(&v)
        }
        ["network", "nat", "gateway", "delete"] => {
            i32::from(!sim.remove(&format!("natgw/{rg}/{name}")))
        }
        _ => return None,
    };
    Some(code)
}

/// `--tags a=b` as an object (none: empty).
fn tags(a: &Args) -> Value {
    let mut t = serde_json::Map::new();
    for w in a.all("tags") {
        if let Some((k, v)) = w.split_once('=') {
            t.insert(k.to_owned(), json!(v));
        }
    }
    Value::Object(t)
}

/// What `az network vnet subnet create` adds for the node subnet's NSG, route table and NAT
/// gateway (by name in the group: each must exist, as Azure requires) and a delegation.
pub(super) fn subnet_extras(sim: &Sim, a: &Args, rg: &str, v: &mut Value) -> Result<(), i32> {
    for (flag, key, prefix, kind) in [
        (
            "network-security-group",
            "networkSecurityGroup",
            "nsg",
            "networkSecurityGroups",
        ),
        ("route-table", "routeTable", "routetable", "routeTables"),
        ("nat-gateway", "natGateway", "natgw", "natGateways"),
    ] {
        if a.has(flag) {
            let name = a.get(flag);
            if sim.get(&format!("{prefix}/{rg}/{name}")).is_none() {
                eprintln!("ERROR: (InvalidResourceReference) Resource {} referenced by the subnet was not found.", id(rg, kind, &name));
                return Err(1);
            }
            v[key] = json!({ "id": id(rg, kind, &name) });
        }
    }
    if a.has("delegations") {
        v["delegations"] = json!([{ "name": "0", "serviceName": a.get("delegations") }]);
    }
    Ok(())
}

/// What `az aks create` records of outbound and API server access.
pub(super) fn cluster_extras(a: &Args, v: &mut Value) {
    v["networkProfile"]["outboundType"] = json!(if a.has("outbound-type") {
        a.get("outbound-type")
    } else {
        "loadBalancer".to_owned()
    });
    let mut access = serde_json::Map::new();
    if a.has("enable-private-cluster") {
        access.insert("enablePrivateCluster".into(), json!(true));
        v["privateFqdn"] = json!(format!("{}.privatelink.azmk8s.io", a.get("name")));
    }
    if a.has("enable-apiserver-vnet-integration") {
        access.insert("enableVnetIntegration".into(), json!(true));
        access.insert("subnetId".into(), json!(a.get("apiserver-subnet-id")));
    }
    if a.has("api-server-authorized-ip-ranges") {
        access.insert(
            "authorizedIpRanges".into(),
            json!(a
                .get("api-server-authorized-ip-ranges")
                .split(',')
                .collect::<Vec<_>>()),
        );
    }
    if !access.is_empty() {
        v["apiServerAccessProfile"] = Value::Object(access);
    }
}
