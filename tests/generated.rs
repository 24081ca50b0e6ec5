//! What byocni generates from its own definitions: the plan file's JSON Schema (kept in
//! `docs/plan.schema.json`, refusing what the reader refuses), shell completions and man pages.

use std::path::Path;
use std::process::{Command, Output};

use byocni_core::Plan;
use byocni_tests::fuzz::structured_plan;
use byocni_tests::{bless, byocni_bin, fixture, workspace_root};
use proptest::prelude::*;
use serde_json::{json, Value};

fn byocni(args: &[&str], dir: &Path) -> Output {
    Command::new(byocni_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run byocni")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every subcommand, as the generated texts must name them.
const SUBCOMMANDS: [&str; 14] = [
    "new",
    "check",
    "suggest",
    "upgrade",
    "export",
    "explain",
    "apply",
    "destroy",
    "cni",
    "status",
    "discover",
    "schema",
    "completions",
    "man",
];

fn schema() -> Value {
    let o = byocni(&["schema"], &workspace_root());
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the plan schema compiles")
}

#[test]
fn the_schema_is_current_in_docs() {
    let o = byocni(&["schema"], &workspace_root());
    let path = workspace_root().join("docs/plan.schema.json");
    bless(&path, &stdout(&o));
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == stdout(&o),
        "docs/plan.schema.json is out of date with the plan types; regenerate it with \
         BYOCNI_BLESS=1 cargo test -p byocni-tests --test e2e generated::"
    );
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        jsonschema::meta::is_valid(&schema),
        "a valid draft 2020-12 schema"
    );
}

#[test]
fn every_fixture_validates_against_the_schema() {
    let v = validator(&schema());
    let dir = fixture("seed.json").parent().unwrap().to_path_buf();
    let mut seen = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 4);
    assert!(v.is_valid(&Plan::example().to_value()));
}

/// Plans that differ from the seed by one change: the reader and the schema agree on each.
#[test]
fn the_schema_refuses_what_the_reader_refuses() {
    let v = validator(&schema());
    let seed: Value = serde_json::from_str(crate_example()).unwrap();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut doc = seed.clone();
        edit(&mut doc);
        doc
    };
    let refused: Vec<(&str, Value)> = vec![
        ("unknown field", with(&|d| d["colour"] = json!("red"))),
        (
            "unknown nested field",
            with(&|d| d["vnet"]["subnets"][0]["colour"] = json!("red")),
        ),
        ("future version", with(&|d| d["version"] = json!(2))),
        ("version 0", with(&|d| d["version"] = json!(0))),
        ("version as text", with(&|d| d["version"] = json!("1"))),
        (
            "missing version",
            with(&|d| {
                d.as_object_mut().unwrap().remove("version");
            }),
        ),
        (
            "missing cluster name",
            with(&|d| {
                d["cluster"].as_object_mut().unwrap().remove("name");
            }),
        ),
        (
            "count as text",
            with(&|d| d["nodePools"][0]["count"] = json!("three")),
        ),
        (
            "negative count",
            with(&|d| d["nodePools"][0]["count"] = json!(-3)),
        ),
        (
            "count over u32",
            with(&|d| d["nodePools"][0]["count"] = json!(4_294_967_296_u64)),
        ),
        (
            "prefix over u8",
            with(&|d| d["cni"]["perNodePrefix"] = json!(256)),
        ),
        (
            "unknown plugin",
            with(&|d| d["cni"]["plugin"] = json!("weave")),
        ),
        (
            "unknown role",
            with(&|d| d["vnet"]["subnets"][0]["role"] = json!("pods")),
        ),
        (
            "surge as a fraction",
            with(&|d| d["nodePools"][0]["maxSurge"] = json!(1.5)),
        ),
        (
            "negative surge",
            with(&|d| d["nodePools"][0]["maxSurge"] = json!(-1)),
        ),
        (
            "surge as a bool",
            with(&|d| d["nodePools"][0]["maxSurge"] = json!(true)),
        ),
        ("podCidr as a number", with(&|d| d["podCidr"] = json!(10))),
        ("cni null", with(&|d| d["cni"] = json!(null))),
        (
            "connectedNetworks null",
            with(&|d| d["connectedNetworks"] = json!(null)),
        ),
        ("$schema as a number", with(&|d| d["$schema"] = json!(7))),
        ("an array", json!([1, 2])),
    ];
    for (what, doc) in &refused {
        assert!(
            Plan::from_json(&doc.to_string()).is_err(),
            "{what}: the reader should refuse it"
        );
        assert!(!v.is_valid(doc), "{what}: the schema should refuse it");
    }
    let accepted: Vec<(&str, Value)> = vec![
        (
            "$schema",
            with(&|d| d["$schema"] = json!("./docs/plan.schema.json")),
        ),
        (
            "surge as a number",
            with(&|d| d["nodePools"][0]["maxSurge"] = json!(3)),
        ),
        (
            "surge null",
            with(&|d| d["nodePools"][0]["maxSurge"] = json!(null)),
        ),
        ("optional null", with(&|d| d["vnet"] = json!(null))),
        (
            "maxPods out of AKS's range (a finding, not a shape error)",
            with(&|d| d["nodePools"][0]["maxPods"] = json!(300)),
        ),
        (
            "minimal",
            json!({"version": 1, "cluster": {"name": "a", "resourceGroup": "b", "location": "c"}}),
        ),
    ];
    for (what, doc) in &accepted {
        assert!(
            Plan::from_json(&doc.to_string()).is_ok(),
            "{what}: the reader should read it"
        );
        let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{what}: {errors:?}");
    }
}

