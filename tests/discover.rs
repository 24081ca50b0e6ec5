//! `byocni discover` against the simulated Resource Graph (`src/resource_graph.rs` behind
//! `byocni-sim`): paging to the end, no duplicates, broken pages, the scope, the number of az
//! calls for the 20,000-VNet estate of the benchmark, and every az command it ran fed to the
//! real az parser.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use byocni_tests::az::{az_binary, run_logged_out};
use byocni_tests::resource_graph::{Spec, CURRENT_SUB};
use byocni_tests::{byocni_bin, fixture};
use serde_json::Value;

/// A temp dir whose `az` is the simulator behind a shim that records every argv exactly
/// (NUL-separated, one command a line of `argv.log`).
struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new(spec: Option<Spec>) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::create_dir(dir.path().join("state")).unwrap();
        let shim = format!(
            "#!/bin/bash\n{{ printf '%s\\0' \"$@\"; printf '\\n'; }} >> \"$BYOCNI_SIM_DIR/argv.log\"\nexec -a az '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_byocni-sim")
        );
        std::fs::write(bin.join("az"), shim).unwrap();
        let mut perm = std::fs::metadata(bin.join("az")).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(bin.join("az"), perm).unwrap();
        std::fs::copy(fixture("seed.json"), dir.path().join("plan.json")).unwrap();
        let sim = Sim { dir };
        if let Some(s) = spec {
            sim.knob("graph-estate", &s.knob());
        }
        sim
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
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
    /// Every az argv run, exactly.
    fn argvs(&self) -> Vec<Vec<String>> {
        let log = std::fs::read(self.path("state/argv.log")).unwrap_or_default();
        log.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split(|b| *b == 0)
                    .filter(|w| !w.is_empty())
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect()
            })
            .collect()
    }
    /// The request bodies of the `az rest` calls.
    fn bodies(&self) -> Vec<Value> {
        self.argvs()
            .iter()
            .filter(|a| a.first().is_some_and(|w| w == "rest"))
            .map(|a| {
                let i = a.iter().position(|w| w == "--body").unwrap();
                serde_json::from_str(&a[i + 1]).unwrap()
            })
            .collect()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn vnet_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("\tvnet "))
        .map(str::to_owned)
        .collect()
}

const SMALL: Spec = Spec {
    vnets: 2500,
    clusters: 120,
    subscriptions: 30,
};

#[test]
fn all_subscriptions_follows_every_page_without_duplicates() {
    let sim = Sim::new(Some(SMALL));
    let o = sim.byocni(&["discover", "--all-subscriptions"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines = vnet_lines(&o);
    // 2500 IPv4 prefixes and an IPv6 one on every tenth VNet.
    assert_eq!(lines.len(), 2750, "{}", text(&o));
    let unique: BTreeSet<&String> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "no duplicates");
    assert!(lines.contains(&"10.9.195.0/24\tvnet vnet-02499".to_owned()));
    assert!(
        text(&o).contains(
            "2500 VNet(s) and 120 AKS cluster(s) in every subscription you can read in the tenant (4 az call(s)"
        ),
        "{}",
        text(&o)
    );
    let bodies = sim.bodies();
    assert_eq!(bodies.len(), 4, "3 VNet pages, 1 cluster page: {bodies:#?}");
    assert!(
        bodies.iter().all(|b| b.get("subscriptions").is_none()),
        "tenant-wide"
    );
    assert!(bodies.iter().all(|b| b["options"]["$top"] == 1000));
    assert!(bodies[0]["options"].get("$skipToken").is_none());
    assert!(bodies[1]["options"]["$skipToken"].is_string());
    // No `az account` or per-subscription listing: Resource Graph only.
    assert!(
        sim.argvs().iter().all(|a| a[0] == "rest"),
        "{:?}",
        sim.argvs()
    );
    let pods = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("\tcluster aks-"))
        .count();
    // Every cluster but the Azure CNI (flat) ones, which take pod IPs from their subnet.
    assert_eq!(pods, 90, "{}", text(&o));
    assert!(text(&o).contains("\tcluster aks-0000 pods (kubenet)"));
    assert!(text(&o).contains("\tcluster aks-0003 pods (azure (overlay))"));
}

