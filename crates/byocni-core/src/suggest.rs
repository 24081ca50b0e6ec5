//! `suggest`: fills in what a plan leaves out (pod CIDR, service CIDR, DNS IP, VNet space, node
//! subnet) with ranges that avoid the VNet, every connected network and every reserved range,
//! sized from the capacity the plan needs, preferring RFC 1918 space and AKS's conventional
//! choices when they are free.
//!

use serde::Serialize;

use crate::check::{
    dns_suggestion, node_addresses_needed, AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN,
};
use crate::cidr::{prefix_for_addresses, Cidr};
use crate::plan::{
    Plan, Subnet, SubnetRole, Vnet, DEFAULT_SERVICE_CIDR, MANAGED_NODE_SUBNET, MANAGED_VNET_SPACE,
};
use crate::space::Taken;

/// A completed plan and what was filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The plan with every gap filled.
    pub plan: Plan,
    /// What was filled, in order.
    pub filled: Vec<Filled>,
}

/// One filled-in field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filled {
    /// Dotted JSON path of the field.
    pub field: String,
    /// The value chosen.
    pub value: String,
    /// Why this value (size needed, conventional choice...).
    pub reason: String,
}

/// Why no suggestion could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuggestError {
    /// No free block of the needed size is left in private space.
    #[error("{field}: no free /{prefix_len} is left in private address space ({needed}); free some space or plan smaller")]
    NoFreeSpace {
        /// The field that could not be filled.
        field: String,
        /// The block size that was needed.
        prefix_len: u8,
        /// What the size was computed from.
        needed: String,
    },
}

/// AKS's conventional pod CIDR (kubenet's and overlay's default), preferred when free.
pub const CONVENTIONAL_POD_CIDR: &str = "10.244.0.0/16";

/// Fills the plan's gaps: VNet space and node subnet, then the service CIDR and DNS IP, then the
/// pod CIDR, each chosen from what is still free and added to the taken space before the next.
///
/// Cost: one sort of every range the plan must avoid (O(n log n) in connected networks), then a
/// binary search per choice.
pub fn suggest(plan: &Plan) -> Result<Suggestion, SuggestError> {
    suggest_into(plan.clone())
}

/// [`suggest`] on an owned plan: no copy of its (possibly 1,000,000) connected networks.
pub fn suggest_into(plan: Plan) -> Result<Suggestion, SuggestError> {
    let mut out = plan;
    let filled = fill(&mut out)?;
    Ok(Suggestion { plan: out, filled })
}

/// Fills the gaps of `out` in place, returning what was filled.
fn fill(out: &mut Plan) -> Result<Vec<Filled>, SuggestError> {
    // Keep the plan as given for reference, without copying its connected networks.
    let networks = std::mem::take(&mut out.connected_networks);
    let given = out.clone();
    let result = fill_gaps(&given, &networks, out);
    out.connected_networks = networks;
    result
}

