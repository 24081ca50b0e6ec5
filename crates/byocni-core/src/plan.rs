//! The plan file: a versioned JSON document (camelCase, like ARM) that the CLI reads and the web
//! planner imports, exports and shares.
//!
//! Parsing ([`Plan::from_json`]) only checks the document's *shape*: unknown fields, wrong types
//! and future versions are [`PlanError`]s naming the JSON path. Everything a user types as text
//! (CIDRs, addresses, names, max surge) is kept as written and judged by [`crate::check`], so that
//! a bad value becomes a finding next to its field instead of a refusal to open the plan.
//!
//! Defaults are AKS's own where AKS has one; the `effective_*` accessors resolve them, and every
//! other part of the core reads the plan through them.

use serde::{Deserialize, Serialize};

/// The plan-file version this build reads and writes.
pub const PLAN_VERSION: u32 = 1;
/// AKS's service CIDR when none is given.
pub const DEFAULT_SERVICE_CIDR: &str = "10.0.0.0/16";
/// AKS's DNS service IP when none is given.
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.0.0.10";
/// The address space of the VNet AKS creates when the plan has none.
pub const MANAGED_VNET_SPACE: &str = "10.224.0.0/12";
/// The node subnet of the VNet AKS creates when the plan has none.
pub const MANAGED_NODE_SUBNET: &str = "10.224.0.0/16";
/// `--max-pods` default for `--network-plugin none`.
pub const DEFAULT_MAX_PODS: u32 = 250;
/// Node count of the default pool.
pub const DEFAULT_NODE_COUNT: u32 = 3;
/// Name of the default pool.
pub const DEFAULT_POOL_NAME: &str = "nodepool1";
/// VM size of the default pool.
pub const DEFAULT_VM_SIZE: &str = "Standard_D4s_v5";
/// Max surge when a pool gives none (AKS's default in current API versions).
pub const DEFAULT_MAX_SURGE: &str = "10%";

/// A whole plan, as in the plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The JSON Schema an editor validates this file against (`byocni schema` prints it); read
    /// and written back, never used otherwise.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(description = "The JSON Schema this file follows (`byocni schema` prints it).")
    )]
    pub schema: Option<String>,
    /// Plan-file version; this build reads [`PLAN_VERSION`].
    #[cfg_attr(
        feature = "schema",
        schemars(
            schema_with = "json_schema::version",
            description = "Plan-file version: 1, one cluster (2 is an estate of several)."
        )
    )]
    pub version: u32,
    /// The cluster's identity in Azure.
    pub cluster: Cluster,
    /// The VNet to create; `None` lets AKS create a managed VNet (10.224.0.0/12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(
            description = "The VNet to create; omitted, AKS creates a managed VNet (10.224.0.0/12)."
        )
    )]
    pub vnet: Option<Vnet>,
    /// `--pod-cidr`: required with BYO CNI; the CNI allocates pod IPs from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// `--service-cidr`; AKS's default 10.0.0.0/16 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
    /// `--dns-service-ip`; AKS's default 10.0.0.10 when omitted.
    #[serde(
        default,
        rename = "dnsServiceIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_service_ip: Option<String>,
    /// Node pools; omitted means one system pool `nodepool1` of 3 nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_pools: Option<Vec<NodePool>>,
    /// Internal load balancer front ends that take node-subnet IPs; 0 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_load_balancers: Option<u32>,
    /// The CNI that will be installed after the cluster is created.
    #[serde(default)]
    pub cni: Cni,
    /// Networks that everything must stay clear of: on-premises, peered VNets, VPN ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connected_networks: Vec<ConnectedNetwork>,
    /// How nodes reach the internet (`--outbound-type`); AKS's load balancer when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound: Option<Outbound>,
    /// API server access: private cluster, VNet integration, authorized IP ranges; a public
    /// API server open to all when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServer>,
    /// A network security group for the node subnet, with the rules the CNI needs between
    /// nodes; none when omitted (AKS applies no NSG rules under BYO CNI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsg: Option<Nsg>,
}

/// The cluster's names and place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// AKS cluster name (`--name`).
    pub name: String,
    /// Resource group (`--resource-group`).
    pub resource_group: String,
    /// Azure region (`--location`).
    pub location: String,
    /// DNS prefix; derived from the cluster name when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_prefix: Option<String>,
    /// The resource group AKS creates for the nodes (`--node-resource-group`); AKS names it
    /// `MC_<resourceGroup>_<name>_<location>` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
}

/// A VNet the plan creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vnet {
    /// VNet name.
    pub name: String,
    /// One or more address prefixes.
    pub address_space: Vec<String>,
    /// Subnets inside the address space.
    #[serde(default)]
    pub subnets: Vec<Subnet>,
}

/// A subnet of the planned VNet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subnet {
    /// Subnet name.
    pub name: String,
    /// Address prefix.
    pub cidr: String,
    /// What the subnet is for.
    #[serde(default)]
    pub role: SubnetRole,
}

/// What a subnet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum SubnetRole {
    /// The node subnet (`--vnet-subnet-id`); exactly one per plan with a VNet.
    Nodes,
    /// API server VNet integration.
    ApiServer,
    /// Any other use (application gateway, private endpoints...).
    #[default]
    Other,
}

/// A node pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// Pool name (Linux: 1-12 lowercase letters and digits).
    pub name: String,
    /// `system` or `user`; the first pool must be a system pool.
    #[serde(default)]
    pub mode: PoolMode,
    /// Node count at creation.
    pub count: u32,
    /// Autoscaler maximum; when set, the subnet is sized for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// Extra nodes during upgrade: a count (`"3"`) or a percentage (`"33%"`); 10% when omitted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::string_or_number"
    )]
    #[cfg_attr(
        feature = "schema",
        schemars(
            schema_with = "json_schema::max_surge",
            description = "Extra nodes during upgrade: a count (\"3\" or 3) or a percentage (\"33%\"); 10% when omitted."
        )
    )]
    pub max_surge: Option<String>,
    /// `--max-pods`: 10..=250, 250 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<u32>,
    /// VM size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
}

