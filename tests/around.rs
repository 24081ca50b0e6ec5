//! Around the cluster (issue 14) as a user meets it: `check` on plans with an outbound type,
//! a private or VNet-integrated API server and an NSG (capacity counts the private endpoint and
//! shows the API server subnet), `explain` of the new rules; and `apply`, `status` and
//! `destroy` against the simulated az (`tests/src/bin/byocni-sim/around.rs`): UDR with a route
//! table of ours and with an existing one (with and without a default route), a private
//! cluster, API server VNet integration with a NAT gateway, and an NSG that blocks VXLAN; a
//! private cluster's CNI through `az aks command invoke` (apply, `cni install` and the bash
//! export, each stopping on a command that fails in the cluster).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use byocni_tests::{byocni_bin, fixture};
use serde_json::{json, Value};

fn byocni(args: &[&str], dir: &Path) -> Output {
    Command::new(byocni_bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run byocni")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_counts_the_private_endpoint_and_shows_the_api_server_subnet() {
    let dir = fixture("udr-private.json");
    let dir = dir.parent().unwrap();
    let o = byocni(&["check", "udr-private.json"], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o)
            .contains("(3 nodes + 1 surge + 0 ILB + 1 private endpoint; 5 reserved by Azure)"),
        "{}",
        stdout(&o)
    );
    let o = byocni(&["check", "nat-apiserver.json"], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("API server subnet 10.70.4.0/28"),
        "{}",
        stdout(&o)
    );
    let o = byocni(&["check", "nat-apiserver.json", "--format", "json"], dir);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["capacity"]["apiServerSubnet"]["usable"], 11);
    assert_eq!(v["capacity"]["apiServerSubnet"]["needed"], 9);
}