/// Fills the gaps of `out`, a copy of `plan` whose connected networks are `networks`.
fn fill_gaps(
    plan: &Plan,
    networks: &[crate::plan::ConnectedNetwork],
    out: &mut Plan,
) -> Result<Vec<Filled>, SuggestError> {
    let mut filled = Vec::new();
    let parse = |t: &str| Cidr::parse_lenient(t);
    // What a range inside the VNet must avoid: everything but the VNet's own prefixes.
    let inside: Vec<Cidr> = networks
        .iter()
        .filter_map(|n| parse(&n.cidr))
        .chain(
            AKS_RESERVED
                .iter()
                .chain(VNET_FORBIDDEN)
                .filter_map(|t| parse(t)),
        )
        .chain(plan.pod_cidr.as_deref().and_then(parse))
        .chain(plan.service_cidr.as_deref().and_then(parse))
        .chain(
            plan.vnet
                .iter()
                .flat_map(|v| v.subnets.iter().filter_map(|s| parse(&s.cidr))),
        )
        .collect();
    let vnet_spaces = plan
        .vnet
        .iter()
        .flat_map(|v| v.address_space.iter().filter_map(|t| parse(t)));
    // What a range outside the VNet must avoid: all of that and the VNet.
    let mut taken = Taken::new(inside.iter().copied().chain(vnet_spaces));
    let pools = plan.effective_node_pools();
    let (max_nodes, surge) = plan.node_totals();
    let node_ips = node_addresses_needed(plan);

    // 1. The VNet. Without one AKS makes 10.224.0.0/12; keep that unless it collides.
    let managed = parse(MANAGED_VNET_SPACE).expect("constant parses");
    match &mut out.vnet {
        None => {
            if taken.overlaps(managed) {
                let prefix = prefix_for_addresses(node_ips).map_or(16, |p| p.min(16));
                let space = choose(&taken, &[], prefix, "vnet.addressSpace", || {
                    format!("a /{prefix} VNet for {node_ips} node-subnet addresses")
                })?;
                taken.insert(space);
                let subnet = Cidr::new(
                    space.network(),
                    prefix_for_addresses(node_ips)
                        .map_or(24, |p| p.min(24))
                        .max(prefix),
                )
                .expect("prefix <= 32");
                filled.push(Filled {
                    field: "vnet".into(),
                    value: space.to_string(),
                    reason: format!(
                        "AKS's managed VNet {MANAGED_VNET_SPACE} collides with a connected network or reserved range, so the plan gets its own VNet {space} with node subnet {subnet}"
                    ),
                });
                out.vnet = Some(Vnet {
                    name: format!("{}-vnet", plan.cluster.name),
                    address_space: vec![space.to_string()],
                    subnets: vec![Subnet {
                        name: "nodes".into(),
                        cidr: subnet.to_string(),
                        role: SubnetRole::Nodes,
                    }],
                });
            }
        }
        Some(v) => {
            if v.address_space.iter().all(|t| t.trim().is_empty()) {
                let prefix = prefix_for_addresses(node_ips).map_or(16, |p| p.min(16));
                let space = choose(
                    &taken,
                    &[managed],
                    prefix.min(12),
                    "vnet.addressSpace",
                    || format!("a VNet for {node_ips} node-subnet addresses"),
                )
                .or_else(|_| {
                    choose(&taken, &[], prefix, "vnet.addressSpace", || {
                        format!("a /{prefix} VNet for {node_ips} node-subnet addresses")
                    })
                })?;
                taken.insert(space);
                v.address_space = vec![space.to_string()];
                filled.push(Filled {
                    field: "vnet.addressSpace".into(),
                    value: space.to_string(),
                    reason: if space == managed {
                        "AKS's conventional VNet space, free".into()
                    } else {
                        format!("the first free /{} in private space", space.prefix_len())
                    },
                });
            }
            if v.subnets.is_empty() {
                // Conventional /16 when it is free, else the smallest block that fits (at least a /24).
                let need = prefix_for_addresses(node_ips).unwrap_or(16);
                let spaces: Vec<Cidr> = v.address_space.iter().filter_map(|t| parse(t)).collect();
                let conventional = parse(MANAGED_NODE_SUBNET).expect("constant parses");
                let inner = Taken::new(inside.iter().copied());
                let pick = if need >= 16
                    && spaces.iter().any(|s| s.contains(conventional))
                    && !inner.overlaps(conventional)
                {
                    Some(conventional)
                } else {
                    let want = need.min(24);
                    spaces
                        .iter()
                        .find_map(|s| inner.first_free(*s, want))
                        .or_else(|| spaces.iter().find_map(|s| inner.first_free(*s, need)))
                };
                let subnet = pick.ok_or_else(|| SuggestError::NoFreeSpace {
                    field: "vnet.subnets".into(),
                    prefix_len: need,
                    needed: format!("{node_ips} node-subnet addresses inside the VNet"),
                })?;
                v.subnets.push(Subnet {
                    name: "nodes".into(),
                    cidr: subnet.to_string(),
                    role: SubnetRole::Nodes,
                });
                filled.push(Filled {
                    field: "vnet.subnets[0]".into(),
                    value: subnet.to_string(),
                    reason: format!(
                        "node subnet: {max_nodes} nodes + {surge} surge + {} internal load balancers + 5 reserved = {node_ips} addresses",
                        plan.effective_internal_load_balancers()
                    ),
                });
            }
        }
    }

    // 2. Service CIDR and DNS IP: AKS's default when free.
    if plan
        .service_cidr
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        let dflt = parse(DEFAULT_SERVICE_CIDR).expect("constant parses");
        let svc = choose(&taken, &[dflt], 16, "serviceCidr", || {
            "a /16 of service IPs".into()
        })?;
        taken.insert(svc);
        out.service_cidr = Some(svc.to_string());
        filled.push(Filled {
            field: "serviceCidr".into(),
            value: svc.to_string(),
            reason: if svc == dflt {
                "AKS's default service CIDR, free".into()
            } else {
                format!("AKS's default {DEFAULT_SERVICE_CIDR} is taken; the first free /16 in private space")
            },
        });
        out.dns_service_ip = None;
    }
    if out
        .dns_service_ip
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        if let Some(dns) = out
            .service_cidr
            .as_deref()
            .and_then(parse)
            .and_then(dns_suggestion)
        {
            out.dns_service_ip = Some(dns.to_string());
            filled.push(Filled {
                field: "dnsServiceIP".into(),
                value: dns.to_string(),
                reason: "the .10 of the service CIDR, AKS's convention".into(),
            });
        }
    }

    // 3. Pod CIDR: one per-node block for every node the pools can reach, at least a /16.
    if plan.pod_cidr.as_deref().is_none_or(|t| t.trim().is_empty()) {
        let per_node = plan.effective_per_node_prefix().min(30);
        let nodes = max_nodes.saturating_add(surge).max(1);
        let bits = 64 - (nodes - 1).leading_zeros();
        let mut need = u32::from(per_node).saturating_sub(bits) as u8;
        if plan.cni.plugin == crate::plan::CniPlugin::Calico {
            let pods: u64 = pools
                .iter()
                .map(|p| u64::from(p.max_nodes()) * u64::from(p.effective_max_pods()))
                .fold(0u64, u64::saturating_add);
            need = need.min(prefix_for_addresses(pods).unwrap_or(0));
        }
        let want = need.min(16);
        let conventional = parse(CONVENTIONAL_POD_CIDR).and_then(|c| c.supernet(want).or(Some(c)));
        let conventional: Vec<Cidr> = conventional
            .into_iter()
            .filter(|c| c.prefix_len() == want)
            .collect();
        let pod = choose(&taken, &conventional, want, "podCidr", || {
            format!("{nodes} nodes x one /{per_node} block each")
        })
        .or_else(|_| {
            choose(&taken, &[], need, "podCidr", || {
                format!("{nodes} nodes x one /{per_node} block each")
            })
        })?;
        taken.insert(pod);
        out.pod_cidr = Some(pod.to_string());
        filled.push(Filled {
            field: "podCidr".into(),
            value: pod.to_string(),
            reason: format!(
                "{nodes} nodes (max + surge) x one /{per_node} {} block each{}",
                plan.cni.plugin.as_str(),
                if pod.to_string() == CONVENTIONAL_POD_CIDR {
                    ", at AKS's conventional pod CIDR"
                } else {
                    ""
                }
            ),
        });
    }
    Ok(filled)
}

/// The first of `preferred` that is free, else the first free `/prefix` in private space.
fn choose(
    taken: &Taken,
    preferred: &[Cidr],
    prefix: u8,
    field: &str,
    needed: impl Fn() -> String,
) -> Result<Cidr, SuggestError> {
    if let Some(c) = preferred.iter().find(|c| !taken.overlaps(**c)) {
        return Ok(*c);
    }
    PRIVATE_RANGES
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .find_map(|space| taken.first_free(space, prefix))
        .ok_or_else(|| SuggestError::NoFreeSpace {
            field: field.into(),
            prefix_len: prefix,
            needed: needed(),
        })
}
