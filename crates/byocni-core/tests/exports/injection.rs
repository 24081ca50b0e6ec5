//! Item 6 of issue 11: no user text becomes code in any export, forced or not. Hostile text goes
//! into every string of a plan; each export is then read back by a parser of its language (YAML
//! by serde_yaml, bash by bash itself, PowerShell, ARM expressions, Bicep and HCL by small
//! tokenizers of their string and comment syntax) and must have the same structure as the
//! rendering of a harmless plan of the same shape, with the hostile text only inside values.

use std::process::Command;

use byocni_core::plan::{
    ApiServer, Cluster, Cni, CniPlugin, ConnectedNetwork, NatGateway, NodePool, Nsg, Outbound,
    OutboundType, PoolMode, RouteTable, Subnet, SubnetRole, Vnet, VnetIntegration,
};
use byocni_core::render::Format;
use byocni_core::steps::{script_steps, Arg, Program};
use byocni_core::Plan;
use proptest::prelude::*;
use serde::Deserialize as _;

use crate::forced;

/// Text that breaks out of a naive quoting somewhere. Each has a non-space character, so that
/// trimming never turns a value into a missing one.
pub(crate) const HOSTILE: &[&str] = &[
    "x\"; echo > pwned #",
    "$(echo > pwned)",
    "`echo > pwned`",
    "a'b; echo > pwned; '",
    "line\necho > pwned",
    "cr\recho > pwned",
    "${HOME}",
    "%{if true}x%{endif}",
    "-x",
    "--%",
    "--subscription=evil",
    "-1.2.3.4/8",
    "[concat('a', 'b')]",
    "[[x]",
    "[not an expression",
    "x]",
    "‘quoted’ “double” ‚low‛",
    "a\u{2028}---\u{2028}apiVersion: rbac.authorization.k8s.io/v1\u{2028}kind: ClusterRoleBinding",
    "a\u{2029}kind: ClusterRoleBinding",
    "a\u{85}kind: ClusterRoleBinding",
    "a\u{b}\u{c}\u{1b}[31mred",
    "a\u{202e}evil\u{202c}",
    "\u{feff}bom",
    "c1\u{9b}31m",
    "key: value",
    "- item",
    "!!python/object:os.system",
    "&anchor *alias",
    "# comment",
    "a\\",
    "\\\\server\\share",
    "@(1,2)",
    "$env:PATH",
    "a|b&c;d<e>f",
    "x\u{7f}del",
    "'''triple'''",
    "/* c */ // c",
    "<# block #>",
];

