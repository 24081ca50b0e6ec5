//! `byocni discover`: the VNets and AKS clusters of the estate, found through Azure Resource
//! Graph ([`super::graph`]), listed, or merged into a plan. For a version 1 plan every VNet
//! address prefix the plan does not hold yet becomes a connected network (`vnet NAME`),
//! deduplicated, never the plan's own VNet; IPv6 prefixes are recorded and left to the IPv6
//! note of `check` (the IPv4 rules skip them). For a version 2 plan (an estate) every VNet and
//! cluster it does not hold yet (same name and resource group) is added as `existing`, with
//! the peerings between the estate's VNets and each cluster's node subnet as `vnet/subnet`;
//! a dual-stack VNet's IPv6 prefixes stay in its `addressSpace` (taken space, recorded; the
//! estate's rules read IPv4 and skip them) and are counted.
//! A name the estate already uses (the same VNet name in another resource group or
//! subscription) gets `-2`, `-3`...; a second discovery recognises those and adds nothing.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;

use byocni_core::estate::{Estate, EstateCluster, EstateSubnet, EstateVnet, Peering, PlanFile};
use byocni_core::plan::ConnectedNetwork;
use byocni_core::Plan;

use super::graph::{self, Found, Scope};
use super::runner::{Output, ProcessRunner, Runner};
use crate::cli::DiscoverArgs;
use crate::files::{escape_control, read_plan_file_source};

pub(crate) fn run(args: &DiscoverArgs) -> anyhow::Result<ExitCode> {
    // The plan first: a plan that does not read costs no az call.
    let plan = match &args.plan {
        Some(p) => Some(read_plan_file_source(p)?.0),
        None => None,
    };
    // The subscription goes into the query's scope, not onto every command: `az rest` takes
    // no --subscription.
    let mut runner = ProcessRunner { subscription: None };
    let mut az = |argv: &[String]| -> anyhow::Result<Output> { runner.run("az", argv) };
    let mut calls = 0;
    let (scope, where_) = if args.all_subscriptions {
        (
            Scope::All,
            "every subscription you can read in the tenant".to_owned(),
        )
    } else {
        let id = graph::current_subscription(&mut az, &mut calls, args.subscription.as_deref())?;
        let w = format!("subscription {id}");
        (Scope::Subscriptions(vec![id]), w)
    };
    let found = graph::discover(&mut az, &scope, calls)?;
    eprintln!(
        "{} VNet(s) and {} AKS cluster(s) in {where_} ({} az call(s), {:.1}s)",
        found.vnets.len(),
        found.clusters.len(),
        found.calls,
        found.elapsed.as_secs_f64()
    );
    let Some(plan) = plan else {
        list(&found);
        return Ok(ExitCode::SUCCESS);
    };
    let (text, summary) = match plan {
        PlanFile::V1(mut plan) => {
            let (added, ipv6) = merge_v1(&mut plan, &found);
            let v6 = if ipv6 > 0 {
                format!(" ({ipv6} IPv6, recorded but outside the IPv4 checks)")
            } else {
                String::new()
            };
            (
                plan.to_json(),
                format!("added {added} connected network(s){v6}"),
            )
        }
        PlanFile::V2(mut estate) => {
            let a = merge_v2(&mut estate, &found);
            let v6 = if a.ipv6 > 0 {
                format!(
                    " ({} IPv6 prefix(es) recorded in addressSpace, outside the IPv4 checks)",
                    a.ipv6
                )
            } else {
                String::new()
            };
            (
                estate.to_json(),
                format!(
                    "added {} existing VNet(s), {} existing cluster(s) and {} peering(s){v6}",
                    a.vnets, a.clusters, a.peerings
                ),
            )
        }
    };
    match &args.output {
        Some(o) => {
            crate::files::write_text(o, &text, crate::files::Mode::Normal)?;
        }
        None => print!("{text}"),
    }
    eprintln!("{summary}; run `byocni check` on the result");
    Ok(ExitCode::SUCCESS)
}

/// One line per address prefix: VNets, then the clusters' pod CIDRs.
fn list(found: &Found) {
    let mut out = String::new();
    for v in &found.vnets {
        for p in &v.address_space {
            out.push_str(&format!(
                "{}\tvnet {}",
                escape_control(p),
                escape_control(&v.name)
            ));
            out.push('\n');
        }
    }
    for c in &found.clusters {
        let plugin = c.plugin_label();
        for p in &c.pod_cidrs {
            out.push_str(&format!(
                "{}\tcluster {} pods ({})",
                escape_control(p),
                escape_control(&c.name),
                escape_control(&plugin)
            ));
            out.push('\n');
        }
    }
    print!("{out}");
}

