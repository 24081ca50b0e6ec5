//! `suggest` for an estate (plan version 2, issue 13): fills the address space of new VNets
//! clear of every VNet, cluster range and connected network of the estate, the empty subnets of
//! new VNets (a node subnet sized for every cluster on it), the ClusterMesh ids of meshed
//! clusters, and each new cluster's pod CIDR, service CIDR and DNS IP through v1's
//! [`crate::suggest`] on its projection, with every VNet and every other cluster's pod CIDR
//! added to what it must avoid (so meshed clusters get unique pod CIDRs). Peerings, existing
//! VNets and existing clusters are never touched.

use serde::Serialize;

use crate::check::{node_addresses_needed, AKS_RESERVED, PRIVATE_RANGES, VNET_FORBIDDEN};
use crate::cidr::{prefix_for_addresses, Cidr};
use crate::estate::Estate;
use crate::plan::ConnectedNetwork;
use crate::space::Taken;
use crate::suggest::{suggest_into, Filled, SuggestError};

/// A completed estate and what was filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EstateSuggestion {
    /// The estate with its gaps filled.
    pub estate: Estate,
    /// What was filled, in order, at estate paths.
    pub filled: Vec<Filled>,
}

/// The size of a new VNet whose clusters need no more.
const NEW_VNET_PREFIX: u8 = 16;

fn fixed() -> impl Iterator<Item = Cidr> {
    AKS_RESERVED
        .iter()
        .chain(VNET_FORBIDDEN)
        .filter_map(|t| Cidr::parse(t).ok())
}

/// The first free block of `/prefix` in private space.
fn free_private(taken: &Taken, prefix: u8) -> Option<Cidr> {
    PRIVATE_RANGES
        .iter()
        .filter_map(|t| Cidr::parse(t).ok())
        .find_map(|space| taken.first_free(space, prefix))
}

