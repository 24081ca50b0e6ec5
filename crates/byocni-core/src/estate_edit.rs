//! Editing an estate one cluster at a time (the web planner's estate view, issue 13): the
//! planner edits cluster `i`'s projection ([`Estate::project`], a v1 [`Plan`]) with v1's fast
//! check, and [`Estate::absorb`] writes the edited projection back into the estate: the
//! cluster's own fields, its VNet, and the estate's connected networks. [`Estate::add_cluster`]
//! adds a new cluster on a new VNet whose ranges `suggest` then fills.

use crate::estate::{Estate, EstateCluster, EstateSubnet, EstateVnet};
use crate::plan::{ConnectedNetwork, Plan, SubnetRole};

impl Estate {
    /// [`Estate::project`] without the connected networks: cheap for an estate with many of
    /// them (the web planner's estate map reads each cluster's ranges through it).
    pub fn project_without_networks(&self, i: usize) -> Option<Plan> {
        self.project_bare(i)
    }

    /// The connected networks cluster `i`'s projection adds after the estate's own: the
    /// address prefixes of the VNets peered directly with its VNet.
    fn peer_networks(&self, i: usize) -> Vec<ConnectedNetwork> {
        let Some(v) = self.vnet_of(i) else {
            return Vec::new();
        };
        self.peers_of(v)
            .into_iter()
            .flat_map(|(w, _)| {
                let vn = &self.vnets[w];
                vn.address_space.iter().map(|c| ConnectedNetwork {
                    name: format!("vnet {}", vn.name),
                    cidr: c.clone(),
                })
            })
            .collect()
    }

    /// Writes `plan`, an edited projection of cluster `i`, back into the estate; false (and the
    /// estate unchanged) when there is no cluster `i`.
    ///
    /// - The cluster takes the plan's identity, ranges, pools, CNI, outbound, API server and
    ///   NSG; its `existing`, `networkPlugin` and `clusterMesh` stay. A CNI equal to the default
    ///   stays omitted when it was.
    /// - Its VNet takes the plan's VNet: name (peerings and other clusters' `nodeSubnet`s follow
    ///   a rename), address space and subnets; a subnet keeps its estate role unless the edit
    ///   changed the projected one. The node subnet the plan names becomes the cluster's
    ///   `nodeSubnet`. A plan without a VNet puts the cluster on AKS's managed VNet (the estate's
    ///   VNet stays: others may use it); a plan with a VNet for a cluster without one adds it.
    /// - With `connected` (the plan's connected networks were edited), the estate's connected
    ///   networks become the plan's, less the peered VNets' prefixes the projection appended
    ///   (an edited one of those is the estate's own from then on: a cluster's view cannot
    ///   change another VNet). Without it they stay.
    pub fn absorb(&mut self, i: usize, plan: &Plan, connected: bool) -> bool {
        if i >= self.clusters.len() {
            return false;
        }
        if connected {
            let peers = self.peer_networks(i);
            let mut nets = plan.connected_networks.clone();
            if nets.len() >= peers.len() && nets[nets.len() - peers.len()..] == peers[..] {
                nets.truncate(nets.len() - peers.len());
            } else {
                nets.retain(|n| !peers.contains(n));
            }
            self.connected_networks = nets;
        }
        let projected = self.project_bare(i);
        let node_subnet = match (&plan.vnet, self.vnet_of(i)) {
            (None, _) => None,
            (Some(pv), at) => {
                let v = if let Some(v) = at {
                    v
                } else {
                    let c = &self.clusters[i];
                    self.vnets.push(EstateVnet {
                        name: pv.name.clone(),
                        resource_group: c.resource_group.clone(),
                        location: c.location.clone(),
                        address_space: Vec::new(),
                        subnets: Vec::new(),
                        existing: false,
                    });
                    self.vnets.len() - 1
                };
                let old_name = self.vnets[v].name.clone();
                if old_name != pv.name {
                    self.rename_vnet(&old_name, &pv.name);
                }
                let before = projected.as_ref().and_then(|p| p.vnet.as_ref());
                let vn = &mut self.vnets[v];
                vn.address_space.clone_from(&pv.address_space);
                let subnets = pv
                    .subnets
                    .iter()
                    .enumerate()
                    .map(|(k, s)| {
                        let was = vn.subnets.get(k);
                        let shown = before.and_then(|b| b.subnets.get(k)).map(|b| b.role);
                        let role = match (was, shown) {
                            (Some(w), Some(r)) if r == s.role => w.role,
                            _ => s.role,
                        };
                        EstateSubnet {
                            name: s.name.clone(),
                            cidr: s.cidr.clone(),
                            role,
                        }
                    })
                    .collect();
                vn.subnets = subnets;
                let node = pv.node_subnet().map_or("", |s| s.name.as_str());
                Some(format!("{}/{node}", pv.name))
            }
        };
        let c = &mut self.clusters[i];
        c.name.clone_from(&plan.cluster.name);
        c.resource_group.clone_from(&plan.cluster.resource_group);
        c.location.clone_from(&plan.cluster.location);
        c.dns_prefix.clone_from(&plan.cluster.dns_prefix);
        c.node_resource_group
            .clone_from(&plan.cluster.node_resource_group);
        c.node_subnet = node_subnet;
        c.pod_cidr.clone_from(&plan.pod_cidr);
        c.service_cidr.clone_from(&plan.service_cidr);
        c.dns_service_ip.clone_from(&plan.dns_service_ip);
        c.node_pools.clone_from(&plan.node_pools);
        c.internal_load_balancers = plan.internal_load_balancers;
        if c.cni.is_some() || plan.cni != crate::plan::Cni::default() {
            c.cni = Some(plan.cni.clone());
        }
        c.outbound.clone_from(&plan.outbound);
        c.api_server.clone_from(&plan.api_server);
        c.nsg.clone_from(&plan.nsg);
        true
    }

