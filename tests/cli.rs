//! The `byocni` binary as a user runs it: exit codes, text and JSON output, files written.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_owned()
}

#[test]
fn new_then_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let o = byocni(&["new", "plan.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = byocni(&["check", "plan.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("ok: no problems found"));
    assert!(!stdout(&o).contains('\u{1b}'), "NO_COLOR is honoured");
    // Refuses to overwrite.
    let o = byocni(&["new", "plan.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
}

#[test]
fn check_text_output_of_a_broken_plan() {
    // Run beside the fixture: findings name the file as given, with the line and column.
    let f = fixture("broken-overlaps.json");
    let o = byocni(&["check", "broken-overlaps.json"], f.parent().unwrap());
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("check-broken-text", stdout(&o));
}

#[test]
fn check_json_output_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("broken-overlaps.json");
    let o = byocni(
        &["check", f.to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], 1);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for want in [
        "invalid-name",
        "pod-cidr-overlap",
        "service-cidr-too-large",
        "host-bits-set",
        "subnet-outside-vnet",
        "reserved-range",
        "max-pods-range",
        "vnet-overlaps-connected",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    assert_eq!(v["summary"]["errors"].as_u64().unwrap() as usize, ids.len());
    insta::assert_json_snapshot!("check-broken-json", v);
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = fixture("seed.json");
    let cases: Vec<(String, i32, &str)> = vec![
        (write(d, "bad.json", "{ not json"), 2, "not valid JSON"),
        (
            write(
                d,
                "unknown.json",
                r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c","colour":"red"}}"#,
            ),
            2,
            "cluster.colour",
        ),
        (
            write(d, "future.json", r#"{"version":7,"cluster":{}}"#),
            2,
            "newer byocni",
        ),
        (
            write(
                d,
                "type.json",
                r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"nodePools":[{"name":"p","count":"three"}]}"#,
            ),
            2,
            "nodePools[0].count",
        ),
        ("missing.json".into(), 2, "byocni new"),
        (
            write(
                d,
                "ipv6.json",
                &std::fs::read_to_string(&seed)
                    .unwrap()
                    .replace("10.10.0.0/16", "fd00::/48"),
            ),
            1,
            "IPv6",
        ),
        (
            write(
                d,
                "hostile.json",
                &std::fs::read_to_string(&seed)
                    .unwrap()
                    .replace("myAKSCluster\"", "my$(reboot)\""),
            ),
            1,
            "invalid-name",
        ),
        (
            write(
                d,
                "warn.json",
                &std::fs::read_to_string(&seed)
                    .unwrap()
                    .replace("\"cilium\"", "\"flannel\""),
            ),
            0,
            "cni-unsupported",
        ),
    ];
    for (file, code, text) in cases {
        let o = byocni(&["check", &file], d);
        let all = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{file}: {all}");
        assert!(all.contains(text), "{file}: expected {text:?} in {all}");
    }
    // Usage errors are clap's: exit 2.
    assert_eq!(byocni(&["check"], d).status.code(), Some(2));
    assert_eq!(
        byocni(&["export", seed.to_str().unwrap(), "--format", "yaml"], d)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_reads_stdin() {
    let mut child = Command::new(byocni_bin())
        .args(["check", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(std::fs::read(fixture("seed.json")).unwrap().as_slice())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["capacity"]["nodeSubnet"]["needed"], 21);
}

#[test]
fn suggest_fills_gaps_and_the_result_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gappy = r#"{"version":1,"cluster":{"name":"c1","resourceGroup":"rg","location":"westeurope"},
        "vnet":{"name":"v1","addressSpace":[],"subnets":[]},
        "connectedNetworks":[{"name":"hub","cidr":"10.0.0.0/16"},{"name":"pods-elsewhere","cidr":"10.244.0.0/16"}]}"#;
    let f = write(d, "gappy.json", gappy);
    let o = byocni(&["suggest", &f, "-o", "done.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for field in [
        "podCidr",
        "serviceCidr",
        "dnsServiceIP",
        "vnet.addressSpace",
        "vnet.subnets[0]",
    ] {
        assert!(
            stderr(&o).contains(&format!("filled {field} =")),
            "{field}: {}",
            stderr(&o)
        );
    }
    let o = byocni(&["check", "done.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let done: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("done.json")).unwrap()).unwrap();
    assert_ne!(
        done["serviceCidr"], "10.0.0.0/16",
        "the default is taken by the hub"
    );
    assert_ne!(done["podCidr"], "10.244.0.0/16");
}

#[test]
fn export_writes_an_executable_script_and_refuses_broken_plans() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = fixture("seed.json");
    let o = byocni(
        &[
            "export",
            seed.to_str().unwrap(),
            "--format",
            "bash",
            "-o",
            "create.sh",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::metadata(d.join("create.sh"))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0o111
    );
    let script = std::fs::read_to_string(d.join("create.sh")).unwrap();
    assert!(script.contains("--network-plugin none --pod-cidr 10.10.0.0/16"));
    for f in [
        "powershell",
        "arm",
        "bicep",
        "terraform",
        "cilium-values",
        "calico",
    ] {
        let o = byocni(&["export", seed.to_str().unwrap(), "--format", f], d);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", stderr(&o));
        assert!(!stdout(&o).is_empty());
    }
    let broken = fixture("broken-overlaps.json");
    let o = byocni(&["export", broken.to_str().unwrap(), "--format", "bash"], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "nothing rendered");
    assert!(stderr(&o).contains("pod-cidr-overlap") && stderr(&o).contains("--force"));
    let o = byocni(
        &[
            "export",
            broken.to_str().unwrap(),
            "--format",
            "bash",
            "--force",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("# WARNING: rendered with --force"));
}

/// Issue 12: the design document, the map and the ranges from the CLI; they render a plan with
/// errors without `--force`, its findings in them; completions offer the formats.
#[test]
fn export_the_design_document_the_map_and_the_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = fixture("seed.json");
    let seed = seed.to_str().unwrap();
    for (f, marks) in [
        (
            "design-md",
            &[
                "# Design: AKS cluster myAKSCluster",
                "| pods | pod CIDR | 10.10.0.0/16 |",
                "```svg",
                "az aks create",
            ][..],
        ),
        (
            "design-html",
            &[
                "<!DOCTYPE html>",
                "@media print",
                "<svg",
                "<td class=\"num\">1,048,576</td>",
                "az aks create",
            ][..],
        ),
        ("map-svg", &["<svg", "on-prem 192.168.0.0/16 · 65,536"][..]),
        ("ranges-csv", &["kind,name,cidr,first,last,addresses\n"][..]),
    ] {
        let o = byocni(&["export", seed, "--format", f], d);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", stderr(&o));
        for m in marks {
            assert!(stdout(&o).contains(m), "{f}: {m} in {}", stdout(&o));
        }
    }
    let broken = fixture("broken-overlaps.json");
    let o = byocni(
        &["export", broken.to_str().unwrap(), "--format", "design-md"],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("| error | pod\\-cidr\\-overlap |")
            || stdout(&o).contains("| error | pod-cidr-overlap |"),
        "{}",
        stdout(&o)
    );
    let o = byocni(&["completions", "bash"], d);
    assert!(stdout(&o).contains("design-md") && stdout(&o).contains("map-svg"));
}

#[test]
fn explain_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let o = byocni(&["explain"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let list = stdout(&o);
    for r in byocni_core::Rule::ALL {
        assert!(list.contains(r.id()), "{} not listed", r.id());
        let o = byocni(&["explain", r.id()], dir.path());
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).len() > 100);
    }
    let o = byocni(&["explain", "pod-cidr-overlaps"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `pod-cidr-overlap`"),
        "{}",
        stderr(&o)
    );
}

/// Runs byocni under a file-size limit of `kib` KiB with SIGXFSZ ignored, as on a full disk:
/// writes past the limit fail with EFBIG (ENOSPC's stand-in) instead of killing the process.
pub(crate) fn byocni_with_full_disk(args: &[&str], dir: &Path, kib: u32) -> Output {
    byocni_with_full_disk_env(args, dir, kib, &[])
}

/// [`byocni_with_full_disk`] with more environment variables.
pub(crate) fn byocni_with_full_disk_env(
    args: &[&str],
    dir: &Path,
    kib: u32,
    env: &[(String, String)],
) -> Output {
    let mut script = format!("trap '' XFSZ; ulimit -S -f {kib}; exec");
    for a in std::iter::once(byocni_bin().to_str().unwrap()).chain(args.iter().copied()) {
        script.push(' ');
        script.push_str(&shlex::try_quote(a).unwrap());
    }
    Command::new("/bin/bash")
        .args(["-c", &script])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run bash")
}

#[test]
fn a_full_disk_leaves_the_previous_plan_whole() {
    // Issue 10, defect 4: `suggest big.json -o big.json` on a full disk truncated the plan.
    let dir = tempfile::tempdir().unwrap();
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("seed.json")).unwrap()).unwrap();
    plan["connectedNetworks"] = (0..3000)
        .map(|i| serde_json::json!({ "name": format!("net-{i}"), "cidr": format!("172.{}.{}.0/24", 16 + i / 256, i % 256) }))
        .collect();
    plan.as_object_mut().unwrap().remove("podCidr");
    let before = serde_json::to_string_pretty(&plan).unwrap();
    assert!(before.len() > 200 * 1024, "{}", before.len());
    std::fs::write(dir.path().join("big.json"), &before).unwrap();
    let o = byocni_with_full_disk(&["suggest", "big.json", "-o", "big.json"], dir.path(), 64);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write big.json")
            && stderr(&o).contains("the previous file is left as it was"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("big.json")).unwrap(),
        before
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind: {left:?}");
    // With room, the same command writes the completed plan.
    let o = byocni(&["suggest", "big.json", "-o", "big.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = std::fs::read_to_string(dir.path().join("big.json")).unwrap();
    assert!(after.contains("\"podCidr\""));
}

#[test]
fn a_plan_larger_than_256_mib_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    f.set_len(257 * 1024 * 1024).unwrap(); // sparse: no disk used
    let o = byocni(&["check", "huge.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("huge.json is larger than 256 MiB"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn parse_errors_show_control_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "evil.json",
        // JSON escapes: the parsed key holds ESC and BEL, which the error message names.
        r#"{"version": 1, "cluster\u001b]0;pwned\u0007\u001b[2J": 1}"#,
    );
    let o = byocni(&["check", &f], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}]0;pwned\\u{7}"), "{err}");
}

/// `byocni upgrade` (issue 13): v1 -> v2 for every v1 fixture; the estate reads back and its
/// cluster's projection is the v1 plan again; a v2 file is not upgraded again.
#[test]
fn upgrade_rewrites_v1_as_an_estate() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "seed.json",
        "calico-hub.json",
        "managed-vnet.json",
        "broken-overlaps.json",
    ] {
        let src = fixture(name);
        let src = src.to_str().unwrap();
        let o = byocni(&["upgrade", src, "-o", "estate.json"], dir.path());
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let text = std::fs::read_to_string(dir.path().join("estate.json")).unwrap();
        let estate = byocni_core::estate::Estate::from_json(&text).unwrap();
        let v1 = byocni_core::Plan::from_json(&std::fs::read_to_string(src).unwrap()).unwrap();
        let mut back = estate.project(0).unwrap();
        if let (Some(v), Some(orig)) = (back.vnet.as_mut(), v1.vnet.as_ref()) {
            for (k, s) in v.subnets.iter_mut().enumerate() {
                s.role = orig.subnets[k].role;
            }
        }
        assert_eq!(back, v1, "{name}");
        let o = byocni(&["upgrade", "estate.json"], dir.path());
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("already a version 2 estate"),
            "{}",
            stderr(&o)
        );
    }
}

/// Issue 13: the estate fixtures check clean in every format, with the capacity of each new
/// cluster; `--cluster` picks one; findings carry estate paths placed at their line; an upgraded
/// v1 plan checks with the same rules as the v1 plan.
#[test]
fn estates_check_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["estate-bluegreen.json", "estate-mesh3.json"] {
        let src = fixture(name);
        let src = src.to_str().unwrap();
        let o = byocni(&["check", src], dir.path());
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("ok: no problems found"),
            "{}",
            stdout(&o)
        );
        assert!(stdout(&o).contains("capacity of cluster"), "{}", stdout(&o));
        let o = byocni(&["check", src, "--format", "json"], dir.path());
        assert_eq!(o.status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["summary"]["errors"], 0);
        assert!(!v["clusters"].as_array().unwrap().is_empty());
        for format in ["sarif", "github"] {
            let o = byocni(&["check", src, "--format", format], dir.path());
            assert_eq!(o.status.code(), Some(0), "{name} {format}");
        }
    }
    let o = byocni(
        &[
            "check",
            fixture("estate-mesh3.json").to_str().unwrap(),
            "--cluster",
            "mesh-b",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["clusters"].as_array().unwrap().len(), 1);
    assert_eq!(v["clusters"][0]["name"], "mesh-b");
    let o = byocni(
        &[
            "check",
            fixture("estate-mesh3.json").to_str().unwrap(),
            "--cluster",
            "nope",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("mesh-a, mesh-b, mesh-c"),
        "{}",
        stderr(&o)
    );
    let o = byocni(
        &[
            "check",
            fixture("seed.json").to_str().unwrap(),
            "--cluster",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));

    // A broken estate: findings at estate paths, placed at their line, in JSON and SARIF.
    let broken = std::fs::read_to_string(fixture("estate-mesh3.json"))
        .unwrap()
        .replace(
            "\"podCidr\": \"10.101.0.0/16\"",
            "\"podCidr\": \"10.100.128.0/17\"",
        )
        .replace(
            "\"clusterMesh\": { \"id\": 3 }",
            "\"clusterMesh\": { \"id\": 1 }",
        );
    let text = write(dir.path(), "broken.json", &broken);
    let o = byocni(&["check", &text, "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let find = |rule: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("{rule}: {v}"))
    };
    let f = find("mesh-pod-cidr-overlap");
    assert_eq!(f["field"], "clusters[1].podCidr");
    let line = broken
        .lines()
        .position(|l| l.contains("10.100.128.0/17"))
        .unwrap()
        + 1;
    assert_eq!(f["line"], line);
    assert_eq!(
        find("mesh-cluster-id")["field"],
        "clusters[2].clusterMesh.id"
    );
    let o = byocni(&["check", &text, "--format", "sarif"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"mesh-cluster-id"), "{rules:?}");
    let o = byocni(&["check", &text, "--format", "github"], dir.path());
    assert!(
        stdout(&o).contains(&format!("file=broken.json,line={line}")),
        "{}",
        stdout(&o)
    );
}

/// An upgraded v1 plan checks as the v1 plan did: the same rules fire, the same exit code (the
/// estate's VNet names its resource group, copied from the cluster's, so a bad one is reported
/// there too).
#[test]
fn an_upgraded_plan_checks_like_the_v1_plan() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "seed.json",
        "calico-hub.json",
        "managed-vnet.json",
        "broken-overlaps.json",
    ] {
        let src = fixture(name);
        let src = src.to_str().unwrap();
        let o = byocni(&["upgrade", src, "-o", "estate.json"], dir.path());
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let v1 = byocni(&["check", src, "--format", "json"], dir.path());
        let v2 = byocni(&["check", "estate.json", "--format", "json"], dir.path());
        assert_eq!(v1.status.code(), v2.status.code(), "{name}");
        let rules = |o: &Output| {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let mut r: Vec<String> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap().to_owned())
                .collect();
            r.sort();
            r.dedup();
            r
        };
        assert_eq!(rules(&v1), rules(&v2), "{name}");
    }
}

