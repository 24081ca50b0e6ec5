//! The simulated Azure Resource Graph behind `byocni-sim`'s `az rest`, and the same estate seen
//! the old way, one subscription at a time (`az account list`, `az network vnet list
//! --subscription`): the baseline `discover` is measured against.
//!
//! An estate is generated deterministically from a size (knob `graph-estate` in
//! `$BYOCNI_SIM_DIR`: `{"vnets": N, "clusters": M, "subscriptions": S}`), row by row, so a page
//! costs what its 1000 rows cost whatever N is. VNet `i` lives in subscription `i % S`, holds
//! `10.(i / 256).(i % 256).0/24` (every tenth one also an IPv6 /48), two subnets, and is peered
//! with the first VNet of its group of ten; cluster `j` lives in subscription `j % S`, sits on
//! the first subnet of VNet `10 j`, and cycles kubenet / azure / none / azure overlay. Subscription
//! 0 is the simulator's current one. VNets and clusters the simulated az created, and the
//! `estate` knob's VNets, come first, in the current subscription.
//!
//! Paging follows the REST API (2022-10-01): `options.$top` rows a page (at most 1000, 100 when
//! absent), `$skipToken` while rows remain, `totalRecords`, `count`, `resultTruncated`. Knobs
//! for failures, each one-shot: `graph-garbage-page` (that page, 1-based, answers an HTML 502
//! page with exit 0), `graph-drop-token-page` (that page omits its `$skipToken`) and
//! `graph-throttle-page` (that page fails once with 429 Too Many Requests, as az rest shows it). An unknown
//! `$skipToken` is refused as the service does (exit 1, `Bad Request`). `call-delay-ms` makes
//! every simulated az command take that long, as az and Azure do.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

/// The simulator's current subscription.
pub const CURRENT_SUB: &str = "00000000-0000-0000-0000-000000000000";

/// Rows a page at most.
pub const MAX_TOP: usize = 1000;

/// The size of a generated estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub vnets: usize,
    pub clusters: usize,
    pub subscriptions: usize,
}

