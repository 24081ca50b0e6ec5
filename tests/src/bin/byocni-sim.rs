//! A simulated `az`, `kubectl` and `helm` for byocni's provisioning tests: one binary that acts
//! as whichever tool its file name says (tests put symlinks named az, kubectl and helm first on
//! PATH). It keeps resource state as JSON in `$BYOCNI_SIM_DIR`, records every argv to
//! `calls.log` there, answers `show` with exit 3 when a resource is missing, prints JSON shaped
//! like the real tools', and fails on demand: when `$BYOCNI_SIM_DIR/fail` holds a text that the
//! command line contains, that command fails once with an az-style error.
//!
//! Resources carry the `--tags` they were created with; `az resource list` shows a group's
//! top-level resources. Several copies may run at once (two applies, or a command that outlives
//! a killed byocni): each holds an exclusive lock on the state while it reads and changes it.
//!
//! Knobs (files in `$BYOCNI_SIM_DIR`): `logged-out` (az account show fails), `az-version`
//! (what `az version` reports), `ready-after` (polls of `kubectl get nodes` before Ready),
//! `delay-ms` (every command sleeps this long after changing the state, as Azure takes time;
//! commands that match the pattern in `slow` sleep `slow-ms` instead), `running/` (a file per
//! simulated command still running, so a test can wait for those a killed byocni left behind),
//! and one-shot patterns, each matched against the command line and removed when used:
//! `fail` (fail before doing anything), `fail-after` (do it, then exit 1, as when az dies after
//! Azure accepted the request), `garbage` (exit 0 with an HTML 502 page instead of JSON),
//! `kill-parent` / `interrupt-parent` (do it, then SIGKILL / SIGINT the caller: byocni killed
//! inside the command), and `hang` (sleep for an hour before anything, not one-shot).
//! `no-aks-preview`: the aks-preview extension is not installed (`az extension show --name
//! aks-preview` exits 1, and `az aks create --kube-proxy-config` is an unrecognized argument,
//! exit 2, as with stock az).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use byocni_tests::resource_graph;
use serde_json::{json, Value};

#[path = "byocni-sim/around.rs"]
mod around;

const SUB: &str = "00000000-0000-0000-0000-000000000000";

struct Sim {
    dir: PathBuf,
    state: Value,
}

/// `--flag value` pairs and bare words of an argv.
struct Args {
    words: Vec<String>,
    flags: BTreeMap<String, Vec<String>>,
}

fn parse(argv: &[String]) -> Args {
    let mut words = Vec::new();
    let mut flags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if let Some(f) = a.strip_prefix("--") {
            if let Some((k, v)) = f.split_once('=') {
                flags.entry(k.to_owned()).or_default().push(v.to_owned());
            } else {
                let mut vals = Vec::new();
                while i + 1 < argv.len() && !argv[i + 1].starts_with("--") {
                    i += 1;
                    vals.push(argv[i].clone());
                }
                flags.entry(f.to_owned()).or_default().extend(vals);
            }
        } else if a == "-o" || a == "-f" {
            i += 1;
            if let Some(v) = argv.get(i) {
                flags
                    .entry(if a == "-o" { "output" } else { "filename" }.to_owned())
                    .or_default()
                    .push(v.clone());
            }
        } else {
            words.push(a.clone());
        }
        i += 1;
    }
    Args { words, flags }
}

impl Args {
    /// `--tags a=b c=d` as a JSON object.
    fn tags(&self) -> Value {
        let mut t = serde_json::Map::new();
        for w in self.all("tags") {
            if let Some((k, v)) = w.split_once('=') {
                t.insert(k.to_owned(), json!(v));
            }
        }
        Value::Object(t)
    }
    fn get(&self, k: &str) -> String {
        self.flags
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.flags.get(k).cloned().unwrap_or_default()
    }
    fn has(&self, k: &str) -> bool {
        self.flags.contains_key(k)
    }
}