/// A pool's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum PoolMode {
    /// Runs system pods; at least one node.
    #[default]
    System,
    /// Runs workloads only.
    User,
}

/// The CNI to install after the cluster exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cni {
    /// Which CNI.
    #[serde(default)]
    pub plugin: CniPlugin,
    /// Per-node block prefix length; the plugin's own default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_node_prefix: Option<u8>,
    /// Whether AKS runs kube-proxy (default `true`). `false` creates the cluster with
    /// `--kube-proxy-config` `{"enabled": false}` (an AKS preview) and installs Cilium with its
    /// kube-proxy replacement (domain rule 28); only Cilium replaces it. Written to the plan
    /// file only when `false`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    #[cfg_attr(
        feature = "schema",
        schemars(
            default = "yes",
            description = "Whether AKS runs kube-proxy (default true). false: the cluster is created without kube-proxy (an AKS preview: the aks-preview extension and the KubeProxyConfigurationPreview feature flag) and Cilium replaces it (kubeProxyReplacement); Cilium only."
        )
    )]
    pub kube_proxy: bool,
}

impl Default for Cni {
    fn default() -> Cni {
        Cni {
            plugin: CniPlugin::default(),
            per_node_prefix: None,
            kube_proxy: true,
        }
    }
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_true(b: &bool) -> bool {
    *b
}

impl Plan {
    /// Whether the plan creates the cluster without kube-proxy, with Cilium replacing it
    /// (`cni.kubeProxy: false` on Cilium; other CNIs are refused by check).
    pub fn kube_proxy_replaced(&self) -> bool {
        !self.cni.kube_proxy && self.cni.plugin == CniPlugin::Cilium
    }
}

/// CNI plugins the planner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum CniPlugin {
    /// Cilium with cluster-pool IPAM.
    #[default]
    Cilium,
    /// Calico with the Tigera operator.
    Calico,
    /// Flannel (warned: needs node podCIDRs that AKS does not assign under BYO CNI).
    Flannel,
    /// Any other CNI; capacity is computed with a /24 per node.
    Other,
}

impl CniPlugin {
    /// All plugins, in display order.
    pub const ALL: [CniPlugin; 4] = [Self::Cilium, Self::Calico, Self::Flannel, Self::Other];

    /// The plan-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cilium => "cilium",
            Self::Calico => "calico",
            Self::Flannel => "flannel",
            Self::Other => "other",
        }
    }

    /// The plugin's own per-node block: Cilium cluster-pool /24, Calico blockSize /26,
    /// Flannel /24.
    pub fn default_per_node_prefix(self) -> u8 {
        match self {
            Self::Calico => 26,
            Self::Cilium | Self::Flannel | Self::Other => 24,
        }
    }
}

/// A network that the plan must stay clear of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectedNetwork {
    /// A label (on-prem, hub VNet...).
    pub name: String,
    /// Its address range.
    pub cidr: String,
}

/// How nodes reach the internet: AKS's `outboundType`, with the block its type needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outbound {
    /// `--outbound-type`; `loadBalancer` when omitted.
    #[serde(default, rename = "type")]
    pub kind: OutboundType,
    /// The load balancer's managed outbound IPs (type `loadBalancer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerOutbound>,
    /// The NAT gateway (types `managedNATGateway` and `userAssignedNATGateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway: Option<NatGateway>,
    /// The node subnet's route table (type `userDefinedRouting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<RouteTable>,
}

/// AKS's outbound types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum OutboundType {
    /// A Standard load balancer with managed outbound IPs (AKS's default).
    #[default]
    #[serde(rename = "loadBalancer")]
    LoadBalancer,
    /// A NAT gateway AKS creates and manages.
    #[serde(rename = "managedNATGateway")]
    ManagedNatGateway,
    /// A NAT gateway of yours, associated with the node subnet.
    #[serde(rename = "userAssignedNATGateway")]
    UserAssignedNatGateway,
    /// The node subnet's route table sends 0.0.0.0/0 to a virtual appliance (a firewall).
    #[serde(rename = "userDefinedRouting")]
    UserDefinedRouting,
}

impl OutboundType {
    /// The spelling of the plan file, az and ARM.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoadBalancer => "loadBalancer",
            Self::ManagedNatGateway => "managedNATGateway",
            Self::UserAssignedNatGateway => "userAssignedNATGateway",
            Self::UserDefinedRouting => "userDefinedRouting",
        }
    }
}

/// The load balancer's outbound settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancerOutbound {
    /// `--load-balancer-managed-outbound-ip-count`: 1-100; AKS's 1 when omitted.
    #[serde(
        default,
        rename = "managedOutboundIps",
        skip_serializing_if = "Option::is_none"
    )]
    pub managed_outbound_ips: Option<u32>,
}

/// A NAT gateway: AKS's (managed) or one byocni creates or finds (user-assigned).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NatGateway {
    /// The user-assigned NAT gateway's name; `<cluster>-natgw` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A user-assigned NAT gateway that already exists in the resource group: byocni only
    /// associates it with the node subnet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// Idle timeout in minutes: 4-120; 4 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_minutes: Option<u32>,
    /// Outbound public IPs: 1-16; 1 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_ips: Option<u32>,
}

/// The node subnet's route table for `userDefinedRouting`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteTable {
    /// The route table's name; `<cluster>-rt` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A route table that already exists in the resource group (its 0.0.0.0/0 route is
    /// checked by `apply`'s preflight); byocni only associates it with the node subnet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// The virtual appliance (firewall) 0.0.0.0/0 goes to; required unless `existing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hop_ip: Option<String>,
}