impl Spec {
    /// The `graph-estate` knob, when set.
    pub fn load(dir: &Path) -> Option<Spec> {
        let text = std::fs::read_to_string(dir.join("graph-estate")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let n = |k: &str| v[k].as_u64().and_then(|x| usize::try_from(x).ok());
        Some(Spec {
            vnets: n("vnets").unwrap_or(0),
            clusters: n("clusters").unwrap_or(0),
            subscriptions: n("subscriptions").unwrap_or(1).max(1),
        })
    }

    /// The knob's text.
    pub fn knob(&self) -> String {
        json!({ "vnets": self.vnets, "clusters": self.clusters, "subscriptions": self.subscriptions }).to_string()
    }
}

/// Sleeps `call-delay-ms` when set.
pub fn call_delay(dir: &Path) {
    if let Some(ms) = std::fs::read_to_string(dir.join("call-delay-ms"))
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Subscription `s`'s id.
pub fn sub_id(s: usize) -> String {
    if s == 0 {
        CURRENT_SUB.to_owned()
    } else {
        format!("{s:08}-0000-4000-8000-000000000000")
    }
}

fn vnet_id(sub: &str, rg: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}")
}

fn vnet_place(spec: &Spec, i: usize) -> (String, String, String) {
    let s = i % spec.subscriptions;
    (sub_id(s), format!("net-rg-{s}"), format!("vnet-{i:05}"))
}

/// Generated VNet `i` as a row of byocni's VNet query.
pub fn vnet_row(spec: &Spec, i: usize) -> Value {
    let (sub, rg, name) = vnet_place(spec, i);
    let id = vnet_id(&sub, &rg, &name);
    let (a, b) = (i / 256 % 256, i % 256);
    let mut prefixes = vec![json!(format!("10.{a}.{b}.0/24"))];
    if i % 10 == 0 {
        prefixes.push(json!(format!("fd00:{i:x}::/48")));
    }
    let subnets: Vec<Value> = (0..2)
        .map(|k| {
            let sname = if k == 0 { "nodes" } else { "apps" };
            json!({ "name": sname, "id": format!("{id}/subnets/{sname}"),
                    "properties": { "addressPrefix": format!("10.{a}.{b}.{}/25", k * 128), "provisioningState": "Succeeded" } })
        })
        .collect();
    let hub = i - i % 10;
    let peerings: Vec<Value> = if hub == i {
        Vec::new()
    } else {
        let (hs, hrg, hname) = vnet_place(spec, hub);
        vec![
            json!({ "name": format!("to-{hname}"), "properties": { "peeringState": "Connected", "remoteVirtualNetwork": { "id": vnet_id(&hs, &hrg, &hname) } } }),
        ]
    };
    json!({
        "id": id, "name": name, "resourceGroup": rg, "subscriptionId": sub, "location": "westeurope",
        "addressPrefixes": prefixes, "subnets": subnets, "peerings": peerings,
    })
}

/// Generated cluster `j` as a row of byocni's cluster query.
pub fn cluster_row(spec: &Spec, j: usize) -> Value {
    let s = j % spec.subscriptions;
    let (sub, rg, name) = (sub_id(s), format!("aks-rg-{s}"), format!("aks-{j:04}"));
    let (plugin, mode, pods) = match j % 4 {
        0 => (
            "kubenet",
            Value::Null,
            json!(format!("10.244.{}.0/24", j % 256)),
        ),
        1 => ("azure", Value::Null, Value::Null),
        2 => (
            "none",
            Value::Null,
            json!(format!("100.{}.{}.0/24", 64 + j / 256 % 64, j % 256)),
        ),
        _ => ("azure", json!("overlay"), json!("10.244.0.0/16")),
    };
    let subnet = (spec.vnets > 0).then(|| {
        let (vs, vrg, vname) = vnet_place(spec, (j * 10) % spec.vnets);
        format!("{}/subnets/nodes", vnet_id(&vs, &vrg, &vname))
    });
    json!({
        "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"),
        "name": name, "resourceGroup": rg, "subscriptionId": sub, "location": "westeurope",
        "networkPlugin": plugin, "networkPluginMode": mode,
        "podCidr": pods, "podCidrs": if pods.is_null() { Value::Null } else { json!([pods]) },
        "serviceCidr": "10.0.0.0/16", "serviceCidrs": ["10.0.0.0/16"], "dnsServiceIP": "10.0.0.10",
        "pools": [{ "name": "system", "count": 3, "vnetSubnetID": subnet }],
    })
}

