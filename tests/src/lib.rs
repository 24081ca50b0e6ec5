//! Shared helpers for byocni's end-to-end tests: where the binaries, fixtures and tools are.
//!
//! Each area of the suite has a module of its own under `src/` (helpers) and one under the
//! test binary (`e2e.rs`'s modules).

pub mod az;
pub mod fuzz;
pub mod resource_graph;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

/// A fixture file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests").join("fixtures").join(name)
}

/// Generated files that the tests keep current (`docs/rules.md`, `docs/plan.schema.json`): with
/// `BYOCNI_BLESS=1` in the environment, writes `text` to `path` before the test compares them.
pub fn bless(path: &Path, text: &str) {
    if std::env::var_os("BYOCNI_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// The `byocni` binary of this build (built on demand when the tests run alone).
pub fn byocni_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/e2e-xxxx -> target/<profile>/byocni
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join(format!("byocni{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "byocni-cli", "--bin", "byocni"])
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p byocni-cli failed");
    }
    bin
}

/// Where `scripts/setup.sh` installs tools (`$BYOCNI_TOOLS`, default `~/.cache/byocni`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("BYOCNI_TOOLS").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                .join(".cache")
                .join("byocni")
        },
        PathBuf::from,
    )
}

/// Issue 13's blue/green fixture with blue on a VNet that is not a new one of its own group
/// and region, by name: `on-hub` (blue on a new subnet `blue-nodes` 10.0.2.0/23 of the existing
/// hub, net-rg), `other-group` (blue's new VNet aks-blue in resource group net-blue-rg, in
/// northeurope) and `shared` (a second new cluster, teal, in blue-rg on its own node subnet of
/// aks-blue).
pub fn foreign_vnet_estates() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("estate-bluegreen.json")).expect("fixture"),
    )
    .expect("fixture JSON");
    let mut on_hub = base.clone();
    on_hub["vnets"][0]["subnets"]
        .as_array_mut()
        .expect("hub subnets")
        .push(json!({ "name": "blue-nodes", "cidr": "10.0.2.0/23", "role": "nodes" }));
    on_hub["clusters"][1]["nodeSubnet"] = json!("hub/blue-nodes");
    let mut other = base.clone();
    other["vnets"][2]["resourceGroup"] = json!("net-blue-rg");
    other["vnets"][2]["location"] = json!("northeurope");
    let mut shared = base;
    shared["vnets"][2]["subnets"]
        .as_array_mut()
        .expect("aks-blue subnets")
        .push(json!({ "name": "teal-nodes", "cidr": "10.224.16.0/20", "role": "nodes" }));
    let mut teal = shared["clusters"][1].clone();
    teal["name"] = json!("teal");
    teal["dnsPrefix"] = json!("teal");
    teal["nodeSubnet"] = json!("aks-blue/teal-nodes");
    teal["podCidr"] = json!("10.101.0.0/16");
    shared["clusters"]
        .as_array_mut()
        .expect("clusters")
        .push(teal);
    vec![
        ("on-hub", on_hub),
        ("other-group", other),
        ("shared", shared),
    ]
}