/// Every place in a JSON value (`None` for the root), containers included.
fn places(v: &Value, at: Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                let mut p = at.clone();
                p.push(Step::Index(i));
                places(e, p, out);
            }
        }
        Value::Object(m) => {
            for (k, e) in m {
                let mut p = at.clone();
                p.push(Step::Key(k.clone()));
                places(e, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at_mut<'v>(mut v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    for step in path {
        v = match step {
            Step::Key(k) => &mut v[k.as_str()],
            Step::Index(i) => &mut v[*i],
        };
    }
    v
}

/// Values of every JSON type, with the edges of the plan's number types.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(2)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(255)),
        Just(json!(256)),
        Just(json!(4_294_967_295_u64)),
        Just(json!(4_294_967_296_u64)),
        Just(json!("x")),
        Just(json!("nodes")),
        Just(json!("calico")),
        Just(json!([])),
        Just(json!(["10.0.0.0/8"])),
        Just(json!({})),
        Just(json!({"name": "n", "cidr": "10.0.0.0/8"})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Every plan byocni writes validates against the schema.
    #[test]
    fn every_plan_byocni_writes_validates(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let v = SCHEMA.with(|(_, v)| v.clone());
        if let Ok(plan) = structured_plan(&mut arbitrary::Unstructured::new(&bytes)) {
            let doc = plan.to_value();
            let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
            prop_assert!(errors.is_empty(), "{errors:?}\n{doc}");
        }
    }

    /// A plan file changed in one place (a value replaced by one of any type, a key removed, an
    /// unknown key added): the schema accepts it exactly when the reader does.
    #[test]
    fn the_schema_and_the_reader_agree_on_edited_plans(
        base in prop_oneof![Just(0), Just(1), Just(2)],
        place in any::<prop::sample::Index>(),
        edit in 0..3u8,
        value in odd_value(),
    ) {
        let v = SCHEMA.with(|(_, v)| v.clone());
        let seed: Value = match base {
            0 => serde_json::from_str(crate_example()).unwrap(),
            1 => serde_json::from_str(&std::fs::read_to_string(fixture("broken-overlaps.json")).unwrap()).unwrap(),
            _ => json!({"version": 1, "cluster": {"name": "a", "resourceGroup": "b", "location": "c"}}),
        };
        let mut all = Vec::new();
        places(&seed, Vec::new(), &mut all);
        let path = place.get(&all).clone();
        let mut doc = seed.clone();
        match edit {
            0 => *at_mut(&mut doc, &path) = value.clone(),
            1 => match path.split_last() {
                Some((Step::Key(k), parent)) => {
                    at_mut(&mut doc, parent).as_object_mut().unwrap().remove(k);
                }
                Some((Step::Index(i), parent)) => {
                    at_mut(&mut doc, parent).as_array_mut().unwrap().remove(*i);
                }
                None => doc = value.clone(),
            },
            _ => {
                if let Some(m) = at_mut(&mut doc, &path).as_object_mut() {
                    m.insert("colour".into(), value.clone());
                }
            }
        }
        let read = Plan::from_json(&doc.to_string());
        let valid = v.is_valid(&doc);
        // What the reader refuses, the schema refuses.
        prop_assert!(!valid || read.is_ok(), "the schema accepts what the reader refuses: {doc}\n{:?}", read.err());
        // And the other way, but for one serde leniency the schema does not copy: an object of
        // the plan written as an array of its fields in order (`"cluster": ["a", "b", "c"]`).
        let array_for_object = edit == 0 && value.is_array();
        prop_assert!(
            valid || read.is_err() || array_for_object,
            "the schema refuses what the reader reads: {doc}"
        );
    }
}

thread_local! {
    /// The schema, compiled once per test thread.
    static SCHEMA: (Value, std::rc::Rc<jsonschema::Validator>) = {
        let s = schema();
        let v = std::rc::Rc::new(validator(&s));
        (s, v)
    };
}

fn crate_example() -> &'static str {
    byocni_core::plan::EXAMPLE_JSON
}

