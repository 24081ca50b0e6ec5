//! The capacity report: node subnet IPs needed vs usable, pod CIDR nodes/pods supported vs
//! planned for the chosen CNI, service CIDR size.
//!
//! OWNER: the checks helper.

use serde::Serialize;

use crate::cidr::{prefix_for_addresses, Cidr};
use crate::finding::{Finding, Rule};
use crate::plan::{CniPlugin, Plan};

use super::context::{free_private, taken_except, taken_without_vnet, Ranges};

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
    /// The API server subnet (`apiServer.vnetIntegration`); absent without VNet integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server_subnet: Option<ApiServerSubnetCapacity>,
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
    /// A private cluster's API server endpoint: 1 in the first pool's subnet, else 0 (and
    /// absent from the JSON).
    #[serde(skip_serializing_if = "is_zero")]
    pub private_endpoint: u64,
    /// Addresses needed including the 5 Azure reserves: max nodes + surge + ILB + private
    /// endpoint + 5.
    pub needed: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The API server subnet of VNet integration: at least /28 with 9 free IPs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerSubnetCapacity {
    /// The subnet.
    pub cidr: Cidr,
    /// Addresses in it.
    pub total: u64,
    /// Addresses Azure leaves free (total - 5).
    pub usable: u64,
    /// Free addresses AKS needs (9).
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

/// Pod IPs a per-node block of `prefix_len` gives under `plugin`: Cilium's cluster-pool (and the
/// generic model used for other plugins) hands out every address but the block's network and
/// broadcast; Calico uses the whole block (and borrows from other blocks when one is full).
pub fn pods_per_block(plugin: CniPlugin, prefix_len: u8) -> u64 {
    let size = 1u64 << (32 - u32::from(prefix_len.min(32)));
    match plugin {
        CniPlugin::Calico => size,
        _ => size.saturating_sub(2),
    }
}

/// Computes the capacity report.
pub fn capacity(plan: &Plan) -> Capacity {
    let pools = plan.effective_node_pools();
    let (max_nodes, surge_nodes) = plan.node_totals();
    let ilb = u64::from(plan.effective_internal_load_balancers());
    let pe = private_endpoint(plan);
    let node_subnet = plan
        .node_subnet_cidr()
        .and_then(Cidr::parse_lenient)
        .map(|cidr| NodeSubnetCapacity {
            cidr,
            total: cidr.size(),
            usable: cidr.size().saturating_sub(5),
            max_nodes,
            surge_nodes,
            internal_load_balancers: ilb,
            private_endpoint: pe,
            needed: max_nodes
                .saturating_add(surge_nodes)
                .saturating_add(ilb)
                .saturating_add(pe)
                .saturating_add(5),
        });
    let per_node = plan.effective_per_node_prefix();
    let pods = plan
        .pod_cidr
        .as_deref()
        .and_then(Cidr::parse_lenient)
        .map(|cidr| {
            let blocks = if per_node >= cidr.prefix_len() && per_node <= 32 {
                1u64 << u32::from(per_node - cidr.prefix_len())
            } else {
                0
            };
            let per_block = pods_per_block(plan.cni.plugin, per_node);
            let pods_supported = match plan.cni.plugin {
                CniPlugin::Calico => cidr.size(),
                _ => blocks.saturating_mul(per_block),
            };
            PodCapacity {
                cidr,
                per_node_prefix: per_node,
                nodes_supported: blocks,
                nodes_planned: max_nodes.saturating_add(surge_nodes),
                pods_per_node_supported: per_block,
                pods_per_node_planned: pools
                    .iter()
                    .map(|p| u64::from(p.effective_max_pods()))
                    .max()
                    .unwrap_or(0),
                pods_supported,
                pods_planned: pools
                    .iter()
                    .map(|p| u64::from(p.max_nodes()) * u64::from(p.effective_max_pods()))
                    .fold(0u64, u64::saturating_add),
            }
        });
    let services = Cidr::parse_lenient(plan.effective_service_cidr()).map(|cidr| ServiceCapacity {
        cidr,
        total: cidr.size(),
        usable: cidr.size().saturating_sub(3),
    });
    let api_server_subnet = plan
        .api_server_subnet()
        .and_then(|(_, s)| Cidr::parse_lenient(&s.cidr))
        .map(|cidr| ApiServerSubnetCapacity {
            cidr,
            total: cidr.size(),
            usable: cidr.size().saturating_sub(5),
            needed: super::around::APISERVER_SUBNET_FREE,
        });
    Capacity {
        node_subnet,
        pods,
        services,
        api_server_subnet,
    }
}

/// The private cluster's endpoint in the first pool's subnet: 1 or 0.
fn private_endpoint(plan: &Plan) -> u64 {
    u64::from(plan.is_private_cluster())
}

/// Addresses the node subnet needs: max nodes + surge + ILB + private endpoint + 5 (rule 11).
pub fn node_addresses_needed(plan: &Plan) -> u64 {
    let (nodes, surge) = plan.node_totals();
    nodes
        .saturating_add(surge)
        .saturating_add(u64::from(plan.effective_internal_load_balancers()))
        .saturating_add(private_endpoint(plan))
        .saturating_add(5)
}

pub(super) fn check_capacity(plan: &Plan, r: &Ranges, cap: &Capacity, out: &mut Vec<Finding>) {
    if let (Some(ns), Some(ix)) = (&cap.node_subnet, r.node_subnet) {
        let l = &r.subnets[ix];
        if ns.needed > ns.total {
            // Only the private endpoint does not fit: its own rule says so.
            let mut f = if ns.private_endpoint > 0 && ns.needed - ns.private_endpoint <= ns.total {
                Finding::new(
                    Rule::PrivateEndpointIp,
                    &l.field,
                    format!(
                        "{} has {} usable addresses: the pools fit ({} nodes at most + {} surge + {} internal load balancer IPs), but the private cluster's API server endpoint (apiServer.private) needs one more",
                        l.label, ns.usable, ns.max_nodes, ns.surge_nodes, ns.internal_load_balancers
                    ),
                )
                .related("apiServer.private")
            } else {
                let pe = if ns.private_endpoint > 0 {
                    " + 1 private endpoint"
                } else {
                    ""
                };
                Finding::new(
                    Rule::NodeSubnetTooSmall,
                    &l.field,
                    format!(
                        "{} has {} usable addresses but the pools need {}: {} nodes at most + {} surge + {} internal load balancer IPs{pe}, plus the 5 Azure reserves in every subnet",
                        l.label, ns.usable, ns.needed - 5, ns.max_nodes, ns.surge_nodes, ns.internal_load_balancers
                    ),
                )
            };
            if let (Some(p), true) = (prefix_for_addresses(ns.needed), l.field != "vnet") {
                // Same start if it still fits in the VNet and collides with nothing, else the
                // first free block of the VNet.
                let taken = taken_without_vnet(r, &l.field);
                let choice = Cidr::new(l.cidr.network(), p)
                    .filter(|c| r.vnet.iter().any(|v| v.cidr.contains(*c)) && !taken.overlaps(*c))
                    .or_else(|| r.vnet.iter().find_map(|v| taken.first_free(v.cidr, p)));
                if let Some(c) = choice {
                    f = f.fix_set(
                        format!(
                            "use {c}, the smallest subnet that fits ({} addresses)",
                            c.size()
                        ),
                        &l.field,
                        c.to_string(),
                    );
                }
            }
            out.push(f.advice_if_none("make the node subnet larger, or plan fewer nodes"));
        }
    }
    if let Some(pc) = &cap.pods {
        let p = plan.effective_per_node_prefix();
        if p < pc.cidr.prefix_len() || p > 30 {
            out.push(Finding::new(
                Rule::PerNodePrefixInvalid,
                "cni.perNodePrefix",
                format!(
                    "cni.perNodePrefix /{p} does not fit podCidr {}: each node's block must be /{} to /30",
                    pc.cidr,
                    pc.cidr.prefix_len()
                ),
            ).fix_set(format!("use the plugin's default /{}", plan.cni.plugin.default_per_node_prefix()), "cni.perNodePrefix", plan.cni.plugin.default_per_node_prefix()));
            return;
        }
        if pc.nodes_supported < pc.nodes_planned {
            let mut f = Finding::new(
                Rule::PodCidrTooSmall,
                "podCidr",
                format!(
                    "podCidr {} gives {} nodes a /{p} block each, but the pools reach {} nodes during upgrades (max nodes + surge)",
                    pc.cidr, pc.nodes_supported, pc.nodes_planned
                ),
            );
            let bits = 64 - (pc.nodes_planned.max(1) - 1).leading_zeros();
            if let Some(want) = u32::from(p).checked_sub(bits).map(|w| w as u8) {
                if let Some(l) = &r.pod {
                    if let Some(free) = free_private(&taken_except(r, &l.field), want) {
                        f = f.fix_set(
                            format!("use {free} ({} nodes)", 1u64 << bits),
                            "podCidr",
                            free.to_string(),
                        );
                    }
                }
            }
            out.push(f.advice_if_none("use a larger pod CIDR or a smaller per-node block"));
        }
        // Calico borrows addresses from other blocks, so its block size is no per-node limit.
        if pc.pods_per_node_supported < pc.pods_per_node_planned
            && plan.cni.plugin != CniPlugin::Calico
        {
            let need = prefix_for_addresses(pc.pods_per_node_planned + 2).unwrap_or(24);
            out.push(
                Finding::new(
                    Rule::PerNodePrefixInvalid,
                    "cni.perNodePrefix",
                    format!(
                        "a /{p} block per node gives {} pod IPs, but a pool allows {} pods per node (maxPods)",
                        pc.pods_per_node_supported, pc.pods_per_node_planned
                    ),
                )
                .fix_set(format!("use /{need}"), "cni.perNodePrefix", need),
            );
        }
        if pc.pods_supported < pc.pods_planned
            && pc.nodes_supported >= pc.nodes_planned
            && plan.cni.plugin == CniPlugin::Calico
        {
            out.push(Finding::new(
                Rule::PodCidrTooSmall,
                "podCidr",
                format!(
                    "podCidr {} holds {} pod IPs but the pools allow {} pods",
                    pc.cidr, pc.pods_supported, pc.pods_planned
                ),
            ));
        }
    }
}
