//! Around the cluster (issue 14) as a user meets it: `check` on plans with an outbound type,
//! a private or VNet-integrated API server and an NSG (capacity counts the private endpoint and
//! shows the API server subnet), `explain` of the new rules, `export` of each fixture.

use std::path::Path;
use std::process::{Command, Output};

use byocni_tests::{byocni_bin, fixture};

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