/// API server access.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiServer {
    /// `--enable-private-cluster`: the API server gets a private endpoint in the first pool's
    /// subnet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// `--enable-apiserver-vnet-integration`: the API server in a delegated subnet of the VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet_integration: Option<VnetIntegration>,
    /// `--api-server-authorized-ip-ranges`: public CIDRs allowed to reach a public API server.
    #[serde(
        default,
        rename = "authorizedIpRanges",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub authorized_ip_ranges: Vec<String>,
}

/// API server VNet integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VnetIntegration {
    /// The subnet of `vnet.subnets` (role `apiServer`) the API server goes into.
    pub subnet: String,
}

/// A network security group for the node subnet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Nsg {
    /// The NSG's name; `<cluster>-nsg` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An NSG that already exists in the resource group (its rules are checked by `apply`'s
    /// preflight); byocni only associates it with the node subnet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
}

/// A port the CNI needs open between nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlayPort {
    /// `Udp` or `Tcp`, as NSG rules spell protocols.
    pub protocol: &'static str,
    /// The port.
    pub port: u16,
    /// What it carries.
    pub what: &'static str,
}

impl CniPlugin {
    /// The ports the plugin needs open between nodes: Cilium VXLAN 8472/udp and health
    /// 4240/tcp, Calico VXLAN 4789/udp, Flannel VXLAN 8472/udp; none known for `other`.
    pub fn overlay_ports(self) -> &'static [OverlayPort] {
        const CILIUM: &[OverlayPort] = &[
            OverlayPort {
                protocol: "Udp",
                port: 8472,
                what: "Cilium VXLAN",
            },
            OverlayPort {
                protocol: "Tcp",
                port: 4240,
                what: "Cilium health",
            },
        ];
        const CALICO: &[OverlayPort] = &[OverlayPort {
            protocol: "Udp",
            port: 4789,
            what: "Calico VXLAN",
        }];
        const FLANNEL: &[OverlayPort] = &[OverlayPort {
            protocol: "Udp",
            port: 8472,
            what: "Flannel VXLAN",
        }];
        match self {
            Self::Cilium => CILIUM,
            Self::Calico => CALICO,
            Self::Flannel => FLANNEL,
            Self::Other => &[],
        }
    }
}

