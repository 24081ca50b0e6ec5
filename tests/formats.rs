//! `check`'s CI formats (SARIF 2.1.0 validated against the OASIS schema in `../shared/refs/`,
//! GitHub workflow commands), findings placed at their line and column, and `docs/rules.md`,
//! the rule docs SARIF's help links point into.

use std::path::Path;
use std::process::{Command, Output};

use byocni_core::check::explain::explain;
use byocni_core::Rule;
use byocni_tests::{bless, byocni_bin, fixture, workspace_root};
use serde_json::Value;

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

fn fixtures_dir() -> std::path::PathBuf {
    fixture("seed.json").parent().unwrap().to_path_buf()
}

/// The SARIF 2.1.0 schema (OASIS, draft-04), from `../shared/refs/` next to the workspace.
fn sarif_validator() -> jsonschema::Validator {
    let path = workspace_root().join("../shared/refs/sarif-2.1.0.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the SARIF schema belongs in ../shared/refs (see its SOURCES.md)",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// (line, column) of the first occurrence of `needle` in `text`, columns in code points.
fn where_is(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle in text");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let dir = fixtures_dir();
    let warned = tempfile::tempdir().unwrap();
    let warn = warned.path().join("warn plan.json");
    std::fs::write(
        &warn,
        std::fs::read_to_string(fixture("seed.json"))
            .unwrap()
            .replace("\"cilium\"", "\"flannel\""),
    )
    .unwrap();
    let mut runs = vec![];
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if path.extension().is_some_and(|e| e == "json") {
            runs.push((
                name.clone(),
                byocni(&["check", &name, "--format", "sarif"], &dir),
            ));
        }
    }
    runs.push((
        "absolute path with a space".into(),
        byocni(
            &["check", warn.to_str().unwrap(), "--format", "sarif"],
            &dir,
        ),
    ));
    for (name, o) in &runs {
        let doc: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_valid(&validator, &doc, name);
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Rule::ALL.len(), "one rule per rule id");
        for (r, rule) in Rule::ALL.iter().zip(rules) {
            assert_eq!(rule["id"], r.id());
            assert_eq!(rule["fullDescription"]["text"], explain(*r));
            assert!(rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/docs/rules.md#{}", r.id())));
        }
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let region = &result["locations"][0]["physicalLocation"]["region"];
            assert!(
                region["startLine"].as_u64().unwrap() >= 1,
                "{name}: {result}"
            );
        }
        // Exit codes are check's.
        let errors = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["level"] == "error");
        assert_eq!(o.status.code(), Some(i32::from(errors)), "{name}");
    }
    // The validator does refuse a log that breaks the schema.
    let mut broken: Value = serde_json::from_slice(&runs[0].1.stdout).unwrap();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] =
        "fatal".into();
    assert!(!validator.is_valid(&broken));
    let (_, warn_run) = runs.last().unwrap();
    let doc: Value = serde_json::from_slice(&warn_run.stdout).unwrap();
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["level"], "warning");
    assert_eq!(result["ruleId"], "cni-unsupported");
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/warn%20plan.json"),
        "{uri}"
    );
}