impl Sim {
    fn load() -> Sim {
        let dir = PathBuf::from(std::env::var_os("BYOCNI_SIM_DIR").expect("BYOCNI_SIM_DIR is set"));
        let state = std::fs::read_to_string(dir.join("state.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| json!({ "resources": {}, "creates": {}, "polls": 0, "cni": false }));
        Sim { dir, state }
    }
    fn save(&self) {
        std::fs::write(
            self.dir.join("state.json"),
            serde_json::to_string_pretty(&self.state).unwrap(),
        )
        .unwrap();
    }
    fn knob(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(name))
            .ok()
            .map(|s| s.trim().to_owned())
    }
    fn get(&self, key: &str) -> Option<Value> {
        self.state["resources"].get(key).cloned()
    }
    /// Creates a resource (counted in `creates`).
    fn put(&mut self, key: &str, v: Value) {
        self.state["resources"][key] = v;
        let n = self.state["creates"][key].as_u64().unwrap_or(0);
        self.state["creates"][key] = json!(n + 1);
    }
    /// Changes a resource (not counted).
    fn set(&mut self, key: &str, v: Value) {
        self.state["resources"][key] = v;
    }
    fn keys(&self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        self.state["resources"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| pred(k))
            .cloned()
            .collect()
    }
    fn remove(&mut self, key: &str) -> bool {
        self.state["resources"]
            .as_object_mut()
            .unwrap()
            .remove(key)
            .is_some()
    }
}

/// `--query a.b --output tsv` of the command line, as exported scripts capture values.
static QUERY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

fn out(v: &Value) -> i32 {
    if let Some(Some(q)) = QUERY.get() {
        let mut at = v;
        for part in q.split('.') {
            at = &at[part];
        }
        // As az's tsv prints a list: one element a line.
        let line = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        match at.as_array() {
            Some(items) => {
                for v in items {
                    println!("{}", line(v));
                }
            }
            None => println!("{}", line(at)),
        }
        return 0;
    }
    println!("{}", serde_json::to_string_pretty(v).unwrap());
    0
}

fn missing(what: &str) -> i32 {
    eprintln!("ERROR: (ResourceNotFound) The Resource '{what}' was not found.");
    3
}

fn rg_id(rg: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}")
}