/// Adds the VNets' address prefixes to a v1 plan's connected networks; returns (added, IPv6).
fn merge_v1(plan: &mut Plan, found: &Found) -> (usize, usize) {
    let own = plan.vnet.as_ref();
    let rg = plan.cluster.resource_group.clone();
    let mut known: std::collections::HashSet<String> = plan
        .connected_networks
        .iter()
        .map(|c| c.cidr.clone())
        .collect();
    let mut new = Vec::new();
    let (mut added, mut ipv6) = (0, 0);
    for v in &found.vnets {
        let is_own_vnet =
            own.is_some_and(|o| o.name == v.name && v.resource_group.eq_ignore_ascii_case(&rg));
        for cidr in &v.address_space {
            let is_own = own.is_some_and(|o| o.name == v.name && o.address_space.contains(cidr));
            if is_own_vnet || is_own || !known.insert(cidr.clone()) {
                continue;
            }
            // Dual-stack VNets' IPv6 prefixes are recorded too; the IPv4 rules skip them.
            ipv6 += usize::from(byocni_core::cidr::is_ipv6_network(cidr));
            new.push(ConnectedNetwork {
                name: format!("vnet {}", v.name),
                cidr: cidr.clone(),
            });
            added += 1;
        }
    }
    plan.connected_networks.extend(new);
    (added, ipv6)
}

/// What [`merge_v2`] added.
#[derive(Debug, Default, PartialEq, Eq)]
struct Added {
    vnets: usize,
    clusters: usize,
    peerings: usize,
    /// IPv6 prefixes of added VNets (recorded; the estate's rules read IPv4).
    ipv6: usize,
}

/// The most characters Azure allows in a VNet or cluster name (VNets 64, AKS clusters 63).
const NAME_MAX: usize = 63;

/// `name`, or `name-2`, `name-3`... when the estate already uses it (compared as Azure does,
/// ignoring case): names are unique in an estate, and the same name recurs across resource
/// groups and subscriptions.
fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_owned();
    let mut k = 1;
    while !taken.insert(candidate.to_ascii_lowercase()) {
        k += 1;
        let suffix = format!("-{k}");
        let base: String = name.chars().take(NAME_MAX - suffix.len()).collect();
        candidate = format!("{base}{suffix}");
    }
    candidate
}

/// The keys an estate entry is found by: its resource group with its name, and with the name
/// [`unique_name`] started from (`hub` for `hub-2`), all lowercase as Azure compares them.
fn entry_keys(name: &str, rg: &str) -> Vec<(String, String)> {
    let (name, rg) = (name.to_ascii_lowercase(), rg.to_ascii_lowercase());
    let mut keys = vec![(rg.clone(), name.clone())];
    if let Some((base, k)) = name.rsplit_once('-') {
        if k.parse::<u32>().is_ok_and(|k| k >= 2) {
            keys.push((rg, base.to_owned()));
        }
    }
    keys
}

/// The keys an Azure resource is looked up by: its name, and the shortened forms
/// [`unique_name`] makes of a long one.
fn lookup_keys(name: &str, rg: &str) -> Vec<(String, String)> {
    let (name, rg) = (name.to_ascii_lowercase(), rg.to_ascii_lowercase());
    let mut keys = vec![(rg.clone(), name.clone())];
    for suffix in 2..=6 {
        if name.chars().count() > NAME_MAX - suffix {
            keys.push((rg.clone(), name.chars().take(NAME_MAX - suffix).collect()));
        }
    }
    keys
}

/// The first IPv4 prefix of a list (the estate's ranges are IPv4; IPv6 ones stay in Azure).
fn first_ipv4(list: &[String]) -> Option<String> {
    list.iter()
        .find(|c| !byocni_core::cidr::is_ipv6_network(c))
        .cloned()
}