/// Why a plan file cannot be read. The CLI exits 2 on these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Not JSON at all, or JSON of the wrong shape; `path` is the JSON path (`.` for the root).
    #[error("plan file, at `{path}`: {message}")]
    Shape {
        /// Dotted JSON path such as `vnet.subnets[0].cidr`.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// JSON of the wrong shape, read by a build without the `path-errors` feature (the web
    /// planner's page), which does not track where: the message still says what is wrong.
    #[error("plan file: {message}")]
    Unplaced {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A version this build does not read.
    #[error("plan file, at `version`: version {found} is not supported; this byocni reads {reads}{hint}")]
    Version {
        /// The version found.
        found: String,
        /// The versions the reader that refused it reads: `version 1` ([`Plan::from_json`]),
        /// `version 2` ([`crate::estate::Estate::from_json`]), `version 1 or 2`
        /// ([`crate::estate::PlanFile::from_json`]).
        reads: &'static str,
        /// Upgrade hint.
        hint: &'static str,
    },
}

impl Plan {
    /// Reads a plan file from JSON text.
    ///
    /// With the `fast-json` feature (on by default), the fast path deserialises straight into
    /// [`Plan`] (one pass, no intermediate JSON tree: this is most of `byocni check`'s time on a
    /// plan with 100,000 connected networks); only when that fails, or the version is not this
    /// build's, is the text parsed again as a JSON value to say precisely what is wrong. Without
    /// it (the web planner, where code size matters more than parse speed) every plan takes the
    /// second road, and the plan's deserialiser is compiled once instead of twice.
    ///
    /// A key written twice in one object is refused with its path on both roads (the direct one
    /// refuses it as a duplicate field and falls back; the value road reads through
    /// [`strict::parse`], since `serde_json::Value` would keep the last copy silently). A UTF-8
    /// byte order mark before the document (some Windows editors write one) is skipped.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        #[cfg(feature = "fast-json")]
        {
            let mut de = serde_json::Deserializer::from_str(text);
            if let Ok(plan) = Plan::deserialize(&mut de).and_then(|p| de.end().map(|()| p)) {
                if plan.version == PLAN_VERSION {
                    return Ok(plan);
                }
            }
        }
        Self::from_json_via_value(text)
    }

    /// The value road of [`Plan::from_json`]: the text read into a JSON value (refusing
    /// duplicate keys), then [`Plan::from_value`]. Compiled in every build, so the test that
    /// pins both roads to the same answers runs in all.
    fn from_json_via_value(text: &str) -> Result<Plan, PlanError> {
        Self::from_value(strict::parse(text)?)
    }

    /// Reads a plan from an already parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Plan, PlanError> {
        expect_version(&value, PLAN_VERSION, "version 1")?;
        #[cfg(feature = "path-errors")]
        return serde_path_to_error::deserialize(value).map_err(|e| PlanError::Shape {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        });
        #[cfg(not(feature = "path-errors"))]
        Self::from_value_unplaced(value)
    }

    /// [`Plan::from_value`] without the `path-errors` feature: shape errors say what is wrong
    /// but not where ([`PlanError::Unplaced`]). Compiled in every build, so its tests run in all.
    #[cfg_attr(feature = "path-errors", allow(dead_code))]
    fn from_value_unplaced(value: serde_json::Value) -> Result<Plan, PlanError> {
        serde_json::from_value(value).map_err(|e| PlanError::Unplaced {
            message: e.to_string(),
        })
    }

    /// The plan as pretty JSON (two-space indent, trailing newline).
    pub fn to_json(&self) -> String {
        #[cfg(feature = "fast-json")]
        let text = serde_json::to_string_pretty(self);
        #[cfg(not(feature = "fast-json"))]
        let text = serde_json::to_string_pretty(&self.to_value());
        let mut s = text.expect("a plan always serialises");
        s.push('\n');
        s
    }

    /// The plan without its connected networks, every other field cloned: what an edit of
    /// another field goes through (`apply_edit`), and what the web planner sends its workers (a
    /// plan of 10,000 connected networks in a few hundred bytes).
    #[must_use]
    #[inline]
    pub fn without_connected_networks(&self) -> Plan {
        Plan {
            schema: self.schema.clone(),
            version: self.version,
            cluster: self.cluster.clone(),
            vnet: self.vnet.clone(),
            pod_cidr: self.pod_cidr.clone(),
            service_cidr: self.service_cidr.clone(),
            dns_service_ip: self.dns_service_ip.clone(),
            node_pools: self.node_pools.clone(),
            internal_load_balancers: self.internal_load_balancers,
            cni: self.cni.clone(),
            connected_networks: Vec::new(),
            outbound: self.outbound.clone(),
            api_server: self.api_server.clone(),
            nsg: self.nsg.clone(),
        }
    }

    /// The plan as compact JSON (no whitespace): for storage and share links.
    pub fn to_json_compact(&self) -> String {
        #[cfg(feature = "fast-json")]
        let s = serde_json::to_string(self);
        #[cfg(not(feature = "fast-json"))]
        let s = serde_json::to_string(&self.to_value());
        s.expect("a plan always serialises")
    }

    /// The plan as a JSON value (fields in the plan file's order).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a plan always serialises")
    }

    /// The seed example: the starter plan `byocni new` writes and a fresh web planner opens.
    pub fn example() -> Plan {
        Plan::from_json(EXAMPLE_JSON).expect("the bundled example parses")
    }

    /// The DNS prefix AKS will use: the given one, or one derived from the cluster name.
    pub fn effective_dns_prefix(&self) -> String {
        if let Some(p) = &self.cluster.dns_prefix {
            return p.clone();
        }
        let mut p: String = self
            .cluster
            .name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(54)
            .collect();
        while p.ends_with('-') {
            p.pop();
        }
        while p.starts_with('-') {
            p.remove(0);
        }
        if p.is_empty() {
            p.push_str("aks");
        }
        p
    }

    /// The node resource group: the plan's, or the one AKS derives,
    /// `MC_<resourceGroup>_<name>_<location>`.
    pub fn effective_node_resource_group(&self) -> String {
        match &self.cluster.node_resource_group {
            Some(g) => g.clone(),
            None => format!(
                "MC_{}_{}_{}",
                self.cluster.resource_group, self.cluster.name, self.cluster.location
            ),
        }
    }

    /// The service CIDR text, AKS's default when omitted.
    pub fn effective_service_cidr(&self) -> &str {
        self.service_cidr.as_deref().unwrap_or(DEFAULT_SERVICE_CIDR)
    }

    /// The DNS service IP text, AKS's default when omitted.
    pub fn effective_dns_service_ip(&self) -> &str {
        self.dns_service_ip
            .as_deref()
            .unwrap_or(DEFAULT_DNS_SERVICE_IP)
    }

    /// The node pools, or the default single system pool.
    pub fn effective_node_pools(&self) -> Vec<NodePool> {
        self.node_pools
            .clone()
            .unwrap_or_else(|| vec![NodePool::default_pool()])
    }

    /// The pools' nodes at their maximum and their upgrade surge, summed (saturating: counts are
    /// user input).
    pub fn node_totals(&self) -> (u64, u64) {
        self.effective_node_pools()
            .iter()
            .fold((0u64, 0u64), |(n, s), p| {
                (
                    n.saturating_add(u64::from(p.max_nodes())),
                    s.saturating_add(p.surge_nodes().unwrap_or(0)),
                )
            })
    }

    /// Internal load balancer front ends (0 when omitted).
    pub fn effective_internal_load_balancers(&self) -> u32 {
        self.internal_load_balancers.unwrap_or(0)
    }

    /// The per-node pod block prefix: the plan's, or the plugin's default.
    pub fn effective_per_node_prefix(&self) -> u8 {
        self.cni
            .per_node_prefix
            .unwrap_or_else(|| self.cni.plugin.default_per_node_prefix())
    }

    /// The node subnet text: the subnet with role `nodes` (or the first subnet), or AKS's managed
    /// one when the plan has no VNet. `None` when a VNet has no subnets.
    pub fn node_subnet_cidr(&self) -> Option<&str> {
        match &self.vnet {
            None => Some(MANAGED_NODE_SUBNET),
            Some(v) => v.node_subnet().map(|s| s.cidr.as_str()),
        }
    }

    /// The outbound type, AKS's `loadBalancer` when omitted.
    pub fn effective_outbound_type(&self) -> OutboundType {
        self.outbound
            .as_ref()
            .map_or_else(OutboundType::default, |o| o.kind)
    }

    /// The user-assigned NAT gateway's name: the plan's, or `<cluster>-natgw`.
    pub fn nat_gateway_name(&self) -> String {
        self.outbound
            .as_ref()
            .and_then(|o| o.nat_gateway.as_ref())
            .and_then(|n| n.name.clone())
            .unwrap_or_else(|| format!("{}-natgw", self.cluster.name))
    }

    /// The route table's name: the plan's, or `<cluster>-rt`.
    pub fn route_table_name(&self) -> String {
        self.outbound
            .as_ref()
            .and_then(|o| o.route_table.as_ref())
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| format!("{}-rt", self.cluster.name))
    }

    /// The NSG's name: the plan's, or `<cluster>-nsg`.
    pub fn nsg_name(&self) -> String {
        self.nsg
            .as_ref()
            .and_then(|n| n.name.clone())
            .unwrap_or_else(|| format!("{}-nsg", self.cluster.name))
    }

    /// Whether the API server is private (`apiServer.private`).
    pub fn is_private_cluster(&self) -> bool {
        self.api_server.as_ref().is_some_and(|a| a.private)
    }

    /// The subnet of `vnet.subnets` named by `apiServer.vnetIntegration.subnet`, with its index.
    pub fn api_server_subnet(&self) -> Option<(usize, &Subnet)> {
        let name = &self.api_server.as_ref()?.vnet_integration.as_ref()?.subnet;
        self.vnet
            .as_ref()?
            .subnets
            .iter()
            .enumerate()
            .find(|(_, s)| s.name.eq_ignore_ascii_case(name))
    }

    /// The VNet address space text: the plan's, or AKS's managed one.
    pub fn vnet_address_space(&self) -> Vec<&str> {
        match &self.vnet {
            None => vec![MANAGED_VNET_SPACE],
            Some(v) => v.address_space.iter().map(String::as_str).collect(),
        }
    }
}

