//! The exports checked by the tools and references their users rely on: `terraform fmt`,
//! parsers of every target language fed hostile names (no injection), and the official schemas
//! in `../shared/iac-refs/` (ARM, azurerm v4, the Cilium chart, the Calico `Installation` CRD);
//! the design document, map and ranges read back by Markdown, HTML and XML readers.
//! Every fixture and a property-test sample of generated plans go through each check.

// The tests (not the crate) read reference files and run terraform, bash and shellcheck.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod documents;
mod estate_network;
mod estate_placed;
mod gen;
mod injection;
mod references;
mod terraform_fmt;

use std::path::{Path, PathBuf};

use byocni_core::estate::PlanFile;
use byocni_core::render::{render, Format, RenderOptions};
use byocni_core::Plan;

/// The workspace root (two levels above this crate).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every plan in `tests/fixtures/`, by file stem, in name order; an estate's new clusters as
/// their projections.
fn fixtures() -> Vec<(String, Plan)> {
    let dir = workspace_root().join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
        .into_iter()
        .flat_map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            // A version 2 estate: each new cluster's projection, named `estate.cluster`.
            let file = PlanFile::from_json(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            match file {
                PlanFile::V1(plan) => vec![(name, plan)],
                PlanFile::V2(estate) => (0..estate.clusters.len())
                    .filter(|&i| !estate.clusters[i].existing)
                    .map(|i| {
                        (
                            format!("{name}.{}", estate.clusters[i].name),
                            estate.project(i).unwrap(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A rendering, forced: plans with errors (a fixture, generated plans) render too.
fn forced(plan: &Plan, format: Format) -> String {
    render(plan, format, RenderOptions { force: true }).expect("forced rendering never refuses")
}

/// The Terraform rendering, forced; `None` for a plan without kube-proxy, which Terraform
/// refuses even forced (azurerm has no argument for it), and only that one.
fn forced_terraform(plan: &Plan) -> Option<String> {
    match render(plan, Format::Terraform, RenderOptions { force: true }) {
        Ok(t) => {
            assert!(
                plan.cni.kube_proxy,
                "Terraform rendered a kube-proxy-free plan"
            );
            Some(t)
        }
        Err(byocni_core::RenderError::Unsupported(why)) if !plan.cni.kube_proxy => {
            assert!(why.contains("cni.kubeProxy"), "{why}");
            None
        }
        Err(e) => panic!("forced Terraform refused: {e}"),
    }
}

/// A program on the `PATH` or at a fixed place, if there.
fn tool(name: &str, fixed: &[&str]) -> Option<PathBuf> {
    fixed
        .iter()
        .map(PathBuf::from)
        .chain(std::env::var_os("PATH").map_or_else(Vec::new, |p| {
            std::env::split_paths(&p).map(|d| d.join(name)).collect()
        }))
        .find(|p| p.is_file())
}