#[test]
fn sarif_places_each_finding_at_its_field() {
    let dir = fixtures_dir();
    let text = std::fs::read_to_string(fixture("broken-overlaps.json")).unwrap();
    let o = byocni(
        &["check", "broken-overlaps.json", "--format", "sarif"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["artifacts"][0]["location"]["uri"],
        "broken-overlaps.json"
    );
    let results = run["results"].as_array().unwrap();
    let find = |rule: &str, field: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == field
            })
            .unwrap_or_else(|| panic!("{rule} at {field}"))
    };
    let region = |r: &Value| {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "broken-overlaps.json");
        (
            loc["region"]["startLine"].as_u64().unwrap(),
            loc["region"]["startColumn"].as_u64().unwrap(),
        )
    };
    let pods = find("max-pods-range", "nodePools[0].maxPods");
    assert_eq!(region(pods), where_is(&text, "300 }"));
    assert!(pods["message"]["text"]
        .as_str()
        .unwrap()
        .ends_with("\nfix: use 250"));
    assert_eq!(pods["properties"]["fix"]["edit"]["value"], 250);
    let overlap = find("pod-cidr-overlap", "podCidr");
    assert_eq!(
        region(overlap),
        where_is(&text, "\"10.0.0.0/16\",\n  \"serviceCidr")
    );
    // The other side of the overlap is a related location, placed too.
    let related = &overlap["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "vnet.addressSpace[0]");
    assert_eq!(
        (
            related["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap(),
            related["physicalLocation"]["region"]["startColumn"]
                .as_u64()
                .unwrap()
        ),
        where_is(&text, "\"10.0.0.0/16\"]")
    );
    // A defaulted field (cni.perNodePrefix is not in the file) is placed at its parent.
    let prefix = find("per-node-prefix-invalid", "cni.perNodePrefix");
    assert_eq!(region(prefix), where_is(&text, "{ \"plugin\""));
}

#[test]
fn sarif_from_stdin_has_no_file_and_still_validates() {
    let mut child = Command::new(byocni_bin())
        .args(["check", "-", "--format", "sarif"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        &std::fs::read(fixture("broken-overlaps.json")).unwrap(),
    )
    .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_valid(&sarif_validator(), &doc, "stdin");
    let run = &doc["runs"][0];
    assert!(run.get("artifacts").is_none());
    for r in run["results"].as_array().unwrap() {
        assert!(r["locations"][0].get("physicalLocation").is_none(), "{r}");
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
    }
}

#[test]
fn github_annotations_are_placed_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A file name with `,` and `:`; a cluster name with `%` and a would-be command after a line
    // break (the core already shows control characters escaped; the fix is on a line of its own).
    let name = "plans,a:b.json";
    let plan = std::fs::read_to_string(fixture("seed.json"))
        .unwrap()
        .replace("\"myAKSCluster\"", "\"my 100%\\r\\n::warning::injected\"");
    std::fs::write(d.join(name), &plan).unwrap();
    let o = byocni(&["check", name, "--format", "github"], d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one command per finding, no line smuggled in:\n{out}"
    );
    let (line, col) = where_is(&plan, "\"my 100%");
    let want = format!(
        "::error file=plans%2Ca%3Ab.json,line={line},col={col},title=invalid-name::cluster.name `my 100%25"
    );
    assert!(lines[0].starts_with(&want), "{}\nwanted {want}", lines[0]);
    assert!(lines[0].contains("%0Afix: rename it"), "{}", lines[0]);
    assert!(!lines[0].contains('\r'));

    // A warning, and a clean plan: nothing to say.
    let o = byocni(
        &[
            "check",
            fixture("seed.json").to_str().unwrap(),
            "--format",
            "github",
        ],
        d,
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    std::fs::write(
        d.join("warn.json"),
        std::fs::read_to_string(fixture("seed.json"))
            .unwrap()
            .replace("\"cilium\"", "\"flannel\""),
    )
    .unwrap();
    let o = byocni(&["check", "warn.json", "--format", "github"], d);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(d.join("warn.json")).unwrap();
    let (line, col) = where_is(&text, "\"flannel\"");
    assert!(
        stdout(&o).starts_with(&format!(
            "::warning file=warn.json,line={line},col={col},title=cni-unsupported::"
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn text_and_json_carry_line_and_column() {
    let dir = fixtures_dir();
    let text = std::fs::read_to_string(fixture("broken-overlaps.json")).unwrap();
    let (line, col) = where_is(&text, "300 }");
    let o = byocni(&["check", "broken-overlaps.json"], &dir);
    assert!(
        stdout(&o).contains(&format!(
            "  --> broken-overlaps.json:{line}:{col} nodePools[0].maxPods\n"
        )),
        "{}",
        stdout(&o)
    );
    let o = byocni(&["check", "broken-overlaps.json", "--format", "json"], &dir);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "nodePools[0].maxPods")
        .unwrap();
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line), Some(col))
    );
    // Export's refusal places its findings too.
    let o = byocni(
        &["export", "broken-overlaps.json", "--format", "bash"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!(
        "broken-overlaps.json:{line}:{col} nodePools[0].maxPods"
    )));
}

/// `docs/rules.md` as generated from the rules' `explain` texts: one heading (and so one anchor)
/// per rule id, which SARIF's `helpUri`s point at.
fn rules_markdown() -> String {
    let mut md = String::from(
        "# Rules\n\n\
         Every rule `byocni check` applies, by its stable id: what it checks, why, and the fix. \
         `byocni explain RULE` prints the same text; SARIF output (`byocni check --format sarif`) \
         links each rule here.\n\n\
         <!-- Generated from crates/byocni-core/src/check/explain.rs by the test \
         formats::docs_rules_md_is_current; regenerate with \
         `BYOCNI_BLESS=1 cargo test -p byocni-tests --test e2e formats::`. -->\n\n\
         | rule | severity |\n|---|---|\n",
    );
    let severity = |r: Rule| format!("{:?}", r.severity()).to_lowercase();
    for r in Rule::ALL {
        md.push_str(&format!("| [`{0}`](#{0}) | {1} |\n", r.id(), severity(*r)));
    }
    for r in Rule::ALL {
        md.push_str(&format!(
            "\n## {}\n\n*{}*\n\n{}\n",
            r.id(),
            severity(*r),
            explain(*r)
        ));
    }
    md
}

#[test]
fn docs_rules_md_is_current() {
    let path = workspace_root().join("docs/rules.md");
    let want = rules_markdown();
    bless(&path, &want);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date with the rules; regenerate it with \
         BYOCNI_BLESS=1 cargo test -p byocni-tests --test e2e formats::"
    );
    for r in Rule::ALL {
        assert!(
            have.contains(&format!("\n## {}\n", r.id())),
            "{} has no heading",
            r.id()
        );
    }
}