/// A plan's `$schema` is read, checked as any plan and written back by `suggest`.
#[test]
fn a_schema_key_is_accepted_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = crate_example().replacen("{\n", "{\n  \"$schema\": \"./plan.schema.json\",\n", 1);
    std::fs::write(d.join("plan.json"), &text).unwrap();
    let o = byocni(&["check", "plan.json"], d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = byocni(&["suggest", "plan.json"], d);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("{\n  \"$schema\": \"./plan.schema.json\",\n  \"version\": 1,"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = byocni(&["completions", shell], d);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        if matches!(shell, "bash" | "zsh" | "fish") {
            // (clap_complete's PowerShell and Elvish scripts complete flags, not their values.)
            assert!(
                script.contains("sarif") && script.contains("github"),
                "{shell}: formats"
            );
        }
        let file = d.join(format!("byocni.{shell}"));
        std::fs::write(&file, &script).unwrap();
        // Each shell's own syntax check, where the shell is installed.
        let check = match shell {
            "bash" => Some(("bash", "-n")),
            "zsh" => Some(("zsh", "-n")),
            "fish" => Some(("fish", "--no-execute")),
            _ => None,
        };
        if let Some((prog, flag)) = check {
            match Command::new(prog).arg(flag).arg(&file).output() {
                Ok(o) => assert!(
                    o.status.success(),
                    "{prog} {flag}: {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(_) if shell != "bash" => eprintln!("{prog} not installed: syntax not checked"),
                Err(e) => panic!("bash: {e}"),
            }
        }
    }
    // Loaded into bash, it completes subcommands and check's formats.
    let probe = format!(
        "source {}\n\
         COMP_WORDS=(byocni ch); COMP_CWORD=1; _byocni byocni ch byocni; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(byocni check plan.json --format ''); COMP_CWORD=4; _byocni byocni '' --format; \
         echo \"${{COMPREPLY[*]}}\"\n",
        d.join("byocni.bash").display()
    );
    let o = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("check"),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(lines.next(), Some("text json sarif github"), "{out}");
    // An unknown shell is a usage error.
    assert_eq!(byocni(&["completions", "tcsh"], d).status.code(), Some(2));
}

#[test]
fn man_pages_describe_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = byocni(&["man"], d);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.contains(".TH byocni 1"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("byocni\\-{sub}(1)")),
            "byocni(1) lacks {sub}"
        );
    }
    assert!(!page.contains("byocni\\-help(1)"), "no page for `help`");
    assert!(page.contains("Exit status: 0 done"), "{page}");
    let o = byocni(&["man", "--dir", "man1"], d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(d.join("man1").join(format!("byocni-{sub}.1")))
            .unwrap_or_else(|e| panic!("byocni-{sub}.1: {e}"));
        assert!(page.contains(&format!(".TH byocni-{sub} 1")), "{sub}");
    }
    let check = std::fs::read_to_string(d.join("man1/byocni-check.1")).unwrap();
    assert!(check.contains("sarif") && check.contains("github"));
    // man(1) renders it, where installed.
    if let Ok(o) = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(d.join("man1/byocni.1"))
        .env("MANWIDTH", "100")
        .output()
    {
        if o.status.success() {
            assert!(stdout(&o).contains("completions"), "{}", stdout(&o));
        } else {
            eprintln!("man -l failed: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
}

/// The schema's derive is the CLI's alone: neither of the web planner's wasm crates carries
/// schemars (the `schema` feature of byocni-core stays off there).
#[test]
fn the_web_build_does_not_carry_schemars() {
    let tree = |package: &str, target: &[&str]| {
        Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "--locked",
                "-e",
                "normal",
                "-i",
                "schemars",
            ])
            .args(["-p", package])
            .args(target)
            .current_dir(workspace_root())
            .output()
            .expect("run cargo tree")
    };
    let cli = tree("byocni-cli", &[]);
    assert!(
        cli.status.success() && stdout(&cli).contains("byocni-core"),
        "the CLI has schemars through byocni-core: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    for web in ["byocni-web", "byocni-web-exports"] {
        let o = tree(web, &["--target", "wasm32-unknown-unknown"]);
        assert!(
            !o.status.success()
                && String::from_utf8_lossy(&o.stderr).contains("did not match any packages"),
            "{web} depends on schemars:\n{}{}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
