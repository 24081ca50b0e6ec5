//! Discovering the estate through Azure Resource Graph (issue 13; domain.md "Several clusters
//! in one estate"): every VNet (address spaces, subnets, peerings) and every AKS cluster
//! (network plugin, pod and service CIDRs, node subnets) the user can read, in two KQL queries
//! paged 1000 rows at a time by `$skipToken`, whatever the number of subscriptions.
//!
//! The queries go through core az, no extension: `az rest --method post` to
//! `/providers/Microsoft.ResourceGraph/resources` (az prefixes the current cloud's Resource
//! Manager endpoint, so sovereign clouds work too). The `resource-graph` extension's
//! `az graph query` is not used: without `--subscriptions` it queries only the first 1000
//! subscriptions of az's local cache, and its output changed shape between versions (a list,
//! then an object with `skip_token`); the REST call without `subscriptions` is tenant-wide.
//!
//! Every command is an argv list (never a shell string); every answer is read strictly: an
//! answer that is not JSON, not shaped like a Resource Graph page, that stops short of
//! `totalRecords` without a `$skipToken`, or repeats a token, is an error naming the command.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use super::runner::Output;
use crate::files::escape_control;

/// The Resource Graph query API, relative to the cloud's Resource Manager endpoint.
pub(crate) const ARG_URL: &str =
    "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01";

/// Rows a page: Resource Graph's maximum `$top`.
pub(crate) const PAGE: usize = 1000;

/// No estate needs more pages than this (a million rows a query); past it the answers loop.
const MAX_PAGES: usize = 1000;

/// Every VNet: address spaces, subnets and peerings. Ordered by id so pages are stable.
pub(crate) const VNET_QUERY: &str = "Resources \
| where type =~ 'microsoft.network/virtualnetworks' \
| project id, name, resourceGroup, subscriptionId, location, \
addressPrefixes = properties.addressSpace.addressPrefixes, \
subnets = properties.subnets, peerings = properties.virtualNetworkPeerings \
| order by id asc";

/// Every AKS cluster: its network profile and node pools (their subnets).
pub(crate) const CLUSTER_QUERY: &str = "Resources \
| where type =~ 'microsoft.containerservice/managedclusters' \
| project id, name, resourceGroup, subscriptionId, location, \
networkPlugin = properties.networkProfile.networkPlugin, \
networkPluginMode = properties.networkProfile.networkPluginMode, \
podCidr = properties.networkProfile.podCidr, podCidrs = properties.networkProfile.podCidrs, \
serviceCidr = properties.networkProfile.serviceCidr, \
serviceCidrs = properties.networkProfile.serviceCidrs, \
dnsServiceIP = properties.networkProfile.dnsServiceIP, pools = properties.agentPoolProfiles \
| order by id asc";

/// Which subscriptions a query covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every subscription the user can read in the tenant az's token is for (no
    /// `subscriptions` in the request: the tenant scope).
    All,
    /// These subscription ids.
    Subscriptions(Vec<String>),
}

/// A discovered VNet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundVnet {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) resource_group: String,
    pub(crate) subscription: String,
    pub(crate) location: String,
    /// Address prefixes, IPv4 and IPv6, as Azure reports them.
    pub(crate) address_space: Vec<String>,
    /// Subnets: name and address prefixes.
    pub(crate) subnets: Vec<(String, Vec<String>)>,
    /// The ids of the VNets this one is peered with.
    pub(crate) peered_with: Vec<String>,
}

/// A discovered AKS cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundCluster {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) resource_group: String,
    pub(crate) subscription: String,
    pub(crate) location: String,
    /// `kubenet`, `azure`, `none`... as AKS reports it.
    pub(crate) network_plugin: Option<String>,
    /// `overlay` for Azure CNI Overlay.
    pub(crate) network_plugin_mode: Option<String>,
    pub(crate) pod_cidrs: Vec<String>,
    pub(crate) service_cidrs: Vec<String>,
    pub(crate) dns_service_ip: Option<String>,
    /// The subnet ids of its node pools (none: an AKS-managed VNet).
    pub(crate) node_subnets: Vec<String>,
}

impl FoundCluster {
    /// The plugin as people say it: `kubenet`, `azure (overlay)`, `none`.
    pub(crate) fn plugin_label(&self) -> String {
        let p = self.network_plugin.as_deref().unwrap_or("?");
        match &self.network_plugin_mode {
            Some(m) => format!("{p} ({m})"),
            None => p.to_owned(),
        }
    }
}

