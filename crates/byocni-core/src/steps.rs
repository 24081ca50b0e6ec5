//! Provisioning as data: the ordered steps that create (or remove) a plan's resources and install
//! its CNI, each an argv list. The core never runs them: the bash/PowerShell renderers print them
//! and the CLI's `apply` executes them through its runner.
//!
//! OWNER: the render helper fills the step builders; the apply helper consumes them. Keep the
//! types stable; extend them only by adding fields/variants both sides agree on.

use serde::Serialize;

use crate::cni_values::{
    calico_installation, calico_operator_manifests, cilium_values, CALICO_INSTALLATION_FILE,
    CALICO_VERSION, CILIUM_CHART_VERSION, CILIUM_VALUES_FILE,
};
use crate::plan::Plan;

pub mod around;

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
    /// `az network nsg create` (the node subnet's NSG).
    Nsg,
    /// `az network nsg rule create` (a rule the CNI needs between nodes).
    NsgRule,
    /// `az network route-table create` (`userDefinedRouting`).
    RouteTable,
    /// `az network route-table route create` (0.0.0.0/0 to the virtual appliance).
    Route,
    /// `az network public-ip create` (a NAT gateway's outbound IP).
    PublicIp,
    /// `az network nat gateway create` (`userAssignedNATGateway`).
    NatGateway,
    /// An existing resource the plan names, looked up for its id, never created.
    Lookup,
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

/// Network Contributor, the built-in role the cluster identity needs on the node subnet (rule 21).
pub const NETWORK_CONTRIBUTOR: &str = "Network Contributor";

/// Builds argv lists: full flag names only, and `--flag=value` when a value starts with `-`
/// (argparse would read it as a flag otherwise).
#[derive(Debug, Clone)]
struct Cmd(Command);

impl Cmd {
    fn new(program: Program, words: &[&str]) -> Cmd {
        Cmd(Command {
            program,
            args: words.iter().map(|w| Arg::Lit((*w).to_owned())).collect(),
        })
    }
    fn az(words: &[&str]) -> Cmd {
        Cmd::new(Program::Az, words)
    }
    fn word(mut self, w: &str) -> Cmd {
        self.0.args.push(Arg::Lit(w.to_owned()));
        self
    }
    fn flag(mut self, name: &str, value: &str) -> Cmd {
        if value.starts_with('-') {
            self.0.args.push(Arg::Lit(format!("{name}={value}")));
        } else {
            self.0.args.push(Arg::Lit(name.to_owned()));
            self.0.args.push(Arg::Lit(value.to_owned()));
        }
        self
    }
    /// A flag that takes several values (`nargs='+'`): `--flag v1 v2`. A value that starts
    /// with `-` cannot follow the flag as a word (argparse would read it as an option), so each
    /// such value is written `--flag=value` after the others; a plan with one is refused by
    /// check, and a forced rendering must still pass it as a value, never as an option.
    fn flag_values<'a>(mut self, name: &str, values: impl IntoIterator<Item = &'a str>) -> Cmd {
        let (dashed, plain): (Vec<&str>, Vec<&str>) =
            values.into_iter().partition(|v| v.starts_with('-'));
        if !plain.is_empty() || dashed.is_empty() {
            self.0.args.push(Arg::Lit(name.to_owned()));
            self.0
                .args
                .extend(plain.into_iter().map(|v| Arg::Lit(v.to_owned())));
        }
        for v in dashed {
            self.0.args.push(Arg::Lit(format!("{name}={v}")));
        }
        self
    }
    fn var(mut self, name: &str, var: &str) -> Cmd {
        self.0.args.push(Arg::Lit(name.to_owned()));
        self.0.args.push(Arg::Var(var.to_owned()));
        self
    }
    fn json(self) -> Command {
        self.flag("--output", "json").0
    }
    fn done(self) -> Command {
        self.0
    }
}

