//! `byocni apply`, `destroy`, `cni install`, `status` and `discover` against the simulated az,
//! kubectl and helm (`tests/src/bin/byocni-sim.rs`), first on PATH: no cloud is ever called.

use std::path::PathBuf;
use std::process::{Command, Output};

use byocni_tests::{byocni_bin, fixture};
use serde_json::Value;

/// A temp dir with the simulated tools on PATH, their state, and a copy of a fixture plan.
struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new(plan_fixture: &str) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        for tool in ["az", "kubectl", "helm"] {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_byocni-sim"), bin.join(tool)).unwrap();
        }
        std::fs::create_dir(dir.path().join("state")).unwrap();
        std::fs::copy(fixture(plan_fixture), dir.path().join("plan.json")).unwrap();
        Sim { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn knob(&self, name: &str, value: &str) {
        std::fs::write(self.path("state").join(name), value).unwrap();
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(byocni_bin());
        c.args(args)
            .current_dir(self.dir.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.path("bin").display()),
            )
            .env("BYOCNI_SIM_DIR", self.path("state"))
            .env("BYOCNI_POLL_INTERVAL_MS", "5")
            .env("NO_COLOR", "1");
        c
    }
    fn byocni(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
    fn byocni_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
    fn journal(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.path("plan.json.journal.json")).unwrap())
            .unwrap()
    }
    fn edit_plan(&self, f: impl FnOnce(&mut Value)) {
        let mut p: Value =
            serde_json::from_str(&std::fs::read_to_string(self.path("plan.json")).unwrap())
                .unwrap();
        f(&mut p);
        std::fs::write(self.path("plan.json"), p.to_string()).unwrap();
    }
    fn resources(&self) -> Vec<String> {
        self.state()["resources"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn creates_once(&self) {
        let creates = self.state()["creates"].clone();
        for (k, n) in creates.as_object().unwrap() {
            assert_eq!(n, 1, "{k} created {n} times");
        }
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
    fn state(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.path("state/state.json")).unwrap_or_else(|_| "{}".into()),
        )
        .unwrap()
    }
    fn seed(&self, key: &str, v: Value) {
        let mut s = self.state();
        if s.get("resources").is_none() {
            s = serde_json::json!({ "resources": {}, "creates": {}, "polls": 0 });
        }
        s["resources"][key] = v;
        std::fs::write(self.path("state/state.json"), s.to_string()).unwrap();
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Commands that change something (not show/list/version).
fn mutations(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| {
            !(c.contains(" show")
                || c.contains(" list")
                || c.starts_with("az version")
                || c.contains("get nodes"))
        })
        .cloned()
        .collect()
}

const SEED_CREATES: [&str; 7] = [
    "group create",
    "vnet create",
    "subnet create",
    "identity create",
    "role assignment create",
    "aks create",
    "nodepool update",
];

#[test]
fn clean_apply_then_a_second_apply_changes_nothing() {
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    for c in SEED_CREATES {
        assert_eq!(
            calls.iter().filter(|l| l.contains(c)).count(),
            1,
            "{c} once: {calls:#?}"
        );
    }
    // The role is assigned to the identity's principal on the subnet apply created.
    let role = calls
        .iter()
        .find(|l| l.contains("role assignment create"))
        .unwrap();
    assert!(
        role.contains("--assignee-object-id 22222222-3333-4444-5555-666666666666"),
        "{role}"
    );
    assert!(
        role.contains("/virtualNetworks/myAKSCluster-vnet/subnets/nodes"),
        "{role}"
    );
    let aks = calls.iter().find(|l| l.contains("aks create")).unwrap();
    assert!(
        aks.contains("--network-plugin none --pod-cidr 10.10.0.0/16"),
        "{aks}"
    );
    assert!(aks.contains("--assign-identity /subscriptions/"), "{aks}");
    assert!(sim.path("plan.json.journal.json").exists());
    assert!(text(&o).contains("cni plugin not initialized"));

    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        mutations(&sim.calls()),
        Vec::<String>::new(),
        "a second apply only looks"
    );
}

#[test]
fn dry_run_changes_nothing_and_marks_what_exists() {
    let sim = Sim::new("seed.json");
    sim.seed("group/myResourceGroup", serde_json::json!({ "id": "/subscriptions/x/resourceGroups/myResourceGroup", "name": "myResourceGroup" }));
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(
            "[1/10] Create resource group myResourceGroup in chinanorth3\n    exists: will be kept"
        ),
        "{out}"
    );
    // The CNI goes on right after the cluster, before the node pool steps.
    assert!(
        out.contains("[7/10] Get credentials for myAKSCluster into plan.json.kubeconfig")
            && out.contains("[9/10] Install Cilium")
            && out.contains("[10/10] Set max surge 33% on node pool nodepool1"),
        "{out}"
    );
    assert!(out.contains("missing: will be created"), "{out}");
    assert!(
        out.contains("$ az aks create --resource-group myResourceGroup --name myAKSCluster"),
        "{out}"
    );
    assert!(out.contains("--vnet-subnet-id \"$SUBNET_ID\""), "{out}");
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
}

#[test]
fn a_failure_at_every_step_resumes_without_creating_anything_twice() {
    for (i, failing) in SEED_CREATES.iter().enumerate() {
        let sim = Sim::new("seed.json");
        sim.knob("fail", failing);
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{failing}: {}", text(&o));
        let out = text(&o);
        assert!(
            // Steps 7-9 install the CNI, right after the cluster (step 6).
            out.contains(&format!(
                "step {}/10 failed",
                if i < 6 { i + 1 } else { 10 }
            )),
            "{failing}: {out}"
        );
        assert!(
            out.contains("InjectedFailure"),
            "az's own error text is shown: {out}"
        );
        assert!(
            out.contains("resume with: byocni apply plan.json --yes"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "command: az {}",
                failing.split(' ').next().unwrap()
            )) || out.contains("command: az"),
            "{out}"
        );
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{failing} resume: {}", text(&o));
        let creates = sim.state()["creates"].clone();
        for (k, n) in creates.as_object().unwrap() {
            assert_eq!(n, 1, "{failing}: {k} created {n} times");
        }
        let made = sim
            .calls()
            .iter()
            .filter(|l| SEED_CREATES.iter().any(|c| l.contains(c)))
            .count();
        assert_eq!(made, 8, "{failing}: 7 creates + the failed attempt");
    }
}

#[test]
fn a_drifted_subnet_stops_the_run_with_a_diff() {
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut s = sim.state();
    s["resources"]["subnet/myResourceGroup/myAKSCluster-vnet/nodes"]["addressPrefix"] =
        "10.224.0.0/24".into();
    std::fs::write(sim.path("state/state.json"), s.to_string()).unwrap();
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains(
            "subnet address prefix: the plan wants \"10.224.0.0/16\", Azure has \"10.224.0.0/24\""
        ),
        "{out}"
    );
    assert!(
        out.contains("settings that cannot change in place"),
        "{out}"
    );
    assert_eq!(
        mutations(&sim.calls()),
        Vec::<String>::new(),
        "nothing overwritten"
    );
}

#[test]
fn preflight_logged_out_and_az_too_old() {
    let sim = Sim::new("seed.json");
    sim.knob("logged-out", "1");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("you are not logged in to Azure: run `az login`"),
        "{}",
        text(&o)
    );
    let sim = Sim::new("seed.json");
    sim.knob("az-version", "2.38.0");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("az 2.38.0 is too old"), "{}", text(&o));
    assert!(!sim.calls().iter().any(|c| c.contains("create")));
}

