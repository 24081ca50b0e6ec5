//! `apply`, `destroy` and `status` of a whole estate (plan version 2, no `--cluster`): the
//! shared network first (new VNets, peerings both ways: `steps::estate::network_steps`), then
//! each new cluster in order, each through the one-plan code of `mod.rs` with its own journal
//! (`PLAN.<cluster>.journal.json`, the same one `--cluster NAME` uses); destroy in reverse.
//! The network has its own journal (`PLAN.journal.json`, or `--journal`) keyed by the estate's
//! id, held locked for the whole run. Existing VNets and clusters are never created or removed.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use byocni_core::cni_values::MeshValues;
use byocni_core::estate::{Estate, PlanFile};
use byocni_core::steps::estate::{
    apply_order, cluster_destroy_steps, cluster_steps, estate_id, network_destroy_steps,
    network_steps,
};
use byocni_core::steps::{destroy_steps, plan_id, provision_steps, Step, StepKind};
use byocni_core::Plan;
use serde_json::Value;

use super::engine::{literal_argv, Engine, Mode};
use super::journal::Journal;
use super::runner::{ProcessRunner, Runner};
use crate::cli::{ApplyArgs, DestroyArgs, StatusArgs};
use crate::files::{
    cluster_journal_path, escape_control, journal_path, lock, read_cluster_target,
    read_plan_file_source, BadInput,
};

/// One plan apply, destroy and status work on: a v1 plan, or one cluster of an estate (its
/// projection, placed on its estate VNet).
pub(super) struct Target {
    pub(super) plan: Plan,
    /// `.NAME` for an estate's cluster (its journal and kubeconfig names), empty for v1.
    pub(super) suffix: String,
    /// A meshed Cilium cluster's mesh identity.
    pub(super) mesh: Option<MeshValues>,
    place: Option<(Estate, usize)>,
}

impl Target {
    /// Reads a v1 plan (refused with errors when `checked`), or the estate's cluster `cluster`
    /// (or its one new cluster).
    pub(super) fn read(
        path: &Path,
        cluster: Option<&str>,
        checked: bool,
    ) -> anyhow::Result<Target> {
        if checked && super::is_v1(path, cluster) {
            return Ok(Target {
                plan: super::checked_plan(path)?,
                suffix: String::new(),
                mesh: None,
                place: None,
            });
        }
        let (plan, suffix, mesh, place) = read_cluster_target(path, cluster, checked)?;
        Ok(Target {
            plan,
            suffix,
            mesh,
            place,
        })
    }

    /// What apply runs for it.
    pub(super) fn steps(&self) -> Vec<Step> {
        match &self.place {
            Some((e, i)) => cluster_steps(e, *i, &self.plan),
            None => provision_steps(&self.plan),
        }
    }

    /// What destroy may remove of it.
    pub(super) fn destroy_steps(&self) -> Vec<Step> {
        match &self.place {
            Some((e, i)) => cluster_destroy_steps(e, *i, &self.plan),
            None => destroy_steps(&self.plan),
        }
    }
}

/// The estate, when `path` is a version 2 file and no `--cluster` picks one of its clusters:
/// the command then works on the whole estate.
pub(super) fn whole(path: &Path, cluster: Option<&str>) -> anyhow::Result<Option<Estate>> {
    if cluster.is_some() || path == Path::new("-") {
        return Ok(None);
    }
    Ok(match read_plan_file_source(path)?.0 {
        PlanFile::V2(e) => Some(e),
        PlanFile::V1(_) => None,
    })
}

/// The new clusters as targets, in apply order.
fn targets(path: &Path, estate: &Estate, checked: bool) -> anyhow::Result<Vec<Target>> {
    apply_order(estate)
        .into_iter()
        .map(|i| Target::read(path, Some(&estate.clusters[i].name), checked))
        .collect()
}