/// A plan whose every string is `text(field)`, and whose VNet also carries a `-` entry and the
/// bare `text("")`.
fn plan_with(text: &dyn Fn(&str) -> String, plugin: CniPlugin) -> Plan {
    Plan {
        schema: None,
        version: byocni_core::plan::PLAN_VERSION,
        cluster: Cluster {
            name: text("cluster"),
            resource_group: text("group"),
            location: text("location"),
            dns_prefix: Some(text("dns")),
            node_resource_group: Some(text("noderg")),
        },
        vnet: Some(Vnet {
            name: text("vnet"),
            // The hostile text as it is, too (`text("")`): some of it starts with `-`.
            address_space: vec![
                text("space"),
                "10.1.0.0/16".into(),
                format!("-{}", text("dash")),
                text(""),
            ],
            subnets: vec![
                Subnet {
                    name: text("nodes"),
                    cidr: text("nodecidr"),
                    role: SubnetRole::Nodes,
                },
                Subnet {
                    name: text("other"),
                    cidr: text("othercidr"),
                    role: SubnetRole::ApiServer,
                },
            ],
        }),
        pod_cidr: Some(text("pod")),
        service_cidr: Some(text("svc")),
        dns_service_ip: Some(text("dnsip")),
        node_pools: Some(vec![
            NodePool {
                name: text("pool"),
                mode: PoolMode::System,
                count: 3,
                max_count: Some(5),
                max_surge: Some(text("surge")),
                max_pods: None,
                vm_size: Some(text("vm")),
            },
            NodePool {
                name: text("user"),
                mode: PoolMode::User,
                count: 1,
                max_count: None,
                max_surge: Some(text("surge2")),
                max_pods: Some(30),
                vm_size: None,
            },
        ]),
        internal_load_balancers: Some(1),
        cni: Cni {
            plugin,
            per_node_prefix: None,
            kube_proxy: true,
        },
        connected_networks: vec![ConnectedNetwork {
            name: text("connected"),
            cidr: text("connectedcidr"),
        }],
        // Around the cluster (issue 14): every name and address of it carries the text too,
        // with a route table (Cilium) or a NAT gateway of ours (Calico).
        outbound: Some(match plugin {
            CniPlugin::Calico => Outbound {
                kind: OutboundType::UserAssignedNatGateway,
                nat_gateway: Some(NatGateway {
                    name: Some(text("natgw")),
                    outbound_ips: Some(2),
                    ..NatGateway::default()
                }),
                ..Outbound::default()
            },
            _ => Outbound {
                kind: OutboundType::UserDefinedRouting,
                route_table: Some(RouteTable {
                    name: Some(text("rt")),
                    existing: false,
                    next_hop_ip: Some(text("hop")),
                }),
                ..Outbound::default()
            },
        }),
        api_server: Some(ApiServer {
            private: false,
            vnet_integration: Some(VnetIntegration {
                subnet: text("other"),
            }),
            authorized_ip_ranges: vec![text("range"), "131.107.0.0/16".into()],
        }),
        nsg: Some(Nsg {
            name: Some(text("nsg")),
            existing: false,
        }),
    }
}

/// The hostile plan for `h` and its harmless twin.
pub(crate) fn pair(h: &str, plugin: CniPlugin) -> (Plan, Plan) {
    (
        plan_with(&|f| format!("{f}{h}"), plugin),
        plan_with(&|f| f.to_owned(), plugin),
    )
}

/// Every hostile text, then `extra`, checked by `check`.
fn each_hostile(check: impl Fn(&str, &Plan, &Plan)) {
    for h in HOSTILE {
        for plugin in [CniPlugin::Cilium, CniPlugin::Calico] {
            let (bad, good) = pair(h, plugin);
            check(h, &bad, &good);
        }
    }
}

// ---------------------------------------------------------------------------------------- YAML

/// The shape of a YAML value: maps by key, sequences by length, scalars by kind.
fn yaml_shape(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Mapping(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", k.as_str().unwrap_or("?"), yaml_shape(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_yaml::Value::Sequence(s) => {
            format!(
                "[{}]",
                s.iter().map(yaml_shape).collect::<Vec<_>>().join(",")
            )
        }
        serde_yaml::Value::String(_) => "s".into(),
        serde_yaml::Value::Number(_) => "n".into(),
        serde_yaml::Value::Bool(_) => "b".into(),
        serde_yaml::Value::Null => "null".into(),
        serde_yaml::Value::Tagged(_) => "TAGGED".into(),
    }
}

/// The one document of `text` (a second document is an injection).
fn one_yaml_document(what: &str, text: &str) -> serde_yaml::Value {
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde_yaml::Value::deserialize(d)
                .unwrap_or_else(|e| panic!("{what}: not YAML: {e}\n{text}"))
        })
        .collect();
    assert_eq!(docs.len(), 1, "{what}: one YAML document\n{text}");
    docs.into_iter().next().unwrap()
}