/// Issue 13: `export` of an estate writes one file per new cluster and the shared network into
/// `-o DIR`; without `-o` it says so; `--cluster` writes one cluster's file.
#[test]
fn estates_export_into_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("estate-bluegreen.json");
    let src = src.to_str().unwrap();
    let o = byocni(
        &["export", src, "--format", "bash", "-o", "out"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["blue.sh", "network.sh"]);
    let network = std::fs::read_to_string(dir.path().join("out/network.sh")).unwrap();
    assert!(network
        .contains("az network vnet peering create --resource-group net-rg --name hub-to-aks-blue"));
    assert!(network.contains(
        "az network vnet peering create --resource-group blue-rg --name aks-blue-to-hub"
    ));
    assert!(
        !network.contains("hub-to-aks-green"),
        "both existing: already peered"
    );
    let blue = std::fs::read_to_string(dir.path().join("out/blue.sh")).unwrap();
    assert!(blue.contains("--pod-cidr 10.100.0.0/16"));
    // Terraform: the network as a root module of its own.
    let o = byocni(
        &["export", src, "--format", "terraform", "-o", "tf"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let tf = std::fs::read_to_string(dir.path().join("tf/network.tf")).unwrap();
    assert!(tf.contains("resource \"azurerm_virtual_network_peering\" \"peering_0_to_2\""));
    assert!(dir.path().join("tf/blue.tf").is_file());
    // ARM and Bicep: one template per resource group and kind, and the script that deploys them.
    for (format, ext) in [("arm", "json"), ("bicep", "bicep")] {
        let o = byocni(
            &["export", src, "--format", format, "-o", format],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("not exported"), "{}", stderr(&o));
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join(format))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                format!("blue.{ext}"),
                format!("network.blue-rg.peerings.{ext}"),
                "network.deploy.sh".into(),
                format!("network.net-rg.peerings.{ext}"),
            ]
        );
        let deploy =
            std::fs::read_to_string(dir.path().join(format).join("network.deploy.sh")).unwrap();
        assert!(deploy.contains(&format!(
            "az deployment group create --resource-group net-rg --name byocni-network-peerings --template-file network.net-rg.peerings.{ext}"
        )));
        assert!(stderr(&o).contains("network.deploy.sh"), "{}", stderr(&o));
    }
    let o = byocni(&["export", src, "--format", "bash"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o DIR"), "{}", stderr(&o));
    let mesh = fixture("estate-mesh3.json");
    let o = byocni(
        &[
            "export",
            mesh.to_str().unwrap(),
            "--format",
            "cilium-values",
            "--cluster",
            "mesh-c",
            "-o",
            "mesh",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let values =
        std::fs::read_to_string(dir.path().join("mesh/mesh-c.cilium-values.yaml")).unwrap();
    assert!(
        values.contains("cluster:\n  name: \"mesh-c\"\n  id: 3\n"),
        "{values}"
    );
    assert!(values.contains("maxConnectedClusters: 255"), "{values}");
    assert_eq!(
        std::fs::read_dir(dir.path().join("mesh")).unwrap().count(),
        1
    );
    // `--cluster` naming an existing cluster is refused, naming the new ones (it was "nothing
    // to export", exit 0).
    let o = byocni(
        &[
            "export",
            src,
            "--format",
            "bash",
            "--cluster",
            "green",
            "-o",
            "green",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--cluster green: cluster `green` is existing")
            && stderr(&o).contains("the new clusters are blue"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("green").exists());
    // An estate with errors is not exported.
    let broken = std::fs::read_to_string(&mesh)
        .unwrap()
        .replace("\"clusterMesh\": { \"id\": 3 }", "\"clusterMesh\": {}");
    let b = write(dir.path(), "broken.json", &broken);
    let o = byocni(&["export", &b, "--format", "bash", "-o", "b"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mesh-cluster-id"), "{}", stderr(&o));
}

/// Issue 13: `suggest` fills an estate (new VNets' space and node subnets, mesh ids, pod and
/// service CIDRs) and the result checks clean; peerings are kept as written.
#[test]
fn suggest_fills_an_estate() {
    let dir = tempfile::tempdir().unwrap();
    let estate = r#"{"version":2,"name":"new",
      "vnets":[{"name":"aks-a","resourceGroup":"rg","location":"westeurope","subnets":[{"name":"nodes"}]},
               {"name":"aks-b","resourceGroup":"rg","location":"westeurope","subnets":[{"name":"nodes"}]}],
      "peerings":[{"between":["aks-a","aks-b"]}],
      "clusters":[{"name":"a","resourceGroup":"rg","location":"westeurope","nodeSubnet":"aks-a/nodes","clusterMesh":{}},
                  {"name":"b","resourceGroup":"rg","location":"westeurope","nodeSubnet":"aks-b/nodes","clusterMesh":{}}],
      "clusterMesh":{}}"#;
    let src = write(dir.path(), "estate.json", estate);
    let o = byocni(&["check", &src], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let o = byocni(&["suggest", &src, "-o", "filled.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("filled clusters[1].clusterMesh.id = 2"),
        "{}",
        stderr(&o)
    );
    let o = byocni(&["check", "filled.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let filled = byocni_core::estate::Estate::from_json(
        &std::fs::read_to_string(dir.path().join("filled.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(filled.peerings.len(), 1);
    assert_ne!(filled.clusters[0].pod_cidr, filled.clusters[1].pod_cidr);
}