/// The VNets and clusters the simulated az created, and the `estate` knob's VNets, as rows of
/// byocni's Resource Graph queries. Resource Graph (`az rest` to its query API) and an estate
/// of any size are simulated by `byocni_tests::resource_graph`, whose module doc lists its
/// knobs (`graph-estate`, `call-delay-ms`, `graph-garbage-page`, `graph-drop-token-page`).
fn graph_statics(sim: &Sim) -> (Vec<Value>, Vec<Value>) {
    let res = sim.state["resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut vnets: Vec<Value> = Vec::new();
    let mut clusters: Vec<Value> = Vec::new();
    for (k, v) in &res {
        if let Some(rest) = k.strip_prefix("vnet/") {
            let mut v = v.clone();
            let prefix = format!("subnet/{rest}/");
            v["subnets"] = res
                .iter()
                .filter(|(sk, _)| sk.starts_with(&prefix))
                .map(|(_, s)| s.clone())
                .collect();
            vnets.push(resource_graph::static_vnet_row(&v));
        } else if k.starts_with("aks/") {
            clusters.push(resource_graph::static_cluster_row(v));
        }
    }
    if let Some(extra) = sim.knob("estate") {
        vnets.extend(
            serde_json::from_str::<Vec<Value>>(&extra)
                .unwrap_or_default()
                .iter()
                .map(resource_graph::static_vnet_row),
        );
    }
    (vnets, clusters)
}

fn az(sim: &mut Sim, argv: &[String]) -> i32 {
    let a = parse(argv);
    let w: Vec<&str> = a.words.iter().map(String::as_str).collect();
    let rg = a.get("resource-group");
    let name = a.get("name");
    let needs_rg = |sim: &Sim, rg: &str| sim.get(&format!("group/{rg}")).is_some();
    resource_graph::call_delay(&sim.dir);
    let estate = resource_graph::Spec::load(&sim.dir);
    if let Some(code) = around::az(sim, &w, &a) {
        return code;
    }
    if let Some(code) = peering(sim, &w, &a) {
        return code;
    }
    match w.as_slice() {
        ["rest"] => {
            let (vnets, clusters) = graph_statics(sim);
            let (code, stdout, stderr) = resource_graph::rest(
                &sim.dir,
                estate.as_ref(),
                (&vnets, &clusters),
                &a.get("method"),
                &a.get("url"),
                &a.get("body"),
            );
            print!("{stdout}");
            eprint!("{stderr}");
            code
        }
        ["account", "list"] if estate.is_some() => {
            out(&estate.map(|e| resource_graph::account_list(&e)).unwrap())
        }
        ["version"] => out(
            &json!({ "azure-cli": sim.knob("az-version").unwrap_or_else(|| "2.91.0".into()), "azure-cli-core": "2.91.0" }),
        ),
        ["account", "show"] => {
            if sim.knob("logged-out").is_some() {
                eprintln!("ERROR: Please run 'az login' to setup account.");
                1
            } else {
                out(
                    &json!({ "id": SUB, "name": "Simulated Subscription", "state": "Enabled", "user": { "name": "architect@example.com" } }),
                )
            }
        }
        ["account", "list"] => out(
            &json!([{ "id": SUB, "name": "Simulated Subscription" }, { "id": "11111111-0000-0000-0000-000000000000", "name": "Hub" }]),
        ),
        ["group", "show"] => sim
            .get(&format!("group/{name}"))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["group", "create"] => {
            let v = json!({ "id": rg_id(&name), "name": name, "location": a.get("location"), "tags": a.tags(), "properties": { "provisioningState": "Succeeded" } });
            sim.put(&format!("group/{name}"), v.clone());
            out(&v)
        }
        ["group", "delete"] => {
            let prefix = format!("/{name}/");
            let keys: Vec<String> = sim.state["resources"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| k.contains(&prefix) || k.ends_with(&format!("group/{name}")))
                .cloned()
                .collect();
            for k in keys {
                sim.remove(&k);
            }
            0
        }
        ["network", "vnet", "show"] => match sim.get(&format!("vnet/{rg}/{name}")) {
            Some(mut v) => {
                let prefix = format!("subnet/{rg}/{name}/");
                v["subnets"] = sim
                    .keys(|k| k.starts_with(&prefix))
                    .iter()
                    .filter_map(|k| sim.get(k))
                    .collect();
                out(&v)
            }
            None => missing(&name),
        },
        ["network", "vnet", "create"] => {
            if !needs_rg(sim, &rg) {
                eprintln!(
                    "ERROR: (ResourceGroupNotFound) Resource group '{rg}' could not be found."
                );
                return 1;
            }
            let id = format!(
                "{}/providers/Microsoft.Network/virtualNetworks/{name}",
                rg_id(&rg)
            );
            let v = json!({ "newVNet": { "id": id, "name": name, "type": "Microsoft.Network/virtualNetworks", "tags": a.tags(), "addressSpace": { "addressPrefixes": a.all("address-prefixes") }, "subnets": [] } });
            sim.put(&format!("vnet/{rg}/{name}"), v["newVNet"].clone());
            out(&v)
        }
        ["network", "vnet", "delete"] => {
            let subs: Vec<String> = sim.state["resources"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| k.starts_with(&format!("subnet/{rg}/{name}/")))
                .cloned()
                .collect();
            for k in subs {
                sim.remove(&k);
            }
            i32::from(!sim.remove(&format!("vnet/{rg}/{name}")))
        }
        ["network", "vnet", "list"] => {
            let list: Vec<Value> = sim.state["resources"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.starts_with("vnet/"))
                .map(|(_, v)| v.clone())
                .collect();
            let sub = a.get("subscription");
            let mut all = if sub.is_empty() || sub == SUB {
                list
            } else {
                Vec::new()
            };
            if let Some(extra) = sim.knob("estate").filter(|_| sub.is_empty() || sub == SUB) {
                all.extend(serde_json::from_str::<Vec<Value>>(&extra).unwrap_or_default());
            }
            if let Some(e) = &estate {
                all.extend(resource_graph::vnet_list(
                    e,
                    if sub.is_empty() { SUB } else { &sub },
                ));
            }
            out(&Value::Array(all))
        }
        ["network", "vnet", "subnet", "show"] => sim
            .get(&format!("subnet/{rg}/{}/{name}", a.get("vnet-name")))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["network", "vnet", "subnet", "create"] => {
            let vnet = a.get("vnet-name");
            if sim.get(&format!("vnet/{rg}/{vnet}")).is_none() {
                eprintln!("ERROR: (ResourceNotFound) The Resource 'Microsoft.Network/virtualNetworks/{vnet}' under resource group '{rg}' was not found.");
                return 1;
            }
            let id = format!(
                "{}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}",
                rg_id(&rg)
            );
            let mut v = json!({ "id": id, "name": name, "addressPrefix": a.get("address-prefixes"), "provisioningState": "Succeeded" });
            if let Err(code) = around::subnet_extras(sim, &a, &rg, &mut v) {
                return code;
            }
            sim.put(&format!("subnet/{rg}/{vnet}/{name}"), v.clone());
            out(&v)
        }
        ["identity", "show"] => sim
            .get(&format!("identity/{rg}/{name}"))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["identity", "create"] => {
            let id = format!(
                "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
                rg_id(&rg)
            );
            let v = json!({ "id": id, "name": name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "tags": a.tags(), "principalId": "22222222-3333-4444-5555-666666666666", "clientId": "77777777-0000-0000-0000-000000000000" });
            sim.put(&format!("identity/{rg}/{name}"), v.clone());
            out(&v)
        }
        ["identity", "delete"] => i32::from(!sim.remove(&format!("identity/{rg}/{name}"))),
        ["network", "vnet", "subnet", "delete"] => {
            sim.remove(&format!("subnet/{rg}/{}/{name}", a.get("vnet-name")));
            0
        }
        ["role", "assignment", "delete"] => {
            let id = a.get("ids");
            let keys = sim.keys(|k| k.starts_with("role/"));
            for k in keys {
                if sim.get(&k).is_some_and(|v| v["id"] == json!(id)) {
                    sim.remove(&k);
                }
            }
            0
        }
        ["resource", "list"] => {
            let list: Vec<Value> = sim
                .keys(|k| {
                    let parts: Vec<&str> = k.split('/').collect();
                    parts.len() == 3
                        && parts[1] == rg
                        && [
                            "vnet", "identity", "aks", "res", "nsg", "routetable", "publicip",
                            "natgw",
                        ]
                        .contains(&parts[0])
                })
                .iter()
                .filter_map(|k| sim.get(k))
                .map(|v| json!({ "id": v["id"], "name": v["name"], "type": v["type"], "tags": v["tags"] }))
                .collect();
            out(&Value::Array(list))
        }
        ["role", "assignment", "list"] => {
            let key = format!("role/{}/{}", a.get("assignee-object-id"), a.get("scope"));
            out(&Value::Array(sim.get(&key).into_iter().collect()))
        }
        ["role", "assignment", "create"] => {
            let key = format!("role/{}/{}", a.get("assignee-object-id"), a.get("scope"));
            let v = json!({ "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/1", a.get("scope")), "roleDefinitionName": a.get("role"), "principalId": a.get("assignee-object-id"), "scope": a.get("scope") });
            sim.put(&key, v.clone());
            out(&v)
        }
        ["extension", "show"] => {
            if name != "aks-preview" || sim.knob("no-aks-preview").is_some() {
                eprintln!("ERROR: The extension {name} is not installed.");
                1
            } else {
                out(
                    &json!({ "name": "aks-preview", "version": "19.0.0b1", "extensionType": "whl" }),
                )
            }
        }
        ["aks", "show"] => sim
            .get(&format!("aks/{rg}/{name}"))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["aks", "create"] => {
            if sim.get(&format!("aks/{rg}/{name}")).is_some() {
                eprintln!("ERROR: (ManagedClusterAlreadyExists) cluster {name} already exists");
                return 1;
            }
            let cluster_id = format!(
                "{}/providers/Microsoft.ContainerService/managedClusters/{name}",
                rg_id(&rg)
            );
            let mut kube_proxy = Value::Null;
            if a.has("kube-proxy-config") {
                if sim.knob("no-aks-preview").is_some() {
                    eprintln!("ERROR: unrecognized arguments: --kube-proxy-config");
                    return 2;
                }
                let file = a.get("kube-proxy-config");
                let Some(cfg) = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                else {
                    eprintln!("ERROR: --kube-proxy-config {file}: not a readable JSON file");
                    return 1;
                };
                sim.state["kube_proxy_config"] = cfg.clone();
                kube_proxy = cfg;
            }
            let pool = pool_json(&a, &cluster_id, &a.get("nodepool-name"));
            let v = json!({
                "id": cluster_id,
                "name": name, "type": "Microsoft.ContainerService/managedClusters",
                "location": a.get("location"), "provisioningState": "Succeeded", "tags": a.tags(),
                "fqdn": format!("{}-abc123.hcp.{}.azmk8s.io", a.get("dns-name-prefix"), a.get("location")),
                "networkProfile": { "networkPlugin": a.get("network-plugin"), "podCidr": a.get("pod-cidr"), "serviceCidr": a.get("service-cidr"), "dnsServiceIp": a.get("dns-service-ip"), "kubeProxyConfig": kube_proxy },
                "agentPoolProfiles": [pool.clone()],
            });
            let mut v = v;
            around::cluster_extras(&a, &mut v);
            sim.put(&format!("aks/{rg}/{name}"), v.clone());
            sim.set(
                &format!("nodepool/{rg}/{name}/{}", a.get("nodepool-name")),
                pool,
            );
            out(&v)
        }
        ["aks", "delete"] => {
            for k in sim.keys(|k| k.starts_with(&format!("nodepool/{rg}/{name}/"))) {
                sim.remove(&k);
            }
            i32::from(!sim.remove(&format!("aks/{rg}/{name}")))
        }
        ["aks", "nodepool", "update" | "scale"] => {
            let key = format!("nodepool/{rg}/{}/{name}", a.get("cluster-name"));
            let Some(mut v) = sim.get(&key) else {
                return missing(&name);
            };
            if a.has("max-surge") {
                v["upgradeSettings"]["maxSurge"] = json!(a.get("max-surge"));
            }
            if a.has("enable-cluster-autoscaler") || a.has("update-cluster-autoscaler") {
                v["enableAutoScaling"] = json!(true);
                v["minCount"] = json!(a.get("min-count").parse::<u64>().unwrap_or(0));
                v["maxCount"] = json!(a.get("max-count").parse::<u64>().unwrap_or(0));
            }
            if a.has("node-count") {
                v["count"] = json!(a.get("node-count").parse::<u64>().unwrap_or(0));
            }
            sim.set(&key, v.clone());
            out(&v)
        }
        ["aks", "nodepool", "show"] => sim
            .get(&format!("nodepool/{rg}/{}/{name}", a.get("cluster-name")))
            .map_or_else(|| missing(&name), |v| out(&v)),
        ["aks", "nodepool", "add"] => {
            let cluster = a.get("cluster-name");
            let Some(c) = sim.get(&format!("aks/{rg}/{cluster}")) else {
                return missing(&cluster);
            };
            let v = pool_json(&a, c["id"].as_str().unwrap_or_default(), &name);
            sim.put(&format!("nodepool/{rg}/{cluster}/{name}"), v.clone());
            out(&v)
        }
        ["aks", "command", "invoke"] => {
            if sim.get(&format!("aks/{rg}/{name}")).is_none() {
                return missing(&name);
            }
            command_invoke(sim, &a)
        }
        ["aks", "get-credentials"] => {
            if sim.get(&format!("aks/{rg}/{name}")).is_none() {
                return missing(&name);
            }
            std::fs::write(
                a.get("file"),
                format!("apiVersion: v1\nkind: Config\ncurrent-context: {name}\n"),
            )
            .unwrap();
            eprintln!("Merged \"{name}\" as current context in {}", a.get("file"));
            0
        }
        _ => {
            eprintln!("ERROR: byocni-sim does not know `az {}`", argv.join(" "));
            2
        }
    }
}