/// A VNet the simulated az created, or one of the `estate` knob (shaped like `az network vnet
/// list`), as a row of byocni's VNet query in the current subscription.
pub fn static_vnet_row(v: &Value) -> Value {
    let name = v["name"].as_str().unwrap_or("vnet");
    let id = v["id"]
        .as_str()
        .map_or_else(|| vnet_id(CURRENT_SUB, "estate-rg", name), str::to_owned);
    let rg = id.split('/').nth(4).unwrap_or("estate-rg").to_owned();
    let subnets: Vec<Value> = v["subnets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!({ "name": s["name"], "id": s["id"], "properties": { "addressPrefix": s["addressPrefix"] } }))
        .collect();
    json!({
        "id": id, "name": name, "resourceGroup": rg, "subscriptionId": CURRENT_SUB,
        "location": v["location"].as_str().unwrap_or("westeurope"),
        "addressPrefixes": v["addressSpace"]["addressPrefixes"], "subnets": subnets, "peerings": [],
    })
}

/// A cluster the simulated az created, as a row of byocni's cluster query.
pub fn static_cluster_row(c: &Value) -> Value {
    let id = c["id"].as_str().unwrap_or_default();
    let np = &c["networkProfile"];
    json!({
        "id": id, "name": c["name"], "resourceGroup": id.split('/').nth(4).unwrap_or_default(),
        "subscriptionId": CURRENT_SUB, "location": c["location"],
        "networkPlugin": np["networkPlugin"], "networkPluginMode": np["networkPluginMode"],
        "podCidr": np["podCidr"], "podCidrs": Value::Null,
        "serviceCidr": np["serviceCidr"], "serviceCidrs": Value::Null, "dnsServiceIP": np["dnsServiceIp"],
        "pools": c["agentPoolProfiles"],
    })
}

/// A generated VNet as `az network vnet list` prints it.
pub fn vnet_list_item(spec: &Spec, i: usize) -> Value {
    let r = vnet_row(spec, i);
    json!({
        "id": r["id"], "name": r["name"], "resourceGroup": r["resourceGroup"], "location": r["location"],
        "type": "Microsoft.Network/virtualNetworks",
        "addressSpace": { "addressPrefixes": r["addressPrefixes"] },
        "subnets": r["subnets"].as_array().into_iter().flatten()
            .map(|s| json!({ "name": s["name"], "id": s["id"], "addressPrefix": s["properties"]["addressPrefix"] }))
            .collect::<Vec<_>>(),
        "virtualNetworkPeerings": r["peerings"],
    })
}

/// `az account list`: every subscription of the estate.
pub fn account_list(spec: &Spec) -> Value {
    (0..spec.subscriptions)
        .map(|s| json!({ "id": sub_id(s), "name": format!("Subscription {s}"), "state": "Enabled", "isDefault": s == 0 }))
        .collect()
}

/// `az network vnet list [--subscription X]`: the generated VNets of one subscription.
pub fn vnet_list(spec: &Spec, sub: &str) -> Vec<Value> {
    (0..spec.vnets)
        .filter(|i| sub_id(i % spec.subscriptions) == sub)
        .map(|i| vnet_list_item(spec, i))
        .collect()
}

/// One simulated command's result: exit code, stdout, stderr.
pub type Answer = (i32, String, String);

fn bad_request(message: &str) -> Answer {
    (
        1,
        String::new(),
        format!(
            "ERROR: Bad Request({})\n",
            json!({ "error": { "code": "BadRequest", "message": message } })
        ),
    )
}

fn token(kind: &str, offset: usize, total: usize) -> String {
    use std::fmt::Write;
    format!("{kind}:{offset}:{total}")
        .bytes()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn untoken(token: &str) -> Option<(String, usize, usize)> {
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.split(':');
    let kind = parts.next()?.to_owned();
    let offset = parts.next()?.parse().ok()?;
    let total = parts.next()?.parse().ok()?;
    Some((kind, offset, total))
}

/// Takes a one-shot page-number knob when it names `page`.
fn take_page_knob(dir: &Path, name: &str, page: usize) -> bool {
    let hit = std::fs::read_to_string(dir.join(name))
        .ok()
        .and_then(|t| t.trim().parse::<usize>().ok())
        == Some(page);
    hit && std::fs::remove_file(dir.join(name)).is_ok()
}

/// `az rest --method post --url .../providers/Microsoft.ResourceGraph/resources?... --body B`.
pub fn rest(
    dir: &Path,
    spec: Option<&Spec>,
    statics: (&[Value], &[Value]),
    method: &str,
    url: &str,
    body: &str,
) -> Answer {
    if !method.eq_ignore_ascii_case("post")
        || !url.contains("/providers/Microsoft.ResourceGraph/resources?api-version=")
    {
        return (
            2,
            String::new(),
            format!("ERROR: byocni-sim knows only Resource Graph queries by az rest, not {method} {url}\n"),
        );
    }
    let text = match body.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file).unwrap_or_default(),
        None => body.to_owned(),
    };
    let Ok(req) = serde_json::from_str::<Value>(&text) else {
        return bad_request("The request body is not JSON.");
    };
    let query = req["query"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let kind = if query.contains("type =~ 'microsoft.network/virtualnetworks'") {
        "vnets"
    } else if query.contains("type =~ 'microsoft.containerservice/managedclusters'") {
        "clusters"
    } else {
        return bad_request(
            "byocni-sim answers only the VNet and cluster queries of byocni discover.",
        );
    };
    let scope: Option<BTreeSet<String>> = req["subscriptions"].as_array().map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect()
    });
    let in_scope = |sub: &str| scope.as_ref().is_none_or(|s| s.contains(sub));
    let (stat, generated) = match kind {
        "vnets" => (statics.0, spec.map_or(0, |s| s.vnets)),
        _ => (statics.1, spec.map_or(0, |s| s.clusters)),
    };
    // Row k of the answer: a static row (index < statics) or a generated one.
    let mut rows: Vec<Result<usize, usize>> = Vec::new();
    if in_scope(CURRENT_SUB) {
        rows.extend((0..stat.len()).map(Ok));
    }
    if let Some(spec) = spec {
        rows.extend(
            (0..generated)
                .filter(|i| in_scope(&sub_id(i % spec.subscriptions)))
                .map(Err),
        );
    }
    let total = rows.len();
    let top = req["options"]["$top"]
        .as_u64()
        .and_then(|t| usize::try_from(t).ok())
        .unwrap_or(100)
        .clamp(1, MAX_TOP);
    let offset = match req["options"]["$skipToken"].as_str() {
        None => 0,
        Some(t) => match untoken(t) {
            Some((k, o, n)) if k == kind && n == total && o <= total => o,
            _ => return bad_request("The $skipToken is not valid for this query."),
        },
    };
    let page = offset / top + 1;
    if take_page_knob(dir, "graph-throttle-page", page) {
        return (
            1,
            String::new(),
            format!(
                "ERROR: Too Many Requests({})\n",
                json!({ "error": { "code": "RateLimiting", "message": "Please provide below info when asking for support: timestamp = 2026-12-06T08:00:00Z, correlationId = 00000000-0000-0000-0000-000000000000." } })
            ),
        );
    }
    if take_page_knob(dir, "graph-garbage-page", page) {
        return (
            0,
            "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>\n"
                .to_owned(),
            String::new(),
        );
    }
    let end = (offset + top).min(total);
    let data: Vec<Value> = rows[offset..end]
        .iter()
        .map(|r| match (r, kind, spec) {
            (Ok(k), _, _) => stat[*k].clone(),
            (Err(i), "vnets", Some(s)) => vnet_row(s, *i),
            (Err(j), _, Some(s)) => cluster_row(s, *j),
            (Err(_), _, None) => Value::Null,
        })
        .collect();
    let more = end < total;
    let mut answer = json!({
        "totalRecords": total, "count": data.len(), "data": data, "facets": [],
        "resultTruncated": if more { "true" } else { "false" },
    });
    if more && !take_page_knob(dir, "graph-drop-token-page", page) {
        answer["$skipToken"] = json!(token(kind, end, total));
        answer["resultTruncated"] = json!("false");
    }
    (0, format!("{answer}\n"), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        assert_eq!(
            untoken(&token("vnets", 1000, 20000)),
            Some(("vnets".into(), 1000, 20000))
        );
        assert_eq!(untoken("zz"), None);
    }

    #[test]
    fn rows_are_distinct() {
        let spec = Spec {
            vnets: 3000,
            clusters: 300,
            subscriptions: 7,
        };
        let ids: BTreeSet<String> = (0..3000)
            .map(|i| vnet_row(&spec, i)["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 3000);
        let cidrs: BTreeSet<String> = (0..3000)
            .map(|i| {
                vnet_row(&spec, i)["addressPrefixes"][0]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(cidrs.len(), 3000);
    }

    #[test]
    fn the_one_subscription_way_sees_the_same_vnets() {
        let spec = Spec {
            vnets: 500,
            clusters: 10,
            subscriptions: 40,
        };
        let subs: Vec<String> = account_list(&spec)
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        let one_by_one: BTreeSet<String> = subs
            .iter()
            .flat_map(|s| vnet_list(&spec, s))
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();
        let graph: BTreeSet<String> = (0..500)
            .map(|i| vnet_row(&spec, i)["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(one_by_one, graph);
    }
}
