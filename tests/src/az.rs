//! The real az CLI, logged out, as a parser: a well-formed command fails with "Please run 'az
//! login'" (exit 1), a malformed one with exit 2. Installed by `scripts/setup.sh` into
//! `$BYOCNI_TOOLS/az-venv`.

use std::path::PathBuf;
use std::process::Command;

use byocni_core::steps::{Arg, Program, Step};

/// Fake values for the variables steps publish, shaped like the real ones.
pub fn fake_var(name: &str) -> String {
    let sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";
    match name {
        "SUBNET_ID" => format!("{sub}/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"),
        "IDENTITY_ID" => format!("{sub}/Microsoft.ManagedIdentity/userAssignedIdentities/id"),
        "IDENTITY_PRINCIPAL_ID" => "11111111-2222-3333-4444-555555555555".into(),
        "APISERVER_SUBNET_ID" => {
            format!("{sub}/Microsoft.Network/virtualNetworks/vnet/subnets/apiserver")
        }
        "ROUTE_TABLE_ID" => format!("{sub}/Microsoft.Network/routeTables/rt"),
        "RESOURCE_ID" => "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-000000000001".into(),
        // An estate's network script looks VNets up by id (VNET_0_ID...).
        v if v.starts_with("VNET_") && v.ends_with("_ID") => {
            format!("{sub}/Microsoft.Network/virtualNetworks/vnet")
        }
        other => format!("/tmp/byocni-test/{}", other.to_lowercase()),
    }
}

/// The real az, or a panic that says how to install it.
pub fn az_binary() -> PathBuf {
    let az = crate::tools_dir().join("az-venv").join("bin").join("az");
    assert!(
        az.exists(),
        "the real az CLI is not installed at {}: run `bash scripts/setup.sh` (it installs azure-cli into a virtualenv)",
        az.display()
    );
    az
}

/// The az argv (without `az`) of every az command in `steps` (show, create and every fix),
/// variables replaced by fakes.
pub fn az_argvs(steps: &[Step]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for s in steps {
        let fixes = s.expect.iter().filter_map(|e| e.fix.as_ref());
        for cmd in s.show.iter().chain(std::iter::once(&s.create)).chain(fixes) {
            if cmd.program == Program::Az {
                out.push(
                    cmd.args
                        .iter()
                        .map(|a| match a {
                            Arg::Lit(l) => l.clone(),
                            Arg::Var(v) => fake_var(v),
                        })
                        .collect(),
                );
            }
        }
    }
    out
}

/// Runs `az ARGV` logged out, in a throwaway config dir and home; returns (exit code, stderr).
pub fn run_logged_out(az: &std::path::Path, argv: &[String]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(az)
        .args(argv)
        .env("AZURE_CONFIG_DIR", dir.path().join("azure"))
        .env("HOME", dir.path())
        .env("AZURE_CORE_COLLECT_TELEMETRY", "no")
        .env("AZURE_CORE_NO_COLOR", "true")
        .env("AZURE_CORE_ONLY_SHOW_ERRORS", "true")
        .output()
        .expect("run az");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// az commands the CLI issues outside the steps (preflight, status), and the per-subscription
/// listing `bench/discover.sh` times as discover's baseline. `az version` and `az account list`
/// need no login, so the logged-out parser check cannot judge them. The commands `discover`
/// runs (`az rest` to Resource Graph) are recorded from real runs and parsed in
/// `tests/discover.rs`.
pub fn extra_commands() -> Vec<Vec<String>> {
    [
        vec!["account", "show", "--output", "json"],
        vec!["network", "vnet", "list", "--output", "json"],
        vec![
            "network",
            "vnet",
            "list",
            "--subscription",
            "00000000-0000-0000-0000-000000000000",
            "--output",
            "json",
        ],
    ]
    .iter()
    .map(|v| v.iter().map(|s| (*s).to_owned()).collect())
    .collect()
}
