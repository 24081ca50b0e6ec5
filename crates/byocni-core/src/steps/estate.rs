//! Provisioning an estate (plan version 2) as data: the shared network — the new VNets, the
//! subnets of VNets no new cluster is placed on, and every peering with a new VNet on one side,
//! created both ways — and each new cluster's own steps, its projection's
//! [`provision_steps`] placed on the estate's VNet (looked up when it is `existing`, in the
//! VNet's resource group when that is not the cluster's).
//!
//! `byocni apply` of a whole estate runs [`network_steps`], then each new cluster
//! ([`apply_order`]) through [`cluster_steps`]; `destroy` runs the same in reverse
//! ([`cluster_destroy_steps`], then [`network_destroy_steps`]). Existing VNets and clusters are
//! never created or removed: an existing VNet is only looked up, for its id (a peering's remote
//! end) or as a cluster's VNet. The network's taggable resources carry the estate's id
//! ([`estate_id`]) as their `byocni-plan` tag; peerings take no tags, so destroy trusts them by
//! the journal's record and their Azure id, as for subnets.
//!
//! An exported script of a cluster runs [`cluster_script_steps`]: its script steps placed the
//! same way, with what may already be there when it runs marked [`Step::only_if_missing`].

use crate::estate::Estate;
use crate::plan::Plan;

use super::{destroy_steps, expect, output, provision_steps, rid, step, Cmd, Step, StepKind};
use super::{TAG_MANAGED, TAG_PLAN};

/// The estate's id, its resources' `byocni-plan` tag and its network journal's key:
/// `estate.<name>`, lowercased (Azure names compare case-insensitively). A cluster's own
/// resources keep its projection's id ([`super::plan_id`]).
pub fn estate_id(estate: &Estate) -> String {
    format!("estate.{}", estate.name.trim()).to_lowercase()
}

/// The variable holding VNet `v`'s Azure id (a peering's `--remote-vnet`).
pub fn vnet_var(v: usize) -> String {
    format!("VNET_{v}_ID")
}

/// A peering's name: `<from>-to-<to>`, cut to Azure's 80 characters.
pub fn peering_name(from: &str, to: &str) -> String {
    format!("{from}-to-{to}").chars().take(80).collect()
}

/// The new clusters, in the order apply creates them (their VNets and peerings come first, in
/// [`network_steps`]; clusters depend on nothing else of each other). Destroy takes them in
/// reverse.
pub fn apply_order(estate: &Estate) -> Vec<usize> {
    (0..estate.clusters.len())
        .filter(|&i| !estate.clusters[i].existing)
        .collect()
}

/// Peerings the network creates: pairs of distinct known VNets, at least one of them new (two
/// existing VNets' peering is already there or not byocni's), each pair once, in file order.
pub fn peering_pairs(estate: &Estate) -> Vec<(usize, usize)> {
    let names = crate::estate::VnetNames::new(estate);
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &estate.peerings {
        let (Some(a), Some(b)) = (names.get(&p.between[0]), names.get(&p.between[1])) else {
            continue;
        };
        if a == b || (estate.vnets[a].existing && estate.vnets[b].existing) {
            continue;
        }
        if seen.insert((a.min(b), a.max(b))) {
            pairs.push((a, b));
        }
    }
    pairs
}

/// Whether a new cluster is placed on VNet `v` (its subnets are then that cluster's to create,
/// with what the node subnet needs around it).
fn hosts_new_cluster(estate: &Estate, names: &crate::estate::VnetNames, v: usize) -> bool {
    (0..estate.clusters.len())
        .any(|i| !estate.clusters[i].existing && estate.vnet_in(i, names) == Some(v))
}

fn tagged(cmd: Cmd, estate: &Estate) -> Cmd {
    cmd.word("--tags")
        .word(&format!("{TAG_MANAGED}=managed"))
        .word(&format!("{TAG_PLAN}={}", estate_id(estate)))
}

fn vnet_show(rg: &str, name: &str) -> crate::steps::Command {
    Cmd::az(&["network", "vnet", "show"])
        .flag("--resource-group", rg)
        .flag("--name", name)
        .json()
}

fn vnet_rid(rg: &str, name: &str) -> String {
    rid(rg, &format!("Microsoft.Network/virtualNetworks/{name}"))
}

