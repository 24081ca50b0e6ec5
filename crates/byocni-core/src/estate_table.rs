//! The subnet table of every VNet of an estate (issue 12 with issue 13): the web planner's
//! estate panel shows one table per VNet, read-only for an `existing` VNet (byocni never
//! changes it) and with Split, Join and Add for a new one. The table and its edits are v1's
//! ([`crate::subnets`]): a VNet is read as the VNet of a plan of its own ([`Estate::vnet_plan`]),
//! and an edit of that plan's `vnet.subnets` is written back into the estate
//! ([`Estate::edit_vnet_subnets`]), refused where it would take away a subnet a cluster's
//! `nodeSubnet` names.
//!
//! Pure: no I/O.

use crate::cidr::Cidr;
use crate::estate::{Estate, EstateSubnet};
use crate::plan::{Cluster, Plan, Subnet, Vnet, PLAN_VERSION};
use crate::subnets::{add_subnet, join_halves, split_subnet, SubnetEditError};

/// A subnet table's button on a VNet of the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableEdit {
    /// Split `subnets[i]` in two halves.
    Split(usize),
    /// Join the lower and the upper half of one block.
    Join(Cidr, Cidr),
    /// Make a subnet of a free block.
    Add(Cidr),
}

/// Why a VNet's table edit cannot be made; each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VnetTableError {
    /// No VNet at that position.
    #[error("`vnets[{0}]` is not a VNet of this estate")]
    NoVnet(usize),
    /// The VNet is there already: byocni never changes it.
    #[error("VNet `{0}` exists already (`existing: true`): byocni never changes its subnets; change them in Azure and discover it again")]
    Existing(String),
    /// The edit itself, as v1's subnet table words it.
    #[error(transparent)]
    Subnet(#[from] SubnetEditError),
    /// The edit would remove a subnet a cluster's `nodeSubnet` names.
    #[error("`{subnet}` cannot be joined away: it is the node subnet of cluster `{cluster}` (nodeSubnet); join from its own row or move the cluster first")]
    NodeSubnet {
        /// The subnet that would disappear.
        subnet: String,
        /// The cluster on it.
        cluster: String,
    },
}

impl Estate {
    /// VNet `v` as the VNet of a plan of its own (its name, address space and subnets with
    /// their roles as written; the rest of the plan says nothing), which [`crate::subnets`]
    /// reads: `vnet_rows(&plan, cuts)` is the VNet's subnet table. `None` without VNet `v`.
    pub fn vnet_plan(&self, v: usize) -> Option<Plan> {
        let vn = self.vnets.get(v)?;
        Some(Plan {
            schema: None,
            version: PLAN_VERSION,
            cluster: Cluster {
                name: vn.name.clone(),
                resource_group: vn.resource_group.clone(),
                location: vn.location.clone(),
                dns_prefix: None,
                node_resource_group: None,
            },
            vnet: Some(Vnet {
                name: vn.name.clone(),
                // The table reads IPv4 (an existing VNet's IPv6 prefixes are only recorded).
                address_space: vn
                    .address_space
                    .iter()
                    .filter(|c| !crate::cidr::is_ipv6_network(c))
                    .cloned()
                    .collect(),
                subnets: vn
                    .subnets
                    .iter()
                    .map(|s| Subnet {
                        name: s.name.clone(),
                        cidr: s.cidr.clone(),
                        role: s.role,
                    })
                    .collect(),
            }),
            pod_cidr: None,
            service_cidr: None,
            dns_service_ip: None,
            node_pools: None,
            internal_load_balancers: None,
            cni: crate::plan::Cni::default(),
            connected_networks: Vec::new(),
            outbound: None,
            api_server: None,
            nsg: None,
        })
    }

    /// The clusters whose `nodeSubnet` is `subnets[s]` of VNet `v`, by position.
    pub fn clusters_on_subnet(&self, v: usize, s: usize) -> Vec<usize> {
        (0..self.clusters.len())
            .filter(|&i| self.node_subnet_of(i) == Ok(Some((v, s))))
            .collect()
    }