/// `az aks command invoke`: the command line run in a pod of the cluster, whose kubectl and
/// helm are the simulated ones; the attached files (`--file`, each a file, as az requires)
/// are in its working directory by their names. Answers as az does with `--output json`: exit
/// 0 with the command's `exitCode` and `logs`. Recorded in `invoked` (the command and the
/// attached file names). The knob `invoke-fail` makes the command fail in the cluster.
fn command_invoke(sim: &mut Sim, a: &Args) -> i32 {
    let files = a.all("file");
    for f in &files {
        if !Path::new(f).is_file() {
            eprintln!("ERROR: {f} is not valid file, or not accessable.");
            return 1;
        }
    }
    let command = a.get("command");
    let mut record = sim.state["invoked"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| {
            Path::new(f)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    record.push(json!({ "command": command, "files": names }));
    sim.state["invoked"] = json!(record);
    let (mut code, mut logs) = (0, String::new());
    if sim.knob("invoke-fail").is_some() {
        code = 1;
        logs.push_str("Error: INSTALLATION FAILED: context deadline exceeded\n");
    }
    for part in command.split(" && ") {
        if code != 0 {
            break;
        }
        let words: Vec<String> = shell_words(part)
            .into_iter()
            .map(|w| {
                files
                    .iter()
                    .find(|f| {
                        Path::new(f)
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy() == w)
                    })
                    .cloned()
                    .unwrap_or(w)
            })
            .collect();
        let args = parse(words.get(1..).unwrap_or_default());
        let w: Vec<&str> = args.words.iter().map(String::as_str).collect();
        let (c, text) = match (words.first().map(String::as_str), w.as_slice()) {
            (Some("helm"), ["repo", "add", repo, ..]) => {
                (0, format!("\"{repo}\" has been added to your repositories"))
            }
            (Some("helm"), ["upgrade", ..]) => match helm_install(sim, &args) {
                Ok(t) => (0, t),
                Err(e) => (1, e),
            },
            (Some("kubectl"), ["get", "nodes"]) => {
                (0, serde_json::to_string_pretty(&node_list(sim)).unwrap())
            }
            (Some("kubectl"), ["wait", "nodes"]) if sim.state["cni_at"].is_u64() => (
                0,
                "node/aks-nodepool1-1234567-vmss000000 condition met".into(),
            ),
            (Some("kubectl"), ["wait", "nodes"]) => {
                (1, "error: timed out waiting for the condition".into())
            }
            _ => (
                127,
                format!("sh: unknown command in the simulated pod: {part}"),
            ),
        };
        code = c;
        logs.push_str(&text);
        logs.push('\n');
    }
    out(&json!({
        "id": "0123456789abcdef0123456789abcdef",
        "exitCode": code,
        "finishedAt": "2026-12-06T10:00:30+00:00",
        "logs": logs,
        "provisioningState": "Succeeded",
        "reason": null,
        "startedAt": "2026-12-06T10:00:00+00:00",
    }))
}

/// The words of a shell line: split at spaces, single quotes kept together.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// A node pool as `az aks nodepool show` prints it, from the flags that created it.
fn pool_json(a: &Args, cluster_id: &str, name: &str) -> Value {
    let num = |k: &str| a.get(k).parse::<u64>().ok();
    let autoscale = a.has("enable-cluster-autoscaler");
    json!({
        "id": format!("{cluster_id}/agentPools/{name}"),
        "name": name,
        "count": num("node-count").unwrap_or(3),
        "maxPods": num("max-pods").unwrap_or(250),
        "enableAutoScaling": autoscale,
        "minCount": if autoscale { json!(num("min-count")) } else { Value::Null },
        "maxCount": if autoscale { json!(num("max-count")) } else { Value::Null },
        "upgradeSettings": { "maxSurge": a.flags.get("max-surge").and_then(|v| v.first()) },
        "tags": a.tags(),
    })
}

/// The nodes as `kubectl get nodes --output json` prints them: NotReady until a CNI has been
/// installed for `ready-after` polls.
fn node_list(sim: &mut Sim) -> Value {
    let polls = sim.state["polls"].as_u64().unwrap_or(0) + 1;
    sim.state["polls"] = json!(polls);
    let ready_after: u64 = sim
        .knob("ready-after")
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let installed_at = sim.state["cni_at"].as_u64();
    let ready = installed_at.is_some_and(|at| polls >= at + ready_after);
    let nodes: Vec<Value> = (0..3)
        .map(|i| {
            let cond = if ready {
                json!({ "type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status" })
            } else {
                json!({ "type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized" })
            };
            json!({ "metadata": { "name": format!("aks-nodepool1-1234567-vmss00000{i}") }, "status": { "conditions": [cond] } })
        })
        .collect();
    json!({ "apiVersion": "v1", "kind": "List", "items": nodes })
}

/// `helm upgrade --install cilium`: the values recorded, the CNI installed.
fn helm_install(sim: &mut Sim, a: &Args) -> Result<String, String> {
    let values = std::fs::read_to_string(a.get("values")).unwrap_or_default();
    if !values.contains("aksbyocni") {
        return Err(format!(
            "Error: values file {} is not Cilium values for AKS BYO CNI",
            a.get("values")
        ));
    }
    let polls = sim.state["polls"].as_u64().unwrap_or(0);
    sim.state["cni_at"] = json!(polls);
    sim.state["cni"] = json!("cilium");
    sim.state["cilium_values"] = json!(values);
    // Every install's values, in order (an estate installs Cilium on each cluster).
    if !sim.state["cilium_values_log"].is_array() {
        sim.state["cilium_values_log"] = json!([]);
    }
    if let Some(log) = sim.state["cilium_values_log"].as_array_mut() {
        log.push(json!(values));
    }
    sim.state["helm_set_string"] = json!(a.all("set-string"));
    let path = PathBuf::from(a.get("values"));
    sim.state["cilium_values_path"] = json!(path.display().to_string());
    if let Some(mode) = path.parent().and_then(|d| std::fs::metadata(d).ok()) {
        use std::os::unix::fs::PermissionsExt;
        sim.state["cilium_values_dir_mode"] = json!(mode.permissions().mode() & 0o777);
    }
    Ok("Release \"cilium\" has been upgraded. Happy Helming!\nSTATUS: deployed".into())
}

fn kubectl(sim: &mut Sim, argv: &[String]) -> i32 {
    let a = parse(argv);
    let w: Vec<&str> = a.words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["get", "nodes"] => out(&node_list(sim)),
        ["wait", "nodes"] => {
            // `kubectl wait --for=condition=Ready nodes --all`: Ready once a CNI is installed.
            if sim.state["cni_at"].is_u64() {
                for i in 0..3 {
                    println!("node/aks-nodepool1-1234567-vmss00000{i} condition met");
                }
                0
            } else {
                eprintln!("error: timed out waiting for the condition on nodes/aks-nodepool1-1234567-vmss000000");
                1
            }
        }
        ["apply", ..] => {
            let file = a.get("filename");
            if file.starts_with("https://") {
                println!("customresourcedefinition.apiextensions.k8s.io/installations.operator.tigera.io serverside-applied\ndeployment.apps/tigera-operator serverside-applied");
            } else {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                if !text.contains("kind: Installation") {
                    eprintln!("error: no Installation in {file}");
                    return 1;
                }
                let polls = sim.state["polls"].as_u64().unwrap_or(0);
                sim.state["cni_at"] = json!(polls);
                sim.state["cni"] = json!("calico");
                println!("installation.operator.tigera.io/default created");
            }
            0
        }
        _ => {
            eprintln!(
                "error: byocni-sim does not know `kubectl {}`",
                argv.join(" ")
            );
            1
        }
    }
}