fn expect(label: &str, pointer: &str, want: impl Into<serde_json::Value>) -> Expect {
    Expect {
        label: label.to_owned(),
        pointer: pointer.to_owned(),
        want: want.into(),
    }
}

fn output(var: &str, pointer: &str) -> Output {
    Output {
        var: var.to_owned(),
        pointer: pointer.to_owned(),
    }
}

/// The identity apply creates for the cluster.
pub fn identity_name(plan: &Plan) -> String {
    format!("{}-identity", plan.cluster.name)
}

/// Looks the cluster up (`az aks show`): used by `status` and as the cluster step's `show`.
pub fn cluster_show(plan: &Plan) -> Command {
    let c = &plan.cluster;
    Cmd::az(&["aks", "show"])
        .flag("--resource-group", &c.resource_group)
        .flag("--name", &c.name)
        .json()
}

/// What the cluster's network profile must say, as checked on an existing cluster.
pub fn cluster_expectations(plan: &Plan) -> Vec<Expect> {
    let mut e = vec![expect(
        "network plugin",
        "/networkProfile/networkPlugin",
        "none",
    )];
    if let Some(pod) = &plan.pod_cidr {
        e.push(expect("pod CIDR", "/networkProfile/podCidr", pod.trim()));
    }
    e.push(expect(
        "service CIDR",
        "/networkProfile/serviceCidr",
        plan.effective_service_cidr().trim(),
    ));
    e.push(expect(
        "DNS service IP",
        "/networkProfile/dnsServiceIp",
        plan.effective_dns_service_ip().trim(),
    ));
    e.extend(around::cluster_expectations(plan));
    e
}

fn step(id: impl Into<String>, kind: StepKind, title: impl Into<String>, create: Command) -> Step {
    Step {
        id: id.into(),
        kind,
        title: title.into(),
        show: None,
        exists: Exists::ShowExit3,
        create,
        expect: Vec::new(),
        outputs: Vec::new(),
        files: Vec::new(),
    }
}

