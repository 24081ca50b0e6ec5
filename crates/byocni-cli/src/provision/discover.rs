//! `byocni discover`: the VNets and AKS clusters of the estate, found through Azure Resource
//! Graph ([`super::graph`]), listed, or merged into a plan. For a version 1 plan every VNet
//! address prefix the plan does not hold yet becomes a connected network (`vnet NAME`),
//! deduplicated, never the plan's own VNet; IPv6 prefixes are recorded and left to the IPv6
//! note of `check` (the IPv4 rules skip them).

use std::process::ExitCode;

use byocni_core::plan::ConnectedNetwork;
use byocni_core::Plan;

use super::graph::{self, Found, Scope};
use super::runner::{Output, ProcessRunner, Runner};
use crate::cli::DiscoverArgs;
use crate::files::{escape_control, read_plan};

pub(crate) fn run(args: &DiscoverArgs) -> anyhow::Result<ExitCode> {
    // The subscription goes into the query's scope, not onto every command: `az rest` takes
    // no --subscription.
    let mut runner = ProcessRunner { subscription: None };
    let mut az = |argv: &[String]| -> anyhow::Result<Output> { runner.run("az", argv) };
    let mut calls = 0;
    let (scope, where_) = if args.all_subscriptions {
        (Scope::All, "every subscription you can read".to_owned())
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
    let Some(path) = &args.plan else {
        list(&found);
        return Ok(ExitCode::SUCCESS);
    };
    let mut plan = read_plan(path)?;
    let (added, ipv6) = merge_v1(&mut plan, &found);
    let text = plan.to_json();
    match &args.output {
        Some(o) => {
            crate::files::write_text(o, &text, crate::files::Mode::Normal)?;
        }
        None => print!("{text}"),
    }
    let v6 = if ipv6 > 0 {
        format!(" ({ipv6} IPv6, recorded but outside the IPv4 checks)")
    } else {
        String::new()
    };
    eprintln!("added {added} connected network(s){v6}; run `byocni check` on the result");
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
        let plugin = c.network_plugin.as_deref().unwrap_or("?");
        for p in &c.pod_cidrs {
            out.push_str(&format!(
                "{}\tcluster {} pods ({})",
                escape_control(p),
                escape_control(&c.name),
                escape_control(plugin)
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