    /// Renames VNet `from` to `to` where the estate names it: its own name, peerings and
    /// clusters' `nodeSubnet`s.
    fn rename_vnet(&mut self, from: &str, to: &str) {
        if let Some(v) = self.vnet_index(from) {
            self.vnets[v].name = to.to_owned();
        }
        for p in &mut self.peerings {
            for end in &mut p.between {
                if end.eq_ignore_ascii_case(from) {
                    *end = to.to_owned();
                }
            }
        }
        for c in &mut self.clusters {
            if let Some((v, s)) = c.node_subnet.as_deref().and_then(|t| t.split_once('/')) {
                if v.eq_ignore_ascii_case(from) {
                    c.node_subnet = Some(format!("{to}/{s}"));
                }
            }
        }
    }

    /// Adds a new cluster, `cluster-N` (the first N free), on a new VNet `aks-cluster-N` with
    /// one empty node subnet, in the resource group and region of cluster `like` (or the
    /// first cluster), with no ranges: `suggest` fills the VNet, subnet, pod and service CIDRs.
    /// Returns its position.
    pub fn add_cluster(&mut self, like: usize) -> usize {
        let (rg, location) = self
            .clusters
            .get(like)
            .or(self.clusters.first())
            .map_or(("rg-aks".to_owned(), "westeurope".to_owned()), |c| {
                (c.resource_group.clone(), c.location.clone())
            });
        // At most one name per cluster and VNet is taken: one of these is free.
        let tries = self.clusters.len() + self.vnets.len() + 1;
        let name = (self.clusters.len() + 1..)
            .take(tries)
            .map(|n| format!("cluster-{n}"))
            .find(|n| {
                self.cluster_index(n).is_none() && self.vnet_index(&format!("aks-{n}")).is_none()
            })
            .unwrap_or_default();
        let vnet = format!("aks-{name}");
        self.vnets.push(EstateVnet {
            name: vnet.clone(),
            resource_group: rg.clone(),
            location: location.clone(),
            address_space: Vec::new(),
            subnets: vec![EstateSubnet {
                name: "nodes".into(),
                cidr: String::new(),
                role: SubnetRole::Nodes,
            }],
            existing: false,
        });
        self.clusters.push(EstateCluster {
            name: name.clone(),
            resource_group: rg,
            location,
            dns_prefix: None,
            node_resource_group: None,
            existing: false,
            network_plugin: None,
            node_subnet: Some(format!("{vnet}/nodes")),
            pod_cidr: None,
            service_cidr: None,
            dns_service_ip: None,
            node_pools: None,
            internal_load_balancers: None,
            cni: None,
            cluster_mesh: None,
            outbound: None,
            api_server: None,
            nsg: None,
        });
        self.clusters.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply_edit;
    use crate::Edit;

    const BLUEGREEN: &str = include_str!("../../../tests/fixtures/estate-bluegreen.json");
    const MESH3: &str = include_str!("../../../tests/fixtures/estate-mesh3.json");

    #[test]
    fn absorbing_a_projection_unchanged_changes_nothing() {
        for text in [BLUEGREEN, MESH3] {
            let e = Estate::from_json(text).unwrap();
            for i in 0..e.clusters.len() {
                let mut f = e.clone();
                assert!(f.absorb(i, &e.project(i).unwrap(), true));
                assert_eq!(f, e, "cluster {i}");
            }
            assert!(!e.clone().absorb(99, &Plan::example(), true));
        }
    }

    #[test]
    fn an_edit_of_the_projection_lands_at_its_estate_path() {
        let e = Estate::from_json(MESH3).unwrap();
        let edit = |path: &str, value: &str| {
            let p = e.project(1).unwrap();
            let p = apply_edit(
                &p,
                &Edit {
                    path: path.into(),
                    value: value.into(),
                },
            )
            .unwrap();
            let mut f = e.clone();
            f.absorb(1, &p, false);
            f
        };
        let f = edit("podCidr", "10.100.0.0/16");
        assert_eq!(f.clusters[1].pod_cidr.as_deref(), Some("10.100.0.0/16"));
        assert_eq!(f.clusters[0], e.clusters[0]);
        let f = edit("vnet.subnets[0].cidr", "10.11.16.0/20");
        assert_eq!(f.vnets[1].subnets[0].cidr, "10.11.16.0/20");
        // A renamed VNet: the peerings and the node subnet follow.
        let f = edit("vnet.name", "aks-bee");
        assert_eq!(f.vnets[1].name, "aks-bee");
        assert_eq!(f.clusters[1].node_subnet.as_deref(), Some("aks-bee/nodes"));
        assert!(f
            .peerings
            .iter()
            .any(|p| p.between.contains(&"aks-bee".into())));
        assert_eq!(f.project(0).unwrap().connected_networks.len(), 2);
    }

    #[test]
    fn connected_networks_keep_the_estates_own_and_drop_the_peers() {
        let e = Estate::from_json(BLUEGREEN).unwrap();
        let i = e.clusters.iter().position(|c| !c.existing).unwrap();
        let mut p = e.project(i).unwrap();
        p.connected_networks.insert(
            0,
            ConnectedNetwork {
                name: "vpn".into(),
                cidr: "172.31.0.0/16".into(),
            },
        );
        let mut f = e.clone();
        f.absorb(i, &p, true);
        assert_eq!(f.connected_networks.len(), e.connected_networks.len() + 1);
        assert_eq!(f.connected_networks[0].name, "vpn");
        assert!(f
            .connected_networks
            .iter()
            .all(|n| !n.name.starts_with("vnet ")));
    }

    #[test]
    fn an_added_cluster_is_filled_by_suggest() {
        let mut estate = Estate::from_json(MESH3).unwrap();
        let i = estate.add_cluster(0);
        assert_eq!(estate.clusters[i].name, "cluster-4");
        assert_eq!(
            estate.clusters[i].node_subnet.as_deref(),
            Some("aks-cluster-4/nodes")
        );
        let filled = crate::estate_suggest::suggest_estate(&estate).unwrap();
        let cluster = &filled.estate.clusters[i];
        assert!(cluster.pod_cidr.is_some(), "{:?}", filled.filled);
        let v = filled.estate.vnet_of(i).unwrap();
        assert!(!filled.estate.vnets[v].address_space.is_empty());
        assert!(!filled.estate.vnets[v].subnets[0].cidr.is_empty());
        let report = crate::check::estate::check_estate(&filled.estate, Some(i));
        assert!(!report.has_errors(), "{:?}", report.findings);
        // A second one gets the next name.
        assert_eq!(estate.add_cluster(0), i + 1);
        assert_eq!(estate.clusters[i + 1].name, "cluster-5");
    }
}