/// Fills an estate's gaps (see the module documentation).
pub fn suggest_estate(estate: &Estate) -> Result<EstateSuggestion, SuggestError> {
    let mut out = estate.clone();
    let mut filled = Vec::new();
    let parse = |t: &str| Cidr::parse_lenient(t);

    // Everything the estate already takes.
    let mut taken = Taken::new(
        estate
            .connected_networks
            .iter()
            .filter_map(|n| parse(&n.cidr))
            .chain(fixed())
            .chain(estate.vnets.iter().flat_map(|v| {
                v.address_space
                    .iter()
                    .filter_map(|t| parse(t))
                    .chain(v.subnets.iter().filter_map(|s| parse(&s.cidr)))
            }))
            .chain(estate.clusters.iter().flat_map(|c| {
                c.pod_cidr
                    .as_deref()
                    .and_then(parse)
                    .into_iter()
                    .chain(c.service_cidr.as_deref().and_then(parse))
            })),
    );

    // 1. New VNets without address space.
    for v in 0..out.vnets.len() {
        let vn = &out.vnets[v];
        if vn.existing || vn.address_space.iter().any(|t| !t.trim().is_empty()) {
            continue;
        }
        let field = format!("vnets[{v}].addressSpace");
        let space = free_private(&taken, NEW_VNET_PREFIX).ok_or(SuggestError::NoFreeSpace {
            field: field.clone(),
            prefix_len: NEW_VNET_PREFIX,
            needed: "a new VNet of the estate".into(),
        })?;
        taken.insert(space);
        out.vnets[v].address_space = vec![space.to_string()];
        filled.push(Filled {
            field,
            value: space.to_string(),
            reason: format!(
                "a /{NEW_VNET_PREFIX} clear of every VNet, cluster range and connected network of the estate"
            ),
        });
    }

    // 2. Empty subnets of new VNets, inside the VNet: a node subnet sized for its clusters.
    for v in 0..out.vnets.len() {
        if out.vnets[v].existing {
            continue;
        }
        let spaces: Vec<Cidr> = out.vnets[v]
            .address_space
            .iter()
            .filter_map(|t| parse(t))
            .collect();
        let mut inside = Taken::new(
            out.vnets[v]
                .subnets
                .iter()
                .filter_map(|s| parse(&s.cidr))
                .chain(fixed()),
        );
        for s in 0..out.vnets[v].subnets.len() {
            if !out.vnets[v].subnets[s].cidr.trim().is_empty() {
                continue;
            }
            let users: Vec<usize> = (0..out.clusters.len())
                .filter(|&i| out.node_subnet_of(i) == Ok(Some((v, s))))
                .collect();
            let needed: u64 = users
                .iter()
                .filter_map(|&i| out.project_bare(i))
                .map(|p| node_addresses_needed(&p))
                .fold(0u64, u64::saturating_add);
            let prefix = if users.is_empty() {
                24
            } else {
                prefix_for_addresses(needed).map_or(24, |p| p.min(24))
            };
            let field = format!("vnets[{v}].subnets[{s}].cidr");
            let Some(c) = spaces.iter().find_map(|sp| inside.first_free(*sp, prefix)) else {
                return Err(SuggestError::NoFreeSpace {
                    field,
                    prefix_len: prefix,
                    needed: format!("a subnet inside VNet `{}`", out.vnets[v].name),
                });
            };
            inside.insert(c);
            out.vnets[v].subnets[s].cidr = c.to_string();
            filled.push(Filled {
                field,
                value: c.to_string(),
                reason: if users.is_empty() {
                    "a /24 inside the VNet".into()
                } else {
                    format!("{needed} node-subnet addresses for the clusters on it")
                },
            });
        }
    }

    // 3. Mesh ids: the lowest free one for each meshed cluster without an id.
    let limit = if out.max_connected_clusters() == 511 {
        511
    } else {
        255
    };
    let mut used: Vec<u32> = out
        .clusters
        .iter()
        .filter_map(|c| c.cluster_mesh.and_then(|m| m.id))
        .collect();
    for i in 0..out.clusters.len() {
        let c = &out.clusters[i];
        let Some(m) = c.cluster_mesh else { continue };
        if m.id.is_some() || c.existing {
            continue;
        }
        if let Some(id) = (1..=limit).find(|n| !used.contains(n)) {
            used.push(id);
            if let Some(m) = out.clusters[i].cluster_mesh.as_mut() {
                m.id = Some(id);
            }
            filled.push(Filled {
                field: format!("clusters[{i}].clusterMesh.id"),
                value: id.to_string(),
                reason: "the lowest id unused in the mesh".into(),
            });
        }
    }

    // 4. Each new cluster's ranges, clear of every VNet and every other cluster's pod CIDR.
    for i in 0..out.clusters.len() {
        if out.clusters[i].existing {
            continue;
        }
        let c = out.clusters[i].clone();
        let missing = |t: &Option<String>| t.as_deref().is_none_or(|t| t.trim().is_empty());
        if !(missing(&c.pod_cidr) || c.service_cidr.is_none() || c.dns_service_ip.is_none()) {
            continue;
        }
        let Some(mut plan) = out.project(i) else {
            continue;
        };
        let own = out.vnet_of(i);
        for (v, vn) in out.vnets.iter().enumerate() {
            if Some(v) == own {
                continue;
            }
            plan.connected_networks
                .extend(vn.address_space.iter().map(|t| ConnectedNetwork {
                    name: format!("vnet {}", vn.name),
                    cidr: t.clone(),
                }));
        }
        for (j, other) in out.clusters.iter().enumerate() {
            if j != i {
                if let Some(p) = &other.pod_cidr {
                    plan.connected_networks.push(ConnectedNetwork {
                        name: format!("cluster {} pods", other.name),
                        cidr: p.clone(),
                    });
                }
            }
        }
        let s = suggest_into(plan)?;
        for f in s.filled {
            let target = match f.field.as_str() {
                "podCidr" => &mut out.clusters[i].pod_cidr,
                "serviceCidr" => &mut out.clusters[i].service_cidr,
                "dnsServiceIP" => &mut out.clusters[i].dns_service_ip,
                // The VNet is the estate's to fill (step 1), never v1's.
                _ => continue,
            };
            *target = Some(f.value.clone());
            filled.push(Filled {
                field: out.estate_path(i, &f.field),
                value: f.value,
                reason: format!("cluster `{}`: {}", c.name, f.reason),
            });
        }
    }
    Ok(EstateSuggestion {
        estate: out,
        filled,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::check::check_estate;

    /// Two new meshed clusters on new VNets with nothing filled, an existing VNet taking
    /// 10.0.0.0/16 and an existing meshed cluster with pods in 10.244.0.0/16 and id 1: suggest
    /// fills VNets clear of the existing one, node subnets, ids 2 and 3, and pod CIDRs unique in
    /// the mesh; the result checks clean and peerings are untouched.
    #[test]
    fn suggest_fills_an_estate_that_then_checks_clean() {
        let doc = json!({
            "version": 2, "name": "t",
            "vnets": [
                {"name": "hub", "resourceGroup": "rg", "location": "westeurope",
                 "addressSpace": ["10.0.0.0/16"], "existing": true},
                {"name": "va", "resourceGroup": "rg", "location": "westeurope",
                 "subnets": [{"name": "nodes"}]},
                {"name": "vb", "resourceGroup": "rg", "location": "westeurope",
                 "subnets": [{"name": "nodes"}]}
            ],
            "peerings": [{"between": ["va", "vb"]}, {"between": ["hub", "va"]},
                         {"between": ["hub", "vb"]}],
            "clusters": [
                {"name": "old", "resourceGroup": "rg", "location": "westeurope", "existing": true,
                 "networkPlugin": "none", "podCidr": "10.244.0.0/16", "clusterMesh": {"id": 1},
                 "nodeSubnet": "va/nodes"},
                {"name": "ca", "resourceGroup": "rg", "location": "westeurope",
                 "nodeSubnet": "va/nodes", "clusterMesh": {}},
                {"name": "cb", "resourceGroup": "rg", "location": "westeurope",
                 "nodeSubnet": "vb/nodes", "clusterMesh": {}}
            ]
        });
        let e = Estate::from_value(doc).unwrap();
        let s = suggest_estate(&e).unwrap();
        let out = &s.estate;
        assert_eq!(out.peerings, e.peerings);
        assert_eq!(out.clusters[0], e.clusters[0]);
        assert_eq!(out.vnets[0], e.vnets[0]);
        let va = Cidr::parse(&out.vnets[1].address_space[0]).unwrap();
        let vb = Cidr::parse(&out.vnets[2].address_space[0]).unwrap();
        let hub = Cidr::parse("10.0.0.0/16").unwrap();
        assert!(
            !va.overlaps(vb) && !va.overlaps(hub) && !vb.overlaps(hub),
            "{va} {vb}"
        );
        assert_eq!(out.clusters[1].cluster_mesh.unwrap().id, Some(2));
        assert_eq!(out.clusters[2].cluster_mesh.unwrap().id, Some(3));
        let pods: Vec<Cidr> = out
            .clusters
            .iter()
            .map(|c| Cidr::parse(c.pod_cidr.as_deref().unwrap()).unwrap())
            .collect();
        assert!(!pods[0].overlaps(pods[1]) && !pods[0].overlaps(pods[2]));
        assert!(!pods[1].overlaps(pods[2]));
        let fields: Vec<&str> = s.filled.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"vnets[1].addressSpace"), "{fields:?}");
        assert!(fields.contains(&"vnets[2].subnets[0].cidr"), "{fields:?}");
        assert!(fields.contains(&"clusters[2].podCidr"), "{fields:?}");
        let r = check_estate(out, None);
        let errors: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // Suggesting again fills nothing.
        assert!(suggest_estate(out).unwrap().filled.is_empty());
    }

    /// Service CIDRs may repeat across clusters: suggest gives each cluster AKS's default when
    /// it is free for that cluster.
    #[test]
    fn service_cidrs_may_repeat() {
        let e = Estate::from_value(json!({
            "version": 2, "name": "t",
            "clusters": [
                {"name": "ca", "resourceGroup": "rg", "location": "westeurope"},
                {"name": "cb", "resourceGroup": "rg", "location": "westeurope"}
            ]
        }))
        .unwrap();
        let s = suggest_estate(&e).unwrap();
        assert_eq!(
            s.estate.clusters[0].service_cidr,
            s.estate.clusters[1].service_cidr
        );
        assert_ne!(s.estate.clusters[0].pod_cidr, s.estate.clusters[1].pod_cidr);
    }
}