#[test]
fn check_reports_the_rules_around_the_cluster_at_their_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("udr-private.json")).unwrap())
            .unwrap();
    plan["outbound"]["routeTable"]["nextHopIp"] = "10.60.0.4".into();
    plan["apiServer"]["authorizedIpRanges"] = serde_json::json!(["10.0.0.0/8"]);
    std::fs::write(
        tmp.path().join("plan.json"),
        serde_json::to_string_pretty(&plan).unwrap(),
    )
    .unwrap();
    let o = byocni(&["check", "plan.json", "--format", "json"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for want in [
        ("udr-next-hop", "outbound.routeTable.nextHopIp"),
        ("authorized-ranges-private", "apiServer.authorizedIpRanges"),
        (
            "authorized-range-invalid",
            "apiServer.authorizedIpRanges[0]",
        ),
    ] {
        assert!(
            got.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} in {got:?}"
        );
    }
    // Export refuses it.
    let o = byocni(&["export", "plan.json", "--format", "bash"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn explain_the_rules_around_the_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    for (id, says) in [
        ("udr-default-route", "VirtualAppliance"),
        ("nsg-blocks-overlay", "8472/udp"),
        ("apiserver-subnet-size", "/28"),
        ("private-endpoint-ip", "one IP"),
    ] {
        let o = byocni(&["explain", id], tmp.path());
        assert_eq!(o.status.code(), Some(0));
        let text = stdout(&o).replace('\n', " ");
        assert!(text.contains(says), "{id}: {text}");
    }
}

// ------------------------------------------------------------------------ against the simulator

/// A temp dir with the simulated tools first on PATH, their state, and a plan.
struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new(plan: &Value) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        for tool in ["az", "kubectl", "helm"] {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_byocni-sim"), bin.join(tool)).unwrap();
        }
        std::fs::create_dir(dir.path().join("state")).unwrap();
        std::fs::write(
            dir.path().join("plan.json"),
            serde_json::to_string_pretty(plan).unwrap(),
        )
        .unwrap();
        Sim { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn run(&self, program: &Path, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.path("bin").display()),
            )
            .env("BYOCNI_SIM_DIR", self.path("state"))
            .env("BYOCNI_POLL_INTERVAL_MS", "5")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
    fn byocni(&self, args: &[&str]) -> Output {
        self.run(&byocni_bin(), args)
    }
    /// Runs the simulated az directly: what already exists before byocni runs.
    fn az(&self, args: &[&str]) {
        let o = self.run(&self.path("bin/az"), args);
        assert_eq!(o.status.code(), Some(0), "az {args:?}: {}", text(&o));
    }
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("state/calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
    fn clear_calls(&self) {
        let _ = std::fs::remove_file(self.path("state/calls.log"));
    }
    fn resource(&self, key: &str) -> Value {
        let s: Value =
            serde_json::from_str(&std::fs::read_to_string(self.path("state/state.json")).unwrap())
                .unwrap();
        s["resources"][key].clone()
    }
    fn resources(&self) -> Vec<String> {
        let s: Value = serde_json::from_str(
            &std::fs::read_to_string(self.path("state/state.json")).unwrap_or_else(|_| "{}".into()),
        )
        .unwrap();
        s["resources"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Commands that change something.
fn mutations(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| {
            c.starts_with("az ")
                && !(c.contains(" show")
                    || c.contains(" list")
                    || c.starts_with("az version")
                    || c.starts_with("az account"))
        })
        .cloned()
        .collect()
}

fn plan(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// The position of the first call of `command` (`network nsg create`) that contains every
/// word of `words` (each a substring of the call).
fn at(calls: &[String], command: &str, words: &str) -> usize {
    calls
        .iter()
        .position(|c| {
            c.starts_with(&format!("az {command} "))
                && words
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .all(|w| c.contains(w))
        })
        .unwrap_or_else(|| panic!("no `az {command}` with `{words}` in {calls:#?}"))
}

#[test]
fn udr_and_a_private_cluster_are_applied_before_and_with_the_cluster() {
    let sim = Sim::new(&plan("udr-private.json"));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    // The NSG and its rules, the route table and its route come before the subnet using them.
    let subnet = at(&calls, "network vnet subnet create", "");
    for (command, words) in [
        ("network nsg create", ""),
        (
            "network nsg rule create",
            "byocni-cilium-vxlan --destination-port-ranges 8472",
        ),
        (
            "network nsg rule create",
            "byocni-cilium-health --destination-port-ranges 4240",
        ),
        ("network route-table create", "rt-aks-udr"),
        (
            "network route-table route create",
            "--next-hop-type VirtualAppliance --next-hop-ip-address 10.50.1.4",
        ),
    ] {
        assert!(at(&calls, command, words) < subnet, "{command} {words}");
    }
    assert!(
        calls[subnet].contains("--network-security-group nsg-aks-nodes --route-table rt-aks-udr")
    );
    let node = sim.resource("subnet/rg-aks-udr/vnet-spoke/nodes");
    assert!(node["routeTable"]["id"]
        .as_str()
        .unwrap()
        .ends_with("/routeTables/rt-aks-udr"));
    assert!(node["networkSecurityGroup"]["id"]
        .as_str()
        .unwrap()
        .ends_with("/networkSecurityGroups/nsg-aks-nodes"));
    // Network Contributor on the route table, before the cluster.
    let role = at(
        &calls,
        "role assignment create",
        "--scope /routeTables/rt-aks-udr",
    );
    let create = at(&calls, "aks create", "");
    assert!(role < create);
    assert!(calls[create].contains("--outbound-type userDefinedRouting"));
    assert!(calls[create].contains("--enable-private-cluster"));
    // A second apply changes nothing.
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(mutations(&sim.calls()).is_empty(), "{:#?}", sim.calls());
    // status: the plan's outbound and API server access next to the cluster's.
    let o = sim.byocni(&["status", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("outbound type"), "{out}");
    assert!(
        out.contains("outbound         plan userDefinedRouting, cluster userDefinedRouting"),
        "{out}"
    );
    assert!(
        out.contains("API server       plan private, cluster private"),
        "{out}"
    );
    let o = sim.byocni(&["status", "plan.json", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["access"]["apiServer"]["cluster"], "private");
    // destroy leaves nothing of the plan's: the route table and NSG go after the VNet.
    sim.clear_calls();
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    let vnet = at(&calls, "network vnet delete", "");
    assert!(at(&calls, "network route-table delete", "rt-aks-udr") > vnet);
    assert!(at(&calls, "network nsg delete", "nsg-aks-nodes") > vnet);
    at(&calls, "role assignment delete", "/routeTables/rt-aks-udr");
    assert!(sim.resources().is_empty(), "{:?}", sim.resources());
}

/// The UDR plan with the hub's existing route table instead of one of ours.
fn existing_route_table() -> Value {
    let mut p = plan("udr-private.json");
    p["outbound"]["routeTable"] = json!({ "name": "rt-hub", "existing": true });
    p
}

fn seed_route_table(sim: &Sim, default_route: Option<&str>) {
    sim.az(&[
        "group",
        "create",
        "--name",
        "rg-aks-udr",
        "--location",
        "westeurope",
    ]);
    sim.az(&[
        "network",
        "route-table",
        "create",
        "--resource-group",
        "rg-aks-udr",
        "--name",
        "rt-hub",
        "--location",
        "westeurope",
    ]);
    if let Some(hop_type) = default_route {
        sim.az(&[
            "network",
            "route-table",
            "route",
            "create",
            "--resource-group",
            "rg-aks-udr",
            "--route-table-name",
            "rt-hub",
            "--name",
            "default",
            "--address-prefix",
            "0.0.0.0/0",
            "--next-hop-type",
            hop_type,
            "--next-hop-ip-address",
            "10.50.1.4",
        ]);
    }
    sim.clear_calls();
}

#[test]
fn an_existing_route_table_with_a_default_route_is_associated_not_created() {
    let sim = Sim::new(&existing_route_table());
    seed_route_table(&sim, Some("VirtualAppliance"));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("preflight: existing route table rt-hub: ok"),
        "{}",
        text(&o)
    );
    let calls = sim.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("route-table create") || c.contains("route create")),
        "{calls:#?}"
    );
    assert!(calls[at(&calls, "network vnet subnet create", "")].contains("--route-table rt-hub"));
    at(
        &calls,
        "role assignment create",
        "--scope /routeTables/rt-hub",
    );
    // destroy keeps what it did not create.
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !sim.resource("routetable/rg-aks-udr/rt-hub").is_null(),
        "{:?}",
        sim.resources()
    );
    assert!(!sim.resource("route/rg-aks-udr/rt-hub/default").is_null());
}

#[test]
fn an_existing_route_table_without_a_default_route_stops_apply_before_anything() {
    for hop_type in [None, Some("Internet")] {
        let sim = Sim::new(&existing_route_table());
        seed_route_table(&sim, hop_type);
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let out = text(&o);
        assert!(out.contains("udr-default-route"), "{out}");
        assert!(out.contains("nothing was created"), "{out}");
        assert!(mutations(&sim.calls()).is_empty(), "{:#?}", sim.calls());
    }
    // Missing altogether: said so, nothing created.
    let sim = Sim::new(&existing_route_table());
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("route table `rt-hub` that the plan says exists"),
        "{}",
        text(&o)
    );
    assert!(mutations(&sim.calls()).is_empty(), "{:#?}", sim.calls());
}

#[test]
fn api_server_vnet_integration_with_a_nat_gateway_of_ours() {
    let sim = Sim::new(&plan("nat-apiserver.json"));
    // The plan's NSG exists already (existing: true), with Azure's default rules only.
    sim.az(&[
        "group",
        "create",
        "--name",
        "rg-aks-nat",
        "--location",
        "swedencentral",
    ]);
    sim.az(&[
        "network",
        "nsg",
        "create",
        "--resource-group",
        "rg-aks-nat",
        "--name",
        "nsg-existing",
        "--location",
        "swedencentral",
    ]);
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    assert!(
        !calls.iter().any(|c| c.contains("nsg create")),
        "{calls:#?}"
    );
    let natgw = at(
        &calls,
        "network nat gateway create",
        "natgw-aks --public-ip-addresses natgw-aks-ip1 natgw-aks-ip2 --idle-timeout 10",
    );
    assert!(at(&calls, "network public-ip create", "natgw-aks-ip2") < natgw);
    let node = sim.resource("subnet/rg-aks-nat/vnet-aks-nat/nodes");
    assert!(node["natGateway"]["id"]
        .as_str()
        .unwrap()
        .ends_with("/natGateways/natgw-aks"));
    assert!(node["networkSecurityGroup"]["id"]
        .as_str()
        .unwrap()
        .ends_with("/nsg-existing"));
    let api = sim.resource("subnet/rg-aks-nat/vnet-aks-nat/apiserver");
    assert_eq!(
        api["delegations"][0]["serviceName"],
        "Microsoft.ContainerService/managedClusters"
    );
    at(
        &calls,
        "role assignment create",
        "--scope /subnets/apiserver",
    );
    let create = &calls[at(&calls, "aks create", "")];
    assert!(
        create.contains("--outbound-type userAssignedNATGateway"),
        "{create}"
    );
    assert!(
        create
            .contains("--enable-apiserver-vnet-integration --apiserver-subnet-id /subscriptions/"),
        "{create}"
    );
    assert!(create.contains("/subnets/apiserver"), "{create}");
    assert!(
        create.contains("--api-server-authorized-ip-ranges 131.107.0.0/16,20.62.128.7/32"),
        "{create}"
    );
    let o = sim.byocni(&["status", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "cluster public, VNet-integrated, authorized ranges 131.107.0.0/16, 20.62.128.7/32"
        ),
        "{}",
        text(&o)
    );
    // Authorized ranges change in place: the next apply updates them, and only them.
    let mut p = plan("nat-apiserver.json");
    p["apiServer"]["authorizedIpRanges"] = json!(["131.107.0.0/16"]);
    std::fs::write(
        sim.path("plan.json"),
        serde_json::to_string_pretty(&p).unwrap(),
    )
    .unwrap();
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let changed = mutations(&sim.calls());
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert!(changed[0].starts_with("az aks update --resource-group rg-aks-nat --name aks-nat --api-server-authorized-ip-ranges 131.107.0.0/16 "), "{changed:#?}");
    assert_eq!(
        sim.resource("aks/rg-aks-nat/aks-nat")["apiServerAccessProfile"]["authorizedIpRanges"],
        json!(["131.107.0.0/16"])
    );
}

#[test]
fn an_nsg_that_blocks_vxlan_stops_apply_until_an_allow_wins() {
    let mut p = plan("udr-private.json");
    p["nsg"] = json!({ "name": "nsg-corp", "existing": true });
    let sim = Sim::new(&p);
    sim.az(&[
        "group",
        "create",
        "--name",
        "rg-aks-udr",
        "--location",
        "westeurope",
    ]);
    sim.az(&[
        "network",
        "nsg",
        "create",
        "--resource-group",
        "rg-aks-udr",
        "--name",
        "nsg-corp",
        "--location",
        "westeurope",
    ]);
    sim.az(&[
        "network",
        "nsg",
        "rule",
        "create",
        "--resource-group",
        "rg-aks-udr",
        "--nsg-name",
        "nsg-corp",
        "--name",
        "deny-vxlan",
        "--priority",
        "200",
        "--direction",
        "Inbound",
        "--access",
        "Deny",
        "--protocol",
        "Udp",
        "--source-address-prefixes",
        "*",
        "--source-port-ranges",
        "*",
        "--destination-address-prefixes",
        "*",
        "--destination-port-ranges",
        "4789-8472",
    ]);
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("nsg-blocks-overlay"), "{out}");
    assert!(
        out.contains("rule `deny-vxlan` (priority 200, Inbound) denies Cilium VXLAN 8472/udp"),
        "{out}"
    );
    assert!(mutations(&sim.calls()).is_empty(), "{:#?}", sim.calls());
    // An Allow between nodes at a lower priority number wins: apply goes ahead.
    sim.az(&[
        "network",
        "nsg",
        "rule",
        "create",
        "--resource-group",
        "rg-aks-udr",
        "--nsg-name",
        "nsg-corp",
        "--name",
        "allow-vxlan",
        "--priority",
        "150",
        "--direction",
        "Inbound",
        "--access",
        "Allow",
        "--protocol",
        "Udp",
        "--source-address-prefixes",
        "10.60.0.0/22",
        "--source-port-ranges",
        "*",
        "--destination-address-prefixes",
        "10.60.0.0/22",
        "--destination-port-ranges",
        "8472",
    ]);
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("preflight: existing network security group nsg-corp: ok"),
        "{}",
        text(&o)
    );
}