fn helm(sim: &mut Sim, argv: &[String]) -> i32 {
    let a = parse(argv);
    let w: Vec<&str> = a.words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["repo", "add", name, ..] => {
            println!("\"{name}\" has been added to your repositories");
            0
        }
        ["upgrade", "install", ..] | ["upgrade", ..] if a.has("install") || w.len() >= 3 => {
            match helm_install(sim, &a) {
                Ok(text) => {
                    println!("{text}");
                    0
                }
                Err(e) => {
                    eprintln!("{e}");
                    1
                }
            }
        }
        _ => {
            eprintln!("Error: byocni-sim does not know `helm {}`", argv.join(" "));
            1
        }
    }
}

/// Takes a one-shot pattern knob when it matches the command line.
fn take_knob(dir: &Path, name: &str, line: &str) -> bool {
    let Ok(pattern) = std::fs::read_to_string(dir.join(name)) else {
        return false;
    };
    let pattern = pattern.trim();
    if pattern.is_empty() || !line.contains(pattern) {
        return false;
    }
    // Only one concurrent command may take it.
    std::fs::remove_file(dir.join(name)).is_ok()
}

fn signal_parent(signal: &str) {
    let parent = std::os::unix::process::parent_id();
    let _ = std::process::Command::new("kill")
        .args([signal, &parent.to_string()])
        .status();
}