#[test]
fn apply_refuses_a_plan_with_errors_and_asks_without_yes() {
    let sim = Sim::new("broken-overlaps.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("fix them first"), "{}", text(&o));
    assert!(sim.calls().is_empty(), "no az call for a broken plan");
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["apply", "plan.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("pass --yes"), "{}", text(&o));
    assert!(!sim.calls().iter().any(|c| c.contains("create")));
}

#[test]
fn destroy_removes_what_apply_created_and_keeps_an_existing_group() {
    let sim = Sim::new("seed.json");
    sim.seed("group/myResourceGroup", serde_json::json!({ "id": "/subscriptions/x/resourceGroups/myResourceGroup", "name": "myResourceGroup" }));
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let o = sim.byocni(&["destroy", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Delete AKS cluster myAKSCluster"),
        "{}",
        text(&o)
    );
    assert!(
        !text(&o).contains("Delete resource group"),
        "the group existed before apply"
    );
    assert!(
        sim.state()["resources"]
            .get("aks/myResourceGroup/myAKSCluster")
            .is_some(),
        "dry run deletes nothing"
    );
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let res = sim.state()["resources"].clone();
    let left: Vec<&String> = res.as_object().unwrap().keys().collect();
    assert!(
        left.iter().all(|k| k.starts_with("group/")
            || k.starts_with("role/")
            || k.starts_with("nodepool/")),
        "{left:?}"
    );
    assert!(res.get("group/myResourceGroup").is_some());
    let calls = sim.calls();
    let order: Vec<usize> = ["aks delete", "identity delete", "vnet delete"]
        .iter()
        .map(|c| calls.iter().position(|l| l.contains(c)).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "cluster, then identity, then network: {calls:#?}"
    );
    // And a group apply created goes too.
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert_eq!(
        sim.byocni(&["destroy", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert_eq!(
        sim.state()["resources"].as_object().unwrap().len(),
        0,
        "{}",
        sim.state()
    );
}

#[test]
fn cni_install_brings_the_nodes_from_not_ready_to_ready() {
    for (fixture, tool) in [
        ("seed.json", "helm upgrade --install cilium"),
        ("calico-hub.json", "kubectl apply --kubeconfig"),
    ] {
        let sim = Sim::new(fixture);
        assert_eq!(
            sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
            Some(0)
        );
        sim.knob("ready-after", "3");
        let o = sim.byocni(&["cni", "install", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let out = text(&o);
        assert!(
            out.contains("NotReady container runtime network not ready")
                && out.contains("cni plugin not initialized"),
            "{out}"
        );
        assert!(out.contains("all 3 nodes are Ready"), "{out}");
        let calls = sim.calls();
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("az aks get-credentials") && c.contains("--file")),
            "{calls:#?}"
        );
        assert!(calls.iter().any(|c| c.contains(tool)), "{tool}: {calls:#?}");
        if fixture == "seed.json" {
            let values = sim.state()["cilium_values"].as_str().unwrap().to_owned();
            assert!(
                values.contains("aksbyocni:\n  enabled: true")
                    && values.contains("- \"10.10.0.0/16\""),
                "{values}"
            );
        }
    }
}

#[test]
fn cni_install_times_out_with_the_node_messages() {
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    sim.knob("ready-after", "100000");
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes", "--timeout", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("were not all Ready after 0s"),
        "{}",
        text(&o)
    );
}

#[test]
fn status_shows_the_network_profile_and_flags_drift() {
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["status", "plan.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("does not exist"), "{}", text(&o));
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let o = sim.byocni(&["status", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("pod CIDR         10.10.0.0/16"),
        "{}",
        text(&o)
    );
    let mut s = sim.state();
    s["resources"]["aks/myResourceGroup/myAKSCluster"]["networkProfile"]["podCidr"] =
        "10.0.0.0/8".into();
    std::fs::write(sim.path("state/state.json"), s.to_string()).unwrap();
    let o = sim.byocni(&["status", "plan.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["drift"], 1);
}

#[test]
fn discover_merges_the_estate_into_connected_networks() {
    let sim = Sim::new("seed.json");
    sim.knob("estate", r#"[{"name":"hub","addressSpace":{"addressPrefixes":["10.50.0.0/16","192.168.0.0/16"]}},{"name":"spoke","addressSpace":{"addressPrefixes":["10.60.0.0/16"]}}]"#);
    let o = sim.byocni(&["discover", "plan.json", "-o", "merged.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("added 2 connected network(s)"),
        "{}",
        text(&o)
    );
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.path("merged.json")).unwrap()).unwrap();
    let cidrs: Vec<&str> = merged["connectedNetworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cidr"].as_str().unwrap())
        .collect();
    assert_eq!(
        cidrs,
        vec!["192.168.0.0/16", "10.50.0.0/16", "10.60.0.0/16"],
        "deduplicated"
    );
    let o = sim.byocni(&["discover"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("10.60.0.0/16\tvnet spoke"));
}

/// Issue 11, case 8: a dual-stack VNet's IPv6 prefix is recorded by `discover`, and `check`
/// passes the plan it wrote.
#[test]
fn discover_records_ipv6_prefixes_that_check_then_accepts() {
    let sim = Sim::new("seed.json");
    sim.knob("estate", r#"[{"name":"hub","addressSpace":{"addressPrefixes":["10.70.0.0/16","fd00:db8:deca::/48"]}}]"#);
    let o = sim.byocni(&["discover", "plan.json", "-o", "merged.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "added 2 connected network(s) (1 IPv6, recorded but outside the IPv4 checks)"
        ),
        "{}",
        text(&o)
    );
    let merged = std::fs::read_to_string(sim.path("merged.json")).unwrap();
    assert!(merged.contains("fd00:db8:deca::/48"), "{merged}");
    let o = sim.byocni(&["check", "merged.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("IPv6         fd00:db8:deca::/48 (connectedNetworks[2]) recorded, outside the IPv4 checks"),
        "{}",
        text(&o)
    );
}

// Issue 10: provisioning you can trust. Each numbered defect of the issue is a test below.

fn seed_untagged(sim: &Sim, key: &str, id: &str, name: &str) {
    sim.seed(
        key,
        serde_json::json!({ "id": id, "name": name, "type": "Microsoft.Resources/resourceGroups", "tags": {} }),
    );
}

#[test]
fn defect1_destroy_never_deletes_what_another_plan_names() {
    let sim = Sim::new("seed.json");
    seed_untagged(
        &sim,
        "group/prod-rg",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/prod-rg",
        "prod-rg",
    );
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.journal()["planId"], "myakscluster.myresourcegroup");
    // Every resource apply created carries the plan's tags.
    let s = sim.state();
    for key in [
        "group/myResourceGroup",
        "vnet/myResourceGroup/myAKSCluster-vnet",
        "identity/myResourceGroup/myAKSCluster-identity",
        "aks/myResourceGroup/myAKSCluster",
    ] {
        assert_eq!(
            s["resources"][key]["tags"],
            serde_json::json!({ "byocni": "managed", "byocni-plan": "myakscluster.myresourcegroup" }),
            "{key}"
        );
    }
    // Edit the plan to name an existing group and cluster: the journal is another plan's.
    sim.edit_plan(|p| {
        p["cluster"]["resourceGroup"] = "prod-rg".into();
        p["cluster"]["name"] = "prod-aks".into();
    });
    for cmd in ["apply", "destroy"] {
        let o = sim.byocni(&[cmd, "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", text(&o));
        assert!(
            text(&o).contains("is the journal of plan `myakscluster.myresourcegroup`, not of this plan (`prod-aks.prod-rg`"),
            "{cmd}: {}",
            text(&o)
        );
    }
    assert!(sim.resources().contains(&"group/prod-rg".to_owned()));
    // With a journal of its own, the edited plan finds prod-rg existing: kept, and destroy
    // leaves it.
    let o = sim.byocni(&[
        "apply",
        "plan.json",
        "--yes",
        "--journal",
        "prod.journal.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Create resource group prod-rg in chinanorth3: exists, kept"),
        "{}",
        text(&o)
    );
    let o = sim.byocni(&[
        "destroy",
        "plan.json",
        "--yes",
        "--journal",
        "prod.journal.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        sim.resources().contains(&"group/prod-rg".to_owned()),
        "{:?}",
        sim.resources()
    );
    assert!(!sim
        .calls()
        .iter()
        .any(|c| c.contains("group delete --name prod-rg")));
    // A plan from stdin needs its own journal.
    let o = sim
        .command(&["apply", "-", "--yes"])
        .stdin(std::fs::File::open(sim.path("plan.json")).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("a plan read from stdin needs --journal FILE"),
        "{}",
        text(&o)
    );
}

#[test]
fn defect1_destroy_refuses_a_resource_that_lost_the_plans_tag() {
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let mut s = sim.state();
    s["resources"]["aks/myResourceGroup/myAKSCluster"]["tags"] =
        serde_json::json!({ "owner": "someone-else" });
    std::fs::write(sim.path("state/state.json"), s.to_string()).unwrap();
    sim.clear_calls();
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("destroy refuses to run, nothing was deleted"),
        "{out}"
    );
    assert!(
        out.contains("Delete AKS cluster myAKSCluster: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/managedClusters/myAKSCluster does not carry the tag byocni-plan=myakscluster.myresourcegroup"),
        "{out}"
    );
    assert_eq!(
        mutations(&sim.calls()),
        Vec::<String>::new(),
        "nothing deleted"
    );
}

#[test]
fn defect2_an_interrupted_create_is_adopted_by_its_tag_and_destroyed() {
    for knob in ["kill-parent", "fail-after"] {
        let sim = Sim::new("seed.json");
        sim.knob(knob, "aks create");
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_ne!(o.status.code(), Some(0), "{knob}: {}", text(&o));
        assert!(sim
            .resources()
            .contains(&"aks/myResourceGroup/myAKSCluster".to_owned()));
        let outcome = &sim.journal()["steps"]["cluster"]["outcome"];
        assert!(
            outcome == "started" || outcome == "failed",
            "{knob}: {outcome}"
        );
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{knob}: {}", text(&o));
        assert!(
            text(&o)
                .contains("created by an interrupted run (it carries this plan's tag): adopted"),
            "{knob}: {}",
            text(&o)
        );
        assert_eq!(sim.journal()["steps"]["cluster"]["outcome"], "created");
        sim.creates_once();
        let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{knob}: {}", text(&o));
        assert_eq!(
            sim.resources(),
            Vec::<String>::new(),
            "{knob}: the cluster too"
        );
    }
}

#[test]
fn defect2_a_started_create_found_without_the_tag_is_not_adopted() {
    let sim = Sim::new("seed.json");
    sim.knob("kill-parent", "aks create");
    let _ = sim.byocni(&["apply", "plan.json", "--yes"]);
    // Someone else's cluster of that name (no tag of this plan) is what Azure shows.
    let mut s = sim.state();
    s["resources"]["aks/myResourceGroup/myAKSCluster"]["tags"] = serde_json::json!({});
    std::fs::write(sim.path("state/state.json"), s.to_string()).unwrap();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.journal()["steps"]["cluster"]["outcome"], "existed");
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(sim
        .resources()
        .contains(&"aks/myResourceGroup/myAKSCluster".to_owned()));
    assert!(
        sim.resources()
            .contains(&"group/myResourceGroup".to_owned()),
        "the group still holds it"
    );
    assert!(
        text(&o).contains("myAKSCluster (Microsoft.ContainerService/managedClusters)"),
        "{}",
        text(&o)
    );
}

#[test]
fn defect3_a_second_run_is_locked_out_and_says_who_holds_the_lock() {
    let sim = Sim::new("seed.json");
    sim.knob("delay-ms", "150");
    let mut first = sim.spawn(&["apply", "plan.json", "--yes"]);
    let lock = sim.path("plan.json.journal.json.lock");
    let t = std::time::Instant::now();
    while std::fs::read_to_string(&lock)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            t.elapsed().as_secs() < 20,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("another byocni run is using plan.json.journal.json: held by process {} (`byocni apply plan.json`", first.id())),
        "{}",
        text(&o)
    );
    assert!(first.wait().unwrap().success());
    std::fs::remove_file(sim.path("state/delay-ms")).unwrap();
    assert_eq!(
        sim.calls()
            .iter()
            .filter(|c| c.contains("group create"))
            .count(),
        1
    );
    // The lock is free again: destroy runs and finds everything in the journal.
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.resources(), Vec::<String>::new());
}

#[test]
fn defect4_a_full_disk_keeps_the_journal_whole() {
    let sim = Sim::new("seed.json");
    let o = crate::cli::byocni_with_full_disk_env(
        &["apply", "plan.json", "--yes"],
        sim.dir.path(),
        1,
        &sim_env(&sim),
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).contains("cannot write plan.json.journal.json"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("the previous file is left as it was"),
        "{}",
        text(&o)
    );
    let j = sim.journal();
    assert_eq!(
        j["planId"], "myakscluster.myresourcegroup",
        "a whole journal: {j}"
    );
    // With room again, the run resumes and creates nothing twice.
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    sim.creates_once();
}

fn sim_env(sim: &Sim) -> Vec<(String, String)> {
    vec![
        (
            "PATH".into(),
            format!("{}:/usr/bin:/bin", sim.path("bin").display()),
        ),
        (
            "BYOCNI_SIM_DIR".into(),
            sim.path("state").display().to_string(),
        ),
        ("BYOCNI_POLL_INTERVAL_MS".into(), "5".into()),
    ]
}

#[test]
fn defect5_hung_commands_time_out() {
    let sim = Sim::new("seed.json");
    sim.knob("hang", "group show");
    let t = std::time::Instant::now();
    let o = sim.byocni_env(
        &["apply", "plan.json", "--yes"],
        &[("BYOCNI_TIMEOUT_SHOW", "0.5")],
    );
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    let out = text(&o);
    assert!(
        out.contains("`az group show --name myResourceGroup --output json` did not finish within 0.5s and was stopped; set BYOCNI_TIMEOUT_SHOW"),
        "{out}"
    );
    assert!(
        out.contains("Resume with: byocni apply plan.json --yes"),
        "{out}"
    );
    // The hung command was killed with its process group, not left behind.
    sim.settle();
    std::fs::remove_file(sim.path("state/hang")).unwrap();
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    // A hung `kubectl get nodes` cannot outlast `cni install --timeout`.
    sim.knob("hang", "get nodes");
    let t = std::time::Instant::now();
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    assert!(
        text(&o).contains("were not all Ready after 2s"),
        "{}",
        text(&o)
    );
    sim.settle();
}

#[test]
fn defect6_cni_values_go_to_a_fresh_private_directory() {
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let tmp = sim.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let o = sim.byocni_env(
        &["cni", "install", "plan.json", "--yes"],
        &[("TMPDIR", tmp.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let s = sim.state();
    let dir = std::path::PathBuf::from(s["cilium_values_path"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    assert!(dir.starts_with(&tmp), "{dir:?}");
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        !name
            .strip_prefix("byocni-")
            .unwrap_or("x")
            .chars()
            .all(|c| c.is_ascii_digit()),
        "not the predictable byocni-<pid>: {name}"
    );
    assert_eq!(s["cilium_values_dir_mode"], 0o700, "{s}");
    assert!(!dir.exists(), "removed after the run");
}

#[test]
fn defect7_changed_settings_are_reconciled() {
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    sim.edit_plan(|p| {
        p["nodePools"][0]["maxSurge"] = "50%".into();
        p["nodePools"][0]["maxCount"] = 12.into();
    });
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("max surge: the plan wants \"50%\", Azure has \"33%\""),
        "{out}"
    );
    assert!(out.contains("$ az aks nodepool update --resource-group myResourceGroup --cluster-name myAKSCluster --name nodepool1 --max-surge '50%' --output json"), "{out}");
    assert!(
        out.contains("--update-cluster-autoscaler --min-count 3 --max-count 12"),
        "{out}"
    );
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let pool = &sim.state()["resources"]["nodepool/myResourceGroup/myAKSCluster/nodepool1"];
    assert_eq!(pool["upgradeSettings"]["maxSurge"], "50%");
    assert_eq!(pool["maxCount"], 12);
    sim.clear_calls();
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new(), "in step now");
    // A setting that cannot change in place stays a stop, with the difference.
    sim.edit_plan(|p| p["nodePools"][0]["maxPods"] = 110.into());
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("max pods: the plan wants 110, Azure has 250"),
        "{}",
        text(&o)
    );
    // After destroy and a new apply the surge is set again.
    sim.edit_plan(|p| p["nodePools"][0]["maxPods"] = 250.into());
    assert_eq!(
        sim.byocni(&["destroy", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    sim.clear_calls();
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert!(sim
        .calls()
        .iter()
        .any(|c| c.contains("nodepool update") && c.contains("--max-surge 50%")));
}

#[test]
fn defect8_a_show_that_answers_html_is_an_error_naming_the_command() {
    for (cmd, shown) in [
        ("group show", "az group show --name myResourceGroup --output json"),
        ("identity show", "az identity show --resource-group myResourceGroup --name myAKSCluster-identity --output json"),
    ] {
        let sim = Sim::new("seed.json");
        sim.knob("garbage", cmd);
        let o = sim.byocni(&["apply", "plan.json", "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", text(&o));
        let out = text(&o);
        assert!(
            out.contains(&format!("`{shown}` answered (exit 0) with something that is not a JSON object: \"<html><head><title>502 Bad Gateway")),
            "{out}"
        );
        assert!(!out.contains("is not known"), "{out}");
        assert!(!out.contains("exists, kept"), "{out}");
    }
}

#[test]
fn defect9_destroy_removes_what_it_made_inside_a_vnet_that_existed() {
    let sim = Sim::new("seed.json");
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup";
    seed_untagged(&sim, "group/myResourceGroup", rg, "myResourceGroup");
    sim.seed(
        "vnet/myResourceGroup/myAKSCluster-vnet",
        serde_json::json!({ "id": format!("{rg}/providers/Microsoft.Network/virtualNetworks/myAKSCluster-vnet"), "name": "myAKSCluster-vnet", "type": "Microsoft.Network/virtualNetworks", "tags": {}, "addressSpace": { "addressPrefixes": ["10.224.0.0/12"] } }),
    );
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert!(sim.resources().iter().any(|k| k.starts_with("role/")));
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        sim.resources(),
        vec![
            "group/myResourceGroup".to_owned(),
            "vnet/myResourceGroup/myAKSCluster-vnet".to_owned()
        ],
        "subnet and role assignment removed, the VNet and group that existed kept"
    );
}

#[test]
fn defect9_destroy_keeps_a_group_that_holds_more_than_the_plan() {
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup";
    sim.seed(
        "vnet/myResourceGroup/handmade",
        serde_json::json!({ "id": format!("{rg}/providers/Microsoft.Network/virtualNetworks/handmade"), "name": "handmade", "type": "Microsoft.Network/virtualNetworks", "addressSpace": { "addressPrefixes": ["10.99.0.0/16"] } }),
    );
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("resource group myResourceGroup (kept), because it also holds:\n      handmade (Microsoft.Network/virtualNetworks)"), "{}", text(&o));
    assert_eq!(
        sim.resources(),
        vec![
            "group/myResourceGroup".to_owned(),
            "vnet/myResourceGroup/handmade".to_owned()
        ]
    );
    assert!(!sim.calls().iter().any(|c| c.contains("group delete")));
}

#[test]
fn defect10_the_kubeconfig_is_written_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::new("seed.json");
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    std::fs::write(sim.path("plan.json.kubeconfig"), "old").unwrap();
    std::fs::set_permissions(
        sim.path("plan.json.kubeconfig"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let meta = std::fs::metadata(sim.path("plan.json.kubeconfig")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(sim.path("plan.json.kubeconfig"))
        .unwrap()
        .contains("kind: Config"));
}

impl Sim {
    /// Waits until no simulated command is running (a killed byocni leaves its last one behind,
    /// as Azure goes on with a request whose client died).
    fn settle(&self) {
        std::thread::sleep(std::time::Duration::from_millis(30));
        let t = std::time::Instant::now();
        // A marker whose process is gone (killed with its group) does not count.
        let alive = |pid: &str| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.rsplit(") ").next().is_some_and(|r| !r.starts_with('Z')))
        };
        while std::fs::read_dir(self.path("state/running"))
            .is_ok_and(|d| d.flatten().any(|e| alive(&e.file_name().to_string_lossy())))
        {
            assert!(
                t.elapsed().as_secs() < 30,
                "a simulated command never ended"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[test]
fn ctrl_c_stops_gracefully_saves_the_journal_and_prints_the_resume_command() {
    let sim = Sim::new("seed.json");
    sim.knob("interrupt-parent", "aks create");
    // A long create: byocni must not wait for it to end.
    sim.knob("slow", "aks create");
    sim.knob("slow-ms", "20000");
    let t = std::time::Instant::now();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("stopped at step 6/10: Create AKS cluster myAKSCluster"),
        "{out}"
    );
    assert!(
        out.contains("Resume with: byocni apply plan.json --yes"),
        "{out}"
    );
    assert_eq!(sim.journal()["steps"]["cluster"]["outcome"], "started");
    std::fs::remove_file(sim.path("state/slow")).unwrap();
    sim.settle();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    sim.creates_once();
}

/// A small deterministic generator (the kill moments are reproducible from the seed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn sigkill_at_40_moments_then_resume_creates_each_resource_once_and_destroy_leaves_nothing() {
    const KILLS: u64 = 40;
    let setup = || {
        let sim = Sim::new("seed.json");
        sim.seed(
            "group/other-rg",
            serde_json::json!({ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other-rg", "name": "other-rg" }),
        );
        sim.seed(
            "vnet/other-rg/keep",
            serde_json::json!({ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other-rg/providers/Microsoft.Network/virtualNetworks/keep", "name": "keep", "type": "Microsoft.Network/virtualNetworks" }),
        );
        sim.knob("delay-ms", "8");
        sim.knob("slow", "aks create");
        sim.knob("slow-ms", "200");
        sim
    };
    // How long a whole apply takes here.
    let sim = setup();
    let t = std::time::Instant::now();
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    let full = t.elapsed().as_millis() as u64;
    let seed = 0x00b1_0c41_u64;
    let inside_create = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if k >= KILLS {
                    break;
                }
                // Spread over the whole run, jittered within each slice.
                let mut rng = Lcg(seed ^ k);
                let slice = full / KILLS;
                let at = k * slice + rng.below(slice);
                let sim = setup();
                let mut child = sim.spawn(&["apply", "plan.json", "--yes"]);
                std::thread::sleep(std::time::Duration::from_millis(at));
                let _ = child.kill();
                let _ = child.wait();
                let j: Value = std::fs::read_to_string(sim.path("plan.json.journal.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null);
                if j["steps"]["cluster"]["outcome"] == "started" {
                    inside_create.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                sim.settle();
                let o = sim.byocni(&["apply", "plan.json", "--yes"]);
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "kill {k} at {at} ms: {}",
                    text(&o)
                );
                sim.creates_once();
                let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "kill {k} at {at} ms: {}",
                    text(&o)
                );
                assert_eq!(
                    sim.resources(),
                    vec!["group/other-rg".to_owned(), "vnet/other-rg/keep".to_owned()],
                    "kill {k} at {at} ms: nothing of the plan's and nothing else"
                );
            });
        }
    });
    assert!(
        inside_create.into_inner() > 0,
        "at least one kill landed inside `az aks create` (full apply {full} ms)"
    );
}

#[test]
fn defect11_apply_installs_the_cni_right_after_the_cluster() {
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("all 3 nodes are Ready"), "{}", text(&o));
    let calls = sim.calls();
    let at = |what: &str| {
        calls
            .iter()
            .position(|c| c.contains(what))
            .unwrap_or_else(|| panic!("{what}: {calls:#?}"))
    };
    assert!(at("aks create") < at("aks get-credentials"));
    assert!(at("aks get-credentials") < at("helm upgrade --install cilium"));
    assert!(
        at("helm upgrade --install cilium") < at("aks nodepool update"),
        "before the node pool steps: {calls:#?}"
    );
    assert_eq!(sim.state()["cni"], "cilium");
    // A second apply does not install it again.
    sim.clear_calls();
    assert_eq!(
        sim.byocni(&["apply", "plan.json", "--yes"]).status.code(),
        Some(0)
    );
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    // --no-cni skips it, with a warning about auto-repair.
    let sim = Sim::new("calico-hub.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes", "--no-cni"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("warning: --no-cni: no CNI was installed")
            && text(&o).contains(
                "AKS node auto-repair reboots a node that stays NotReady for more than 5 minutes"
            )
            && text(&o).contains("byocni cni install plan.json"),
        "{}",
        text(&o)
    );
    assert!(!sim
        .calls()
        .iter()
        .any(|c| c.starts_with("kubectl") || c.contains("get-credentials")));
}

#[test]
fn defect11_the_bash_export_installs_the_cni_right_after_the_cluster() {
    for (fixture, install) in [
        ("seed.json", "helm upgrade --install cilium"),
        ("calico-hub.json", "kubectl apply --kubeconfig"),
    ] {
        let sim = Sim::new(fixture);
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
        assert_eq!(o.status.code(), Some(0), "{fixture}: {}", text(&o));
        let calls = sim.calls();
        let at = |what: &str| {
            calls
                .iter()
                .position(|c| c.contains(what))
                .unwrap_or_else(|| panic!("{fixture}: {what}: {calls:#?}"))
        };
        assert!(at("aks create") < at("aks get-credentials"), "{calls:#?}");
        assert!(at("aks get-credentials") < at(install), "{calls:#?}");
        assert!(at(install) < at("aks nodepool update"), "{calls:#?}");
        assert!(at("aks nodepool update") < at("kubectl wait --for=condition=Ready nodes --all"));
        let kubeconfig = if fixture == "seed.json" {
            "myAKSCluster.kubeconfig"
        } else {
            "prod-weu-01.kubeconfig"
        };
        assert!(
            sim.path(kubeconfig).exists(),
            "{fixture}: the kubeconfig is kept"
        );
        sim.creates_once();
        assert!(
            text(&o).is_empty() || !text(&o).contains("error"),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn defect11_the_powershell_export_does_the_same_steps() {
    let sim = Sim::new("seed.json");
    let o = sim.byocni(&["export", "plan.json", "--format", "powershell"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ps = String::from_utf8_lossy(&o.stdout).into_owned();
    let at = |what: &str| ps.find(what).unwrap_or_else(|| panic!("{what}: {ps}"));
    assert!(at("az aks create") < at("az aks get-credentials"));
    assert!(at("--file $KUBECONFIG_FILE") < at("@'\n# Cilium Helm values"));
    assert!(
        at("| Set-Content -LiteralPath $CILIUM_VALUES") < at("\nhelm upgrade --install cilium")
    );
    assert!(at("\nhelm upgrade --install cilium") < at("az aks nodepool update"));
    assert!(at("az aks nodepool update") < at("kubectl wait"));
    assert!(
        ps.contains("--kubeconfig $KUBECONFIG_FILE --values $CILIUM_VALUES"),
        "{ps}"
    );
}

/// Issue 10, kube-proxy-free Cilium (domain rule 28): without the aks-preview extension apply
/// stops before creating anything, saying how to install it and the feature flag; a plan that
/// keeps kube-proxy never asks for the extension.
#[test]
fn kube_proxy_free_apply_requires_the_aks_preview_extension() {
    let sim = Sim::new("cilium-kpr.json");
    sim.knob("no-aks-preview", "1");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    for needle in [
        "az extension add --name aks-preview",
        "az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview",
        "Nothing was changed",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    assert!(sim.resources().is_empty());
    // The extension installed: apply goes on.
    std::fs::remove_file(sim.path("state/no-aks-preview")).unwrap();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("aks-preview extension 19.0.0b1"),
        "{}",
        text(&o)
    );
    // A plan with kube-proxy does not need it and does not look.
    let sim = Sim::new("seed.json");
    sim.knob("no-aks-preview", "1");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!sim.calls().iter().any(|c| c.contains("extension")));
}

/// The simulated az refuses `--kube-proxy-config` without the extension, as stock az does:
/// the knob models both sides.
#[test]
fn the_simulator_refuses_kube_proxy_config_without_the_extension() {
    let sim = Sim::new("cilium-kpr.json");
    sim.knob("no-aks-preview", "1");
    let az = |args: &[&str]| {
        Command::new(sim.path("bin/az"))
            .args(args)
            .env("BYOCNI_SIM_DIR", sim.path("state"))
            .output()
            .unwrap()
    };
    assert_eq!(
        az(&["extension", "show", "--name", "aks-preview"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        az(&[
            "group",
            "create",
            "--name",
            "rg",
            "--location",
            "westeurope"
        ])
        .status
        .code(),
        Some(0)
    );
    std::fs::write(sim.path("kp.json"), "{\"enabled\": false}").unwrap();
    let kp = sim.path("kp.json").display().to_string();
    let create = [
        "aks",
        "create",
        "--resource-group",
        "rg",
        "--name",
        "c",
        "--kube-proxy-config",
        &kp,
    ];
    let o = az(&create);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("unrecognized arguments: --kube-proxy-config"));
    std::fs::remove_file(sim.path("state/no-aks-preview")).unwrap();
    assert_eq!(az(&create).status.code(), Some(0));
}

/// apply creates the cluster with `--kube-proxy-config FILE` holding `{"enabled": false}`, then
/// right after the credentials looks up the API server FQDN that AKS gave the cluster and
/// installs Cilium with kubeProxyReplacement, k8sServicePort 443 and that FQDN as
/// k8sServiceHost; a second apply changes nothing; `cni install` alone looks it up too.
#[test]
fn kube_proxy_free_apply_passes_the_config_and_gives_cilium_the_fqdn() {
    let sim = Sim::new("cilium-kpr.json");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let state = sim.state();
    assert_eq!(
        state["kube_proxy_config"],
        serde_json::json!({ "enabled": false })
    );
    let calls = sim.calls();
    let create = calls
        .iter()
        .find(|c| c.starts_with("az aks create"))
        .unwrap();
    assert!(
        create.contains(" --kube-proxy-config /"),
        "an absolute path: {create}"
    );
    assert!(create.contains("kube-proxy.json"), "{create}");
    let fqdn = state["resources"]["aks/kpr-rg/kpr-aks"]["fqdn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(fqdn.ends_with(".hcp.westeurope.azmk8s.io"), "{fqdn}");
    assert_eq!(
        state["helm_set_string"],
        serde_json::json!([format!("k8sServiceHost={fqdn}")])
    );
    let values = state["cilium_values"].as_str().unwrap();
    assert!(
        values.contains("\nkubeProxyReplacement: true\n"),
        "{values}"
    );
    assert!(values.contains("\nk8sServicePort: 443\n"), "{values}");
    let at = |what: &str| {
        calls
            .iter()
            .rposition(|c| c.starts_with(what))
            .unwrap_or_else(|| panic!("{what}: {calls:#?}"))
    };
    assert!(at("az aks create") < at("az aks get-credentials"));
    assert!(
        at("az aks get-credentials") < at("az aks show"),
        "{calls:#?}"
    );
    assert!(at("az aks show") < at("helm upgrade --install cilium"));
    assert!(at("helm upgrade --install cilium") < at("az aks nodepool update"));
    sim.creates_once();
    // Nothing to do the second time.
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    // cni install on its own finds the FQDN as well.
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        sim.state()["helm_set_string"],
        serde_json::json!([format!("k8sServiceHost={fqdn}")])
    );
}

/// The bash export of the kube-proxy-free plan runs against the simulated tools: the
/// configuration file is written into the script's private temporary directory, and Cilium
/// gets the FQDN the simulated az reports.
#[test]
fn kube_proxy_free_bash_export_runs() {
    let sim = Sim::new("cilium-kpr.json");
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
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let state = sim.state();
    assert_eq!(
        state["kube_proxy_config"],
        serde_json::json!({ "enabled": false })
    );
    let fqdn = state["resources"]["aks/kpr-rg/kpr-aks"]["fqdn"]
        .as_str()
        .unwrap();
    assert_eq!(
        state["helm_set_string"],
        serde_json::json!([format!("k8sServiceHost={fqdn}")])
    );
    sim.creates_once();
    // Terraform cannot say it: refused with the reason, exit 1.
    let o = sim.byocni(&["export", "plan.json", "--format", "terraform"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("azurerm provider (4.x) has no argument"),
        "{}",
        text(&o)
    );
    assert!(o.stdout.is_empty());
}

/// A private cluster without kube-proxy: Cilium gets the API server's private FQDN
/// (`privateFqdn`, domain rule 28), which its nodes can resolve, not the public one.
#[test]
fn kube_proxy_free_private_cluster_gives_cilium_the_private_fqdn() {
    let sim = Sim::new("udr-private.json");
    sim.edit_plan(|p| p["cni"]["kubeProxy"] = serde_json::json!(false));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let state = sim.state();
    let cluster = state["resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("aks/"))
        .unwrap()
        .1;
    let private = cluster["privateFqdn"].as_str().unwrap();
    assert_ne!(Some(private), cluster["fqdn"].as_str());
    assert_eq!(
        state["helm_set_string"],
        serde_json::json!([format!("k8sServiceHost={private}")])
    );
}

/// An existing cluster that runs kube-proxy is not the kube-proxy-free plan: apply stops with
/// the difference (it never switches kube-proxy off in place); the dry run shows the file and
/// the lookup without writing or changing anything.
#[test]
fn kube_proxy_free_plan_on_a_cluster_with_kube_proxy_stops() {
    let sim = Sim::new("cilium-kpr.json");
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("--kube-proxy-config"), "{out}");
    assert!(
        out.contains("Look up the API server FQDN of kpr-aks"),
        "{out}"
    );
    assert!(sim.resources().is_empty());
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Someone turns kube-proxy back on.
    let mut s = sim.state();
    s["resources"]["aks/kpr-rg/kpr-aks"]["networkProfile"]["kubeProxyConfig"] =
        serde_json::json!({ "enabled": true });
    std::fs::write(sim.path("state/state.json"), s.to_string()).unwrap();
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("kube-proxy enabled: the plan wants false, Azure has true"),
        "{}",
        text(&o)
    );
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
}

/// Issue 13: apply, status and destroy of one cluster of an estate (its projection, with its own
/// journal beside the estate file); `cni install` of an estate of several new clusters needs
/// --cluster, an existing cluster is refused.
#[test]
fn an_estate_cluster_applies_reports_and_destroys() {
    let sim = Sim::new("estate-mesh3.json");
    // cni install names its one cluster.
    let o = sim.byocni(&["cni", "install", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("mesh-a, mesh-b, mesh-c"), "{}", text(&o));
    let o = sim.byocni(&["apply", "plan.json", "--cluster", "mesh-b", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let calls = sim.calls();
    let aks = calls.iter().find(|l| l.contains("aks create")).unwrap();
    assert!(aks.contains("--name mesh-b"), "{aks}");
    assert!(aks.contains("--pod-cidr 10.101.0.0/16"), "{aks}");
    assert!(
        !calls.iter().any(|l| l.contains("--name mesh-a")),
        "{calls:#?}"
    );
    assert!(sim.path("plan.json.mesh-b.journal.json").exists());
    // Cilium went on with the cluster's mesh identity.
    let values = sim.state()["cilium_values"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        values.contains("cluster:\n  name: \"mesh-b\"\n  id: 2\n"),
        "{values}"
    );
    assert!(values.contains("maxConnectedClusters: 255"), "{values}");
    assert!(!sim.path("plan.json.journal.json").exists());
    // cni install again, on that cluster: the mesh values again, its own kubeconfig.
    let o = sim.byocni(&[
        "cni",
        "install",
        "plan.json",
        "--cluster",
        "mesh-b",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(sim.path("plan.json.mesh-b.kubeconfig").exists());
    let values = sim.state()["cilium_values"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(values.contains("  id: 2\n"), "{values}");
    let o = sim.byocni(&["status", "plan.json", "--cluster", "mesh-b"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = sim.byocni(&["destroy", "plan.json", "--cluster", "mesh-b", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        sim.calls().iter().any(|l| l.contains("aks delete")),
        "{:#?}",
        sim.calls()
    );

    // One new cluster: no --cluster needed; the existing one is never touched.
    let sim = Sim::new("estate-bluegreen.json");
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = sim.byocni(&["apply", "plan.json", "--cluster", "green", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("existing"), "{}", text(&o));
}

/// Seeds what an estate's `existing` parts stand for: a VNet with its subnets, in its group.
fn seed_vnet(sim: &Sim, rg: &str, name: &str, prefixes: &[&str], subnets: &[(&str, &str)]) {
    let rgid = format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{rg}");
    sim.seed(
        &format!("group/{rg}"),
        serde_json::json!({ "id": rgid, "name": rg }),
    );
    let vid = format!("{rgid}/providers/Microsoft.Network/virtualNetworks/{name}");
    sim.seed(
        &format!("vnet/{rg}/{name}"),
        serde_json::json!({ "id": vid, "name": name, "type": "Microsoft.Network/virtualNetworks", "addressSpace": { "addressPrefixes": prefixes } }),
    );
    for (s, cidr) in subnets {
        sim.seed(
            &format!("subnet/{rg}/{name}/{s}"),
            serde_json::json!({ "id": format!("{vid}/subnets/{s}"), "name": s, "addressPrefix": cidr }),
        );
    }
}

/// The blue/green fixture's existing half: the hub, green's VNet and green (kubenet), peered.
fn seed_green(sim: &Sim) {
    seed_vnet(
        sim,
        "net-rg",
        "hub",
        &["10.0.0.0/22"],
        &[("GatewaySubnet", "10.0.0.0/27")],
    );
    seed_vnet(
        sim,
        "green-rg",
        "aks-green",
        &["10.225.0.0/16"],
        &[("nodes", "10.225.0.0/20")],
    );
    sim.seed(
        "aks/green-rg/green",
        serde_json::json!({ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/green-rg/providers/Microsoft.ContainerService/managedClusters/green", "name": "green", "type": "Microsoft.ContainerService/managedClusters", "networkProfile": { "networkPlugin": "kubenet" } }),
    );
    let vid = |rg: &str, v: &str| {
        format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{v}")
    };
    for (rg, v, name, remote) in [
        (
            "net-rg",
            "hub",
            "hub-to-aks-green",
            vid("green-rg", "aks-green"),
        ),
        (
            "green-rg",
            "aks-green",
            "aks-green-to-hub",
            vid("net-rg", "hub"),
        ),
    ] {
        sim.seed(
            &format!("peering/{rg}/{v}/{name}"),
            serde_json::json!({ "id": format!("{}/virtualNetworkPeerings/{name}", vid(rg, v)), "name": name, "remoteVirtualNetwork": { "id": remote } }),
        );
    }
}

/// Issue 13: a whole estate in one run. Blue/green: apply creates blue's VNet and the hub
/// peering both ways, then blue with Cilium; the hub, green's VNet, green and their peering are
/// never touched; a kill after the first peering resumes creating nothing twice; status shows
/// the peerings connected; destroy leaves exactly what was there before.
#[test]
fn a_whole_estate_applies_resumes_reports_and_destroys_leaving_the_existing_untouched() {
    let sim = Sim::new("estate-bluegreen.json");
    seed_green(&sim);
    let before = sim.resources();
    let o = sim.byocni(&["apply", "plan.json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Peer VNet hub with aks-blue"),
        "{}",
        text(&o)
    );
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    // Killed right after the hub's end of the peering is created.
    sim.knob("kill-parent", "peering create --resource-group net-rg");
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    sim.settle();
    assert!(sim
        .resources()
        .contains(&"peering/net-rg/hub/hub-to-aks-blue".to_owned()));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    sim.creates_once();
    let calls = sim.calls();
    let muts = mutations(&calls);
    // Nothing existing was changed but the hub's new peering.
    for m in &muts {
        assert!(!m.contains("green"), "{m}");
        assert!(
            !m.contains(" hub ")
                || m.contains(
                    "peering create --resource-group net-rg --name hub-to-aks-blue --vnet-name hub"
                ),
            "{m}"
        );
    }
    // Order: the VNet, both peerings, then the cluster.
    let pos = |p: &str| {
        muts.iter()
            .position(|m| m.contains(p))
            .unwrap_or_else(|| panic!("{p}: {muts:#?}"))
    };
    assert!(
        pos("vnet create --resource-group blue-rg --name aks-blue") < pos("--name aks-blue-to-hub")
    );
    assert!(pos("--name aks-blue-to-hub") < pos("aks create"));
    assert!(muts
        .iter()
        .any(|m| m.contains("vnet create") && m.contains("byocni-plan=estate.contoso-prod")));
    let aks = muts.iter().find(|m| m.contains("aks create")).unwrap();
    assert!(
        aks.contains("--name blue") && aks.contains("--pod-cidr 10.100.0.0/16"),
        "{aks}"
    );
    assert!(sim.path("plan.json.journal.json").exists());
    assert!(sim.path("plan.json.blue.journal.json").exists());
    // A second apply changes nothing.
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mutations(&sim.calls()), Vec::<String>::new());
    // Status: blue as planned, both new peerings connected.
    let o = sim.byocni(&["status", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("hub/hub-to-aks-blue"), "{}", text(&o));
    assert!(text(&o).contains("Connected"), "{}", text(&o));
    let o = sim.byocni(&["status", "plan.json", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["peerings"].as_array().unwrap().len(), 2, "{doc}");
    assert_eq!(doc["clusters"][0]["cluster"], "blue", "{doc}");
    // Destroy: blue, then the peerings and its VNet and group; the rest as it was.
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.resources(), before, "{}", text(&o));
}

/// Issue 13: a three-cluster mesh in one run: three VNets, six peering ends, three clusters
/// each with Cilium carrying its mesh identity; killed inside the second cluster and resumed;
/// destroyed to nothing.
#[test]
fn a_three_cluster_mesh_applies_with_its_mesh_values_and_destroys() {
    let sim = Sim::new("estate-mesh3.json");
    sim.knob(
        "kill-parent",
        "aks create --resource-group mesh-rg --name mesh-b",
    );
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    sim.settle();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    sim.creates_once();
    let res = sim.resources();
    assert_eq!(
        res.iter().filter(|r| r.starts_with("peering/")).count(),
        6,
        "{res:#?}"
    );
    assert_eq!(
        res.iter().filter(|r| r.starts_with("aks/")).count(),
        3,
        "{res:#?}"
    );
    let log: Vec<String> = sim.state()["cilium_values_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    for (name, id) in [("mesh-a", 1), ("mesh-b", 2), ("mesh-c", 3)] {
        let v = log
            .iter()
            .find(|v| v.contains(&format!("name: \"{name}\"")))
            .unwrap_or_else(|| panic!("{name}: {log:#?}"));
        assert!(v.contains(&format!("  id: {id}\n")), "{v}");
        assert!(v.contains("maxConnectedClusters: 255"), "{v}");
        assert!(v.contains("clustermesh"), "{v}");
    }
    let o = sim.byocni(&["status", "plan.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        doc["peerings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "Connected"),
        "{doc}"
    );
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.resources(), Vec::<String>::new(), "{}", text(&o));
}

/// Issue 13: a new cluster on an existing VNet: the VNet is looked up in its own group, only
/// the cluster's new subnet is created, and destroy removes that subnet and nothing of the VNet;
/// a subnet already there is used as it is and kept.
#[test]
fn a_new_cluster_on_an_existing_vnet_creates_only_its_subnet() {
    let sim = Sim::new("estate-bluegreen.json");
    seed_green(&sim);
    sim.edit_plan(|p| {
        p["vnets"][0]["subnets"].as_array_mut().unwrap().push(
            serde_json::json!({ "name": "blue-nodes", "cidr": "10.0.2.0/23", "role": "nodes" }),
        );
        p["clusters"][1]["nodeSubnet"] = serde_json::json!("hub/blue-nodes");
        // The VNet blue no longer uses goes.
        p["vnets"].as_array_mut().unwrap().remove(2);
        p["peerings"].as_array_mut().unwrap().remove(1);
    });
    let before = sim.resources();
    let o = sim.byocni(&["check", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let muts = mutations(&sim.calls());
    assert!(
        muts.iter().any(|m| m
            .contains("subnet create --resource-group net-rg --vnet-name hub --name blue-nodes")),
        "{muts:#?}"
    );
    assert!(!muts.iter().any(|m| m.contains("vnet create")), "{muts:#?}");
    assert!(
        !muts.iter().any(|m| m.contains("GatewaySubnet")),
        "{muts:#?}"
    );
    let role = muts
        .iter()
        .find(|m| m.contains("role assignment create"))
        .unwrap();
    assert!(role.contains("resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/blue-nodes"), "{role}");
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.resources(), before, "{}", text(&o));

    // The subnet already there (discovered): used as it is, and kept by destroy.
    sim.seed(
        "subnet/net-rg/hub/blue-nodes",
        serde_json::json!({ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/blue-nodes", "name": "blue-nodes", "addressPrefix": "10.0.2.0/23" }),
    );
    let before = sim.resources();
    sim.clear_calls();
    let o = sim.byocni(&["apply", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let muts = mutations(&sim.calls());
    assert!(
        !muts.iter().any(|m| m.contains("subnet create")),
        "{muts:#?}"
    );
    assert!(muts.iter().any(|m| m.contains("aks create")), "{muts:#?}");
    let o = sim.byocni(&["destroy", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(sim.resources(), before, "{}", text(&o));
}

/// The README's estate workflow, from discovery to a meshed, Ready blue cluster and back, with
/// the README's jq edit made here.
#[test]
fn the_readme_estate_workflow_runs() {
    let sim = Sim::new("estate-bluegreen.json");
    seed_vnet(
        &sim,
        "net-rg",
        "hub",
        &["10.0.0.0/22"],
        &[("GatewaySubnet", "10.0.0.0/27")],
    );
    seed_vnet(
        &sim,
        "green-rg",
        "aks-green",
        &["10.225.0.0/16"],
        &[("nodes", "10.225.0.0/20")],
    );
    sim.seed(
        "aks/green-rg/green",
        serde_json::json!({ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/green-rg/providers/Microsoft.ContainerService/managedClusters/green", "name": "green", "type": "Microsoft.ContainerService/managedClusters", "location": "westeurope", "networkProfile": { "networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "10.2.0.0/16", "dnsServiceIP": "10.2.0.10" } }),
    );
    let before = sim.resources();
    std::fs::write(
        sim.path("estate.json"),
        r#"{"version": 2, "name": "contoso-prod", "clusters": []}"#,
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let o = sim.byocni(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        text(&o)
    };
    let out = ok(&[
        "discover",
        "estate.json",
        "--all-subscriptions",
        "-o",
        "estate.json",
    ]);
    assert!(
        out.contains("added 2 existing VNet(s), 1 existing cluster(s)"),
        "{out}"
    );
    let mut e: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.path("estate.json")).unwrap()).unwrap();
    e["vnets"].as_array_mut().unwrap().push(serde_json::json!({"name": "aks-blue", "resourceGroup": "blue-rg", "location": "westeurope", "subnets": [{"name": "nodes", "role": "nodes"}]}));
    e["peerings"] = serde_json::json!([{"between": ["hub", "aks-blue"]}]);
    e["clusters"].as_array_mut().unwrap().push(serde_json::json!({"name": "blue", "resourceGroup": "blue-rg", "location": "westeurope", "nodeSubnet": "aks-blue/nodes", "cni": {"plugin": "cilium"}, "clusterMesh": {}}));
    std::fs::write(sim.path("estate.json"), e.to_string()).unwrap();
    ok(&["suggest", "estate.json", "-o", "estate.json"]);
    ok(&["check", "estate.json"]);
    ok(&["check", "estate.json", "--cluster", "blue"]);
    ok(&["apply", "estate.json", "--dry-run"]);
    let out = ok(&["apply", "estate.json", "--yes"]);
    assert!(out.contains("all 3 nodes are Ready"), "{out}");
    let values = sim.state()["cilium_values"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        values.contains("cluster:\n  name: \"blue\"\n  id: 1\n"),
        "{values}"
    );
    let out = ok(&["status", "estate.json"]);
    assert_eq!(out.matches("Connected").count(), 2, "{out}");
    ok(&["export", "estate.json", "--format", "bash", "-o", "out"]);
    ok(&[
        "export",
        "estate.json",
        "--format",
        "cilium-values",
        "-o",
        "out",
    ]);
    assert!(sim.path("out/blue.cilium-values.yaml").exists());
    ok(&["destroy", "estate.json", "--yes"]);
    assert_eq!(sim.resources(), before);
}

/// Issue 13: the bash export of blue placed on a new subnet of the existing hub (net-rg), run
/// against the simulated az. The subnet is created only when missing: when it is there with the
/// planned prefix it is kept (no create) and the cluster is made on it; with another prefix the
/// script stops with an error naming the subnet, Azure's prefix and the plan's, before any
/// create; when it is missing it is created in net-rg. The hub is never created or deleted.
#[test]
fn an_estate_cluster_script_creates_a_subnet_of_an_existing_vnet_only_when_missing() {
    let run = |blue_nodes: Option<&str>| {
        let sim = Sim::new("estate-bluegreen.json");
        sim.edit_plan(|e| {
            e["vnets"][0]["subnets"].as_array_mut().unwrap().push(
                serde_json::json!({ "name": "blue-nodes", "cidr": "10.0.2.0/23", "role": "nodes" }),
            );
            e["clusters"][1]["nodeSubnet"] = serde_json::json!("hub/blue-nodes");
        });
        let mut subnets = vec![("GatewaySubnet", "10.0.0.0/27")];
        subnets.extend(blue_nodes.map(|p| ("blue-nodes", p)));
        seed_vnet(&sim, "net-rg", "hub", &["10.0.0.0/22"], &subnets);
        let o = sim.byocni(&["export", "plan.json", "--format", "bash", "-o", "out"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let o = Command::new("/bin/bash")
            .arg(sim.path("out/blue.sh"))
            .current_dir(sim.dir.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", sim.path("bin").display()),
            )
            .env("BYOCNI_SIM_DIR", sim.path("state"))
            .output()
            .unwrap();
        let calls = sim.calls();
        assert!(
            !calls
                .iter()
                .any(|c| c.contains("vnet create") || c.contains("vnet delete")),
            "the hub is only looked up: {calls:#?}"
        );
        assert!(
            !calls
                .iter()
                .any(|c| c.contains("group create --name net-rg")),
            "{calls:#?}"
        );
        (sim, o, calls)
    };
    let subnet_creates = |calls: &[String]| -> Vec<String> {
        calls
            .iter()
            .filter(|c| c.contains("subnet create"))
            .cloned()
            .collect()
    };

    // There with the planned prefix: kept, and the cluster is made on it.
    let (sim, o, calls) = run(Some("10.0.2.0/23"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("subnet blue-nodes of VNet hub (resource group net-rg): exists, kept"),
        "{}",
        text(&o)
    );
    assert_eq!(subnet_creates(&calls), Vec::<String>::new());
    assert!(sim.resources().contains(&"aks/blue-rg/blue".to_owned()));
    assert!(
        calls
            .iter()
            .any(|c| c.contains("aks create")
                && c.contains("virtualNetworks/hub/subnets/blue-nodes")),
        "{calls:#?}"
    );

    // There with another prefix: stopped, nothing created.
    let (_sim, o, calls) = run(Some("10.0.4.0/23"));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("error: subnet blue-nodes of VNet hub (resource group net-rg) already exists with subnet address prefix 10.0.4.0/23, but the plan says 10.0.2.0/23"),
        "{}",
        text(&o)
    );
    assert_eq!(subnet_creates(&calls), Vec::<String>::new());
    assert!(
        !calls.iter().any(|c| c.contains("aks create")),
        "{calls:#?}"
    );

    // Missing: created in the hub's group, once.
    let (sim, o, calls) = run(None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let creates = subnet_creates(&calls);
    assert_eq!(creates.len(), 1, "{creates:#?}");
    assert!(
        creates[0].contains("--resource-group net-rg --vnet-name hub --name blue-nodes"),
        "{creates:#?}"
    );
    assert_eq!(
        sim.state()["resources"]["subnet/net-rg/hub/blue-nodes"]["addressPrefix"],
        "10.0.2.0/23"
    );
}

/// Issue 13: the bash export of blue on its new VNet aks-blue in another resource group
/// (net-blue-rg, northeurope), run against the simulated az: missing, the group, the VNet (in
/// the VNet's region) and its subnet are created; there with the planned address space, the VNet
/// is kept; with another one, the script stops naming both, before any create.
#[test]
fn an_estate_cluster_script_creates_a_vnet_of_another_group_only_when_missing() {
    let run = |seed: Option<&str>| {
        let sim = Sim::new("estate-bluegreen.json");
        sim.edit_plan(|e| {
            e["vnets"][2]["resourceGroup"] = serde_json::json!("net-blue-rg");
            e["vnets"][2]["location"] = serde_json::json!("northeurope");
        });
        if let Some(prefix) = seed {
            seed_vnet(
                &sim,
                "net-blue-rg",
                "aks-blue",
                &[prefix],
                &[("nodes", "10.224.0.0/20")],
            );
        }
        let o = sim.byocni(&["export", "plan.json", "--format", "bash", "-o", "out"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let o = Command::new("/bin/bash")
            .arg(sim.path("out/blue.sh"))
            .current_dir(sim.dir.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", sim.path("bin").display()),
            )
            .env("BYOCNI_SIM_DIR", sim.path("state"))
            .output()
            .unwrap();
        let calls = sim.calls();
        (sim, o, calls)
    };
    let (sim, o, calls) = run(None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for made in [
        "group create --name net-blue-rg --location northeurope",
        "network vnet create --resource-group net-blue-rg --name aks-blue --location northeurope",
        "network vnet subnet create --resource-group net-blue-rg --vnet-name aks-blue --name nodes",
    ] {
        assert_eq!(
            calls.iter().filter(|c| c.contains(made)).count(),
            1,
            "{made}: {calls:#?}"
        );
    }
    assert!(sim
        .resources()
        .contains(&"vnet/net-blue-rg/aks-blue".to_owned()));

    let (_sim, o, calls) = run(Some("10.224.0.0/16"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("VNet aks-blue (resource group net-blue-rg): exists, kept"),
        "{}",
        text(&o)
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.contains(" create --resource-group net-blue-rg")),
        "{calls:#?}"
    );

    let (_sim, o, calls) = run(Some("10.99.0.0/16"));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("error: VNet aks-blue (resource group net-blue-rg) already exists with VNet address prefixes 10.99.0.0/16, but the plan says 10.224.0.0/16"),
        "{}",
        text(&o)
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.contains(" create ") && !c.contains("group create --name blue-rg")),
        "{calls:#?}"
    );
}