fn names(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| escape_control(&t.plan.cluster.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses an estate whose check finds errors (all of them printed).
fn checked(path: &Path, estate: &Estate) -> anyhow::Result<()> {
    let report = byocni_core::check::check_estate(estate, None);
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == byocni_core::Severity::Error)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let mut err = anstream::stderr();
    for f in &errors {
        crate::output::finding(&mut err, f, None)?;
    }
    bail!(
        "{} has {} error(s); fix them first (byocni check {})",
        path.display(),
        errors.len(),
        path.display()
    )
}

pub(super) fn apply(args: &ApplyArgs, estate: &Estate) -> anyhow::Result<ExitCode> {
    let path = &args.plan;
    checked(path, estate)?;
    let targets = targets(path, estate, true)?;
    if args.kubeconfig.is_some() && targets.len() > 1 {
        return Err(BadInput(format!(
            "--kubeconfig names one cluster's file, and estate {} has {} new clusters ({}): leave it out (each gets PLAN.NAME.kubeconfig) or pick one with --cluster NAME",
            escape_control(&estate.name),
            targets.len(),
            names(&targets)
        ))
        .into());
    }
    let network = network_steps(estate);
    let jpath = journal_path(path, args.journal.as_deref())?;
    let mut runner = ProcessRunner {
        subscription: args.azure.subscription.clone(),
    };
    let subscription = super::preflight(&mut runner)?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&jpath, &format!("apply {}", path.display()))?)
    };
    let mut journal = Journal::load(&jpath, &estate_id(estate))?;
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        super::confirm(
            &format!(
                "Create the shared network of estate {} ({} step(s): VNets and peerings) and the cluster(s) {}, with their CNIs",
                escape_control(&estate.name),
                network.len(),
                names(&targets)
            ),
            args.azure.yes,
        )?;
        super::runner::catch_interrupts();
        Mode::Apply
    };
    eprintln!(
        "== the shared network of estate {} ==",
        escape_control(&estate.name)
    );
    let mut engine = Engine::new(&mut runner, &mut journal);
    engine.subscription = Some(subscription.clone());
    if !network.is_empty() && !engine.run(&network, mode, "apply", path)? {
        return Ok(ExitCode::from(1));
    }
    drop(engine);
    let mut each = args.clone();
    each.azure.yes = true;
    each.journal = None;
    for t in &targets {
        eprintln!("\n== cluster {} ==", escape_control(&t.plan.cluster.name));
        let cj = cluster_journal_path(path, &t.suffix, None)?;
        let code = super::apply_one(&each, t, &cj, &mut runner, subscription.clone())?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    if !args.dry_run {
        eprintln!(
            "\nestate {}: the shared network and {} cluster(s) are in place ({})",
            escape_control(&estate.name),
            targets.len(),
            names(&targets)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn destroy(args: &DestroyArgs, estate: &Estate) -> anyhow::Result<ExitCode> {
    let path = &args.plan;
    let targets = targets(path, estate, false)?;
    let jpath = journal_path(path, args.journal.as_deref())?;
    let mut each = args.clone();
    if !args.dry_run {
        super::confirm(
            &format!(
                "Remove what byocni apply created for estate {}: the cluster(s) {}, then the shared network (existing VNets and clusters are kept)",
                escape_control(&estate.name),
                names(&targets)
            ),
            args.azure.yes,
        )?;
        each.azure.yes = true;
    }
    each.journal = None;
    // The network's lock for the whole run: no apply of the estate meanwhile.
    let held = if args.dry_run {
        None
    } else {
        Some(lock(&jpath, &format!("destroy {}", path.display()))?)
    };
    for t in targets.iter().rev() {
        eprintln!("== cluster {} ==", escape_control(&t.plan.cluster.name));
        let cj = cluster_journal_path(path, &t.suffix, None)?;
        let code = super::destroy_one(&each, &plan_id(&t.plan), t.destroy_steps(), &cj)?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    eprintln!(
        "== the shared network of estate {} ==",
        escape_control(&estate.name)
    );
    drop(held);
    let mut net = each.clone();
    net.journal = args.journal.clone();
    super::destroy_one(
        &net,
        &estate_id(estate),
        network_destroy_steps(estate),
        &jpath,
    )
}

/// The peerings of the estate's network as Azure shows them: (VNet, peering, state), the state
/// `missing` when there is none; `Connected` is the state both ends reach.
fn peering_states(
    estate: &Estate,
    runner: &mut ProcessRunner,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for s in network_steps(estate) {
        if s.kind != StepKind::Peering {
            continue;
        }
        let Some(argv) = s.show.as_ref().and_then(literal_argv) else {
            continue;
        };
        let arg = |name: &str| {
            argv.iter()
                .position(|a| a == name)
                .and_then(|i| argv.get(i + 1))
                .cloned()
                .unwrap_or_default()
        };
        let res = runner.run("az", &argv)?;
        let state = match res.code {
            0 => serde_json::from_str::<Value>(&res.stdout)
                .ok()
                .and_then(|v| v["peeringState"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "?".into()),
            3 => "missing".into(),
            code => bail!(
                "`az network vnet peering show` failed (exit {code}): {}",
                res.stderr.trim()
            ),
        };
        out.push((arg("--vnet-name"), arg("--name"), state));
    }
    Ok(out)
}

pub(super) fn status(args: &StatusArgs, estate: &Estate) -> anyhow::Result<ExitCode> {
    let targets = targets(&args.plan, estate, false)?;
    let mut runner = ProcessRunner {
        subscription: args.subscription.clone(),
    };
    let mut drift = 0;
    let mut docs = Vec::new();
    for t in &targets {
        let (d, doc) = super::status_one(args, &t.plan, &mut runner)?;
        drift += d;
        docs.extend(doc);
    }
    let peerings = peering_states(estate, &mut runner)?;
    let unconnected = peerings.iter().filter(|(_, _, s)| s != "Connected").count();
    match args.format {
        crate::cli::OutputFormat::Json => {
            let p: Vec<Value> = peerings
                .iter()
                .map(|(v, n, s)| serde_json::json!({ "vnet": v, "peering": n, "state": s }))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "estate": estate.name,
                    "clusters": docs,
                    "peerings": p,
                    "drift": drift + unconnected,
                }))?
            );
        }
        crate::cli::OutputFormat::Text => {
            let mut o = anstream::stdout();
            if !peerings.is_empty() {
                writeln!(o, "\npeerings of estate {}", escape_control(&estate.name))?;
                for (v, n, s) in &peerings {
                    let mark = if s == "Connected" {
                        format!("{}ok{}", crate::output::GOOD, crate::output::RESET)
                    } else {
                        format!(
                            "{}NOT CONNECTED{}",
                            crate::output::ERROR,
                            crate::output::RESET
                        )
                    };
                    writeln!(
                        o,
                        "  {:<40} {:<12} {mark}",
                        escape_control(&format!("{v}/{n}")),
                        escape_control(s)
                    )?;
                }
            }
            if unconnected > 0 {
                writeln!(o, "\n{unconnected} peering(s) are not connected: run byocni apply {} to create the missing ends", args.plan.display())?;
            }
        }
    }
    Ok(if drift + unconnected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