/// The shared network's steps, in order: for each new VNet its resource group (once per group)
/// and the VNet, with its subnets when no new cluster is placed on it; a lookup of each existing
/// VNet a peering needs; then each peering both ways (`<a>-to-<b>` on `a`, `<b>-to-<a>` on `b`).
pub fn network_steps(estate: &Estate) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let pairs = peering_pairs(estate);
    let names = crate::estate::VnetNames::new(estate);
    let mut peered = vec![false; estate.vnets.len()];
    for &(a, b) in &pairs {
        peered[a] = true;
        peered[b] = true;
    }
    let peered = |v: usize| peered[v];
    for (v, vn) in estate.vnets.iter().enumerate() {
        let rg = vn.resource_group.as_str();
        if vn.existing {
            if peered(v) {
                let mut s = step(
                    format!("network:lookup:{}", vn.name),
                    StepKind::Lookup,
                    format!("Look up existing VNet {}", vn.name),
                    vnet_show(rg, &vn.name),
                );
                s.outputs.push(output(&vnet_var(v), "/id"));
                steps.push(s);
            }
            continue;
        }
        if !groups.iter().any(|g| g.eq_ignore_ascii_case(rg)) {
            groups.push(rg.to_owned());
            let mut s = step(
                format!("network:group:{rg}"),
                StepKind::ResourceGroup,
                format!("Create resource group {rg} in {}", vn.location),
                tagged(
                    Cmd::az(&["group", "create"])
                        .flag("--name", rg)
                        .flag("--location", &vn.location),
                    estate,
                )
                .json(),
            );
            s.show = Some(Cmd::az(&["group", "show"]).flag("--name", rg).json());
            s.resource = Some(rid(rg, ""));
            steps.push(s);
        }
        let mut s = step(
            format!("network:vnet:{}", vn.name),
            StepKind::Vnet,
            format!("Create VNet {} ({})", vn.name, vn.address_space.join(", ")),
            tagged(
                Cmd::az(&["network", "vnet", "create"])
                    .flag("--resource-group", rg)
                    .flag("--name", &vn.name)
                    .flag("--location", &vn.location)
                    .flag_values(
                        "--address-prefixes",
                        vn.address_space.iter().map(|p| p.trim()),
                    ),
                estate,
            )
            .json(),
        );
        s.show = Some(vnet_show(rg, &vn.name));
        s.resource = Some(vnet_rid(rg, &vn.name));
        s.expect.push(expect(
            "VNet address prefixes",
            "/addressSpace/addressPrefixes",
            vn.address_space
                .iter()
                .map(|t| t.trim().to_owned())
                .collect::<Vec<_>>(),
        ));
        s.outputs.push(output(&vnet_var(v), "/id"));
        steps.push(s);
        if hosts_new_cluster(estate, &names, v) {
            continue;
        }
        for sub in &vn.subnets {
            let mut s = step(
                format!("network:subnet:{}/{}", vn.name, sub.name),
                StepKind::Subnet,
                format!(
                    "Create subnet {} of VNet {} ({})",
                    sub.name, vn.name, sub.cidr
                ),
                Cmd::az(&["network", "vnet", "subnet", "create"])
                    .flag("--resource-group", rg)
                    .flag("--vnet-name", &vn.name)
                    .flag("--name", &sub.name)
                    .flag("--address-prefixes", sub.cidr.trim())
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["network", "vnet", "subnet", "show"])
                    .flag("--resource-group", rg)
                    .flag("--vnet-name", &vn.name)
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
                    vn.name, sub.name
                ),
            ));
            steps.push(s);
        }
    }
    for (a, b) in pairs {
        for (from, to) in [(a, b), (b, a)] {
            let (f, t) = (&estate.vnets[from], &estate.vnets[to]);
            let name = peering_name(&f.name, &t.name);
            let mut s = step(
                format!("network:peering:{}/{}", f.name, name),
                StepKind::Peering,
                format!("Peer VNet {} with {} ({name})", f.name, t.name),
                Cmd::az(&["network", "vnet", "peering", "create"])
                    .flag("--resource-group", &f.resource_group)
                    .flag("--name", &name)
                    .flag("--vnet-name", &f.name)
                    .var("--remote-vnet", &vnet_var(to))
                    .flag("--allow-vnet-access", "true")
                    .json(),
            );
            s.show = Some(
                Cmd::az(&["network", "vnet", "peering", "show"])
                    .flag("--resource-group", &f.resource_group)
                    .flag("--vnet-name", &f.name)
                    .flag("--name", &name)
                    .json(),
            );
            s.resource = Some(rid(
                &f.resource_group,
                &format!(
                    "Microsoft.Network/virtualNetworks/{}/virtualNetworkPeerings/{name}",
                    f.name
                ),
            ));
            steps.push(s);
        }
    }
    // A name written twice (which check refuses) names one resource: its first step stands.
    let mut seen = std::collections::BTreeSet::new();
    steps.retain(|s| seen.insert(s.id.to_lowercase()));
    steps
}