    /// Splits, joins or adds a subnet of the new VNet `v` as v1's subnet table does
    /// ([`split_subnet`], [`join_halves`], [`add_subnet`]) and writes its subnets back (roles
    /// kept; a new subnet's role `other`). Refused for an `existing` VNet, and where a join
    /// would remove a subnet a cluster's `nodeSubnet` names; the estate is then unchanged.
    pub fn edit_vnet_subnets(&mut self, v: usize, edit: TableEdit) -> Result<(), VnetTableError> {
        let mut plan = self.vnet_plan(v).ok_or(VnetTableError::NoVnet(v))?;
        let vn = &self.vnets[v];
        if vn.existing {
            return Err(VnetTableError::Existing(vn.name.clone()));
        }
        let e = match edit {
            TableEdit::Split(i) => split_subnet(&plan, i)?,
            TableEdit::Join(lower, upper) => join_halves(&plan, lower, upper)?,
            TableEdit::Add(cidr) => add_subnet(&plan, cidr)?,
        };
        // The edits are of `vnet.subnets` or one subnet's `cidr`, which `apply_edit` always takes.
        plan = crate::apply_edit(&plan, &e).map_err(|_| VnetTableError::NoVnet(v))?;
        let subnets = plan.vnet.map(|p| p.subnets).unwrap_or_default();
        for (s, sub) in vn.subnets.iter().enumerate() {
            let kept = subnets
                .iter()
                .any(|n| n.name.eq_ignore_ascii_case(&sub.name));
            if let Some(&c) = self.clusters_on_subnet(v, s).first().filter(|_| !kept) {
                return Err(VnetTableError::NodeSubnet {
                    subnet: sub.name.clone(),
                    cluster: self.clusters[c].name.clone(),
                });
            }
        }
        self.vnets[v].subnets = subnets
            .into_iter()
            .map(|s| EstateSubnet {
                name: s.name,
                cidr: s.cidr,
                role: s.role,
            })
            .collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SubnetRole;
    use crate::subnets::vnet_rows;

    const BLUEGREEN: &str = include_str!("../../../tests/fixtures/estate-bluegreen.json");

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    #[test]
    fn a_vnet_reads_as_a_plans_vnet_for_the_table() {
        let e = Estate::from_json(BLUEGREEN).unwrap();
        let hub = e.vnet_plan(0).unwrap();
        let rows = vnet_rows(&hub, &[]);
        assert_eq!(rows[0].cidr, cidr("10.0.0.0/27"));
        assert_eq!(rows[0].subnet, Some(0));
        assert!(rows[1..].iter().all(|r| r.subnet.is_none()));
        assert_eq!(rows.last().unwrap().cidr, cidr("10.0.2.0/23"));
        assert!(e.vnet_plan(9).is_none());
        assert_eq!(e.clusters_on_subnet(2, 0), vec![1]);
        assert_eq!(e.clusters_on_subnet(0, 0), Vec::<usize>::new());
    }

    #[test]
    fn a_new_vnets_subnets_split_join_and_add_in_the_estate() {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        let before = e.clone();
        e.edit_vnet_subnets(2, TableEdit::Split(0)).unwrap();
        let subs = &e.vnets[2].subnets;
        assert_eq!(
            subs.iter()
                .map(|s| (s.name.as_str(), s.cidr.as_str(), s.role))
                .collect::<Vec<_>>(),
            [
                ("nodes", "10.224.0.0/21", SubnetRole::Nodes),
                ("nodes-2", "10.224.8.0/21", SubnetRole::Other)
            ]
        );
        // Joining the halves gives the estate back.
        e.edit_vnet_subnets(
            2,
            TableEdit::Join(cidr("10.224.0.0/21"), cidr("10.224.8.0/21")),
        )
        .unwrap();
        assert_eq!(e, before);
        e.edit_vnet_subnets(2, TableEdit::Add(cidr("10.224.16.0/20")))
            .unwrap();
        assert_eq!(e.vnets[2].subnets[1].name, "subnet-2");
        assert_eq!(e.vnets[2].subnets[1].cidr, "10.224.16.0/20");
    }

    #[test]
    fn existing_vnets_and_node_subnets_are_kept() {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        let before = e.clone();
        let err = e.edit_vnet_subnets(0, TableEdit::Split(0)).unwrap_err();
        assert!(
            matches!(&err, VnetTableError::Existing(n) if n == "hub"),
            "{err}"
        );
        assert!(err.to_string().contains("never changes"));
        assert_eq!(
            e.edit_vnet_subnets(7, TableEdit::Split(0)),
            Err(VnetTableError::NoVnet(7))
        );
        // A node subnet without role `nodes` is still the node subnet: never joined away.
        e.vnets[2].subnets[0].role = SubnetRole::Other;
        e.vnets[2].subnets.insert(
            0,
            EstateSubnet {
                name: "apps".into(),
                cidr: "10.224.16.0/20".into(),
                role: SubnetRole::Other,
            },
        );
        e.vnets[2].subnets[0].cidr = "10.224.0.0/21".into();
        e.vnets[2].subnets[1].cidr = "10.224.8.0/21".into();
        let held = e.clone();
        let err = e
            .edit_vnet_subnets(
                2,
                TableEdit::Join(cidr("10.224.0.0/21"), cidr("10.224.8.0/21")),
            )
            .unwrap_err();
        assert_eq!(
            err,
            VnetTableError::NodeSubnet {
                subnet: "nodes".into(),
                cluster: "blue".into()
            }
        );
        assert_eq!(e, held);
        assert_ne!(e, before);
        let err = e.edit_vnet_subnets(2, TableEdit::Split(9)).unwrap_err();
        assert!(matches!(
            err,
            VnetTableError::Subnet(SubnetEditError::NoSuchSubnet(9))
        ));
    }
}