fn main() {
    let mut argv: Vec<String> = std::env::args().collect();
    let tool = PathBuf::from(argv.remove(0))
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = PathBuf::from(std::env::var_os("BYOCNI_SIM_DIR").expect("BYOCNI_SIM_DIR is set"));
    // A test may run byocni with a small file-size limit (a full disk): the simulated cloud
    // is not on that disk.
    let hard = rustix::process::getrlimit(rustix::process::Resource::Fsize);
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Fsize,
        rustix::process::Rlimit {
            current: hard.maximum,
            maximum: hard.maximum,
        },
    );
    let running = dir.join("running");
    let _ = std::fs::create_dir_all(&running);
    let marker = running.join(std::process::id().to_string());
    let _ = std::fs::write(&marker, "");
    let code = simulate(&tool, &argv, &dir);
    let _ = std::fs::remove_file(&marker);
    std::process::exit(code);
}

fn simulate(tool: &str, argv: &[String], dir: &Path) -> i32 {
    let a = parse(argv);
    let _ = QUERY.set((a.has("query") && a.get("output") == "tsv").then(|| a.get("query")));
    let line = format!("{tool} {}", argv.join(" "));
    let hang = std::fs::read_to_string(dir.join("hang")).unwrap_or_default();
    if !hang.trim().is_empty() && line.contains(hang.trim()) {
        std::thread::sleep(Duration::from_secs(3600));
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("state.lock"))
        .unwrap();
    fs4::FileExt::lock(&lock).unwrap();
    let mut sim = Sim::load();
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(sim.dir.join("calls.log"))
        .unwrap();
    writeln!(log, "{line}").unwrap();
    if take_knob(dir, "fail", &line) {
        eprintln!("ERROR: (InjectedFailure) The simulated {tool} failed on purpose.\nCode: InjectedFailure");
        return 1;
    }
    if take_knob(dir, "garbage", &line) {
        println!(
            "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
        );
        std::process::exit(0);
    }
    let code = match tool {
        "az" => az(&mut sim, argv),
        "kubectl" => kubectl(&mut sim, argv),
        "helm" => helm(&mut sim, argv),
        other => {
            eprintln!("byocni-sim: run me as az, kubectl or helm, not {other}");
            2
        }
    };
    sim.save();
    fs4::FileExt::unlock(&lock).unwrap();
    drop(lock);
    std::io::stdout().flush().unwrap();
    if take_knob(dir, "kill-parent", &line) {
        signal_parent("-KILL");
        std::thread::sleep(Duration::from_millis(200));
    }
    if take_knob(dir, "interrupt-parent", &line) {
        signal_parent("-INT");
    }
    let slow = sim
        .knob("slow")
        .filter(|p| !p.is_empty() && line.contains(p.as_str()));
    let delay = if slow.is_some() {
        "slow-ms"
    } else {
        "delay-ms"
    };
    if let Some(ms) = sim.knob(delay).and_then(|s| s.parse().ok()) {
        std::thread::sleep(Duration::from_millis(ms));
    }
    if take_knob(dir, "fail-after", &line) {
        eprintln!("ERROR: (InjectedFailure) the connection was reset after the request was sent.");
        return 1;
    }
    code
}

