//! The capacity report: node subnet IPs needed vs usable, pod CIDR nodes/pods supported vs
//! planned for the chosen CNI, service CIDR size.
//!
//! OWNER: the checks helper.

use serde::Serialize;

use crate::cidr::Cidr;
use crate::plan::Plan;

/// How full each range will be. A part is `None` when its range does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    /// The node subnet.
    pub node_subnet: Option<NodeSubnetCapacity>,
    /// The pod CIDR under the plan's CNI.
    pub pods: Option<PodCapacity>,
    /// The service CIDR.
    pub services: Option<ServiceCapacity>,
}

/// Node subnet: usable IPs vs needed (max nodes + surge + ILB + 5 reserved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSubnetCapacity {
    /// The node subnet.
    pub cidr: Cidr,
    /// Addresses in the subnet.
    pub total: u64,
    /// Addresses Azure lets nodes use (total - 5).
    pub usable: u64,
    /// Sum over pools of their max node count.
    pub max_nodes: u64,
    /// Sum over pools of their surge nodes.
    pub surge_nodes: u64,
    /// Internal load balancer front ends.
    pub internal_load_balancers: u64,
    /// Addresses needed including the 5 Azure reserves: max nodes + surge + ILB + 5.
    pub needed: u64,
}

/// Pod CIDR under the CNI's per-node blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCapacity {
    /// The pod CIDR.
    pub cidr: Cidr,
    /// Per-node block prefix length.
    pub per_node_prefix: u8,
    /// Nodes the pod CIDR can give a block to: 2^(per-node prefix - pod prefix).
    pub nodes_supported: u64,
    /// Nodes planned: max nodes + surge.
    pub nodes_planned: u64,
    /// Pods one node's block can address.
    pub pods_per_node_supported: u64,
    /// The largest max pods of any pool.
    pub pods_per_node_planned: u64,
    /// Pods the whole CIDR can address.
    pub pods_supported: u64,
    /// Pods planned: sum over pools of max nodes x max pods.
    pub pods_planned: u64,
}

/// Service CIDR size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceCapacity {
    /// The service CIDR.
    pub cidr: Cidr,
    /// Addresses in it.
    pub total: u64,
    /// ClusterIPs assignable (total minus network, `kubernetes` service and broadcast).
    pub usable: u64,
}

/// Computes the capacity report.
pub fn capacity(_plan: &Plan) -> Capacity {
    Capacity::default()
}