/// What a discovery found, and what it cost.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) vnets: Vec<FoundVnet>,
    pub(crate) clusters: Vec<FoundCluster>,
    /// az commands run.
    pub(crate) calls: usize,
    pub(crate) elapsed: Duration,
}

/// Runs one az command (argv without `az`).
pub(crate) type Az<'a> = dyn FnMut(&[String]) -> anyhow::Result<Output> + 'a;

/// The request body of one page.
pub(crate) fn body(query: &str, scope: &Scope, skip_token: Option<&str>) -> Value {
    let mut options = json!({ "$top": PAGE, "resultFormat": "objectArray" });
    if let Some(t) = skip_token {
        options["$skipToken"] = json!(t);
    }
    let mut b = json!({ "query": query, "options": options });
    if let Scope::Subscriptions(subs) = scope {
        b["subscriptions"] = json!(subs);
    }
    b
}

/// `az rest` posting `body` to Resource Graph, as an argv.
pub(crate) fn rest_argv(body: &Value) -> Vec<String> {
    [
        "rest",
        "--method",
        "post",
        "--url",
        ARG_URL,
        "--body",
        &body.to_string(),
        "--output",
        "json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// How a command is named in messages: its first words, not the whole request body.
fn named(argv: &[String]) -> String {
    let words: Vec<&str> = argv
        .iter()
        .take_while(|a| *a != "--body")
        .map(String::as_str)
        .collect();
    format!("az {}", words.join(" "))
}

/// The first characters of an answer, safe to print.
fn excerpt(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return "nothing".to_owned();
    }
    let cut: String = t.chars().take(80).collect();
    let more = if t.chars().count() > 80 { "..." } else { "" };
    format!("\"{}{more}\"", escape_control(&cut))
}

/// Runs `argv` and reads its answer as JSON, or says which command answered what.
pub(crate) fn strict_answer(az: &mut Az<'_>, argv: &[String], what: &str) -> anyhow::Result<Value> {
    let out = az(argv)?;
    if out.code != 0 {
        let err = out.stderr.trim();
        if err.contains("az login") {
            bail!("you are not logged in to Azure: run `az login`, then run this command again");
        }
        bail!(
            "`{}` ({what}) failed with exit code {}: {}",
            named(argv),
            out.code,
            escape_control(if err.is_empty() { "no message" } else { err })
        );
    }
    serde_json::from_str(&out.stdout).map_err(|e| {
        anyhow!(
            "`{}` ({what}) answered with no JSON ({e}): {}; run it yourself to see why",
            named(argv),
            excerpt(&out.stdout)
        )
    })
}

/// How often a throttled page is asked again.
const RETRIES: u32 = 3;

/// Milliseconds to wait before asking a throttled page again (`BYOCNI_GRAPH_RETRY_MS`, default
/// 5000: Resource Graph's quota is counted over 5-second windows).
fn retry_wait() -> Duration {
    Duration::from_millis(
        std::env::var("BYOCNI_GRAPH_RETRY_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(5000),
    )
}

/// One page, asked again (up to [`RETRIES`] times, after [`retry_wait`]) while Resource Graph
/// answers 429 Too Many Requests: its per-user quota, which a large tenant can meet.
fn page_answer(
    az: &mut Az<'_>,
    calls: &mut usize,
    argv: &[String],
    what: &str,
) -> anyhow::Result<Value> {
    let mut attempt = 0;
    loop {
        *calls += 1;
        match strict_answer(az, argv, what) {
            Err(e)
                if attempt < RETRIES
                    && ["Too Many Requests", "RateLimiting"]
                        .iter()
                        .any(|m| e.to_string().contains(m)) =>
            {
                attempt += 1;
                let wait = retry_wait();
                eprintln!(
                    "Resource Graph is throttling ({what}); asking again in {:.1}s ({attempt} of {RETRIES})",
                    wait.as_secs_f64()
                );
                std::thread::sleep(wait);
            }
            other => return other,
        }
    }
}

/// Every row of `query`, following `$skipToken` to the end. Rows are deduplicated by `id`.
pub(crate) fn query_all(
    az: &mut Az<'_>,
    calls: &mut usize,
    kind: &str,
    query: &str,
    scope: &Scope,
) -> anyhow::Result<Vec<Value>> {
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut tokens: HashSet<String> = HashSet::new();
    let mut token: Option<String> = None;
    let mut received = 0usize;
    for page in 1..=MAX_PAGES {
        let argv = rest_argv(&body(query, scope, token.as_deref()));
        let what = format!("Resource Graph, {kind} page {page}");
        let v = page_answer(az, calls, &argv, &what)?;
        let Some(data) = v.get("data").and_then(Value::as_array) else {
            bail!(
                "`{}` ({what}) answered JSON without a \"data\" list of rows: {}",
                named(&argv),
                excerpt(&v.to_string())
            );
        };
        let total = v.get("totalRecords").and_then(Value::as_u64);
        received += data.len();
        for row in data {
            let Some(id) = row.get("id").and_then(Value::as_str) else {
                bail!(
                    "`{}` ({what}) answered a row without an \"id\": {}",
                    named(&argv),
                    excerpt(&row.to_string())
                );
            };
            if seen.insert(id.to_ascii_lowercase()) {
                rows.push(row.clone());
            }
        }
        let next = v
            .get("$skipToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        let Some(next) = next else {
            let truncated = v.get("resultTruncated").and_then(Value::as_str) == Some("true");
            let short = total.is_some_and(|t| (received as u64) < t);
            if truncated || short {
                bail!(
                    "Resource Graph stopped after {received} of {} {kind} without a $skipToken for the rest (`{}`, {what}); nothing was written: run the command again, and if it keeps stopping there report it",
                    total.map_or_else(|| "more".to_owned(), |t| t.to_string()),
                    named(&argv)
                );
            }
            return Ok(rows);
        };
        if !tokens.insert(next.to_owned()) {
            bail!(
                "Resource Graph answered the same $skipToken twice (`{}`, {what}): the pages would never end",
                named(&argv)
            );
        }
        token = Some(next.to_owned());
    }
    bail!("Resource Graph gave more than {MAX_PAGES} pages of {kind}; narrow the scope with --subscription")
}

fn text(row: &Value, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A list of strings (`null` or missing: empty); anything else is an error.
fn strings(row: &Value, key: &str, kind: &str) -> anyhow::Result<Vec<String>> {
    match row.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_owned).ok_or_else(|| {
                    anyhow!(
                        "Resource Graph gave {kind} {} a non-text entry in {key}: {}",
                        escape_control(&text(row, "id")),
                        excerpt(&x.to_string())
                    )
                })
            })
            .collect(),
        Some(other) => bail!(
            "Resource Graph gave {kind} {} a {key} that is not a list: {}",
            escape_control(&text(row, "id")),
            excerpt(&other.to_string())
        ),
    }
}