impl Vnet {
    /// The subnet with role `nodes`, or the first subnet when none has that role.
    pub fn node_subnet(&self) -> Option<&Subnet> {
        self.subnets
            .iter()
            .find(|s| s.role == SubnetRole::Nodes)
            .or_else(|| self.subnets.first())
    }

    /// Index of [`Vnet::node_subnet`] in `subnets`.
    pub fn node_subnet_index(&self) -> Option<usize> {
        self.subnets
            .iter()
            .position(|s| s.role == SubnetRole::Nodes)
            .or(if self.subnets.is_empty() {
                None
            } else {
                Some(0)
            })
    }
}

impl NodePool {
    /// AKS's default pool: `nodepool1`, system, 3 nodes.
    pub fn default_pool() -> NodePool {
        NodePool {
            name: DEFAULT_POOL_NAME.into(),
            mode: PoolMode::System,
            count: DEFAULT_NODE_COUNT,
            max_count: None,
            max_surge: None,
            max_pods: None,
            vm_size: None,
        }
    }

    /// The most nodes the pool can have outside upgrades: the autoscaler max when set.
    pub fn max_nodes(&self) -> u32 {
        self.max_count.map_or(self.count, |m| m.max(self.count))
    }

    /// `--max-pods`, 250 when omitted.
    pub fn effective_max_pods(&self) -> u32 {
        self.max_pods.unwrap_or(DEFAULT_MAX_PODS)
    }

    /// The max surge text, `10%` when omitted.
    pub fn effective_max_surge(&self) -> &str {
        self.max_surge.as_deref().unwrap_or(DEFAULT_MAX_SURGE)
    }

    /// Surge nodes during upgrade, or `None` when the max surge text is malformed.
    /// A percentage of the pool's max node count is rounded up.
    pub fn surge_nodes(&self) -> Option<u64> {
        parse_max_surge(self.effective_max_surge())
            .map(|s| s.nodes_for(u64::from(self.max_nodes())))
    }

    /// The VM size, the default when omitted.
    pub fn effective_vm_size(&self) -> &str {
        self.vm_size.as_deref().unwrap_or(DEFAULT_VM_SIZE)
    }
}

/// A parsed max surge value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxSurge {
    /// A node count.
    Count(u32),
    /// A percentage of the pool (1..=100).
    Percent(u32),
}

impl MaxSurge {
    /// Surge nodes for a pool of `nodes` nodes (rule 24): a count surges at most the pool's
    /// nodes (`min(count, nodes)`, as AKS does); percentages round up.
    pub fn nodes_for(self, nodes: u64) -> u64 {
        match self {
            MaxSurge::Count(n) => u64::from(n).min(nodes),
            MaxSurge::Percent(p) => (nodes * u64::from(p)).div_ceil(100),
        }
    }
}

/// Parses a max surge text (rule 24): a node count of at least 1 (`"3"`) or a percentage from 1%
/// to 100% (`"33%"`), in plain digits: no sign, no space, no leading zero (what is accepted is
/// exported as written).
pub fn parse_max_surge(text: &str) -> Option<MaxSurge> {
    let (digits, percent) = match text.strip_suffix('%') {
        Some(d) => (d, true),
        None => (text, false),
    };
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    if percent {
        (1..=100).contains(&n).then_some(MaxSurge::Percent(n))
    } else {
        Some(MaxSurge::Count(n))
    }
}

/// The seed example as JSON (the plan of the AKS article, with a VNet planned around it).
pub const EXAMPLE_JSON: &str = r#"{
  "version": 1,
  "cluster": {
    "name": "myAKSCluster",
    "resourceGroup": "myResourceGroup",
    "location": "chinanorth3",
    "dnsPrefix": "myakscluster"
  },
  "vnet": {
    "name": "myAKSCluster-vnet",
    "addressSpace": ["10.224.0.0/12"],
    "subnets": [
      { "name": "nodes", "cidr": "10.224.0.0/16", "role": "nodes" }
    ]
  },
  "podCidr": "10.10.0.0/16",
  "serviceCidr": "10.0.0.0/16",
  "dnsServiceIP": "10.0.0.10",
  "nodePools": [
    {
      "name": "nodepool1",
      "mode": "system",
      "count": 3,
      "maxCount": 10,
      "maxSurge": "33%",
      "maxPods": 250,
      "vmSize": "Standard_D4s_v5"
    }
  ],
  "internalLoadBalancers": 2,
  "cni": { "plugin": "cilium", "perNodePrefix": 24 },
  "connectedNetworks": [
    { "name": "on-prem", "cidr": "192.168.0.0/16" }
  ]
}
"#;

