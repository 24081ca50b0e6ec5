//! byocni-core: the planner behind `byocni` and the web planner, for AKS clusters created with a
//! bring-your-own CNI (`az aks create --network-plugin none --pod-cidr ...`).
//!
//! The pipeline:
//!
//! ```text
//! JSON ──Plan::from_json──▶ Plan ──check──▶ Report { findings, capacity }
//!                            │
//!                            ├──suggest──▶ Suggestion { plan with gaps filled }
//!                            ├──render───▶ bash | PowerShell | ARM | Bicep | Terraform | CNI values
//!                            └──steps────▶ Vec<Step> (argv lists the CLI's `apply` runs)
//! ```
//!
//! The crate is pure: no file system, environment, network or processes (enforced by
//! `clippy.toml` and by building it for `wasm32-unknown-unknown` in CI), and it never panics on
//! user input: every problem is a [`Finding`] or a typed error.

pub mod check;
pub mod cidr;
pub mod cni_values;
pub mod estate;
pub mod estate_edit;
pub mod estate_suggest;
pub mod estate_table;
pub mod finding;
pub mod locate;
pub mod plan;
pub mod render;
pub mod space;
pub mod steps;
pub mod subnets;
pub mod suggest;
mod text;
pub use text::grouped;

pub use check::{check, check_with, ConnectedIndex, Report};
pub use cidr::{Cidr, CidrError};
pub use finding::{apply_edit, Edit, Finding, Fix, Rule, Severity};
pub use locate::{locate, locate_all, Located, Position};
pub use plan::{Plan, PlanError};
pub use render::{render, Format, RenderError, RenderOptions};
pub use suggest::{suggest, suggest_into, SuggestError, Suggestion};
