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
    fn byocni(&self, args: &[&str]) -> Output {
        Command::new(byocni_bin())
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
            "[1/7] Create resource group myResourceGroup in chinanorth3\n    exists: will be kept"
        ),
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
            out.contains(&format!("step {}/7 failed", i + 1)),
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
    assert!(out.contains("does not change existing resources"), "{out}");
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