/// Adds what the estate lacks as `existing` VNets and clusters, and the peerings between its
/// VNets. A VNet or cluster the estate already names (same name and resource group) is kept as
/// it is: planned or discovered before, it is not added twice.
fn merge_v2(estate: &mut Estate, found: &Found) -> Added {
    let mut added = Added::default();
    let mut vnet_names: HashSet<String> = estate
        .vnets
        .iter()
        .map(|v| v.name.to_ascii_lowercase())
        .collect();
    let mut vnet_index: HashMap<(String, String), String> = HashMap::new();
    for e in &estate.vnets {
        for k in entry_keys(&e.name, &e.resource_group) {
            vnet_index.entry(k).or_insert_with(|| e.name.clone());
        }
    }
    // Azure id (lowercase) -> the VNet's name in the estate.
    let mut by_id: HashMap<String, String> = HashMap::new();
    for v in &found.vnets {
        let known = lookup_keys(&v.name, &v.resource_group)
            .into_iter()
            .find_map(|k| vnet_index.get(&k));
        let name = if let Some(e) = known {
            e.clone()
        } else {
            let name = unique_name(&v.name, &mut vnet_names);
            let subnets = v
                .subnets
                .iter()
                .filter_map(|(n, prefixes)| {
                    first_ipv4(prefixes).map(|cidr| EstateSubnet {
                        name: n.clone(),
                        cidr,
                        role: byocni_core::plan::SubnetRole::Other,
                    })
                })
                .collect();
            added.ipv6 += v
                .address_space
                .iter()
                .filter(|c| byocni_core::cidr::is_ipv6_network(c))
                .count();
            estate.vnets.push(EstateVnet {
                name: name.clone(),
                resource_group: v.resource_group.clone(),
                location: v.location.clone(),
                // IPv4 first: the projection and suggest read the IPv4 ones, in order.
                address_space: {
                    let (v6, v4): (Vec<&String>, Vec<&String>) = v
                        .address_space
                        .iter()
                        .partition(|c| byocni_core::cidr::is_ipv6_network(c));
                    v4.into_iter().chain(v6).cloned().collect()
                },
                subnets,
                existing: true,
            });
            added.vnets += 1;
            name
        };
        by_id.insert(v.id.to_ascii_lowercase(), name);
    }
    let mut pairs: HashSet<(String, String)> = estate
        .peerings
        .iter()
        .map(|p| {
            let (a, b) = (
                p.between[0].to_ascii_lowercase(),
                p.between[1].to_ascii_lowercase(),
            );
            (a.clone().min(b.clone()), a.max(b))
        })
        .collect();
    for v in &found.vnets {
        let Some(here) = by_id.get(&v.id.to_ascii_lowercase()) else {
            continue;
        };
        for remote in &v.peered_with {
            let Some(there) = by_id.get(&remote.to_ascii_lowercase()) else {
                continue; // a VNet outside what was read
            };
            let (a, b) = (here.to_ascii_lowercase(), there.to_ascii_lowercase());
            if a != b && pairs.insert((a.clone().min(b.clone()), a.max(b))) {
                estate.peerings.push(Peering {
                    between: [here.clone(), there.clone()],
                });
                added.peerings += 1;
            }
        }
    }
    let mut cluster_names: HashSet<String> = estate
        .clusters
        .iter()
        .map(|c| c.name.to_ascii_lowercase())
        .collect();
    let cluster_index: HashSet<(String, String)> = estate
        .clusters
        .iter()
        .flat_map(|e| entry_keys(&e.name, &e.resource_group))
        .collect();
    for c in &found.clusters {
        if lookup_keys(&c.name, &c.resource_group)
            .iter()
            .any(|k| cluster_index.contains(k))
        {
            continue;
        }
        // The node subnet as `vnet/subnet`, when its VNet is in the estate.
        let node_subnet = c.node_subnets.first().and_then(|id| {
            let (vnet_id, subnet) = id.rsplit_once("/subnets/")?;
            let vnet = by_id.get(&vnet_id.to_ascii_lowercase())?;
            Some(format!("{vnet}/{subnet}"))
        });
        estate.clusters.push(EstateCluster {
            name: unique_name(&c.name, &mut cluster_names),
            resource_group: c.resource_group.clone(),
            location: c.location.clone(),
            dns_prefix: None,
            node_resource_group: None,
            existing: true,
            network_plugin: c.network_plugin.clone(),
            node_subnet,
            pod_cidr: first_ipv4(&c.pod_cidrs),
            service_cidr: first_ipv4(&c.service_cidrs),
            dns_service_ip: c.dns_service_ip.clone(),
            node_pools: None,
            internal_load_balancers: None,
            cni: None,
            cluster_mesh: None,
            outbound: None,
            api_server: None,
            nsg: None,
        });
        added.clusters += 1;
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_and_their_recognition() {
        let mut taken: HashSet<String> = ["hub".to_owned()].into_iter().collect();
        assert_eq!(unique_name("HUB", &mut taken), "HUB-2");
        assert_eq!(unique_name("hub", &mut taken), "hub-3");
        assert_eq!(unique_name("spoke", &mut taken), "spoke");
        let long = "a".repeat(70);
        let once = unique_name(&long, &mut taken);
        assert_eq!(once, long, "Azure's own name is kept as it is");
        let twice = unique_name(&long, &mut taken);
        assert_eq!(twice.chars().count(), NAME_MAX);
        assert!(twice.ends_with("-2"));
        let is_same = |have: &str, have_rg: &str, name: &str, rg: &str| {
            let keys = entry_keys(have, have_rg);
            lookup_keys(name, rg).iter().any(|k| keys.contains(k))
        };
        assert!(is_same("hub-2", "RG", "hub", "rg"));
        assert!(is_same("Hub", "rg", "hub", "rg"));
        assert!(!is_same("hub-2", "rg", "hub", "other"));
        assert!(!is_same("hub-2", "rg", "hubx", "rg"));
        assert!(!is_same("hub-1", "rg", "hub", "rg"));
        assert!(is_same(&twice, "rg", &long, "rg"));
    }
}
