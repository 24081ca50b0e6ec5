//! Provisioning as data: the ordered steps that create (or remove) a plan's resources and install
//! its CNI, each an argv list. The core never runs them: the bash/PowerShell renderers print them
//! and the CLI's `apply` executes them through its runner.
//!
//! OWNER: the render helper fills the step builders; the apply helper consumes them. Keep the
//! types stable; extend them only by adding fields/variants both sides agree on.

use serde::Serialize;

use crate::plan::Plan;

/// The program a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Program {
    /// The Azure CLI.
    Az,
    /// kubectl.
    Kubectl,
    /// helm.
    Helm,
}

impl Program {
    /// The executable name.
    pub fn name(self) -> &'static str {
        match self {
            Program::Az => "az",
            Program::Kubectl => "kubectl",
            Program::Helm => "helm",
        }
    }
}

/// One argument: literal text, or a value captured from an earlier step's output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Arg {
    /// Literal text, passed as one argv element.
    Lit(String),
    /// The value of a variable set by an earlier step's [`Output`] or [`StepFile`]
    /// (bash renders it as `"$NAME"`).
    Var(String),
}

/// A command: a program and its argv (never a shell string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Command {
    /// What runs.
    pub program: Program,
    /// Arguments after the program name.
    pub args: Vec<Arg>,
}

/// How a step's `show` command tells that the resource exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Exists {
    /// Exit 0 with a JSON object: exists; exit 3: missing (az `show`).
    ShowExit3,
    /// Exit 0 with a JSON array: exists when non-empty (az `list`).
    NonEmptyList,
}

/// A setting the existing resource must have; a mismatch is drift and stops the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    /// What it is, for the message ("subnet address prefix").
    pub label: String,
    /// JSON pointer (RFC 6901) into the `show` output.
    pub pointer: String,
    /// The value the plan wants.
    pub want: serde_json::Value,
}

/// A value a step publishes for later steps: taken from the JSON that `show` (or `create`)
/// prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Variable name (`SUBNET_ID`).
    pub var: String,
    /// JSON pointer into the output (`/id`).
    pub pointer: String,
}

/// A file a step needs (Helm values, a Calico manifest); the runner writes it and sets `var` to
/// its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepFile {
    /// Variable that holds the path.
    pub var: String,
    /// Suggested file name.
    pub name: String,
    /// Contents.
    pub contents: String,
}

/// What kind of thing a step makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// `az group create`.
    ResourceGroup,
    /// `az network vnet create`.
    Vnet,
    /// `az network vnet subnet create`.
    Subnet,
    /// `az identity create`.
    Identity,
    /// `az role assignment create`.
    RoleAssignment,
    /// `az aks create`.
    Cluster,
    /// `az aks get-credentials`.
    Credentials,
    /// Installing the CNI (helm / kubectl apply).
    Cni,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable id, unique in a run, used by the journal (`resource-group`, `subnet:nodes`).
    pub id: String,
    /// What it makes.
    pub kind: StepKind,
    /// A sentence for progress lines ("Create subnet nodes (10.224.0.0/16)").
    pub title: String,
    /// Looks the resource up; `None` when the step is always run.
    pub show: Option<Command>,
    /// How `show` tells existence.
    pub exists: Exists,
    /// Makes the resource.
    pub create: Command,
    /// Settings an existing resource must have.
    pub expect: Vec<Expect>,
    /// Values published for later steps.
    pub outputs: Vec<Output>,
    /// Files to write before the step runs.
    pub files: Vec<StepFile>,
}

/// The steps that create the plan's resources, in order: group, VNet, subnets, identity, role
/// assignment, cluster.
pub fn provision_steps(_plan: &Plan) -> Vec<Step> {
    Vec::new()
}

/// The steps that remove what apply created, in order: cluster, role assignment, identity,
/// VNet, and the group last (the caller drops it when apply did not create it).
pub fn destroy_steps(_plan: &Plan) -> Vec<Step> {
    Vec::new()
}

/// The steps that fetch credentials into `kubeconfig` and install the plan's CNI.
pub fn cni_steps(_plan: &Plan, _kubeconfig: &str) -> Vec<Step> {
    Vec::new()
}