/// The steps that create the plan's resources, in order: resource group, VNet, subnets,
/// identity, Network Contributor on the node subnet, cluster, extra node pools.
///
/// Without a planned VNet only the group and the cluster are made (AKS creates a managed VNet),
/// as in the seed article.
pub fn provision_steps(plan: &Plan) -> Vec<Step> {
    let c = &plan.cluster;
    let rg = c.resource_group.as_str();
    let mut steps = Vec::new();

    let mut s = step(
        "resource-group",
        StepKind::ResourceGroup,
        format!("Create resource group {rg} in {}", c.location),
        Cmd::az(&["group", "create"])
            .flag("--name", rg)
            .flag("--location", &c.location)
            .json(),
    );
    s.show = Some(Cmd::az(&["group", "show"]).flag("--name", rg).json());
    steps.push(s);

    let pools = plan.effective_node_pools();
    let mut node_subnet_var = None;
    if let Some(v) = &plan.vnet {
        let create = Cmd::az(&["network", "vnet", "create"])
            .flag("--resource-group", rg)
            .flag("--name", &v.name)
            .flag("--location", &c.location)
            .flag_values(
                "--address-prefixes",
                v.address_space.iter().map(|p| p.trim()),
            );
        let mut s = step(
            "vnet",
            StepKind::Vnet,
            format!("Create VNet {} ({})", v.name, v.address_space.join(", ")),
            create.json(),
        );
        s.show = Some(
            Cmd::az(&["network", "vnet", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &v.name)
                .json(),
        );
        s.expect.push(expect(
            "VNet address prefixes",
            "/addressSpace/addressPrefixes",
            v.address_space
                .iter()
                .map(|t| t.trim().to_owned())
                .collect::<Vec<_>>(),
        ));
        steps.push(s);
        steps.extend(around::network_steps(plan));
        let node_ix = v.node_subnet_index();
        for (i, sub) in v.subnets.iter().enumerate() {
            let create = Cmd::az(&["network", "vnet", "subnet", "create"])
                .flag("--resource-group", rg)
                .flag("--vnet-name", &v.name)
                .flag("--name", &sub.name)
                .flag("--address-prefixes", sub.cidr.trim());
            let mut s = step(
                format!("subnet:{}", sub.name),
                StepKind::Subnet,
                format!("Create subnet {} ({})", sub.name, sub.cidr),
                around::subnet_flags(plan, i, create).json(),
            );
            s.show = Some(
                Cmd::az(&["network", "vnet", "subnet", "show"])
                    .flag("--resource-group", rg)
                    .flag("--vnet-name", &v.name)
                    .flag("--name", &sub.name)
                    .json(),
            );
            s.expect.push(expect(
                "subnet address prefix",
                "/addressPrefix",
                sub.cidr.trim(),
            ));
            if Some(i) == node_ix {
                s.outputs.push(output("SUBNET_ID", "/id"));
                node_subnet_var = Some("SUBNET_ID");
            } else if around::is_api_server_subnet(plan, i) {
                s.outputs.push(output(around::APISERVER_SUBNET_ID, "/id"));
            }
            steps.push(s);
        }
        if node_subnet_var.is_some() {
            let id = identity_name(plan);
            let mut s = step(
                "identity",
                StepKind::Identity,
                format!("Create managed identity {id}"),
                Cmd::az(&["identity", "create"])
                    .flag("--resource-group", rg)
                    .flag("--name", &id)
                    .flag("--location", &c.location)
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["identity", "show"])
                    .flag("--resource-group", rg)
                    .flag("--name", &id)
                    .json(),
            );
            s.outputs.push(output("IDENTITY_ID", "/id"));
            s.outputs
                .push(output("IDENTITY_PRINCIPAL_ID", "/principalId"));
            steps.push(s);

            let mut s = step(
                "role-assignment",
                StepKind::RoleAssignment,
                format!("Grant {id} {NETWORK_CONTRIBUTOR} on the node subnet"),
                Cmd::az(&["role", "assignment", "create"])
                    .var("--assignee-object-id", "IDENTITY_PRINCIPAL_ID")
                    .flag("--assignee-principal-type", "ServicePrincipal")
                    .flag("--role", NETWORK_CONTRIBUTOR)
                    .var("--scope", "SUBNET_ID")
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["role", "assignment", "list"])
                    .var("--assignee-object-id", "IDENTITY_PRINCIPAL_ID")
                    .flag("--role", NETWORK_CONTRIBUTOR)
                    .var("--scope", "SUBNET_ID")
                    .json(),
            );
            s.exists = Exists::NonEmptyList;
            steps.push(s);
            steps.extend(around::role_steps(plan, &id));
        }
    }

    let first = pools
        .first()
        .cloned()
        .unwrap_or_else(crate::plan::NodePool::default_pool);
    let mut create = Cmd::az(&["aks", "create"])
        .flag("--resource-group", rg)
        .flag("--name", &c.name)
        .flag("--location", &c.location)
        .flag("--dns-name-prefix", &plan.effective_dns_prefix())
        .flag("--network-plugin", "none");
    if let Some(g) = &c.node_resource_group {
        create = create.flag("--node-resource-group", g);
    }
    if let Some(pod) = plan
        .pod_cidr
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        create = create.flag("--pod-cidr", pod);
    }
    create = create
        .flag("--service-cidr", plan.effective_service_cidr().trim())
        .flag("--dns-service-ip", plan.effective_dns_service_ip().trim());
    if node_subnet_var.is_some() {
        create = create
            .var("--vnet-subnet-id", "SUBNET_ID")
            .var("--assign-identity", "IDENTITY_ID");
    }
    create = around::cluster_flags(plan, create);
    create = create
        .flag("--nodepool-name", &first.name)
        .flag("--node-count", &first.count.to_string())
        .flag("--max-pods", &first.effective_max_pods().to_string())
        .flag("--node-vm-size", first.effective_vm_size());
    if let Some(max) = first.max_count {
        create = create
            .word("--enable-cluster-autoscaler")
            .flag("--min-count", &first.count.to_string())
            .flag("--max-count", &max.to_string());
    }
    let mut s = step(
        "cluster",
        StepKind::Cluster,
        format!("Create AKS cluster {} (--network-plugin none)", c.name),
        create.word("--generate-ssh-keys").json(),
    );
    s.show = Some(cluster_show(plan));
    s.expect = cluster_expectations(plan);
    steps.push(s);

    // `az aks create` has no --max-surge: the first pool's surge is set right after.
    if let Some(surge) = first.max_surge.as_deref() {
        steps.push(step(
            format!("surge:{}", first.name),
            StepKind::Cluster,
            format!("Set max surge {surge} on node pool {}", first.name),
            Cmd::az(&["aks", "nodepool", "update"])
                .flag("--resource-group", rg)
                .flag("--cluster-name", &c.name)
                .flag("--name", &first.name)
                .flag("--max-surge", surge.trim())
                .json(),
        ));
    }
    for p in pools.iter().skip(1) {
        let mut add = Cmd::az(&["aks", "nodepool", "add"])
            .flag("--resource-group", rg)
            .flag("--cluster-name", &c.name)
            .flag("--name", &p.name)
            .flag(
                "--mode",
                if p.mode == crate::plan::PoolMode::System {
                    "System"
                } else {
                    "User"
                },
            )
            .flag("--node-count", &p.count.to_string())
            .flag("--max-pods", &p.effective_max_pods().to_string())
            .flag("--node-vm-size", p.effective_vm_size())
            .flag("--max-surge", p.effective_max_surge().trim());
        if node_subnet_var.is_some() {
            add = add.var("--vnet-subnet-id", "SUBNET_ID");
        }
        if let Some(max) = p.max_count {
            add = add
                .word("--enable-cluster-autoscaler")
                .flag("--min-count", &p.count.to_string())
                .flag("--max-count", &max.to_string());
        }
        let mut s = step(
            format!("nodepool:{}", p.name),
            StepKind::Cluster,
            format!("Add node pool {} ({} nodes)", p.name, p.count),
            add.json(),
        );
        s.show = Some(
            Cmd::az(&["aks", "nodepool", "show"])
                .flag("--resource-group", rg)
                .flag("--cluster-name", &c.name)
                .flag("--name", &p.name)
                .json(),
        );
        s.expect
            .push(expect("max pods", "/maxPods", p.effective_max_pods()));
        steps.push(s);
    }
    steps
}