fn objects<'a>(row: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    row.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// A VNet row of [`VNET_QUERY`].
pub(crate) fn vnet_from_row(row: &Value) -> anyhow::Result<FoundVnet> {
    let subnets = objects(row, "subnets")
        .map(|s| {
            let p = &s["properties"];
            let mut prefixes = strings(p, "addressPrefixes", "subnet")?;
            if let Some(one) = p.get("addressPrefix").and_then(Value::as_str) {
                if !prefixes.iter().any(|x| x == one) {
                    prefixes.insert(0, one.to_owned());
                }
            }
            Ok((text(s, "name"), prefixes))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let peered_with = objects(row, "peerings")
        .filter_map(|p| p["properties"]["remoteVirtualNetwork"]["id"].as_str())
        .map(str::to_owned)
        .collect();
    Ok(FoundVnet {
        id: text(row, "id"),
        name: text(row, "name"),
        resource_group: text(row, "resourceGroup"),
        subscription: text(row, "subscriptionId"),
        location: text(row, "location"),
        address_space: strings(row, "addressPrefixes", "VNet")?,
        subnets,
        peered_with,
    })
}

/// A cluster row of [`CLUSTER_QUERY`].
pub(crate) fn cluster_from_row(row: &Value) -> anyhow::Result<FoundCluster> {
    let mut pod_cidrs = strings(row, "podCidrs", "cluster")?;
    if let Some(p) = row.get("podCidr").and_then(Value::as_str) {
        if !pod_cidrs.iter().any(|x| x == p) {
            pod_cidrs.insert(0, p.to_owned());
        }
    }
    let mut service_cidrs = strings(row, "serviceCidrs", "cluster")?;
    if let Some(s) = row.get("serviceCidr").and_then(Value::as_str) {
        if !service_cidrs.iter().any(|x| x == s) {
            service_cidrs.insert(0, s.to_owned());
        }
    }
    let mut node_subnets: Vec<String> = Vec::new();
    for p in objects(row, "pools") {
        if let Some(id) = p.get("vnetSubnetID").and_then(Value::as_str) {
            if !node_subnets.iter().any(|x| x.eq_ignore_ascii_case(id)) {
                node_subnets.push(id.to_owned());
            }
        }
    }
    let opt = |k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Ok(FoundCluster {
        id: text(row, "id"),
        name: text(row, "name"),
        resource_group: text(row, "resourceGroup"),
        subscription: text(row, "subscriptionId"),
        location: text(row, "location"),
        network_plugin: opt("networkPlugin"),
        network_plugin_mode: opt("networkPluginMode"),
        pod_cidrs,
        service_cidrs,
        dns_service_ip: opt("dnsServiceIP"),
        node_subnets,
    })
}

/// The current subscription's id (`az account show`, with `--subscription` when one is named).
pub(crate) fn current_subscription(
    az: &mut Az<'_>,
    calls: &mut usize,
    named_sub: Option<&str>,
) -> anyhow::Result<String> {
    let mut argv: Vec<String> = ["account", "show", "--output", "json"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if let Some(s) = named_sub {
        argv.push("--subscription".into());
        argv.push(s.to_owned());
    }
    *calls += 1;
    let v = strict_answer(az, &argv, "the subscription to look in")?;
    match v.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => bail!(
            "`{}` answered without a subscription \"id\": {}",
            named(&argv),
            excerpt(&v.to_string())
        ),
    }
}

/// Discovers every VNet and AKS cluster in `scope`.
pub(crate) fn discover(az: &mut Az<'_>, scope: &Scope, calls: usize) -> anyhow::Result<Found> {
    let start = Instant::now();
    let mut calls = calls;
    let vnets = query_all(az, &mut calls, "VNets", VNET_QUERY, scope)?
        .iter()
        .map(vnet_from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let clusters = query_all(az, &mut calls, "clusters", CLUSTER_QUERY, scope)?
        .iter()
        .map(cluster_from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Found {
        vnets,
        clusters,
        calls,
        elapsed: start.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stdout: &str) -> Output {
        Output {
            code: 0,
            stdout: stdout.to_owned(),
            stderr: String::new(),
        }
    }

    /// A fake Resource Graph answering `pages` in turn; records each request body.
    fn fake(
        pages: Vec<Output>,
        bodies: &mut Vec<Value>,
    ) -> impl FnMut(&[String]) -> anyhow::Result<Output> + '_ {
        let mut pages = pages.into_iter();
        move |argv: &[String]| {
            let i = argv.iter().position(|a| a == "--body").unwrap();
            bodies.push(serde_json::from_str(&argv[i + 1]).unwrap());
            Ok(pages.next().expect("no more pages"))
        }
    }

    fn page(ids: &[&str], total: usize, token: Option<&str>) -> Output {
        let data: Vec<Value> = ids.iter().map(|i| json!({ "id": i, "name": i })).collect();
        let mut v = json!({ "totalRecords": total, "count": ids.len(), "data": data, "resultTruncated": "false" });
        if let Some(t) = token {
            v["$skipToken"] = json!(t);
        }
        ok(&v.to_string())
    }

    #[test]
    fn pages_are_followed_to_the_end_and_rows_deduplicated() {
        let mut bodies = Vec::new();
        let mut az = fake(
            vec![
                page(&["/a", "/b"], 4, Some("t1")),
                page(&["/B", "/c"], 4, Some("t2")),
                page(&["/d"], 4, None),
            ],
            &mut bodies,
        );
        let mut calls = 0;
        let rows = query_all(&mut az, &mut calls, "VNets", VNET_QUERY, &Scope::All).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["/a", "/b", "/c", "/d"]);
        assert_eq!(calls, 3);
        drop(az);
        assert!(bodies[0]["options"].get("$skipToken").is_none());
        assert_eq!(bodies[1]["options"]["$skipToken"], "t1");
        assert_eq!(bodies[2]["options"]["$skipToken"], "t2");
        assert_eq!(bodies[0]["options"]["$top"], 1000);
        assert!(bodies[0].get("subscriptions").is_none(), "tenant-wide");
    }

    #[test]
    fn a_page_short_of_the_total_without_a_token_is_an_error() {
        let mut bodies = Vec::new();
        let mut az = fake(vec![page(&["/a"], 3, None)], &mut bodies);
        let e = query_all(&mut az, &mut 0, "VNets", VNET_QUERY, &Scope::All).unwrap_err();
        assert!(
            e.to_string()
                .contains("stopped after 1 of 3 VNets without a $skipToken"),
            "{e}"
        );
    }

    #[test]
    fn a_repeated_token_is_an_error() {
        let mut bodies = Vec::new();
        let mut az = fake(
            vec![page(&["/a"], 9, Some("t")), page(&["/b"], 9, Some("t"))],
            &mut bodies,
        );
        let e = query_all(&mut az, &mut 0, "VNets", VNET_QUERY, &Scope::All).unwrap_err();
        assert!(e.to_string().contains("same $skipToken twice"), "{e}");
    }

    #[test]
    fn non_json_and_shapeless_answers_name_the_command() {
        let mut bodies = Vec::new();
        let mut az = fake(vec![ok("<html>502 Bad Gateway</html>")], &mut bodies);
        let e = query_all(&mut az, &mut 0, "VNets", VNET_QUERY, &Scope::All).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("`az rest --method post --url /providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01` (Resource Graph, VNets page 1) answered with no JSON"), "{m}");
        assert!(m.contains("\"<html>502 Bad Gateway</html>\""), "{m}");
        let mut bodies2 = Vec::new();
        let mut az = fake(vec![ok("{\"rows\": []}")], &mut bodies2);
        let e = query_all(&mut az, &mut 0, "VNets", VNET_QUERY, &Scope::All).unwrap_err();
        assert!(e.to_string().contains("without a \"data\" list"), "{e}");
        let mut bodies3 = Vec::new();
        let mut az = fake(
            vec![Output {
                code: 1,
                stdout: String::new(),
                stderr: "ERROR: Bad Request({\"error\":{\"code\":\"InvalidQuery\"}})\n".into(),
            }],
            &mut bodies3,
        );
        let e = query_all(&mut az, &mut 0, "clusters", CLUSTER_QUERY, &Scope::All).unwrap_err();
        assert!(
            e.to_string().contains(
                "(Resource Graph, clusters page 1) failed with exit code 1: ERROR: Bad Request"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_subscription_scope_is_sent() {
        let b = body(VNET_QUERY, &Scope::Subscriptions(vec!["s1".into()]), None);
        assert_eq!(b["subscriptions"], json!(["s1"]));
        assert_eq!(b["options"]["resultFormat"], "objectArray");
    }

    #[test]
    fn rows_read_into_vnets_and_clusters() {
        let v = vnet_from_row(&json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub",
            "name": "hub", "resourceGroup": "rg", "subscriptionId": "s", "location": "westeurope",
            "addressPrefixes": ["10.0.0.0/16", "fd00::/48"],
            "subnets": [{ "name": "a", "properties": { "addressPrefix": "10.0.0.0/24" } },
                        { "name": "b", "properties": { "addressPrefixes": ["10.0.1.0/24", "fd00::/64"] } }],
            "peerings": [{ "name": "p", "properties": { "remoteVirtualNetwork": { "id": "/x/spoke" } } }]
        }))
        .unwrap();
        assert_eq!(v.address_space, ["10.0.0.0/16", "fd00::/48"]);
        assert_eq!(
            v.subnets[0],
            ("a".to_owned(), vec!["10.0.0.0/24".to_owned()])
        );
        assert_eq!(v.subnets[1].1, ["10.0.1.0/24", "fd00::/64"]);
        assert_eq!(v.peered_with, ["/x/spoke"]);
        let c = cluster_from_row(&json!({
            "id": "/c", "name": "green", "networkPlugin": "azure", "networkPluginMode": "overlay",
            "podCidr": "10.244.0.0/16", "podCidrs": ["10.244.0.0/16"], "serviceCidr": "10.0.0.0/16",
            "pools": [{ "vnetSubnetID": "/s/nodes" }, { "vnetSubnetID": "/S/NODES" }, { "name": "x" }]
        }))
        .unwrap();
        assert_eq!(c.plugin_label(), "azure (overlay)");
        assert_eq!(c.pod_cidrs, ["10.244.0.0/16"]);
        assert_eq!(c.service_cidrs, ["10.0.0.0/16"]);
        assert_eq!(c.node_subnets, ["/s/nodes"]);
        let e = vnet_from_row(&json!({ "id": "/v", "addressPrefixes": "10.0.0.0/8" })).unwrap_err();
        assert!(
            e.to_string().contains("addressPrefixes that is not a list"),
            "{e}"
        );
    }
}