/// VNet peerings (issue 13's estates): `az network vnet peering create|show|delete`. A peering
/// needs its VNet and a remote VNet that exist; it is `Initiated` until the remote VNet has one
/// back to it, then both are `Connected`; `Disconnected` once the remote VNet is gone.
fn peering(sim: &mut Sim, w: &[&str], a: &Args) -> Option<i32> {
    let ["network", "vnet", "peering", verb] = w else {
        return None;
    };
    let rg = a.get("resource-group");
    let vnet = a.get("vnet-name");
    let name = a.get("name");
    let key = format!("peering/{rg}/{vnet}/{name}");
    let vnet_id = |rg: &str, v: &str| {
        format!(
            "{}/providers/Microsoft.Network/virtualNetworks/{v}",
            rg_id(rg)
        )
    };
    // The (group, VNet) an Azure VNet id names.
    let parse = |id: &str| -> Option<(String, String)> {
        let parts: Vec<&str> = id.split('/').collect();
        let g = parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
        let v = parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("virtualNetworks"))?;
        Some((parts.get(g + 1)?.to_string(), parts.get(v + 1)?.to_string()))
    };
    Some(match *verb {
        "create" => {
            if sim.get(&format!("vnet/{rg}/{vnet}")).is_none() {
                eprintln!("ERROR: (ResourceNotFound) The Resource 'Microsoft.Network/virtualNetworks/{vnet}' under resource group '{rg}' was not found.");
                return Some(1);
            }
            let remote = a.get("remote-vnet");
            let Some((rrg, rv)) =
                parse(&remote).filter(|(g, v)| sim.get(&format!("vnet/{g}/{v}")).is_some())
            else {
                eprintln!("ERROR: (InvalidResourceReference) Resource {remote} referenced by resource {} was not found.", vnet_id(&rg, &vnet));
                return Some(1);
            };
            let v = json!({
                "id": format!("{}/virtualNetworkPeerings/{name}", vnet_id(&rg, &vnet)),
                "name": name,
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                "remoteVirtualNetwork": { "id": vnet_id(&rrg, &rv) },
                "allowVirtualNetworkAccess": a.get("allow-vnet-access") != "false",
                "provisioningState": "Succeeded",
            });
            sim.put(&key, v);
            show_peering(sim, &key, &parse)
        }
        "show" => match sim.get(&key) {
            Some(_) => show_peering(sim, &key, &parse),
            None => missing(&name),
        },
        "delete" => {
            sim.remove(&key);
            0
        }
        _ => return None,
    })
}

/// Prints a peering with its state, worked out from both ends.
fn show_peering(sim: &Sim, key: &str, parse: &dyn Fn(&str) -> Option<(String, String)>) -> i32 {
    let Some(mut v) = sim.get(key) else {
        return missing(key);
    };
    let here = v["id"]
        .as_str()
        .and_then(|id| id.split("/virtualNetworkPeerings/").next())
        .unwrap_or_default()
        .to_owned();
    let state = match v["remoteVirtualNetwork"]["id"].as_str().and_then(parse) {
        Some((g, r)) if sim.get(&format!("vnet/{g}/{r}")).is_some() => {
            let back = sim
                .keys(|k| k.starts_with(&format!("peering/{g}/{r}/")))
                .iter()
                .filter_map(|k| sim.get(k))
                .any(|p| {
                    p["remoteVirtualNetwork"]["id"]
                        .as_str()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&here))
                });
            if back {
                "Connected"
            } else {
                "Initiated"
            }
        }
        _ => "Disconnected",
    };
    v["peeringState"] = json!(state);
    out(&v)
}
