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
    let mut script = format!("trap '' XFSZ; ulimit -S -f {kib}; exec");
    for a in std::iter::once(byocni_bin().to_str().unwrap()).chain(args.iter().copied()) {
        script.push(' ');
        script.push_str(&shlex::try_quote(a).unwrap());
    }
    Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir)
        .env("NO_COLOR", "1")
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