fn check_yaml(h: &str, bad: &Plan, good: &Plan) {
    let format = match bad.cni.plugin {
        CniPlugin::Calico => Format::Calico,
        _ => Format::CiliumValues,
    };
    let what = format!("{} {h:?}", format.id());
    let (b, g) = (forced(bad, format), forced(good, format));
    let (bv, gv) = (one_yaml_document(&what, &b), one_yaml_document(&what, &g));
    assert_eq!(yaml_shape(&bv), yaml_shape(&gv), "{what}: structure\n{b}");
    // The pod CIDR comes back exactly as the user wrote it (trimmed), a value and nothing else.
    let pod = match format {
        Format::Calico => &bv["spec"]["calicoNetwork"]["ipPools"][0]["cidr"],
        _ => &bv["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"][0],
    };
    assert_eq!(
        pod.as_str(),
        bad.pod_cidr.as_deref().map(str::trim),
        "{what}"
    );
    // No line of the text is a YAML line break in disguise.
    for c in ['\u{2028}', '\u{2029}', '\u{85}', '\r'] {
        assert!(!b.contains(c), "{what}: raw {c:?} in\n{b}");
    }
}

#[test]
fn yaml_exports_keep_hostile_text_inside_values_and_comments() {
    each_hostile(check_yaml);
}

// ---------------------------------------------------------------------------------------- bash