/// The sim's whole state (`invoked`, `cilium_values`...).
fn sim_state(sim: &Sim) -> Value {
    serde_json::from_str(&std::fs::read_to_string(sim.path("state/state.json")).unwrap()).unwrap()
}

#[test]
fn a_private_cluster_gets_its_cni_through_command_invoke() {
    let sim = Sim::new(&plan("udr-private.json"));
    // The dry run says so.
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("az aks command invoke"), "{}", text(&o));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    // No helm or kubectl from outside the VNet: the API server is out of reach there.
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("helm ") || c.starts_with("kubectl ")),
        "{calls:#?}"
    );
    let create = at(&calls, "aks create", "");
    let install = at(
        &calls,
        "aks command invoke",
        "--resource-group rg-aks-udr --name aks-udr --command",
    );
    assert!(install > create);
    assert!(calls[install].contains("--file "), "{}", calls[install]);
    assert!(calls[install].contains("--output json"));
    let state = sim_state(&sim);
    assert_eq!(
        state["invoked"][0],
        json!({
            "command": "helm repo add cilium https://helm.cilium.io/ --force-update && helm upgrade --install cilium cilium/cilium --version 1.19.6 --namespace kube-system --values cilium-values.yaml",
            "files": ["cilium-values.yaml"],
        })
    );
    assert!(state["cilium_values"]
        .as_str()
        .unwrap()
        .contains("10.244.0.0/16"));
    // The nodes are read in the cluster too, until Ready.
    assert!(
        state["invoked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["command"] == "kubectl get nodes --output json"),
        "{state:#}"
    );
    assert!(text(&o).contains("nodes are Ready"), "{}", text(&o));

    // A command that fails in the cluster fails the step, with its logs, although az exits 0.
    std::fs::write(sim.path("state/invoke-fail"), "1").unwrap();
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("exit code of the command run in the cluster is 1, not 0"),
        "{out}"
    );
    assert!(out.contains("INSTALLATION FAILED"), "{out}");
}