/// What destroy removes of the shared network, in order, with the ids of [`network_steps`]:
/// the peerings, the subnets, the VNets, then the groups (a VNet or group that holds more than
/// the estate's is kept by the runner). Lookups have nothing to remove.
pub fn network_destroy_steps(estate: &Estate) -> Vec<Step> {
    let created = network_steps(estate);
    let like = |s: &Step, title: String, delete: crate::steps::Command| {
        let mut d = step(s.id.clone(), s.kind, title, delete);
        d.show.clone_from(&s.show);
        d.exists = s.exists;
        d.resource.clone_from(&s.resource);
        d
    };
    let mut out = Vec::new();
    let rank = |k: StepKind| match k {
        StepKind::Peering => 0,
        StepKind::Subnet => 1,
        StepKind::Vnet => 2,
        _ => 3,
    };
    let mut order: Vec<&Step> = created
        .iter()
        .filter(|s| s.kind != StepKind::Lookup)
        .collect();
    order.sort_by_key(|s| rank(s.kind));
    for s in order {
        // The flags of the create, by name: every step above writes them.
        let flag = |name: &str| -> String {
            let args = &s.create.args;
            args.iter()
                .position(|a| *a == crate::steps::Arg::Lit(name.to_owned()))
                .and_then(|i| args.get(i + 1))
                .and_then(|a| match a {
                    crate::steps::Arg::Lit(v) => Some(v.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let (rg, name) = (flag("--resource-group"), flag("--name"));
        let d = match s.kind {
            StepKind::Peering => like(
                s,
                format!("Delete peering {name} of VNet {}", flag("--vnet-name")),
                Cmd::az(&["network", "vnet", "peering", "delete"])
                    .flag("--resource-group", &rg)
                    .flag("--vnet-name", &flag("--vnet-name"))
                    .flag("--name", &name)
                    .done(),
            ),
            StepKind::Subnet => like(
                s,
                format!("Delete subnet {name} of VNet {}", flag("--vnet-name")),
                Cmd::az(&["network", "vnet", "subnet", "delete"])
                    .flag("--resource-group", &rg)
                    .flag("--vnet-name", &flag("--vnet-name"))
                    .flag("--name", &name)
                    .done(),
            ),
            StepKind::Vnet => like(
                s,
                format!("Delete VNet {name}"),
                Cmd::az(&["network", "vnet", "delete"])
                    .flag("--resource-group", &rg)
                    .flag("--name", &name)
                    .done(),
            ),
            _ => like(
                s,
                format!("Delete resource group {name}"),
                Cmd::az(&["group", "delete"])
                    .flag("--name", &name)
                    .word("--yes")
                    .done(),
            ),
        };
        out.push(d);
    }
    out
}

/// Rewrites the value of `--resource-group` in a command.
fn with_group(cmd: &mut crate::steps::Command, rg: &str) {
    let args = &mut cmd.args;
    if let Some(i) = args
        .iter()
        .position(|a| *a == crate::steps::Arg::Lit("--resource-group".to_owned()))
    {
        if let Some(v) = args.get_mut(i + 1) {
            *v = crate::steps::Arg::Lit(rg.to_owned());
        }
    }
}

/// Places a cluster's steps (its projection's) on its estate VNet: the VNet's and its subnets'
/// commands in the VNet's resource group (and the VNet's region), and an `existing` VNet looked
/// up instead of created (`destroy` then has nothing of it to remove).
fn place(estate: &Estate, i: usize, plan: &Plan, steps: Vec<Step>, destroying: bool) -> Vec<Step> {
    let Some(v) = estate.vnet_of(i) else {
        return steps;
    };
    let vn = &estate.vnets[v];
    let own_rg = plan.cluster.resource_group.as_str();
    let mut out = Vec::with_capacity(steps.len());
    for mut s in steps {
        if on_vnet(&s) && !vn.resource_group.eq_ignore_ascii_case(own_rg) {
            with_group(&mut s.create, &vn.resource_group);
            if let Some(show) = s.show.as_mut() {
                with_group(show, &vn.resource_group);
            }
            if let Some(r) = s.resource.as_mut() {
                if let Some(rest) = r.strip_prefix(&format!("resourceGroups/{own_rg}")) {
                    *r = format!("resourceGroups/{}{rest}", vn.resource_group);
                }
            }
        }
        if s.id == "vnet" {
            if let Some(k) = s
                .create
                .args
                .iter()
                .position(|a| *a == crate::steps::Arg::Lit("--location".to_owned()))
            {
                s.create.args[k + 1] = crate::steps::Arg::Lit(vn.location.clone());
            }
            if vn.existing {
                if destroying {
                    continue;
                }
                let mut l = step(
                    "vnet",
                    StepKind::Lookup,
                    format!("Look up existing VNet {}", vn.name),
                    vnet_show(&vn.resource_group, &vn.name),
                );
                l.resource = Some(vnet_rid(&vn.resource_group, &vn.name));
                s = l;
            }
        }
        out.push(s);
    }
    out
}

/// Whether a step is on the cluster's VNet: the VNet itself or one of its subnets.
fn on_vnet(s: &Step) -> bool {
    s.id == "vnet" || (s.kind == StepKind::Subnet && s.id.starts_with("subnet:"))
}

/// Whether cluster `i` owns its VNet: a new VNet in the cluster's resource group and region on
/// which no other new cluster is placed, which its files create as a v1 plan's are created.
/// Any other VNet — existing, in another group or region, or shared by new clusters — may
/// already be there when the cluster's file runs.
pub fn owns_vnet(estate: &Estate, i: usize) -> bool {
    let Some(v) = estate.vnet_of(i) else {
        return false;
    };
    let (c, vn) = (&estate.clusters[i], &estate.vnets[v]);
    !vn.existing
        && vn.resource_group.eq_ignore_ascii_case(&c.resource_group)
        && vn.location.eq_ignore_ascii_case(&c.location)
        && !(0..estate.clusters.len())
            .any(|j| j != i && !estate.clusters[j].existing && estate.vnet_of(j) == Some(v))
}

/// What cluster `i`'s exported script runs: `plan`'s [`super::script_steps`] placed on the
/// estate's VNet as [`cluster_steps`] places apply's. When the cluster does not own its VNet
/// ([`owns_vnet`]), the VNet's steps (a new VNet, every subnet) are created only when missing
/// ([`Step::only_if_missing`]), and a new VNet in another resource group gets that group first,
/// also only when missing, tagged as [`network_steps`] tags it. An existing VNet is only looked
/// up (the script stops there when it is missing). The cluster's own resource group is created
/// only when missing too when another new cluster shares it.
pub fn cluster_script_steps(estate: &Estate, i: usize, plan: &Plan) -> Vec<Step> {
    let mut steps = place(estate, i, plan, super::script_steps(plan), false);
    // A group several new clusters share is there when the second file runs.
    let own_rg = plan.cluster.resource_group.as_str();
    if (0..estate.clusters.len()).any(|j| {
        j != i
            && !estate.clusters[j].existing
            && estate.clusters[j]
                .resource_group
                .eq_ignore_ascii_case(own_rg)
    }) {
        for s in steps.iter_mut().filter(|s| s.id == "resource-group") {
            s.only_if_missing = true;
        }
    }
    let Some(v) = estate.vnet_of(i) else {
        return steps;
    };
    if owns_vnet(estate, i) {
        return steps;
    }
    for s in steps
        .iter_mut()
        .filter(|s| on_vnet(s) && s.kind != StepKind::Lookup)
    {
        s.only_if_missing = true;
    }
    let vn = &estate.vnets[v];
    if !vn.existing
        && !vn
            .resource_group
            .eq_ignore_ascii_case(&plan.cluster.resource_group)
    {
        let id = format!("network:group:{}", vn.resource_group).to_lowercase();
        if let Some(mut g) = network_steps(estate)
            .into_iter()
            .find(|s| s.id.to_lowercase() == id)
        {
            g.id = "vnet-group".into();
            g.only_if_missing = true;
            let at = steps
                .iter()
                .position(|s| s.id == "vnet")
                .unwrap_or(steps.len());
            steps.insert(at, g);
        }
    }
    steps
}

/// Cluster `i`'s steps: `plan` (its projection) as [`provision_steps`] makes them, placed on the
/// estate's VNet.
pub fn cluster_steps(estate: &Estate, i: usize, plan: &Plan) -> Vec<Step> {
    place(estate, i, plan, provision_steps(plan), false)
}

/// What destroy removes of cluster `i`, with the ids of [`cluster_steps`]; never an existing
/// VNet.
pub fn cluster_destroy_steps(estate: &Estate, i: usize, plan: &Plan) -> Vec<Step> {
    place(estate, i, plan, destroy_steps(plan), true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::Arg;

    const BLUEGREEN: &str = include_str!("../../../../tests/fixtures/estate-bluegreen.json");
    const MESH3: &str = include_str!("../../../../tests/fixtures/estate-mesh3.json");

    fn line(s: &Step) -> String {
        s.create
            .args
            .iter()
            .map(|a| match a {
                Arg::Lit(l) => l.clone(),
                Arg::Var(v) => format!("${v}"),
                Arg::LitVar(l, v) => format!("{l}${v}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn bluegreen_network_creates_the_new_vnet_and_peers_it_both_ways() {
        let e = Estate::from_json(BLUEGREEN).unwrap();
        let steps = network_steps(&e);
        let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "network:lookup:hub",
                "network:group:blue-rg",
                "network:vnet:aks-blue",
                "network:peering:hub/hub-to-aks-blue",
                "network:peering:aks-blue/aks-blue-to-hub",
            ]
        );
        // Existing VNets are only looked up; the existing pair hub/aks-green is not touched.
        assert!(!ids.iter().any(|i| i.contains("aks-green")));
        // The new VNet carries the estate's tag; blue's subnets are blue's to create.
        assert!(line(&steps[2]).contains("byocni-plan=estate.contoso-prod"));
        assert_eq!(
            line(&steps[3]),
            "network vnet peering create --resource-group net-rg --name hub-to-aks-blue --vnet-name hub --remote-vnet $VNET_2_ID --allow-vnet-access true --output json"
        );
        assert_eq!(
            line(&steps[4]),
            "network vnet peering create --resource-group blue-rg --name aks-blue-to-hub --vnet-name aks-blue --remote-vnet $VNET_0_ID --allow-vnet-access true --output json"
        );
        // Destroy: peerings, then the VNet, then the group; same ids; nothing existing.
        let d: Vec<String> = network_destroy_steps(&e)
            .iter()
            .map(|s| format!("{} {}", s.id, line(s)))
            .collect();
        assert_eq!(d.len(), 4, "{d:#?}");
        assert!(d[0].starts_with("network:peering:hub/"), "{d:#?}");
        assert!(d[2].contains("network vnet delete --resource-group blue-rg --name aks-blue"));
        assert!(d[3].contains("group delete --name blue-rg --yes"));
        assert_eq!(apply_order(&e), vec![1]);
    }

    #[test]
    fn mesh3_peers_every_pair_once_each_way() {
        let e = Estate::from_json(MESH3).unwrap();
        let steps = network_steps(&e);
        assert_eq!(
            steps.iter().filter(|s| s.kind == StepKind::Peering).count(),
            6
        );
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.kind == StepKind::ResourceGroup)
                .count(),
            1
        );
        assert_eq!(apply_order(&e), vec![0, 1, 2]);
    }

    #[test]
    fn a_cluster_on_an_existing_vnet_looks_it_up_in_its_group_and_creates_only_its_subnet() {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        // blue moves to the hub (existing, net-rg), on a new subnet of it.
        e.vnets[0].subnets.push(crate::estate::EstateSubnet {
            name: "blue-nodes".into(),
            cidr: "10.0.2.0/23".into(),
            role: crate::plan::SubnetRole::Nodes,
        });
        e.clusters[1].node_subnet = Some("hub/blue-nodes".into());
        let plan = e.project(1).unwrap();
        let steps = cluster_steps(&e, 1, &plan);
        let vnet = steps.iter().find(|s| s.id == "vnet").unwrap();
        assert_eq!(vnet.kind, StepKind::Lookup);
        assert!(vnet.show.is_none());
        assert_eq!(
            line(vnet),
            "network vnet show --resource-group net-rg --name hub --output json"
        );
        let sub = steps.iter().find(|s| s.id == "subnet:blue-nodes").unwrap();
        assert!(line(sub).starts_with(
            "network vnet subnet create --resource-group net-rg --vnet-name hub --name blue-nodes"
        ));
        assert_eq!(
            sub.resource.as_deref(),
            Some("resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/blue-nodes")
        );
        // The cluster stays in its own group.
        let aks = steps.iter().find(|s| s.id == "cluster").unwrap();
        assert!(line(aks).contains("--resource-group blue-rg"));
        // Destroy never names the existing VNet, and deletes the subnet in the VNet's group.
        let d = cluster_destroy_steps(&e, 1, &plan);
        assert!(!d.iter().any(|s| s.id == "vnet"));
        let sub = d.iter().find(|s| s.id == "subnet:blue-nodes").unwrap();
        assert!(line(sub).contains("--resource-group net-rg --vnet-name hub"));
        // No new cluster is on aks-blue now: the network creates its subnet too.
        assert!(network_steps(&e)
            .iter()
            .any(|s| s.id == "network:subnet:aks-blue/nodes"));
    }
}
