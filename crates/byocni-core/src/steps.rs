//! Provisioning as data: the ordered steps that create (or remove) a plan's resources and install
//! its CNI, each an argv list. The core never runs them: the bash/PowerShell renderers print them
//! and the CLI's `apply` executes them through its runner.
//!
//! OWNER: the render helper fills the step builders; the apply helper consumes them. Keep the
//! types stable; extend them only by adding fields/variants both sides agree on.

use serde::Serialize;

use crate::cni_values::{
    calico_installation, calico_operator_manifests, cilium_values, CALICO_INSTALLATION_FILE,
    CALICO_VERSION, CILIUM_CHART_VERSION, CILIUM_VALUES_FILE, K8S_SERVICE_HOST,
};
use crate::plan::Plan;

pub mod around;
pub mod estate;

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
    /// Literal text followed by a variable's value, as one argv element: `k8sServiceHost=` and
    /// `API_SERVER_FQDN` (bash renders it as `'k8sServiceHost='"$API_SERVER_FQDN"`, PowerShell
    /// as `('k8sServiceHost=' + $API_SERVER_FQDN)`).
    LitVar(String, String),
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

/// A setting the existing resource must have. A mismatch is drift: it stops the run, unless
/// the setting can change in place (`fix`), in which case the fix is run instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    /// What it is, for the message ("subnet address prefix").
    pub label: String,
    /// JSON pointer (RFC 6901) into the `show` output.
    pub pointer: String,
    /// The value the plan wants.
    pub want: serde_json::Value,
    /// The command that brings an existing resource to the wanted value (`az aks nodepool
    /// update --max-surge ...`); `None` when the setting cannot change in place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Command>,
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
    /// `az network vnet peering create` (one direction of an estate's peering; takes no tags).
    Peering,
    /// `az aks create`.
    Cluster,
    /// A node pool: the first one's settings (`az aks nodepool update`) or an added one.
    NodePool,
    /// `az aks get-credentials`.
    Credentials,
    /// Installing the CNI (helm / kubectl apply).
    Cni,
}

impl StepKind {
    /// Whether Azure lets the resource carry tags (subnets and role assignments cannot).
    pub fn taggable(self) -> bool {
        matches!(
            self,
            StepKind::ResourceGroup
                | StepKind::Vnet
                | StepKind::Identity
                | StepKind::Cluster
                | StepKind::NodePool
                | StepKind::Nsg
                | StepKind::RouteTable
                | StepKind::PublicIp
                | StepKind::NatGateway
        )
    }
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
    /// The resource's id below `/subscriptions/<id>/` (`resourceGroups/rg/providers/...`), known
    /// before it is created; `None` when Azure chooses it (a role assignment's GUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Whether an exported script creates it only when missing: it looks the resource up with
    /// `show` first, stops when it exists with other `expect`ed values, and keeps it when they
    /// agree. Set on an estate cluster's steps on a VNet that is not its own new VNet (an
    /// existing VNet's subnets; a new VNet in another resource group, or shared by several new
    /// clusters, and that group): a script must never PUT over what may be there (a subnet
    /// PUT drops its NSG and route-table associations). `byocni apply` looks every resource
    /// up first anyway.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only_if_missing: bool,
}

/// The tag that marks a resource byocni created (`byocni=managed`).
pub const TAG_MANAGED: &str = "byocni";
/// The tag that names the plan a resource belongs to (`byocni-plan=<plan id>`).
pub const TAG_PLAN: &str = "byocni-plan";

/// The plan's id: stable for a plan, derived from the cluster and its resource group (Azure
/// names are case-insensitive, so lowercased). A plan whose names change is another plan.
pub fn plan_id(plan: &Plan) -> String {
    format!(
        "{}.{}",
        plan.cluster.name.trim(),
        plan.cluster.resource_group.trim()
    )
    .to_lowercase()
}

/// The `--tags` words every resource apply creates carries.
pub fn tag_words(plan: &Plan) -> [String; 2] {
    [
        format!("{TAG_MANAGED}=managed"),
        format!("{TAG_PLAN}={}", plan_id(plan)),
    ]
}

