//! Item 5 of issue 11: the Terraform export passes `terraform fmt -check`, as users' CI runs it.

use std::io::Write as _;
use std::process::{Command, Stdio};

use byocni_core::render::Format;

use crate::{fixtures, forced, gen, tool};

/// `terraform fmt -check -` on `text`: `None` when formatted, else terraform's diff.
pub(crate) fn fmt_diff(terraform: &std::path::Path, text: &str) -> Option<String> {
    let mut child = Command::new(terraform)
        .args(["fmt", "-check", "-diff", "-"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        None
    } else {
        Some(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The terraform binary, or `None` with a note on stderr (the check is skipped, not failed).
pub(crate) fn terraform() -> Option<std::path::PathBuf> {
    let t = tool("terraform", &["/usr/local/bin/terraform"]);
    if t.is_none() {
        eprintln!("note: terraform not found (/usr/local/bin/terraform, PATH): `terraform fmt -check` not run");
    }
    t
}

#[test]
fn every_fixture_and_sampled_plan_passes_terraform_fmt_check() {
    let Some(terraform) = terraform() else {
        return;
    };
    let plans = fixtures().into_iter().chain(
        gen::sample(48)
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("generated #{i}"), p)),
    );
    for (name, plan) in plans {
        let tf = forced(&plan, Format::Terraform);
        if let Some(diff) = fmt_diff(&terraform, &tf) {
            panic!(
                "{name}: terraform fmt -check fails:\n{diff}\nplan: {}",
                plan.to_json()
            );
        }
    }
}

/// The two layouts the issue found: `default_node_pool` lines after `vnet_subnet_id` out of line,
/// extra pools' attributes indented 4 instead of 2.
#[test]
fn pool_attributes_are_aligned_and_indented_like_terraform_fmt() {
    let (_, seed) = fixtures().into_iter().find(|(n, _)| n == "seed").unwrap();
    let tf = forced(&seed, Format::Terraform);
    assert!(tf.contains("\n    max_pods             = 250\n    vnet_subnet_id       = "));
    let (_, hub) = fixtures()
        .into_iter()
        .find(|(n, _)| n == "calico-hub")
        .unwrap();
    let tf = forced(&hub, Format::Terraform);
    let pool = &tf[tf
        .find("resource \"azurerm_kubernetes_cluster_node_pool\"")
        .unwrap()..];
    assert!(pool.contains("\n  vnet_subnet_id        = azurerm_subnet.snet_nodes_1.id\n"));
    assert!(pool.contains("\n  upgrade_settings {\n    max_surge = \"20%\"\n  }\n}"));
}

/// Hostile names (quotes, `${`, `%{`, line breaks of every kind, control characters) stay
/// inside HCL strings that terraform itself reads, formatted.
#[test]
fn hostile_names_still_pass_terraform_fmt_check() {
    let Some(terraform) = terraform() else {
        return;
    };
    for h in crate::injection::HOSTILE {
        let (plan, _) = crate::injection::pair(h, byocni_core::plan::CniPlugin::Cilium);
        let tf = forced(&plan, Format::Terraform);
        if let Some(diff) = fmt_diff(&terraform, &tf) {
            panic!("{h:?}: terraform fmt -check fails:\n{diff}\n{tf}");
        }
    }
}
