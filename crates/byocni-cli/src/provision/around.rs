//! Around the cluster (issue 14), where `apply` and `status` meet Azure: the preflight reads
//! what the plan says already exists (a route table for `userDefinedRouting`, an NSG, a NAT
//! gateway) and stops before anything is created when one is missing, when the route table
//! has no 0.0.0.0/0 route to a virtual appliance (`udr-default-route`) or when the NSG denies
//! the CNI's overlay between nodes (`nsg-blocks-overlay`); `status` shows outbound type and
//! API server access, the plan's next to the cluster's. The judging is the core's
//! (`check::around`); this module only runs the reads.

use std::io::Write;

use anyhow::{bail, Context};
use byocni_core::check::around::{nsg_findings, route_table_findings};
use byocni_core::steps::around::{describe_access, planned_access, preflight_reads, PreflightRead};
use byocni_core::{Finding, Plan};
use serde_json::Value;

use super::engine;
use super::runner::Runner;

/// Reads what the plan says exists and judges it; an error (nothing created yet) when a read
/// fails, a resource is missing, or a finding says it will not work.
pub(super) fn preflight(runner: &mut dyn Runner, plan: &Plan) -> anyhow::Result<()> {
    let rg = &plan.cluster.resource_group;
    let mut findings: Vec<Finding> = Vec::new();
    for (what, cmd) in preflight_reads(plan) {
        let (label, field, name) = match what {
            PreflightRead::RouteTable => (
                "route table",
                "outbound.routeTable",
                plan.route_table_name(),
            ),
            PreflightRead::Nsg => ("network security group", "nsg", plan.nsg_name()),
            PreflightRead::NatGateway => (
                "NAT gateway",
                "outbound.natGateway",
                plan.nat_gateway_name(),
            ),
        };
        let argv = engine::literal_argv(&cmd).context("a preflight read has no variables")?;
        let out = runner.run("az", &argv)?;
        if out.code == 3 {
            bail!(
                "the {label} `{name}` that the plan says exists ({field}.existing) is not in resource group {rg}: create it there first, or set {field}.existing to false and byocni creates it; nothing was created"
            );
        }
        if out.code != 0 {
            bail!(
                "`az {}` failed: {}; nothing was created",
                argv.join(" "),
                out.stderr.trim()
            );
        }
        let json: Value = serde_json::from_str(&out.stdout).with_context(|| {
            format!(
                "`az {}` answered with something that is not JSON; check that az works and run again",
                argv.join(" ")
            )
        })?;
        match what {
            PreflightRead::RouteTable => findings.extend(route_table_findings(plan, &json)),
            PreflightRead::Nsg => findings.extend(nsg_findings(plan, &json)),
            PreflightRead::NatGateway => {}
        }
        if findings.is_empty() {
            eprintln!("preflight: existing {label} {name}: ok");
        }
    }
    if findings.is_empty() {
        return Ok(());
    }
    let mut err = anstream::stderr();
    for f in &findings {
        crate::output::finding(&mut err, f, None)?;
    }
    err.flush()?;
    bail!(
        "preflight: {} problem(s) with what already exists in Azure (above); nothing was created",
        findings.len()
    )
}

/// `status`'s lines about outbound type and API server access: the plan's, then the cluster's.
pub(super) fn status_lines(
    out: &mut impl Write,
    plan: &Plan,
    cluster: &Value,
) -> anyhow::Result<()> {
    let (plan_outbound, plan_api) = planned_access(plan);
    let (have_outbound, have_api) = describe_access(cluster);
    writeln!(
        out,
        "  outbound         plan {plan_outbound}, cluster {have_outbound}"
    )?;
    writeln!(
        out,
        "  API server       plan {plan_api}, cluster {have_api}"
    )?;
    Ok(())
}

/// The same for `status --format json`.
pub(super) fn status_json(plan: &Plan, cluster: &Value) -> Value {
    let (plan_outbound, plan_api) = planned_access(plan);
    let (have_outbound, have_api) = describe_access(cluster);
    serde_json::json!({
        "outbound": { "plan": plan_outbound, "cluster": have_outbound },
        "apiServer": { "plan": plan_api, "cluster": have_api },
    })
}