/// `az aks create`'s flag (from the aks-preview extension) that takes a kube-proxy
/// configuration file.
pub const KUBE_PROXY_CONFIG_FLAG: &str = "--kube-proxy-config";
/// The variable that holds the kube-proxy configuration file's path.
pub const KUBE_PROXY_CONFIG_VAR: &str = "KUBE_PROXY_CONFIG";
/// The kube-proxy configuration file's name.
pub const KUBE_PROXY_CONFIG_FILE: &str = "kube-proxy.json";
/// Its contents: kube-proxy disabled (Microsoft Learn, "Configure kube-proxy in AKS (preview)").
pub const KUBE_PROXY_DISABLED: &str = "{\"enabled\": false}\n";
/// The variable that holds the cluster's API server FQDN (Cilium's `k8sServiceHost`).
pub const API_SERVER_FQDN_VAR: &str = "API_SERVER_FQDN";

/// Where `az aks show` puts the API server's host name that Cilium must use without kube-proxy
/// (domain rule 28): `/fqdn`, or `/privateFqdn` for a private API server (`apiServer.private`),
/// whose public FQDN nodes cannot use.
pub fn api_server_fqdn_pointer(plan: &Plan) -> &'static str {
    if plan.is_private_cluster() {
        "/privateFqdn"
    } else {
        "/fqdn"
    }
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
    fn tags(mut self, plan: &Plan) -> Cmd {
        self.0.args.push(Arg::Lit("--tags".to_owned()));
        for t in tag_words(plan) {
            self.0.args.push(Arg::Lit(t));
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
        fix: None,
    }
}

fn changeable(
    label: &str,
    pointer: &str,
    want: impl Into<serde_json::Value>,
    fix: Command,
) -> Expect {
    Expect {
        fix: Some(fix),
        ..expect(label, pointer, want)
    }
}

/// A resource id below the subscription.
fn rid(rg: &str, provider: &str) -> String {
    if provider.is_empty() {
        format!("resourceGroups/{rg}")
    } else {
        format!("resourceGroups/{rg}/providers/{provider}")
    }
}

/// What a node pool must look like: the settings that can change in place (max surge, node
/// count, autoscaler bounds) with the command that changes each, and max pods, which cannot.
fn pool_expectations(plan: &Plan, p: &crate::plan::NodePool) -> Vec<Expect> {
    let c = &plan.cluster;
    let update = || {
        Cmd::az(&["aks", "nodepool", "update"])
            .flag("--resource-group", &c.resource_group)
            .flag("--cluster-name", &c.name)
            .flag("--name", &p.name)
    };
    let surge = p.effective_max_surge().trim();
    let mut e = vec![changeable(
        "max surge",
        "/upgradeSettings/maxSurge",
        surge,
        update().flag("--max-surge", surge).json(),
    )];
    match p.max_count {
        Some(max) => {
            let bounds = |c: Cmd| {
                c.flag("--min-count", &p.count.to_string())
                    .flag("--max-count", &max.to_string())
                    .json()
            };
            e.push(changeable(
                "cluster autoscaler",
                "/enableAutoScaling",
                true,
                bounds(update().word("--enable-cluster-autoscaler")),
            ));
            let adjust = bounds(update().word("--update-cluster-autoscaler"));
            e.push(changeable(
                "autoscaler min count",
                "/minCount",
                p.count,
                adjust.clone(),
            ));
            e.push(changeable("autoscaler max count", "/maxCount", max, adjust));
        }
        None => e.push(changeable(
            "node count",
            "/count",
            p.count,
            Cmd::az(&["aks", "nodepool", "scale"])
                .flag("--resource-group", &c.resource_group)
                .flag("--cluster-name", &c.name)
                .flag("--name", &p.name)
                .flag("--node-count", &p.count.to_string())
                .json(),
        )),
    }
    e.push(expect("max pods", "/maxPods", p.effective_max_pods()));
    e
}

fn nodepool_show(plan: &Plan, name: &str) -> Command {
    let c = &plan.cluster;
    Cmd::az(&["aks", "nodepool", "show"])
        .flag("--resource-group", &c.resource_group)
        .flag("--cluster-name", &c.name)
        .flag("--name", name)
        .json()
}