/// The steps that remove what apply created, in order: cluster, identity, VNet (its subnets and
/// their role assignments go with it), and the group last. Each step's `show` tells whether there
/// is anything to remove; the caller keeps only the steps for resources apply created.
pub fn destroy_steps(plan: &Plan) -> Vec<Step> {
    let c = &plan.cluster;
    let rg = c.resource_group.as_str();
    let mut steps = Vec::new();
    let mut s = step(
        "cluster",
        StepKind::Cluster,
        format!("Delete AKS cluster {}", c.name),
        Cmd::az(&["aks", "delete"])
            .flag("--resource-group", rg)
            .flag("--name", &c.name)
            .word("--yes")
            .done(),
    );
    s.show = Some(cluster_show(plan));
    steps.push(s);
    if let Some(v) = &plan.vnet {
        let id = identity_name(plan);
        let mut s = step(
            "identity",
            StepKind::Identity,
            format!("Delete managed identity {id}"),
            Cmd::az(&["identity", "delete"])
                .flag("--resource-group", rg)
                .flag("--name", &id)
                .done(),
        );
        s.show = Some(
            Cmd::az(&["identity", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &id)
                .json(),
        );
        steps.push(s);
        let mut s = step(
            "vnet",
            StepKind::Vnet,
            format!("Delete VNet {} and its subnets", v.name),
            Cmd::az(&["network", "vnet", "delete"])
                .flag("--resource-group", rg)
                .flag("--name", &v.name)
                .done(),
        );
        s.show = Some(
            Cmd::az(&["network", "vnet", "show"])
                .flag("--resource-group", rg)
                .flag("--name", &v.name)
                .json(),
        );
        steps.push(s);
    }
    let mut s = step(
        "resource-group",
        StepKind::ResourceGroup,
        format!("Delete resource group {rg}"),
        Cmd::az(&["group", "delete"])
            .flag("--name", rg)
            .word("--yes")
            .done(),
    );
    s.show = Some(Cmd::az(&["group", "show"]).flag("--name", rg).json());
    steps.push(s);
    steps
}

/// The steps that fetch credentials into `kubeconfig` and install the plan's CNI with the values
/// the renderers produce. Empty for Flannel and `other`, which byocni does not install.
pub fn cni_steps(plan: &Plan, kubeconfig: &str) -> Vec<Step> {
    use crate::plan::CniPlugin;
    let c = &plan.cluster;
    let install: Vec<Step> = match plan.cni.plugin {
        CniPlugin::Cilium => {
            let repo = step(
                "cni:helm-repo",
                StepKind::Cni,
                "Add the Cilium Helm repository",
                Cmd::new(
                    Program::Helm,
                    &[
                        "repo",
                        "add",
                        "cilium",
                        "https://helm.cilium.io/",
                        "--force-update",
                    ],
                )
                .done(),
            );
            let mut s = step(
                "cni:cilium",
                StepKind::Cni,
                format!(
                    "Install Cilium {CILIUM_CHART_VERSION} with pod CIDR {}",
                    plan.pod_cidr.as_deref().unwrap_or("?")
                ),
                Cmd::new(
                    Program::Helm,
                    &["upgrade", "--install", "cilium", "cilium/cilium"],
                )
                .flag("--version", CILIUM_CHART_VERSION)
                .flag("--namespace", "kube-system")
                .flag("--kubeconfig", kubeconfig)
                .var("--values", "CILIUM_VALUES")
                .done(),
            );
            s.files.push(StepFile {
                var: "CILIUM_VALUES".into(),
                name: CILIUM_VALUES_FILE.into(),
                contents: cilium_values(plan),
            });
            vec![repo, s]
        }
        CniPlugin::Calico => {
            let operator = step(
                "cni:tigera-operator",
                StepKind::Cni,
                format!("Install the Tigera operator {CALICO_VERSION}"),
                calico_operator_manifests()
                    .iter()
                    .fold(
                        Cmd::new(
                            Program::Kubectl,
                            &["apply", "--server-side", "--force-conflicts"],
                        )
                        .flag("--kubeconfig", kubeconfig),
                        |cmd, m| cmd.flag("--filename", m),
                    )
                    .done(),
            );
            let mut s = step(
                "cni:calico",
                StepKind::Cni,
                format!(
                    "Create the Calico Installation with pod CIDR {}",
                    plan.pod_cidr.as_deref().unwrap_or("?")
                ),
                Cmd::new(Program::Kubectl, &["apply"])
                    .flag("--kubeconfig", kubeconfig)
                    .var("--filename", "CALICO_INSTALLATION")
                    .done(),
            );
            s.files.push(StepFile {
                var: "CALICO_INSTALLATION".into(),
                name: CALICO_INSTALLATION_FILE.into(),
                contents: calico_installation(plan),
            });
            vec![operator, s]
        }
        CniPlugin::Flannel | CniPlugin::Other => return Vec::new(),
    };
    let creds = step(
        "credentials",
        StepKind::Credentials,
        format!("Get credentials for {} into {kubeconfig}", c.name),
        Cmd::az(&["aks", "get-credentials"])
            .flag("--resource-group", &c.resource_group)
            .flag("--name", &c.name)
            .flag("--file", kubeconfig)
            .word("--overwrite-existing")
            .done(),
    );
    std::iter::once(creds).chain(install).collect()
}