/// The first look at a plan file's JSON value, shared by both versions' readers: an object whose
/// `version` is `want` (`reads` names it in the error), or the error that says what is there
/// and, for a newer version, that a newer byocni wrote it.
pub(crate) fn expect_version(
    value: &serde_json::Value,
    want: u32,
    reads: &'static str,
) -> Result<(), PlanError> {
    let serde_json::Value::Object(map) = value else {
        return Err(PlanError::Shape {
            path: ".".into(),
            message: format!("expected a JSON object such as {{\"version\": {want}, ...}}"),
        });
    };
    match map.get("version") {
        None => Err(PlanError::Shape {
            path: "version".into(),
            message: format!("missing; add \"version\": {want}"),
        }),
        Some(v) if v.as_u64() == Some(u64::from(want)) => Ok(()),
        Some(v) => {
            let newer = v.as_u64().is_some_and(|n| n > u64::from(want));
            Err(PlanError::Version {
                found: v.to_string(),
                reads,
                hint: if newer {
                    ": it was written by a newer byocni, upgrade to read it"
                } else {
                    ""
                },
            })
        }
    }
}

pub(crate) mod strict {
    //! Reads JSON text into a [`serde_json::Value`] as `serde_json::from_str` does, but refuses a
    //! key written twice in one object (a `Value` keeps the last copy silently, other readers the
    //! first), naming the key's path. The path is built only when a duplicate is found: a plan
    //! may hold 100,000s of networks.
    use std::cell::RefCell;
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};

    use super::PlanError;

    /// Where a value sits: a chain of keys and indices up to the root, on the stack.
    enum At<'a> {
        Root,
        Key(&'a At<'a>, &'a str),
        Index(&'a At<'a>, usize),
    }

    impl At<'_> {
        /// The dotted path, as `serde_path_to_error` writes it: `vnet.subnets[0].name`.
        fn path(&self) -> String {
            match self {
                At::Root => String::new(),
                At::Key(parent, key) => match parent.path() {
                    p if p.is_empty() => (*key).to_owned(),
                    p => format!("{p}.{key}"),
                },
                At::Index(parent, i) => format!("{}[{i}]", parent.path()),
            }
        }
    }

    /// Reads `text`; a duplicate key is a [`PlanError::Shape`] at that key's path.
    pub(crate) fn parse(text: &str) -> Result<Value, PlanError> {
        let duplicate = RefCell::new(None);
        let mut de = serde_json::Deserializer::from_str(text);
        let read = Seed {
            at: &At::Root,
            duplicate: &duplicate,
        }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
        read.map_err(|e| match duplicate.into_inner() {
            Some(path) => PlanError::Shape {
                path,
                message: format!(
                    "this key appears twice in one object (line {}, column {}); JSON readers disagree on which copy counts, so write it once",
                    e.line(),
                    e.column()
                ),
            },
            None => PlanError::Shape {
                path: ".".into(),
                message: format!("not valid JSON: {e}"),
            },
        })
    }

    struct Seed<'a> {
        at: &'a At<'a>,
        /// The path of the first duplicate key, set when one stops the reading.
        duplicate: &'a RefCell<Option<String>>,
    }

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
            Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }

        fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }

        fn visit_unit<E: Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            loop {
                let at = At::Index(self.at, out.len());
                let seed = Seed {
                    at: &at,
                    duplicate: self.duplicate,
                };
                match seq.next_element_seed(seed)? {
                    Some(v) => out.push(v),
                    None => return Ok(Value::Array(out)),
                }
            }
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let at = At::Key(self.at, &key);
                if out.contains_key(&key) {
                    *self.duplicate.borrow_mut() = Some(at.path());
                    return Err(A::Error::custom(format_args!("duplicate key `{key}`")));
                }
                let value = map.next_value_seed(Seed {
                    at: &at,
                    duplicate: self.duplicate,
                })?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
}

/// The plan file's JSON Schema (draft 2020-12), generated from these types: what `byocni schema`
/// prints and `docs/plan.schema.json` holds: a version 1 plan or a version 2 estate. It refuses
/// what [`crate::estate::PlanFile::from_json`] refuses: unknown fields, wrong types, another
/// version.
#[cfg(feature = "schema")]
pub fn json_schema() -> serde_json::Value {
    /// schemars bounds u8 and u16 but not u32 (the reader refuses 2^32 and more), and keeps the
    /// line breaks of doc comments (editors show descriptions as one paragraph).
    fn tidy(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("format").and_then(serde_json::Value::as_str) == Some("uint32") {
                    m.insert("maximum".into(), u32::MAX.into());
                }
                if let Some(serde_json::Value::String(d)) = m.get_mut("description") {
                    *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
                }
                m.values_mut().for_each(tidy);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(tidy),
            _ => {}
        }
    }
    /// A plan file of either version: exactly one of the two matches (their `version`s differ).
    #[derive(schemars::JsonSchema)]
    #[schemars(untagged)]
    #[allow(dead_code, clippy::large_enum_variant)] // only its schema is used
    enum AnyPlan {
        V1(Plan),
        V2(crate::estate::Estate),
    }
    let mut generated = schemars::schema_for!(AnyPlan).to_value();
    tidy(&mut generated);
    // The header first, as people read it.
    let mut schema = serde_json::Map::new();
    if let serde_json::Value::Object(mut rest) = generated {
        for key in ["$schema", "title", "description"] {
            if let Some(v) = rest.remove(key) {
                schema.insert(key.into(), v);
            }
        }
        schema.insert("title".into(), "byocni plan file".into());
        schema.insert(
            "description".into(),
            "A byocni plan file: version 1 plans one cluster, version 2 an estate of clusters, VNets and peerings.".into(),
        );
        schema.extend(rest);
    }
    serde_json::Value::Object(schema)
}