/// Lists the resources in the plan's resource group (`az resource list`): destroy deletes a
/// group it created only when nothing but this plan's resources is left in it.
pub fn group_resources(plan: &Plan) -> Command {
    Cmd::az(&["resource", "list"])
        .flag("--resource-group", &plan.cluster.resource_group)
        .json()
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
    if !plan.cni.kube_proxy {
        // A cluster that runs kube-proxy next to a Cilium told to replace it is not the plan;
        // byocni does not switch kube-proxy off on an existing cluster.
        e.push(expect(
            "kube-proxy enabled",
            "/networkProfile/kubeProxyConfig/enabled",
            false,
        ));
    }
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
        resource: None,
        only_if_missing: false,
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
            .tags(plan)
            .json(),
    );
    s.show = Some(Cmd::az(&["group", "show"]).flag("--name", rg).json());
    s.resource = Some(rid(rg, ""));
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
            )
            .tags(plan);
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
        s.resource = Some(rid(
            rg,
            &format!("Microsoft.Network/virtualNetworks/{}", v.name),
        ));
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
            s.resource = Some(rid(
                rg,
                &format!(
                    "Microsoft.Network/virtualNetworks/{}/subnets/{}",
                    v.name, sub.name
                ),
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
                    .tags(plan)
                    .json(),
            );
            s.resource = Some(rid(
                rg,
                &format!("Microsoft.ManagedIdentity/userAssignedIdentities/{id}"),
            ));
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
    if !plan.cni.kube_proxy {
        // An aks-preview flag (domain rule 28): kube-proxy off, for Cilium to replace.
        create = create.var(KUBE_PROXY_CONFIG_FLAG, KUBE_PROXY_CONFIG_VAR);
    }
    let mut s = step(
        "cluster",
        StepKind::Cluster,
        format!("Create AKS cluster {} (--network-plugin none)", c.name),
        create.word("--generate-ssh-keys").tags(plan).json(),
    );
    if !plan.cni.kube_proxy {
        s.files.push(StepFile {
            var: KUBE_PROXY_CONFIG_VAR.into(),
            name: KUBE_PROXY_CONFIG_FILE.into(),
            contents: KUBE_PROXY_DISABLED.into(),
        });
    }
    s.show = Some(cluster_show(plan));
    s.expect = cluster_expectations(plan);
    s.resource = Some(rid(
        rg,
        &format!("Microsoft.ContainerService/managedClusters/{}", c.name),
    ));
    steps.push(s);

    // `az aks create` has no --max-surge: the first pool's surge is set right after, and on
    // every apply its changeable settings are compared with the plan.
    let surge = first.effective_max_surge().trim();
    let mut s = step(
        format!("pool:{}", first.name),
        StepKind::NodePool,
        format!("Set max surge {surge} on node pool {}", first.name),
        Cmd::az(&["aks", "nodepool", "update"])
            .flag("--resource-group", rg)
            .flag("--cluster-name", &c.name)
            .flag("--name", &first.name)
            .flag("--max-surge", surge)
            .json(),
    );
    s.show = Some(nodepool_show(plan, &first.name));
    s.expect = pool_expectations(plan, &first);
    s.resource = Some(rid(
        rg,
        &format!(
            "Microsoft.ContainerService/managedClusters/{}/agentPools/{}",
            c.name, first.name
        ),
    ));
    steps.push(s);
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
            StepKind::NodePool,
            format!("Add node pool {} ({} nodes)", p.name, p.count),
            add.tags(plan).json(),
        );
        s.show = Some(nodepool_show(plan, &p.name));
        s.expect = pool_expectations(plan, p);
        s.resource = Some(rid(
            rg,
            &format!(
                "Microsoft.ContainerService/managedClusters/{}/agentPools/{}",
                c.name, p.name
            ),
        ));
        steps.push(s);
    }
    steps
}