#[test]
fn without_all_subscriptions_only_the_current_one_in_one_query() {
    let sim = Sim::new(Some(SMALL));
    let o = sim.byocni(&["discover"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // VNets 0, 30, 60 ... 2490 live in subscription 0, the current one.
    assert!(
        text(&o).contains(&format!(
            "84 VNet(s) and 4 AKS cluster(s) in subscription {CURRENT_SUB}"
        )),
        "{}",
        text(&o)
    );
    let argvs = sim.argvs();
    assert_eq!(argvs[0], ["account", "show", "--output", "json"]);
    let bodies = sim.bodies();
    assert_eq!(bodies.len(), 2, "one page of VNets, one of clusters");
    assert!(bodies
        .iter()
        .all(|b| b["subscriptions"] == serde_json::json!([CURRENT_SUB])));
    // --subscription names the one to look in; it goes to `az account show`, not `az rest`.
    let sim = Sim::new(Some(SMALL));
    let o = sim.byocni(&["discover", "--subscription", "Hub"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        sim.argvs()[0],
        [
            "account",
            "show",
            "--output",
            "json",
            "--subscription",
            "Hub"
        ]
    );
    assert!(sim
        .argvs()
        .iter()
        .filter(|a| a[0] == "rest")
        .all(|a| !a.contains(&"--subscription".to_owned())));
    let o = sim.byocni(&["discover", "--subscription", "Hub", "--all-subscriptions"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_page_that_is_not_json_is_an_error_naming_the_command() {
    let sim = Sim::new(Some(SMALL));
    sim.knob("graph-garbage-page", "2");
    let o = sim.byocni(&[
        "discover",
        "plan.json",
        "--all-subscriptions",
        "-o",
        "merged.json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("error: `az rest --method post --url /providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01` (Resource Graph, VNets page 2) answered with no JSON"), "{}", text(&o));
    assert!(
        text(&o).contains("\"<html><head><title>502 Bad Gateway"),
        "{}",
        text(&o)
    );
    assert!(!sim.path("merged.json").exists(), "nothing written");
}

#[test]
fn a_page_without_its_skip_token_is_an_error() {
    let sim = Sim::new(Some(SMALL));
    sim.knob("graph-drop-token-page", "2");
    let o = sim.byocni(&[
        "discover",
        "plan.json",
        "--all-subscriptions",
        "-o",
        "merged.json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("Resource Graph stopped after 2000 of 2500 VNets without a $skipToken"),
        "{}",
        text(&o)
    );
    assert!(!sim.path("merged.json").exists(), "nothing written");
}

#[test]
fn an_az_error_on_a_later_page_is_shown_with_the_command() {
    let sim = Sim::new(Some(SMALL));
    // The first call that carries a $skipToken: VNets page 2.
    sim.knob("fail", "$skipToken");
    let o = sim.byocni(&["discover", "--all-subscriptions"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "(Resource Graph, VNets page 2) failed with exit code 1: ERROR: (InjectedFailure)"
        ),
        "{}",
        text(&o)
    );
    assert!(vnet_lines(&o).is_empty(), "nothing listed");
}

#[test]
fn a_throttled_page_is_asked_again() {
    let sim = Sim::new(Some(SMALL));
    sim.knob("graph-throttle-page", "2");
    let o = Command::new(byocni_bin())
        .args(["discover", "--all-subscriptions"])
        .current_dir(sim.dir.path())
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", sim.path("bin").display()),
        )
        .env("BYOCNI_SIM_DIR", sim.path("state"))
        .env("BYOCNI_GRAPH_RETRY_MS", "10")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Resource Graph is throttling (Resource Graph, VNets page 2); asking again in 0.0s (1 of 3)"),
        "{}",
        text(&o)
    );
    assert_eq!(vnet_lines(&o).len(), 2750);
    assert!(text(&o).contains("(5 az call(s)"), "{}", text(&o));
}

#[test]
fn the_benchmark_estate_takes_at_most_30_az_calls() {
    // 20,000 VNets and 2,000 clusters over 2,000 subscriptions (docs/benchmarks.md, without
    // the 200 ms a call the benchmark adds): 20 pages of VNets, 2 of clusters.
    let sim = Sim::new(Some(Spec {
        vnets: 20_000,
        clusters: 2_000,
        subscriptions: 2_000,
    }));
    let o = sim.byocni(&[
        "discover",
        "plan.json",
        "--all-subscriptions",
        "-o",
        "merged.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("20000 VNet(s) and 2000 AKS cluster(s) in every subscription you can read in the tenant (22 az call(s)"),
        "{}",
        text(&o)
    );
    assert!(sim.argvs().len() <= 30);
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.path("merged.json")).unwrap()).unwrap();
    let cidrs: Vec<&str> = merged["connectedNetworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cidr"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = cidrs.iter().collect();
    assert_eq!(unique.len(), cidrs.len(), "deduplicated");
    // The last VNet's prefix and the last IPv6 one (VNet 19,990).
    assert!(cidrs.contains(&"10.78.31.0/24") && cidrs.contains(&"fd00:4e16::/48"));
}

#[test]
fn the_plan_s_own_vnet_is_never_a_connected_network() {
    let sim = Sim::new(None);
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.path("plan.json")).unwrap()).unwrap();
    let own = plan["vnet"]["name"].as_str().unwrap();
    let rg = plan["cluster"]["resourceGroup"].as_str().unwrap();
    // The plan's own VNet, already created (other prefix than planned), and a neighbour.
    sim.knob(
        "estate",
        &serde_json::json!([
            { "id": format!("/subscriptions/{CURRENT_SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{own}"),
              "name": own, "addressSpace": { "addressPrefixes": ["10.99.0.0/16"] } },
            { "name": "neighbour", "addressSpace": { "addressPrefixes": ["10.98.0.0/16"] } },
        ])
        .to_string(),
    );
    let o = sim.byocni(&["discover", "plan.json", "-o", "merged.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let merged = std::fs::read_to_string(sim.path("merged.json")).unwrap();
    assert!(merged.contains("10.98.0.0/16"), "{merged}");
    assert!(!merged.contains("10.99.0.0/16"), "{merged}");
    assert!(
        text(&o).contains("added 1 connected network(s)"),
        "{}",
        text(&o)
    );
}

#[test]
fn every_az_command_of_discover_parses_with_the_real_az() {
    let sim = Sim::new(Some(SMALL));
    for args in [
        vec!["discover", "--all-subscriptions"],
        vec!["discover"],
        vec!["discover", "--subscription", "Hub"],
    ] {
        let o = sim.byocni(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let argvs: BTreeSet<Vec<String>> = sim.argvs().into_iter().collect();
    assert!(argvs.len() >= 6, "{argvs:#?}");
    let az = az_binary();
    for argv in argvs {
        let (code, stderr) = run_logged_out(&az, &argv);
        assert!(
            code == 1 && stderr.contains("az login"),
            "az rejected `az {}`: exit {code}: {}",
            argv.join(" "),
            stderr.trim()
        );
    }
}

#[test]
fn a_v2_estate_gets_the_discovered_vnets_and_clusters_as_existing() {
    let sim = Sim::new(Some(Spec {
        vnets: 30,
        clusters: 3,
        subscriptions: 3,
    }));
    std::fs::copy(fixture("estate-bluegreen.json"), sim.path("estate.json")).unwrap();
    let id = |rg: &str, name: &str| {
        format!("/subscriptions/{CURRENT_SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}")
    };
    // The plan's own new VNet, already created, and another `hub` in another resource group.
    sim.knob(
        "estate",
        &serde_json::json!([
            { "id": id("blue-rg", "aks-blue"), "name": "aks-blue", "addressSpace": { "addressPrefixes": ["10.224.0.0/16"] } },
            { "id": id("other-rg", "hub"), "name": "hub", "addressSpace": { "addressPrefixes": ["172.20.0.0/16"] } },
        ])
        .to_string(),
    );
    let o = sim.byocni(&[
        "discover",
        "estate.json",
        "--all-subscriptions",
        "-o",
        "merged.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("added 31 existing VNet(s), 3 existing cluster(s) and 27 peering(s) (3 IPv6 prefix(es) recorded in addressSpace, outside the IPv4 checks)"),
        "{}",
        text(&o)
    );
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(sim.path("merged.json")).unwrap()).unwrap();
    assert_eq!(merged["version"], 2);
    let vnets = merged["vnets"].as_array().unwrap();
    assert_eq!(vnets.len(), 3 + 31, "aks-blue not added twice");
    let hub2 = vnets.iter().find(|v| v["name"] == "hub-2").unwrap();
    assert_eq!(hub2["resourceGroup"], "other-rg");
    assert_eq!(hub2["existing"], true);
    // Dual-stack VNets keep their IPv6 prefixes, after the IPv4 ones.
    let dual: Vec<&Value> = vnets
        .iter()
        .filter(|v| {
            v["addressSpace"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().contains(':'))
        })
        .collect();
    assert_eq!(dual.len(), 3, "{dual:#?}");
    for v in dual {
        assert!(!v["addressSpace"][0].as_str().unwrap().contains(':'), "{v}");
    }
    let v0 = vnets.iter().find(|v| v["name"] == "vnet-00000").unwrap();
    assert_eq!(
        v0["addressSpace"],
        serde_json::json!(["10.0.0.0/24", "fd00:0::/48"])
    );
    assert_eq!(
        v0["subnets"][0],
        serde_json::json!({ "name": "nodes", "cidr": "10.0.0.0/25", "role": "other" })
    );
    assert!(merged["peerings"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({ "between": ["vnet-00001", "vnet-00000"] })));
    let clusters = merged["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2 + 3);
    let kubenet = clusters.iter().find(|c| c["name"] == "aks-0000").unwrap();
    assert_eq!(
        kubenet,
        &serde_json::json!({
            "name": "aks-0000", "resourceGroup": "aks-rg-0", "location": "westeurope",
            "existing": true, "networkPlugin": "kubenet", "nodeSubnet": "vnet-00000/nodes",
            "podCidr": "10.244.0.0/24", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"
        })
    );
    let flat = clusters.iter().find(|c| c["name"] == "aks-0001").unwrap();
    assert_eq!(flat["networkPlugin"], "azure");
    assert!(flat.get("podCidr").is_none());
    // The merged estate reads and checks without errors (the generated VNets overlap the
    // plan's service CIDR: warnings), and a second discovery adds nothing.
    let o = sim.byocni(&["check", "merged.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = sim.byocni(&[
        "discover",
        "merged.json",
        "--all-subscriptions",
        "-o",
        "again.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("added 0 existing VNet(s), 0 existing cluster(s) and 0 peering(s)"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(sim.path("merged.json")).unwrap(),
        std::fs::read_to_string(sim.path("again.json")).unwrap()
    );
}

#[test]
fn a_plan_that_does_not_read_costs_no_az_call() {
    let sim = Sim::new(Some(SMALL));
    std::fs::write(sim.path("broken.json"), "{ \"version\": 1, ").unwrap();
    let o = sim.byocni(&["discover", "broken.json", "--all-subscriptions"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("broken.json"), "{}", text(&o));
    assert!(sim.argvs().is_empty(), "{:?}", sim.argvs());
}