/// Runs the bash export with `az` a function that records its argv, in an empty directory with
/// no `PATH`: every command must be one of the steps' az commands, word for word, and nothing
/// else may run (a payload writing `pwned` would leave the file).
fn run_bash(what: &str, plan: &Plan, good: &Plan) {
    let script = forced(plan, Format::Bash);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("create.sh"), &script).unwrap();
    let bash = crate::tool("bash", &["/bin/bash", "/usr/bin/bash"]).expect("bash is installed");
    // On the PATH: only a few harmless tools a script may use to write files (no `rm`).
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for t in ["cat", "mktemp", "mkdir", "chmod"] {
        if let Some(path) = crate::tool(t, &[]) {
            std::os::unix::fs::symlink(path, bin.join(t)).unwrap();
        }
    }
    let out = Command::new(bash)
        .arg("-c")
        .arg(
            "for p in az helm kubectl; do\n\
               eval \"$p() { printf '%s\\\\0' $p \\\"\\$@\\\" @@END@@ >> argv.log; echo VALUE; }\"\n\
             done\n\
             source ./create.sh",
        )
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", &bin)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{what}: the script fails: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("pwned").exists(),
        "{what}: injected command ran\n{script}"
    );
    let log = std::fs::read(dir.path().join("argv.log")).unwrap();
    // Each call: its words, each NUL-terminated, then an `@@END@@` word.
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    for w in log.split(|b| *b == 0).filter(|w| !w.is_empty()) {
        if w == b"@@END@@" {
            commands.push(Vec::new());
        } else {
            commands
                .last_mut()
                .unwrap()
                .push(String::from_utf8_lossy(w).into_owned());
        }
    }
    commands.pop();
    // The kubeconfig path the script sets itself (in its working directory) reads as a value.
    let here = dir.path().display().to_string();
    for c in &mut commands {
        for w in c.iter_mut() {
            if w.starts_with(&here) {
                "VALUE".clone_into(w);
            }
        }
    }
    // The az calls that create (not the `--query` captures), without the program name.
    let creates: Vec<Vec<String>> = commands
        .iter()
        .filter(|c| c[0] == "az" && !c.iter().any(|w| w == "--query"))
        .map(|c| c[1..].to_vec())
        .collect();
    let want: Vec<Vec<String>> = script_steps(plan)
        .iter()
        .filter(|s| s.create.program == Program::Az)
        .map(|s| {
            s.create
                .args
                .iter()
                .map(|a| match a {
                    Arg::Lit(s) => s.replace('\0', ""),
                    Arg::Var(_) | Arg::LitVar(..) => "VALUE".into(),
                })
                .filter(|w| !w.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        creates.len(),
        want.len(),
        "{what}: one az call per step\n{script}"
    );
    let known: std::collections::BTreeSet<String> = script_steps(good)
        .iter()
        .flat_map(|s| s.create.args.iter())
        .filter_map(|a| match a {
            Arg::Lit(w) if is_flag(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    for (got, want) in creates.iter().zip(&want) {
        assert_eq!(got, want, "{what}\n{script}");
        // argparse reads every word that starts with `-` as an option: each must be one of the
        // flags the harmless plan's commands use, alone or as `--flag=value`.
        for w in got.iter().filter(|w| w.starts_with('-')) {
            let flag = w.split_once('=').map_or(w.as_str(), |(f, _)| f);
            assert!(
                known.contains(flag),
                "{what}: {w:?} would be read as an option\n{script}"
            );
        }
    }
}

/// An az flag as the steps write them (`--resource-group`), as opposed to a value.
fn is_flag(w: &str) -> bool {
    w.len() > 2
        && w.starts_with("--")
        && w[2..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[test]
fn bash_export_runs_only_the_steps_commands_whatever_the_names() {
    each_hostile(|h, bad, good| run_bash(&format!("bash {h:?}"), bad, good));
}

#[test]
fn bash_export_passes_bash_n_and_shellcheck() {
    let shellcheck = crate::tool("shellcheck", &[]);
    if shellcheck.is_none() {
        eprintln!("note: shellcheck not found on PATH: bash exports checked with bash -n only");
    }
    each_hostile(|h, bad, _| {
        let script = forced(bad, Format::Bash);
        let status = Command::new("bash")
            .args(["-n", "-c", &script])
            .status()
            .unwrap();
        assert!(status.success(), "bash -n {h:?}\n{script}");
        if let Some(sc) = &shellcheck {
            let out = Command::new(sc)
                // SC1112: a typographic quote inside a single-quoted word is the user's text.
                .args([
                    "--shell=bash",
                    "--severity=warning",
                    "--exclude=SC1112",
                    "-",
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write as _;
                    c.stdin.take().unwrap().write_all(script.as_bytes())?;
                    c.wait_with_output()
                })
                .unwrap();
            assert!(
                out.status.success(),
                "shellcheck {h:?}:\n{}\n{script}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    });
}

// ---------------------------------------------------------------------------------- PowerShell

/// Characters PowerShell reads as a single quote, and as a double quote.
const PS_SINGLE: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'];
const PS_DOUBLE: [char; 4] = ['"', '\u{201c}', '\u{201d}', '\u{201e}'];

#[derive(Debug, PartialEq)]
enum PsTok {
    /// A bare word, as written.
    Bare(String),
    /// A single-quoted string, decoded.
    Quoted(String),
    /// A double-quoted string, raw.
    Expandable(String),
}

/// Splits a PowerShell script into statements (at newlines outside strings), each its tokens
/// and its source text. Comments (`#` at a token start) are dropped.
fn ps_statements(text: &str) -> Vec<(Vec<PsTok>, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut toks, mut src) = (Vec::new(), String::new());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            if !toks.is_empty() {
                out.push((std::mem::take(&mut toks), std::mem::take(&mut src)));
            }
            src.clear();
            i += 1;
        } else if c == ' ' || c == '\t' {
            src.push(c);
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
        } else if PS_SINGLE.contains(&c) {
            let mut s = String::new();
            src.push(c);
            i += 1;
            loop {
                assert!(
                    i < chars.len(),
                    "unterminated single-quoted string in\n{text}"
                );
                let d = chars[i];
                src.push(d);
                i += 1;
                if PS_SINGLE.contains(&d) {
                    if i < chars.len() && PS_SINGLE.contains(&chars[i]) {
                        s.push(chars[i]);
                        src.push(chars[i]);
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    s.push(d);
                }
            }
            toks.push(PsTok::Quoted(s));
        } else if PS_DOUBLE.contains(&c) {
            let mut s = String::new();
            src.push(c);
            i += 1;
            loop {
                assert!(
                    i < chars.len(),
                    "unterminated double-quoted string in\n{text}"
                );
                let d = chars[i];
                src.push(d);
                i += 1;
                if d == '`' && i < chars.len() {
                    s.push(d);
                    s.push(chars[i]);
                    src.push(chars[i]);
                    i += 1;
                } else if PS_DOUBLE.contains(&d) {
                    break;
                } else {
                    s.push(d);
                }
            }
            toks.push(PsTok::Expandable(s));
        } else {
            let mut w = String::new();
            while i < chars.len()
                && !matches!(chars[i], ' ' | '\t' | '\n' | '\r')
                && !PS_SINGLE.contains(&chars[i])
                && !PS_DOUBLE.contains(&chars[i])
            {
                w.push(chars[i]);
                i += 1;
            }
            src.push_str(&w);
            toks.push(PsTok::Bare(w));
        }
    }
    if !toks.is_empty() {
        out.push((toks, src));
    }
    out
}

/// A bare word PowerShell passes to a native command as itself: a long flag, a word starting
/// with a letter, a number or address, or a variable the steps set. Never `--%` (stop parsing),
/// nothing PowerShell reads as an operator, a sub-expression, a splat, a string, a comment or a
/// parameter it could split.
fn ps_safe_bare(w: &str) -> bool {
    let specials = "$`'\"‘’‚‛“”„;|&(){}@<>,#[]";
    if let Some(var) = w.strip_prefix('$') {
        return !var.is_empty() && var.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    }
    if w.chars().any(|c| specials.contains(c) || c.is_control()) || w == "--%" {
        return false;
    }
    if w.starts_with('-') {
        return is_flag(w);
    }
    if w.starts_with(|c: char| c.is_ascii_digit()) {
        return w.chars().all(|c| c.is_ascii_digit() || "./%".contains(c))
            && w.split(['.', '/', '%'])
                .all(|p| p == "0" || !p.starts_with('0'));
    }
    w.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Every token a word PowerShell passes as itself: safe bare words and single-quoted strings.
fn ps_inert(h: &str, toks: &[PsTok], src: &str) {
    for t in toks {
        match t {
            PsTok::Bare(w) => assert!(ps_safe_bare(w), "{h:?}: bare {w:?} in {src:?}"),
            PsTok::Quoted(_) => {}
            PsTok::Expandable(s) => panic!("{h:?}: expandable string \"{s}\" in {src:?}"),
        }
    }
}

/// PowerShell text with the bodies of its single-quoted here-strings (`@'` ... `'@`, the CNI
/// values: nothing in them expands) left out.
fn without_here_strings(ps: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    // Where the scan is outside here-strings: inside a quoted string (which may span lines) or
    // a comment, `@'` is text, not a here-string's opener (found by
    // `random_hostile_text_stays_inert` with `z@'` in a header comment).
    let (mut single, mut double) = (false, false);
    // `split` on '\n' alone, not `lines()`: `lines()` would also drop a '\r' that a hostile value
    // puts at the end of a line inside a quoted string, and the test would then compare an
    // argument PowerShell never sees.
    for line in ps.split('\n') {
        if inside {
            if let Some(rest) = line.strip_prefix("'@") {
                inside = false;
                out.push_str("'@");
                out.push_str(rest);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        let chars: Vec<char> = line.chars().collect();
        let mut opens = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\'' if !double => single = !single,
                '"' if !single => double = !double,
                '`' if double => i += 1,
                '#' if !single && !double => break,
                '@' if !single && !double => {
                    let at_token_start = i == 0 || " \t(=|,".contains(chars[i - 1]);
                    if at_token_start && chars.get(i + 1) == Some(&'\'') && i + 2 == chars.len() {
                        opens = true;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if opens {
            inside = true;
        } else {
            out.push('\n');
        }
    }
    out
}

fn check_powershell(h: &str, plan: &Plan) {
    let ps = forced(plan, Format::Powershell);
    let steps = script_steps(plan);
    let mut creates = Vec::new();
    for (toks, src) in ps_statements(&without_here_strings(&ps)) {
        let az = match toks.as_slice() {
            [PsTok::Bare(a), rest @ ..] if a == "az" => rest,
            // A capture (`$SUBNET_ID = az ... --query id`), or a CNI install command: every
            // word inert, nothing expandable.
            [PsTok::Bare(v), PsTok::Bare(eq), PsTok::Bare(a), rest @ ..]
                if v.starts_with('$') && eq == "=" && a == "az" =>
            {
                assert!(ps_safe_bare(v), "{h:?}: {src}");
                assert!(rest.iter().any(|t| *t == PsTok::Bare("--query".into())));
                ps_inert(h, rest, &src);
                continue;
            }
            [PsTok::Bare(p), rest @ ..] if p == "helm" || p == "kubectl" => {
                ps_inert(h, rest, &src);
                continue;
            }
            _ => {
                let fixed = src.trim_start();
                assert!(
                    fixed == "$ErrorActionPreference = 'Stop'"
                        || fixed == "function Assert-LastExit([string]$What) {"
                        || fixed == "if ($LASTEXITCODE -ne 0) { throw \"$What failed with exit code $LASTEXITCODE\" }"
                        || fixed == "}"
                        // The CNI part's temporary directory, kubeconfig path and values files.
                        || [
                            "$BYOCNI_TMP = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())",
                            "New-Item -ItemType Directory -Path $BYOCNI_TMP | Out-Null",
                            "$CILIUM_VALUES = Join-Path $BYOCNI_TMP cilium-values.yaml",
                            "$CALICO_INSTALLATION = Join-Path $BYOCNI_TMP calico-installation.yaml",
                            "@''@ | Set-Content -LiteralPath $CILIUM_VALUES -Encoding utf8",
                            "@''@ | Set-Content -LiteralPath $CALICO_INSTALLATION -Encoding utf8",
                            "Remove-Item -Recurse -Force -LiteralPath $BYOCNI_TMP",
                        ]
                        .contains(&fixed)
                        || fixed
                            .strip_prefix("if (-not $KUBECONFIG_FILE) { $KUBECONFIG_FILE = Join-Path (Get-Location) ")
                            .and_then(|r| r.strip_suffix(" }"))
                            .is_some_and(|w| {
                                w.trim_matches('\'').chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                            })
                        || (fixed.starts_with("Assert-LastExit \"")
                            && fixed[17..].trim_end_matches('"').chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')),
                    "{h:?}: unexpected PowerShell statement {src:?}\n{ps}"
                );
                continue;
            }
        };
        let mut argv = Vec::new();
        for t in az {
            match t {
                PsTok::Bare(w) => {
                    assert!(ps_safe_bare(w), "{h:?}: bare {w:?} in {src:?}");
                    argv.push(w.clone());
                }
                PsTok::Quoted(s) => argv.push(s.clone()),
                PsTok::Expandable(s) => panic!("{h:?}: expandable string \"{s}\" in {src:?}"),
            }
        }
        creates.push(argv);
    }
    let want: Vec<Vec<String>> = steps
        .iter()
        .filter(|s| s.create.program == Program::Az)
        .map(|s| {
            s.create
                .args
                .iter()
                .map(|a| match a {
                    Arg::Lit(s) => s.replace('\0', ""),
                    Arg::Var(v) => format!("${v}"),
                    Arg::LitVar(l, v) => format!("{l}${v}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(creates, want, "{h:?}\n{ps}");
}

#[test]
fn powershell_export_is_the_steps_commands_as_inert_words() {
    each_hostile(|h, bad, _| check_powershell(h, bad));
}

// ------------------------------------------------------------------------------------------ ARM

/// An ARM expression with its string literals emptied; `None` when a literal is unterminated.
fn arm_expression_skeleton(e: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = e.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            out.push_str("''");
            loop {
                match chars.next()? {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                    }
                    '\'' => break,
                    _ => {}
                }
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The shape of an ARM template: keys, lengths, and every expression's skeleton; literal
/// strings (including `[[`-escaped ones) count as plain strings.
fn arm_shape(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    let key = if k.starts_with('[') && !k.starts_with("[[") {
                        arm_expression_skeleton(k).unwrap_or_else(|| "BROKEN".into())
                    } else {
                        "k".into()
                    };
                    format!("{key}:{}", arm_shape(v))
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(a) => {
            format!(
                "[{}]",
                a.iter().map(arm_shape).collect::<Vec<_>>().join(",")
            )
        }
        serde_json::Value::String(s)
            if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') =>
        {
            arm_expression_skeleton(s).unwrap_or_else(|| "BROKEN".into())
        }
        other => match other {
            serde_json::Value::String(_) => "s".into(),
            _ => other.to_string(),
        },
    }
}

/// The shape of what ARM evaluates: resources, parameters and outputs (the metadata is text).
pub(crate) fn arm_template_shape(t: &serde_json::Value) -> String {
    ["resources", "parameters", "outputs"]
        .iter()
        .map(|k| arm_shape(&t[k]))
        .collect::<Vec<_>>()
        .join(";")
}

#[test]
fn arm_template_has_no_expression_the_user_wrote() {
    each_hostile(|h, bad, good| {
        let (b, g) = (forced(bad, Format::Arm), forced(good, Format::Arm));
        let bv: serde_json::Value = serde_json::from_str(&b).unwrap();
        let gv: serde_json::Value = serde_json::from_str(&g).unwrap();
        assert_eq!(
            arm_template_shape(&bv),
            arm_template_shape(&gv),
            "ARM {h:?}\n{b}"
        );
        // Literals read back as the user wrote them (trimmed where the export trims).
        let vnet = bv["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "Microsoft.Network/virtualNetworks")
            .unwrap();
        assert_eq!(
            arm_literal(&vnet["properties"]["addressSpace"]["addressPrefixes"][3]),
            h.trim(),
            "ARM {h:?}"
        );
        assert_eq!(
            arm_literal(&bv["outputs"]["clusterName"]["value"]),
            bad.cluster.name,
            "ARM {h:?}"
        );
    });
}

/// What ARM makes of a string that is not an expression: `[[...]` is the literal `[...]`; any
/// other string, `[` first or not, is itself (Azure's template-expression rules).
fn arm_literal(v: &serde_json::Value) -> String {
    let s = v.as_str().unwrap();
    assert!(
        !(s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")),
        "{s:?} is an ARM expression"
    );
    if s.starts_with("[[") && s.ends_with(']') {
        s[1..].to_owned()
    } else {
        s.to_owned()
    }
}

// ------------------------------------------------------------------------------ Bicep and HCL

/// The code of a Bicep or HCL text with comments dropped, string literals emptied and runs of
/// whitespace made one space; an interpolation (`${` in Bicep and HCL, `%{` in HCL) that is not
/// escaped is kept, so it shows as a difference.
pub(crate) fn code_skeleton(text: &str, hcl: bool) -> String {
    let (quote, line_comment): (char, &[&str]) = if hcl {
        ('"', &["#", "//"])
    } else {
        ('\'', &["//"])
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let at = |i: usize, s: &str| {
        chars[i..]
            .iter()
            .take(s.chars().count())
            .copied()
            .eq(s.chars())
    };
    while i < chars.len() {
        if line_comment.iter().any(|m| at(i, m)) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            while i < chars.len() && !at(i, "*/") {
                i += 1;
            }
            i += 2;
        } else if chars[i] == quote {
            out.push(quote);
            i += 1;
            while i < chars.len() && chars[i] != quote {
                if chars[i] == '\\' {
                    i += 2;
                    continue;
                }
                if hcl && (at(i, "$${") || at(i, "%%{")) {
                    i += 3;
                    continue;
                }
                if at(i, "${") || (hcl && at(i, "%{")) {
                    // An interpolation: kept, up to its closing brace.
                    while i < chars.len() && chars[i] != '}' {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
                if chars[i] == '\n' {
                    out.push_str("NEWLINE-IN-STRING");
                }
                i += 1;
            }
            out.push(quote);
            i += 1;
        } else if chars[i].is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            i += 1;
        } else if hcl && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
            // Identifiers: resource labels are made from names (`azurerm_subnet.nodes_0`), so
            // only where a word stands is compared, not what it says.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push('w');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn bicep_and_terraform_keep_hostile_text_inside_string_literals() {
    each_hostile(|h, bad, good| {
        for (format, hcl) in [(Format::Bicep, false), (Format::Terraform, true)] {
            let (b, g) = (forced(bad, format), forced(good, format));
            assert_eq!(
                code_skeleton(&b, hcl),
                code_skeleton(&g, hcl),
                "{} {h:?}\n{b}",
                format.id()
            );
        }
    });
}

// ------------------------------------------------------------------------- random hostile text

pub(crate) fn hostile_text() -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = vec![
        "a",
        "-",
        "--",
        "$",
        "`",
        "'",
        "\"",
        "\\",
        "\n",
        "\r",
        "\t",
        "\u{2028}",
        "\u{2029}",
        "\u{85}",
        "\u{b}",
        "\u{1b}",
        "{",
        "}",
        "${",
        "%{",
        "%",
        "[",
        "]",
        "(",
        ")",
        "#",
        ";",
        "|",
        "&",
        " ",
        "‘",
        "’",
        "“",
        "”",
        "=",
        ".",
        ":",
        "/",
        "@",
        "*",
        "~",
        "!",
        "<#",
        "#>",
        "--%",
        "---",
        "\u{202e}",
        "\u{feff}",
        "\u{9b}",
        "é",
        "10.0.0.0/16",
    ];
    // Something visible first, so that trimming never empties it.
    (
        prop::sample::select(vec!["z", "-", "--%", "[", "'"]),
        prop::collection::vec(prop::sample::select(pieces), 1..8),
    )
        .prop_map(|(first, v)| format!("{first}{}", v.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random mixes of the dangerous characters, in every field, through every export.
    #[test]
    fn random_hostile_text_stays_inert(h in hostile_text(), calico in any::<bool>()) {
        let plugin = if calico { CniPlugin::Calico } else { CniPlugin::Cilium };
        let (bad, good) = pair(&h, plugin);
        check_yaml(&h, &bad, &good);
        check_powershell(&h, &bad);
        run_bash(&format!("bash {h:?}"), &bad, &good);
        for (format, hcl) in [(Format::Bicep, false), (Format::Terraform, true)] {
            prop_assert_eq!(code_skeleton(&forced(&bad, format), hcl), code_skeleton(&forced(&good, format), hcl));
        }
        let arm = |p: &Plan| arm_template_shape(&serde_json::from_str(&forced(p, Format::Arm)).unwrap());
        prop_assert_eq!(arm(&bad), arm(&good));
    }
}

/// A single quote after `@` (`z@'`): found by `random_hostile_text_stays_inert`; a PowerShell
/// here-string opener inside user text must stay text.
#[test]
fn an_at_sign_before_a_quote_stays_inert_in_powershell() {
    for calico in [false, true] {
        let plugin = if calico {
            CniPlugin::Calico
        } else {
            CniPlugin::Cilium
        };
        for h in ["z@'", "z@'\n", "'@", "z\n'@\n", "@'"] {
            let (bad, _good) = pair(h, plugin);
            check_powershell(h, &bad);
        }
    }
}