/// The parts of the plan file's JSON Schema that the derive cannot see: the one version this
/// build reads, and max surge as a string or a whole number.
#[cfg(feature = "schema")]
mod json_schema {
    use schemars::{json_schema, Schema, SchemaGenerator};

    pub(super) fn version(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "const": super::PLAN_VERSION,
        })
    }

    pub(super) fn max_surge(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "string" },
                { "type": "integer", "minimum": 0, "maximum": u64::MAX },
                { "type": "null" },
            ],
        })
    }
}

mod de {
    //! Lenient readers for fields users write either as a string or as a number. A visitor, not
    //! an untagged enum: serde buffers untagged input in its `Content` tree (code the planner's
    //! wasm would carry), and the error can say what is expected.
    use std::fmt;

    use serde::de::{Deserializer, Error, Visitor};

    struct StringOrNumber;

    impl<'de> Visitor<'de> for StringOrNumber {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string such as \"33%\" or a whole number")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
    }

    pub(super) fn string_or_number<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<String>, D::Error> {
        d.deserialize_option(StringOrNumber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_round_trips() {
        let p = Plan::example();
        assert_eq!(Plan::from_json(&p.to_json()).unwrap(), p);
        assert_eq!(p.node_subnet_cidr(), Some("10.224.0.0/16"));
        assert_eq!(p.effective_per_node_prefix(), 24);
    }

    /// Both roads (with and without `fast-json`) read and write a plan alike: the same plan from
    /// the same text, the same text (field order included) from the same plan.
    #[test]
    fn the_value_road_reads_and_writes_like_the_direct_one() {
        let mut full = Plan::example();
        full.internal_load_balancers = None;
        full.cni.per_node_prefix = None;
        let mut managed = Plan::example();
        managed.vnet = None;
        managed.service_cidr = None;
        for p in [Plan::example(), full, managed] {
            let text = p.to_json();
            let via_value = Plan::from_value(serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(via_value, p);
            assert_eq!(Plan::from_json(&text).unwrap(), p);
            let value = p.to_value();
            assert_eq!(serde_json::to_string_pretty(&value).unwrap() + "\n", text);
            assert_eq!(serde_json::to_string(&value).unwrap(), p.to_json_compact());
            assert_eq!(serde_json::to_string(&p).unwrap(), p.to_json_compact());
        }
        assert!(
            Plan::example().to_json().find("\"version\"")
                < Plan::example().to_json().find("\"cluster\"")
        );
    }

    /// Issue 11, case 7: a key written twice is refused with its path, on both roads alike.
    #[test]
    fn both_roads_refuse_a_duplicate_key_with_its_path() {
        let cases = [
            (
                r#"{"version":1,"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"}}"#,
                "version",
            ),
            (
                r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c","name":"d"}}"#,
                "cluster.name",
            ),
            (
                r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"podCidr":"10.1.0.0/16","podCidr":"10.2.0.0/16"}"#,
                "podCidr",
            ),
            (
                r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"vnet":{"name":"v","addressSpace":["10.0.0.0/8"],"subnets":[{"name":"s","cidr":"10.0.0.0/24"},{"name":"t","cidr":"10.1.0.0/24","cidr":"10.2.0.0/24"}]}}"#,
                "vnet.subnets[1].cidr",
            ),
            // Unknown keys are refused too, but a duplicate is named first: it is found while reading.
            (r#"{"version":1,"x":{"k":1,"k":2}}"#, "x.k"),
        ];
        for (text, want) in cases {
            for e in [
                Plan::from_json(text).unwrap_err(),
                Plan::from_json_via_value(text).unwrap_err(),
            ] {
                match e {
                    PlanError::Shape { path, message } => {
                        assert_eq!(path, want, "{text}");
                        assert!(message.contains("appears twice"), "{message}");
                        assert!(message.contains("line 1, column"), "{message}");
                    }
                    other => panic!("{text}: {other:?}"),
                }
            }
        }
        // The same key in two objects is no duplicate.
        let text = Plan::example().to_json();
        assert_eq!(Plan::from_json_via_value(&text).unwrap(), Plan::example());
    }

    /// Issue 11, case 7: a UTF-8 byte order mark before the document is skipped, on both roads;
    /// one anywhere else is still an error.
    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = format!("\u{feff}{}", Plan::example().to_json());
        assert_eq!(Plan::from_json(&text).unwrap(), Plan::example());
        let e = Plan::from_json(&format!(" {text}")).unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }

    /// The value road reads numbers, nulls, nesting and escapes as `serde_json` does.
    #[test]
    fn the_strict_reader_reads_as_serde_json_does() {
        for text in [
            r#"{"a":[1,-2,3.5,1e300,null,true,false,"x\u00e9\n",{},[]],"b":{"c":{"d":18446744073709551615}}}"#,
            "[]",
            "0",
            r#""s""#,
        ] {
            let want: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(strict::parse(text).unwrap(), want, "{text}");
            assert_eq!(
                strict::parse(text).unwrap().to_string(),
                want.to_string(),
                "{text}"
            );
        }
        for bad in ["", "{", "[1,]", "{\"a\":1}x", "nul"] {
            let want = serde_json::from_str::<serde_json::Value>(bad)
                .unwrap_err()
                .to_string();
            match strict::parse(bad).unwrap_err() {
                PlanError::Shape { path, message } => {
                    assert_eq!(path, ".");
                    assert_eq!(message, format!("not valid JSON: {want}"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Rule 24: a max surge is accepted only in its canonical spelling, and a count never
        /// surges more than the pool.
        #[test]
        fn max_surge_reads_only_plain_digits(s in "[ 0-9%+-]{0,6}", nodes in 0u64..2000) {
            match parse_max_surge(&s) {
                Some(MaxSurge::Count(n)) => {
                    prop_assert_eq!(n.to_string(), s);
                    prop_assert!(n >= 1);
                    prop_assert_eq!(MaxSurge::Count(n).nodes_for(nodes), u64::from(n).min(nodes));
                }
                Some(MaxSurge::Percent(p)) => {
                    prop_assert_eq!(format!("{p}%"), s);
                    prop_assert!(MaxSurge::Percent(p).nodes_for(nodes) <= nodes);
                }
                None => {}
            }
        }

        /// Issue 11, case 7: a key of the example written twice, anywhere, is refused by both
        /// roads alike, at a path ending in that key.
        #[test]
        fn a_repeated_line_of_the_example_is_refused_alike(line in 0usize..60) {
            let text = EXAMPLE_JSON;
            let lines: Vec<&str> = text.lines().collect();
            let Some(l) = lines.get(line % lines.len()) else { return Ok(()) };
            // Only `"key": scalar,` lines: repeating them keeps the JSON well-formed.
            let Some((key, _)) = l.trim().strip_prefix('"').and_then(|r| r.split_once("\": ")) else { return Ok(()) };
            if !l.ends_with(',') || l.ends_with("{,") || l.trim_end().ends_with("[,") {
                return Ok(());
            }
            let mut twice = lines.clone();
            twice.insert(line % lines.len(), l);
            let twice = twice.join("\n");
            let direct = Plan::from_json(&twice);
            prop_assert_eq!(&direct, &Plan::from_json_via_value(&twice));
            match direct {
                Err(PlanError::Shape { path, .. }) => prop_assert!(path.ends_with(key), "{} vs {}", path, key),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn without_path_errors_a_shape_error_still_says_what() {
        let value = serde_json::json!({"version": 1, "cluster": {"name": "a", "resourceGroup": "b",
            "location": "c"}, "nodePools": [{"name": "p", "count": "three"}]});
        let e = Plan::from_value_unplaced(value).unwrap_err();
        assert!(matches!(e, PlanError::Unplaced { .. }), "{e:?}");
        assert!(e.to_string().starts_with("plan file: invalid type"), "{e}");
        let ok = Plan::from_value_unplaced(Plan::example().to_value()).unwrap();
        assert_eq!(ok, Plan::example());
    }

    #[cfg(feature = "path-errors")]
    #[test]
    fn shape_errors_name_the_path() {
        let e = Plan::from_json(r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"vnet":{"name":"v","addressSpace":["10.0.0.0/8"],"subnets":[{"name":"s","cidr":"10.0.0.0/24","colour":"red"}]}}"#).unwrap_err();
        match e {
            PlanError::Shape { path, message } => {
                assert_eq!(path, "vnet.subnets[0].colour");
                assert!(message.contains("colour"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = Plan::from_json(r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"nodePools":[{"name":"p","count":-3}]}"#).unwrap_err();
        assert!(
            matches!(e, PlanError::Shape { ref path, .. } if path == "nodePools[0].count"),
            "{e}"
        );
        let e = Plan::from_json(r#"{"version":2}"#).unwrap_err();
        assert!(e.to_string().contains("newer byocni"), "{e}");
        assert!(Plan::from_json("[1,2]").is_err());
        assert!(Plan::from_json("{").is_err());
    }

    #[test]
    fn defaults() {
        let p = Plan::from_json(
            r#"{"version":1,"cluster":{"name":"my_cluster-","resourceGroup":"b","location":"c"}}"#,
        )
        .unwrap();
        assert_eq!(p.effective_service_cidr(), "10.0.0.0/16");
        assert_eq!(p.effective_dns_service_ip(), "10.0.0.10");
        assert_eq!(p.effective_node_pools(), vec![NodePool::default_pool()]);
        assert_eq!(p.node_subnet_cidr(), Some(MANAGED_NODE_SUBNET));
        assert_eq!(p.effective_dns_prefix(), "mycluster");
        assert_eq!(p.cni.plugin, CniPlugin::Cilium);
    }

    #[test]
    fn max_surge_reads_a_string_a_number_or_nothing() {
        let pool = |surge: &str| {
            Plan::from_json(&format!(
                r#"{{"version":1,"cluster":{{"name":"a","resourceGroup":"b","location":"c"}},"nodePools":[{{"name":"p","count":3,"maxSurge":{surge}}}]}}"#
            ))
            .map(|p| p.node_pools.unwrap()[0].max_surge.clone())
        };
        assert_eq!(pool(r#""33%""#).unwrap().as_deref(), Some("33%"));
        assert_eq!(pool("3").unwrap().as_deref(), Some("3"));
        assert_eq!(pool("null").unwrap(), None);
        for bad in ["1.5", "-3", "true", "[]"] {
            let e = pool(bad).unwrap_err().to_string();
            assert!(
                e.contains("expected a string such as \"33%\" or a whole number"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn max_surge() {
        assert_eq!(parse_max_surge("33%"), Some(MaxSurge::Percent(33)));
        assert_eq!(parse_max_surge("3"), Some(MaxSurge::Count(3)));
        assert_eq!(parse_max_surge("0%"), None);
        assert_eq!(parse_max_surge("101%"), None);
        assert_eq!(parse_max_surge("x"), None);
        assert_eq!(MaxSurge::Percent(33).nodes_for(10), 4);
        assert_eq!(MaxSurge::Percent(10).nodes_for(3), 1);
        // Rule 24: a count surges at most the pool.
        assert_eq!(MaxSurge::Count(300).nodes_for(10), 10);
        assert_eq!(MaxSurge::Count(2).nodes_for(10), 2);
        for bad in [
            "0",
            "+5",
            " 5",
            "5 ",
            "05",
            "5 %",
            "-1",
            "",
            "%",
            "4294967296",
        ] {
            assert_eq!(parse_max_surge(bad), None, "{bad:?}");
        }
    }
}
