//! Snapshots of every export format for the fixture plans, plus structural checks that do not
//! depend on the snapshot (parses as JSON/YAML, carries the plan's values, escapes hostile text).

// The test (not the crate) runs bash to split rendered lines as a shell would.
#![allow(clippy::disallowed_types)]

use std::path::PathBuf;

use byocni_core::render::{render, Format, RenderOptions, AKS_API_VERSION};
use byocni_core::steps::{script_steps, Arg, Program};
use byocni_core::{Plan, RenderError};

const FIXTURES: [&str; 6] = [
    "seed",
    "managed-vnet",
    "calico-hub",
    "udr-private",
    "nat-apiserver",
    "managed-nat",
];

fn fixture(name: &str) -> Plan {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(format!("{name}.json"));
    Plan::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The formats that hand the plan over rather than create it: the design document, the map and
/// the ranges, snapshot for the seed plan only ([`design_snapshots`]); the other fixtures'
/// differences are in the code formats.
const DOCUMENTS: [Format; 4] = [
    Format::DesignMarkdown,
    Format::DesignHtml,
    Format::MapSvg,
    Format::RangesCsv,
];

/// The formats that create the cluster (scripts, templates, CNI values).
fn code_formats() -> impl Iterator<Item = Format> {
    Format::ALL.into_iter().filter(|f| !DOCUMENTS.contains(f))
}

fn rendered(plan: &Plan, f: Format) -> String {
    render(plan, f, RenderOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", f.id()))
}

#[test]
fn snapshots() {
    for name in FIXTURES {
        let plan = fixture(name);
        for f in code_formats() {
            insta::assert_snapshot!(format!("{name}.{}", f.id()), rendered(&plan, f));
        }
    }
}

/// Issue 12: the design document (Markdown and HTML), the map (SVG) and the ranges (CSV) of the
/// seed plan.
#[test]
fn design_snapshots() {
    let plan = fixture("seed");
    for f in DOCUMENTS {
        insta::assert_snapshot!(format!("seed.{}", f.id()), rendered(&plan, f));
    }
}

/// Issue 12: the design document's capacity names the API server subnet when the plan has one,
/// and its findings carry their rule ids and fixes.
#[test]
fn design_documents_carry_the_api_server_subnet_and_the_fixes() {
    let plan = fixture("nat-apiserver");
    let md = rendered(&plan, Format::DesignMarkdown);
    assert!(md.contains("| API server subnet "), "{md}");
    let mut broken = fixture("seed");
    broken.pod_cidr = Some("10.0.0.0/16".into());
    let report = byocni_core::check(&broken);
    for f in [Format::DesignMarkdown, Format::DesignHtml] {
        let text = rendered(&broken, f);
        for finding in &report.findings {
            assert!(
                text.contains(finding.rule.id()),
                "{}: {}",
                f.id(),
                finding.rule.id()
            );
            let fix = finding.fix.as_ref().expect("a fix").summary.as_str();
            assert!(text.contains(fix), "{}: {fix}", f.id());
        }
    }
}

/// Issue 10, kube-proxy-free Cilium (domain rule 28): the `cilium-kpr` fixture in every
/// format. Terraform refuses it (azurerm has no argument for it): its snapshot is the message.
#[test]
fn kube_proxy_free_snapshots() {
    let plan = fixture("cilium-kpr");
    for f in code_formats() {
        let text = match render(&plan, f, RenderOptions::default()) {
            Ok(t) => t,
            Err(RenderError::Unsupported(why)) => {
                assert_eq!(f, Format::Terraform, "only Terraform refuses");
                format!("refused: {why}\n")
            }
            Err(e) => panic!("{}: {e}", f.id()),
        };
        insta::assert_snapshot!(format!("cilium-kpr.{}", f.id()), text);
    }
    // Forcing does not make Terraform say what it cannot.
    assert!(matches!(
        render(&plan, Format::Terraform, RenderOptions { force: true }),
        Err(RenderError::Unsupported(_))
    ));
}

/// The kube-proxy-free plan's exports carry what rule 28 needs: the preview flag with its file,
/// the FQDN lookup right before Cilium, which gets it as k8sServiceHost, and the preview notes.
#[test]
fn kube_proxy_free_exports_say_it() {
    let plan = fixture("cilium-kpr");
    let bash = rendered(&plan, Format::Bash);
    assert!(
        bash.contains("--kube-proxy-config \"$KUBE_PROXY_CONFIG\""),
        "{bash}"
    );
    assert!(bash
        .contains("cat >\"$KUBE_PROXY_CONFIG\" <<'BYOCNI_EOF'\n{\"enabled\": false}\nBYOCNI_EOF"));
    // The file is written into the private temp dir, made before the cluster step.
    let tmp = bash.find("BYOCNI_TMP=$(mktemp -d)").unwrap();
    assert!(tmp < bash.find("\naz aks create").unwrap());
    assert_eq!(bash.matches("mktemp -d").count(), 1);
    assert!(bash.contains("API_SERVER_FQDN=$(az aks show --resource-group kpr-rg --name kpr-aks --query fqdn --output tsv)"), "{bash}");
    let set = bash
        .lines()
        .find(|l| l.starts_with("helm upgrade"))
        .unwrap();
    assert!(
        set.ends_with(" --set-string 'k8sServiceHost='\"$API_SERVER_FQDN\""),
        "{set}"
    );
    // bash makes it one word: the single-quoted literal joined to the double-quoted value.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("API_SERVER_FQDN='a b.example'; printf '%s\\n' 'k8sServiceHost='\"$API_SERVER_FQDN\"")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "k8sServiceHost=a b.example\n"
    );
    for needle in ["aks-preview", "KubeProxyConfigurationPreview"] {
        assert!(bash.contains(needle));
    }
    let ps = rendered(&plan, Format::Powershell);
    assert!(
        ps.contains("--kube-proxy-config $KUBE_PROXY_CONFIG"),
        "{ps}"
    );
    assert!(
        ps.contains("--set-string ('k8sServiceHost=' + $API_SERVER_FQDN)"),
        "{ps}"
    );
    assert!(ps.contains("$API_SERVER_FQDN = az aks show --resource-group kpr-rg --name kpr-aks --query fqdn --output tsv"), "{ps}");
    assert!(ps.contains("KubeProxyConfigurationPreview"));
    let values = rendered(&plan, Format::CiliumValues);
    assert!(values.contains("\nkubeProxyReplacement: true\n"));
    assert!(values.contains("\nk8sServicePort: 443\n"));
    let t: serde_json::Value = serde_json::from_str(&rendered(&plan, Format::Arm)).unwrap();
    let aks = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
        .unwrap();
    assert_eq!(
        aks["apiVersion"],
        byocni_core::render::AKS_PREVIEW_API_VERSION
    );
    assert_eq!(
        aks["properties"]["networkProfile"]["kubeProxyConfig"],
        serde_json::json!({ "enabled": false })
    );
    let bicep = rendered(&plan, Format::Bicep);
    assert!(bicep.contains("managedClusters@2026-05-02-preview"));
    assert!(bicep.contains("kubeProxyConfig: {\n        enabled: false\n      }"));
    // Without the option nothing of it appears.
    let seed = fixture("seed");
    for f in [
        Format::Bash,
        Format::Powershell,
        Format::Arm,
        Format::Bicep,
        Format::CiliumValues,
    ] {
        let t = rendered(&seed, f);
        for needle in [
            "kube-proxy",
            "kubeProxy",
            "k8sService",
            "preview",
            "API_SERVER_FQDN",
        ] {
            assert!(!t.contains(needle), "{}: {needle}", f.id());
        }
    }
}

#[test]
fn arm_is_json_with_network_plugin_none() {
    for name in FIXTURES {
        let plan = fixture(name);
        let t: serde_json::Value = serde_json::from_str(&rendered(&plan, Format::Arm)).unwrap();
        let aks = t["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
            .unwrap();
        assert!(aks["apiVersion"].as_str().unwrap() >= "2022-06-01");
        assert_eq!(aks["apiVersion"], AKS_API_VERSION);
        let np = &aks["properties"]["networkProfile"];
        assert_eq!(np["networkPlugin"], "none");
        assert_eq!(np["podCidr"].as_str(), plan.pod_cidr.as_deref());
        assert_eq!(np["serviceCidr"], plan.effective_service_cidr());
        assert_eq!(np["dnsServiceIP"], plan.effective_dns_service_ip());
        let pools = aks["properties"]["agentPoolProfiles"].as_array().unwrap();
        assert_eq!(pools.len(), plan.effective_node_pools().len());
        let has_role = t["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "Microsoft.Authorization/roleAssignments");
        assert_eq!(
            has_role,
            plan.vnet.is_some(),
            "{name}: role assignment iff a VNet is planned"
        );
    }
}

#[test]
fn terraform_ignores_the_pod_cidr_drift() {
    for name in FIXTURES {
        let tf = rendered(&fixture(name), Format::Terraform);
        assert!(tf.contains("network_plugin = \"none\""));
        assert!(tf.contains("ignore_changes = [network_profile[0].pod_cidr]"));
        assert_eq!(
            tf.matches('{').count(),
            tf.matches('}').count(),
            "{name}: braces balance"
        );
    }
}

#[test]
fn bicep_has_the_network_profile() {
    let b = rendered(&fixture("seed"), Format::Bicep);
    assert!(b.contains("networkPlugin: 'none'") && b.contains("podCidr: '10.10.0.0/16'"));
    assert!(b.contains(&format!(
        "Microsoft.ContainerService/managedClusters@{AKS_API_VERSION}"
    )));
    assert_eq!(b.matches('{').count(), b.matches('}').count());
}

#[test]
fn cni_values_parse_and_carry_the_pod_cidr() {
    for name in FIXTURES {
        let plan = fixture(name);
        let v: serde_yaml::Value =
            serde_yaml::from_str(&rendered(&plan, Format::CiliumValues)).unwrap();
        assert_eq!(v["aksbyocni"]["enabled"], serde_yaml::Value::Bool(true));
        assert_eq!(v["ipam"]["mode"].as_str(), Some("cluster-pool"));
        assert_eq!(
            v["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"][0].as_str(),
            plan.pod_cidr.as_deref()
        );
        assert_eq!(
            v["ipam"]["operator"]["clusterPoolIPv4MaskSize"].as_u64(),
            Some(u64::from(plan.effective_per_node_prefix()))
        );
        let c: serde_yaml::Value = serde_yaml::from_str(&rendered(&plan, Format::Calico)).unwrap();
        assert_eq!(c["kind"].as_str(), Some("Installation"));
        let pool = &c["spec"]["calicoNetwork"]["ipPools"][0];
        assert_eq!(pool["cidr"].as_str(), plan.pod_cidr.as_deref());
        assert_eq!(pool["encapsulation"].as_str(), Some("VXLAN"));
        assert_eq!(c["spec"]["calicoNetwork"]["bgp"].as_str(), Some("Disabled"));
    }
}

/// The lines of a bash script outside its here-documents.
fn code_lines(bash: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut end: Option<String> = None;
    for line in bash.lines() {
        if let Some(e) = &end {
            if line == e {
                end = None;
            }
            continue;
        }
        if let Some(i) = line.find("<<'") {
            end = Some(line[i + 3..].trim_end_matches('\'').to_owned());
        }
        out.push(line);
    }
    out
}

#[test]
fn bash_is_the_script_steps_and_nothing_else() {
    for name in FIXTURES {
        let plan = fixture(name);
        let bash = rendered(&plan, Format::Bash);
        assert!(bash.starts_with("#!/usr/bin/env bash\n"));
        assert!(bash.contains("\nset -euo pipefail\n"));
        // A command run in the cluster (a private API server) is captured, its answer checked.
        let lines: Vec<&str> = code_lines(&bash)
            .into_iter()
            .map(|l| {
                l.strip_prefix("BYOCNI_RESULT=$(")
                    .and_then(|l| l.strip_suffix(')'))
                    .unwrap_or(l)
            })
            .filter(|l| {
                ["az ", "helm ", "kubectl "]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .collect();
        let steps = script_steps(&plan);
        assert_eq!(lines.len(), steps.len());
        for (line, step) in lines.iter().zip(&steps) {
            let argv = shlex::split(line).unwrap();
            let want: Vec<String> = std::iter::once(step.create.program.name().to_owned())
                .chain(step.create.args.iter().map(|a| match a {
                    Arg::Lit(s) => s.clone(),
                    Arg::Var(v) => format!("${v}"),
                    Arg::LitVar(l, v) => format!("{l}${v}"),
                }))
                .collect();
            assert_eq!(argv, want);
            // Full flag names only: argparse would accept abbreviations, we never emit them.
            for w in &argv {
                if let Some(flag) = w.strip_prefix("--") {
                    assert!(
                        flag.len() > 3 || ["yes", "all", "sku"].contains(&flag),
                        "short flag {w}"
                    );
                }
            }
        }
        assert!(bash.contains("--network-plugin none"));
    }
}

#[test]
fn plans_with_errors_are_refused_unless_forced() {
    let mut plan = fixture("seed");
    plan.pod_cidr = Some("10.0.0.0/16".into());
    // What describes the plan renders anyway, its findings in it.
    for f in DOCUMENTS {
        let text = render(&plan, f, RenderOptions::default()).unwrap();
        if f != Format::RangesCsv {
            assert!(text.contains("overlap"), "{}: {text}", f.id());
            // Not forced, and not said to be.
            assert!(!text.contains("rendered with --force"), "{}", f.id());
        }
        if f == Format::DesignMarkdown {
            assert!(
                text.contains(
                    "# WARNING: byocni check found 1 error(s); fix them before running this:"
                ),
                "{text}"
            );
        }
    }
    for f in code_formats() {
        match render(&plan, f, RenderOptions::default()) {
            Err(RenderError::Findings(v)) => {
                assert!(v.iter().any(|x| x.rule.id() == "pod-cidr-overlap"));
            }
            other => panic!("{}: {other:?}", f.id()),
        }
        let forced = render(&plan, f, RenderOptions { force: true }).unwrap();
        assert!(
            forced.contains("--force"),
            "{}: forced output says so",
            f.id()
        );
        assert!(
            forced.contains("pod-cidr-overlap"),
            "{}: forced output names the findings",
            f.id()
        );
    }
}

/// Hostile names survive a forced rendering as inert data: every bash line splits back into
/// exactly the argv of the steps, and no comment is broken by a newline.
#[test]
fn hostile_names_are_inert() {
    let hostile = [
        "x\"; rm -rf / #",
        "$(reboot)",
        "`id`",
        "a'b",
        "line\nbreak; echo pwned",
        "${HOME}",
        "%{x}",
    ];
    for h in hostile {
        let mut plan = fixture("seed");
        plan.cluster.name = h.into();
        plan.cluster.resource_group = h.into();
        plan.vnet.as_mut().unwrap().subnets[0].name = h.into();
        let bash = render(&plan, Format::Bash, RenderOptions { force: true }).unwrap();
        for line in code_lines(&bash) {
            assert!(
                line.is_empty()
                    || line.starts_with('#')
                    || line.starts_with("az ")
                    || line.starts_with("helm ")
                    || line.starts_with("kubectl ")
                    || line.starts_with("set ")
                    || line.contains("=$(az ")
                    || [
                        "umask 077",
                        "BYOCNI_TMP=$(mktemp -d)",
                        "trap 'rm -rf -- \"$BYOCNI_TMP\" || :' EXIT",
                        "KUBECONFIG_FILE=\"${KUBECONFIG_FILE:-$PWD/kubeconfig}\"",
                        "CILIUM_VALUES=\"$BYOCNI_TMP/cilium-values.yaml\"",
                        "cat >\"$CILIUM_VALUES\" <<'BYOCNI_EOF'",
                    ]
                    .contains(&line),
                "{h:?}: unexpected line {line:?}"
            );
        }
        // bash itself splits each line back into exactly the steps' argv (variables unset).
        let steps: Vec<_> = script_steps(&plan)
            .into_iter()
            .filter(|s| s.create.program == Program::Az)
            .collect();
        let lines: Vec<&str> = code_lines(&bash)
            .into_iter()
            .filter(|l| l.starts_with("az "))
            .collect();
        assert_eq!(lines.len(), steps.len());
        for (line, step) in lines.iter().zip(&steps) {
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf '%s\\0' {}", &line[3..]))
                .env_clear()
                .output()
                .expect("bash runs");
            let argv: Vec<String> = out
                .stdout
                .split(|b| *b == 0)
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            let want: Vec<String> = step
                .create
                .args
                .iter()
                .map(|a| match a {
                    Arg::Lit(s) => s.clone(),
                    Arg::Var(_) | Arg::LitVar(..) => String::new(),
                })
                .chain(std::iter::once(String::new()))
                .collect();
            assert_eq!(argv, want, "{h:?}: {line}");
        }
        let ps = render(&plan, Format::Powershell, RenderOptions { force: true }).unwrap();
        for line in ps.lines().filter(|l| l.starts_with("az ")) {
            // Every user value is single-quoted: no unquoted $ or backtick can expand.
            let mut inside = false;
            for ch in line.chars() {
                if ch == '\'' {
                    inside = !inside;
                } else if !inside {
                    assert!(
                        ch != '`'
                            && !(ch == '$'
                                && !line.contains("$SUBNET_ID")
                                && !line.contains("$IDENTITY")
                                && !line.contains("$KUBECONFIG_FILE")),
                        "{h:?}: {line}"
                    );
                }
            }
        }
        let arm: serde_json::Value = serde_json::from_str(
            &render(&plan, Format::Arm, RenderOptions { force: true }).unwrap(),
        )
        .unwrap();
        assert!(arm["resources"].is_array());
        let tf = render(&plan, Format::Terraform, RenderOptions { force: true }).unwrap();
        let special = h.contains("${") || h.contains("%{") || h.contains(['"', '\n']);
        assert!(
            !special || !tf.contains(&format!("\"{h}\"")),
            "{h:?} unescaped in terraform"
        );
    }
}

/// Rule 23: an explicit `cluster.nodeResourceGroup` reaches every export that creates the
/// cluster; without it (every fixture) nothing changes, as the snapshots show.
#[test]
fn an_explicit_node_resource_group_is_exported() {
    let mut plan = fixture("seed");
    plan.cluster.node_resource_group = Some("seed-nodes".into());
    for (f, want) in [
        (Format::Bash, "--node-resource-group seed-nodes"),
        (Format::Powershell, "--node-resource-group seed-nodes"),
        (Format::Arm, "\"nodeResourceGroup\": \"seed-nodes\""),
        (Format::Bicep, "    nodeResourceGroup: 'seed-nodes'\n"),
        (
            Format::Terraform,
            "  node_resource_group = \"seed-nodes\"\n",
        ),
    ] {
        let text = rendered(&plan, f);
        assert!(text.contains(want), "{}: {want} missing in\n{text}", f.id());
    }
    for name in FIXTURES {
        for f in Format::ALL {
            assert!(!rendered(&fixture(name), f).contains("node-resource-group"));
            assert!(!rendered(&fixture(name), f).contains("nodeResourceGroup"));
        }
    }
}