/// The steps that remove what apply created, in order: cluster (its node pools go with it),
/// the role assignment, identity, subnets, VNet, and the group last. Each step has the id of its
/// `provision_steps` counterpart and a `show` that finds the resource, so the caller deletes only
/// what its journal says apply created and what still carries the plan's tag. The role
/// assignment is deleted by the id the journal recorded (variable `RESOURCE_ID`).
pub fn destroy_steps(plan: &Plan) -> Vec<Step> {
    let c = &plan.cluster;
    let rg = c.resource_group.as_str();
    let created: std::collections::BTreeMap<String, Step> = provision_steps(plan)
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let like = |id: &str, title: String, delete: Command| -> Option<Step> {
        let p = created.get(id)?;
        let mut s = step(id, p.kind, title, delete);
        s.show.clone_from(&p.show);
        s.exists = p.exists;
        s.resource.clone_from(&p.resource);
        Some(s)
    };
    let mut steps = Vec::new();
    steps.extend(like(
        "cluster",
        format!("Delete AKS cluster {}", c.name),
        Cmd::az(&["aks", "delete"])
            .flag("--resource-group", rg)
            .flag("--name", &c.name)
            .word("--yes")
            .done(),
    ));
    if let Some(v) = &plan.vnet {
        let id = identity_name(plan);
        steps.extend(like(
            "role-assignment",
            format!("Delete the {NETWORK_CONTRIBUTOR} role assignment of {id}"),
            Cmd::az(&["role", "assignment", "delete"])
                .var("--ids", "RESOURCE_ID")
                .done(),
        ));
        for (step_id, what) in [
            ("role-assignment:route-table", "on the route table"),
            (
                "role-assignment:apiserver-subnet",
                "on the API server subnet",
            ),
        ] {
            steps.extend(like(
                step_id,
                format!("Delete the {NETWORK_CONTRIBUTOR} role assignment of {id} {what}"),
                Cmd::az(&["role", "assignment", "delete"])
                    .var("--ids", "RESOURCE_ID")
                    .done(),
            ));
        }
        steps.extend(like(
            "identity",
            format!("Delete managed identity {id}"),
            Cmd::az(&["identity", "delete"])
                .flag("--resource-group", rg)
                .flag("--name", &id)
                .done(),
        ));
        for sub in &v.subnets {
            steps.extend(like(
                &format!("subnet:{}", sub.name),
                format!("Delete subnet {} of VNet {}", sub.name, v.name),
                Cmd::az(&["network", "vnet", "subnet", "delete"])
                    .flag("--resource-group", rg)
                    .flag("--vnet-name", &v.name)
                    .flag("--name", &sub.name)
                    .done(),
            ));
        }
        steps.extend(like(
            "vnet",
            format!("Delete VNet {}", v.name),
            Cmd::az(&["network", "vnet", "delete"])
                .flag("--resource-group", rg)
                .flag("--name", &v.name)
                .done(),
        ));
        // What the node subnet used, once no subnet uses it (their rules and routes go with
        // them); only what apply created, as for everything else.
        for (step_id, title, words, name) in around::destroy_order(plan) {
            steps.extend(like(
                &step_id,
                title,
                Cmd::az(&words)
                    .flag("--resource-group", rg)
                    .flag("--name", &name)
                    .done(),
            ));
        }
    }
    steps.extend(like(
        "resource-group",
        format!("Delete resource group {rg}"),
        Cmd::az(&["group", "delete"])
            .flag("--name", rg)
            .word("--yes")
            .done(),
    ));
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
            let mut lookup = None;
            let mut cmd = Cmd::new(
                Program::Helm,
                &["upgrade", "--install", "cilium", "cilium/cilium"],
            )
            .flag("--version", CILIUM_CHART_VERSION)
            .flag("--namespace", "kube-system")
            .flag("--kubeconfig", kubeconfig)
            .var("--values", "CILIUM_VALUES");
            if plan.kube_proxy_replaced() {
                // Without kube-proxy Cilium reaches the API server by its FQDN, which exists
                // only once `az aks create` has returned: looked up right before the install.
                let mut s = step(
                    "cni:api-server",
                    StepKind::Cni,
                    format!("Look up the API server FQDN of {}", c.name),
                    cluster_show(plan),
                );
                s.outputs
                    .push(output(API_SERVER_FQDN_VAR, api_server_fqdn_pointer(plan)));
                lookup = Some(s);
                cmd.0.args.push(Arg::Lit("--set-string".into()));
                cmd.0.args.push(Arg::LitVar(
                    format!("{K8S_SERVICE_HOST}="),
                    API_SERVER_FQDN_VAR.into(),
                ));
            }
            let mut s = step(
                "cni:cilium",
                StepKind::Cni,
                format!(
                    "Install Cilium {CILIUM_CHART_VERSION} with pod CIDR {}",
                    plan.pod_cidr.as_deref().unwrap_or("?")
                ),
                cmd.done(),
            );
            s.files.push(StepFile {
                var: "CILIUM_VALUES".into(),
                name: CILIUM_VALUES_FILE.into(),
                contents: cilium_values(plan),
            });
            std::iter::once(repo).chain(lookup).chain([s]).collect()
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
    // A private API server is out of reach from outside the VNet: the CNI goes on through
    // `az aks command invoke`, which runs the same commands in a pod of the cluster.
    let install = if plan.is_private_cluster() {
        in_cluster(plan, install)
    } else {
        install
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

/// The JSON pointer of the exit code that `az aks command invoke --output json` reports for
/// the command it ran in the cluster (az itself exits 0 whatever that code is).
pub const INVOKE_EXIT_CODE: &str = "/exitCode";

/// What an `az aks command invoke` step expects of its answer: the command succeeded in the
/// cluster. A step without `show` checks its `expect` against what `create` printed.
fn invoke_succeeded() -> Expect {
    expect(
        "exit code of the command run in the cluster",
        INVOKE_EXIT_CODE,
        0,
    )
}

/// Whether `step` runs a command in the cluster through `az aks command invoke`.
pub fn runs_in_cluster(step: &Step) -> bool {
    step.show.is_none() && step.expect.iter().any(|e| e.pointer == INVOKE_EXIT_CODE)
}

/// `az aks command invoke` of `line` (a shell line run in a pod of the cluster, which has
/// kubectl and helm), ending with the value of `var` when given; `files` (variables holding
/// paths) are attached and appear in the pod's working directory by their file names.
pub fn command_invoke(plan: &Plan, line: String, var: Option<String>, files: &[String]) -> Command {
    let c = &plan.cluster;
    let mut cmd = Cmd::az(&["aks", "command", "invoke"])
        .flag("--resource-group", &c.resource_group)
        .flag("--name", &c.name)
        .0;
    cmd.args.push(Arg::Lit("--command".into()));
    cmd.args.push(match var {
        Some(v) => Arg::LitVar(line, v),
        None => Arg::Lit(line),
    });
    for f in files {
        cmd.args.push(Arg::Lit("--file".into()));
        cmd.args.push(Arg::Var(f.clone()));
    }
    Cmd(cmd).json()
}

/// A word of a shell line, single-quoted unless it is plain.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b))
    {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The CNI install steps as `az aks command invoke` steps: each command becomes a shell line
/// run in the cluster (no `--kubeconfig`: the pod has its own credentials; files by their
/// names), the Helm repository added in the same line as the install (each invoke is a fresh
/// pod). Lookups stay as they are: `az aks show` answers from anywhere.
fn in_cluster(plan: &Plan, steps: Vec<Step>) -> Vec<Step> {
    let mut out = Vec::new();
    let mut before = String::new();
    for s in steps {
        if s.create.program == Program::Az {
            out.push(s);
            continue;
        }
        let names: Vec<(&str, &str)> = s
            .files
            .iter()
            .map(|f| (f.var.as_str(), f.name.as_str()))
            .collect();
        let mut words = vec![s.create.program.name().to_owned()];
        let mut tail = None;
        let mut args = s.create.args.iter().peekable();
        while let Some(a) = args.next() {
            match a {
                Arg::Lit(l) if l == "--kubeconfig" => {
                    args.next();
                }
                Arg::Lit(l) => words.push(shell_word(l)),
                Arg::Var(v) => match names.iter().find(|(var, _)| var == v) {
                    Some((_, name)) => words.push(shell_word(name)),
                    None => words.push(format!("\"${v}\"")),
                },
                // Only ever last (`k8sServiceHost=` and the FQDN): the line ends with it.
                Arg::LitVar(l, v) => {
                    words.push(shell_word(l));
                    tail = Some(v.clone());
                }
            }
        }
        let line = std::mem::take(&mut before) + &words.join(" ");
        if s.files.is_empty() && tail.is_none() && s.id == "cni:helm-repo" {
            before = line + " && ";
            continue;
        }
        let files: Vec<String> = s.files.iter().map(|f| f.var.clone()).collect();
        out.push(Step {
            title: format!("{} (in the cluster: az aks command invoke)", s.title),
            create: command_invoke(plan, line, tail, &files),
            expect: vec![invoke_succeeded()],
            ..s
        });
    }
    out
}

/// The wait for Ready nodes of a private cluster's script, run in the cluster.
fn wait_ready_in_cluster(plan: &Plan) -> Step {
    let mut s = step(
        "cni:wait-ready",
        StepKind::Cni,
        "Wait for every node to be Ready (in the cluster: az aks command invoke)",
        command_invoke(
            plan,
            "kubectl wait --for=condition=Ready nodes --all --timeout 15m".into(),
            None,
            &[],
        ),
    );
    s.expect.push(invoke_succeeded());
    s
}

/// The variable that holds the kubeconfig path in exported scripts.
pub const KUBECONFIG_VAR: &str = "KUBECONFIG_FILE";

/// Waits for every node to be Ready (exported scripts; `byocni` polls itself and prints each
/// node's message).
pub fn wait_ready_step(kubeconfig: Arg) -> Step {
    let mut cmd = Cmd::new(
        Program::Kubectl,
        &["wait", "--for=condition=Ready", "nodes", "--all"],
    )
    .flag("--timeout", "15m")
    .0;
    cmd.args.push(Arg::Lit("--kubeconfig".into()));
    cmd.args.push(kubeconfig);
    step(
        "cni:wait-ready",
        StepKind::Cni,
        "Wait for every node to be Ready",
        cmd,
    )
}

/// What an exported script runs, in order: the provisioning steps with the CNI installed right
/// after `az aks create` returns (credentials into `$KUBECONFIG_FILE`, then Helm or kubectl with
/// the rendered values) and a wait for Ready nodes at the end. AKS node auto-repair reboots a
/// node that stays NotReady for more than 5 minutes (domain rule 27), so the CNI goes on before
/// the node pool updates and additions. For a CNI byocni does not install (Flannel, `other`)
/// these are the provisioning steps alone.
pub fn script_steps(plan: &Plan) -> Vec<Step> {
    let marker = format!("${KUBECONFIG_VAR}");
    let cni: Vec<Step> = cni_steps(plan, &marker)
        .into_iter()
        .map(|mut s| {
            for a in &mut s.create.args {
                if *a == Arg::Lit(marker.clone()) {
                    *a = Arg::Var(KUBECONFIG_VAR.into());
                }
            }
            s
        })
        .collect();
    let mut out = Vec::new();
    let installs = !cni.is_empty();
    let mut cni = Some(cni);
    for s in provision_steps(plan) {
        let after = s.kind == StepKind::Cluster;
        out.push(s);
        if after {
            out.extend(cni.take().into_iter().flatten());
        }
    }
    if installs && plan.is_private_cluster() {
        out.push(wait_ready_in_cluster(plan));
    } else if installs {
        out.push(wait_ready_step(Arg::Var(KUBECONFIG_VAR.into())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpr() -> Plan {
        let mut p = Plan::example();
        p.cni.kube_proxy = false;
        p
    }

    /// Issue 14: a private API server is out of reach from outside the VNet, so the CNI goes
    /// on through `az aks command invoke`: Calico's operator and Installation, each a line run
    /// in the cluster, the Installation attached by its file name; no `--kubeconfig`.
    #[test]
    fn a_private_clusters_cni_runs_in_the_cluster() {
        let mut plan = Plan::example();
        plan.cni.plugin = crate::plan::CniPlugin::Calico;
        plan.pod_cidr = Some("192.168.0.0/16".into());
        plan.api_server = Some(crate::plan::ApiServer {
            private: true,
            ..Default::default()
        });
        let cni = cni_steps(&plan, "/k");
        let programs: Vec<Program> = cni.iter().map(|s| s.create.program).collect();
        assert_eq!(
            programs,
            [Program::Az; 3],
            "credentials, operator, Installation"
        );
        let install = &cni[2];
        assert!(runs_in_cluster(install));
        assert_eq!(
            install.create.args,
            [
                "aks",
                "command",
                "invoke",
                "--resource-group",
                "myResourceGroup",
                "--name",
                "myAKSCluster",
                "--command",
                "kubectl apply --filename calico-installation.yaml",
            ]
            .iter()
            .map(|w| Arg::Lit((*w).into()))
            .chain([
                Arg::Lit("--file".into()),
                Arg::Var("CALICO_INSTALLATION".into()),
                Arg::Lit("--output".into()),
                Arg::Lit("json".into()),
            ])
            .collect::<Vec<_>>()
        );
        let Arg::Lit(operator) = &cni[1].create.args[8] else {
            panic!("{:?}", cni[1].create.args)
        };
        assert!(
            operator
                .starts_with("kubectl apply --server-side --force-conflicts --filename https://"),
            "{operator}"
        );
        assert!(!operator.contains("--kubeconfig"));
        // The script waits in the cluster too; a public cluster keeps helm and kubectl.
        let script = script_steps(&plan);
        assert!(runs_in_cluster(script.last().unwrap()));
        plan.api_server = None;
        assert!(!cni_steps(&plan, "/k").iter().any(runs_in_cluster));
        assert!(!script_steps(&plan).iter().any(runs_in_cluster));
    }

    /// Issue 10, kube-proxy-free Cilium: the cluster is created with `--kube-proxy-config` and a
    /// file `{"enabled": false}`; the CNI steps look the API server FQDN up after the
    /// credentials and pass it to Helm as `k8sServiceHost`.
    #[test]
    fn kube_proxy_free_cilium() {
        let plan = kpr();
        let steps = provision_steps(&plan);
        let cluster = steps.iter().find(|s| s.id == "cluster").unwrap();
        let args = &cluster.create.args;
        let at = args
            .iter()
            .position(|a| *a == Arg::Lit(KUBE_PROXY_CONFIG_FLAG.into()))
            .unwrap();
        assert_eq!(args[at + 1], Arg::Var(KUBE_PROXY_CONFIG_VAR.into()));
        assert_eq!(cluster.files.len(), 1);
        let f = &cluster.files[0];
        assert_eq!(f.var, KUBE_PROXY_CONFIG_VAR);
        let v: serde_json::Value = serde_json::from_str(&f.contents).unwrap();
        assert_eq!(v, serde_json::json!({ "enabled": false }));

        let cni = cni_steps(&plan, "/k");
        let ids: Vec<&str> = cni.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "credentials",
                "cni:helm-repo",
                "cni:api-server",
                "cni:cilium"
            ]
        );
        let lookup = &cni[2];
        assert_eq!(lookup.create, cluster_show(&plan));
        assert!(lookup.show.is_none());
        assert_eq!(lookup.outputs, vec![output(API_SERVER_FQDN_VAR, "/fqdn")]);
        let helm = &cni[3].create.args;
        let at = helm
            .iter()
            .position(|a| *a == Arg::Lit("--set-string".into()))
            .unwrap();
        assert_eq!(
            helm[at + 1],
            Arg::LitVar("k8sServiceHost=".into(), API_SERVER_FQDN_VAR.into())
        );
        assert!(cni[3].files[0]
            .contents
            .contains("kubeProxyReplacement: true"));
        assert!(cni[3].files[0].contents.contains("k8sServicePort: 443"));
    }

    /// A private API server's FQDN is `privateFqdn` (domain rule 28): the lookup reads it.
    #[test]
    fn kube_proxy_free_private_cluster_uses_the_private_fqdn() {
        let mut plan = kpr();
        plan.api_server = Some(crate::plan::ApiServer {
            private: true,
            ..Default::default()
        });
        let cni = cni_steps(&plan, "/k");
        let lookup = cni.iter().find(|s| s.id == "cni:api-server").unwrap();
        assert_eq!(
            lookup.outputs,
            vec![output(API_SERVER_FQDN_VAR, "/privateFqdn")]
        );
    }

    /// Without the option (the default) nothing of it is there.
    #[test]
    fn kube_proxy_kept_by_default() {
        let plan = Plan::example();
        let all: Vec<Step> = provision_steps(&plan)
            .into_iter()
            .chain(cni_steps(&plan, "/k"))
            .collect();
        for s in &all {
            assert!(s.files.iter().all(|f| f.var != KUBE_PROXY_CONFIG_VAR));
            assert!(!s
                .create
                .args
                .contains(&Arg::Lit(KUBE_PROXY_CONFIG_FLAG.into())));
            assert!(!s.create.args.iter().any(|a| matches!(a, Arg::LitVar(..))));
            assert_ne!(s.id, "cni:api-server");
        }
    }
}