/// The same for a kube-proxy-free Cilium on a private cluster: the FQDN, looked up from
/// anywhere (`privateFqdn`), ends the line run in the cluster.
#[test]
fn kube_proxy_free_cilium_on_a_private_cluster_gets_the_private_fqdn_in_the_cluster() {
    let mut p = plan("udr-private.json");
    p["cni"]["kubeProxy"] = json!(false);
    let sim = Sim::new(&p);
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let state = sim_state(&sim);
    let command = state["invoked"][0]["command"].as_str().unwrap();
    assert!(
        command.contains("--set-string k8sServiceHost=") && !command.ends_with('='),
        "{command}"
    );
    assert_eq!(
        state["helm_set_string"][0].as_str().unwrap(),
        command.rsplit(' ').next().unwrap()
    );
}

/// The bash export of the private plan runs against the simulated tools as apply does: the
/// CNI through `az aks command invoke`, the wait in the cluster; a command that fails in the
/// cluster stops the script (az itself exits 0).
#[test]
fn the_private_clusters_bash_export_installs_through_command_invoke_and_checks_it() {
    // A script runs each command once: a fresh simulator for each run.
    let run = |fail: bool| {
        let sim = Sim::new(&plan("udr-private.json"));
        if fail {
            std::fs::write(sim.path("state/invoke-fail"), "1").unwrap();
        }
        let o = sim.byocni(&["export", "plan.json", "--format", "bash", "-o", "create.sh"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let o = Command::new("/bin/bash")
            .arg(sim.path("create.sh"))
            .current_dir(sim.dir.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", sim.path("bin").display()),
            )
            .env("BYOCNI_SIM_DIR", sim.path("state"))
            .output()
            .unwrap();
        (sim, o)
    };
    let (sim, o) = run(false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let state = sim_state(&sim);
    let commands: Vec<&str> = state["invoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].contains("helm upgrade --install cilium"));
    assert!(commands[1].starts_with("kubectl wait --for=condition=Ready nodes"));
    assert!(!sim
        .calls()
        .iter()
        .any(|c| c.starts_with("helm ") || c.starts_with("kubectl ")));
    // The command fails in the cluster: the script stops there.
    let (sim, o) = run(true);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("step 14 failed in the cluster"), "{out}");
    assert!(out.contains("INSTALLATION FAILED"), "{out}");
    assert!(
        !sim.calls().iter().any(|c| c.contains("nodepool update")),
        "nothing after the failed step: {:#?}",
        sim.calls()
    );
}
