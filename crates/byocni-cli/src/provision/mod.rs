//! Provisioning: `apply`, `destroy`, `cni install`, `status`, `discover`. The core produces the
//! steps (argv lists, as data); this module runs them through [`runner::Runner`], checks each
//! resource with `show` before creating it (exit 3 = missing), stops on drift that cannot be
//! changed in place and updates what can, records every outcome in the journal so a re-run
//! resumes, and shows progress.
//!
//! Safety: one run per journal at a time (an OS lock next to it); every resource apply creates
//! carries the plan's `byocni-plan` tag and its id goes to the journal; destroy deletes only
//! what the journal says apply created AND Azure still shows as the plan's; every external
//! command has a time limit; Ctrl-C stops gracefully with the journal saved.

mod around;
mod discover;
mod engine;
mod estate;
mod graph;
mod journal;
mod runner;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use byocni_core::steps::{
    cluster_expectations, cluster_show, cni_steps, plan_id, Step, StepKind, TAG_PLAN,
};
use byocni_core::Plan;
use serde_json::Value;

use crate::cli::{ApplyArgs, CniCommand, DestroyArgs, DiscoverArgs, OutputFormat, StatusArgs};
use crate::files::{beside, cluster_journal_path, lock, private_dir, read_cluster_plan, read_plan};
use engine::{id_of, same_id, Engine, Mode, Progress};
use journal::{Journal, Outcome};
use runner::{ProcessRunner, Runner};

pub(crate) use runner::{Interrupted, TimedOut};

/// The oldest az that supports `--network-plugin none` (rule 20).
const MIN_AZ: (u32, u32, u32) = (2, 39, 0);

/// Whether `path` is read as a v1 plan: no `--cluster`, and not a version 2 file (peeked, so a
/// v1 plan keeps exactly its road and messages).
fn is_v1(path: &Path, cluster: Option<&str>) -> bool {
    // A plan from stdin is read once: as v1, as before.
    if path == Path::new("-") {
        return cluster.is_none();
    }
    cluster.is_none()
        && !matches!(
            crate::files::read_plan_file_source(path),
            Ok((byocni_core::estate::PlanFile::V2(_), _))
        )
}

/// Reads the plan and refuses one with errors.
fn checked_plan(path: &Path) -> anyhow::Result<Plan> {
    let plan = read_plan(path)?;
    let report = byocni_core::check(&plan);
    if report.has_errors() {
        let mut err = anstream::stderr();
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == byocni_core::Severity::Error)
        {
            crate::output::finding(&mut err, f, None)?;
        }
        bail!(
            "{} has {} error(s); fix them first (byocni check {})",
            path.display(),
            report.counts().0,
            path.display()
        );
    }
    Ok(plan)
}

/// Parses a command's answer as JSON, or says which command answered what.
fn strict_json(what: &str, out: &runner::Output) -> anyhow::Result<Value> {
    serde_json::from_str(&out.stdout).map_err(|_| {
        let t: String = out.stdout.trim().chars().take(80).collect();
        anyhow!(
            "`{what}` answered (exit 0) with something that is not JSON: \"{}\"; check that az works (a proxy or network in the way?) and run again",
            crate::files::escape_control(&t)
        )
    })
}

/// az present, new enough, logged in; prints the subscription and returns its id.
fn preflight(runner: &mut dyn Runner) -> anyhow::Result<String> {
    let out = runner.run("az", &["version".into(), "--output".into(), "json".into()])?;
    if out.code != 0 {
        bail!("`az version` failed: {}", out.stderr.trim());
    }
    let v = strict_json("az version", &out)?;
    let text = v["azure-cli"].as_str().unwrap_or("0");
    let parts: Vec<u32> = text.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let have = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    if have < MIN_AZ {
        bail!(
            "az {text} is too old: --network-plugin none needs azure-cli {}.{}.{} or newer; run `az upgrade`",
            MIN_AZ.0, MIN_AZ.1, MIN_AZ.2
        );
    }
    let out = runner.run(
        "az",
        &[
            "account".into(),
            "show".into(),
            "--output".into(),
            "json".into(),
        ],
    )?;
    if out.code != 0 {
        if out.stderr.contains("az login") {
            bail!("you are not logged in to Azure: run `az login`, then run this command again");
        }
        bail!("`az account show` failed: {}", out.stderr.trim());
    }
    let acct = strict_json("az account show", &out)?;
    let id = acct["id"]
        .as_str()
        .filter(|s| !s.is_empty())
        .context("`az account show` names no subscription id; run `az login` again")?
        .to_owned();
    eprintln!(
        "az {text}, subscription {} ({id})",
        acct["name"].as_str().unwrap_or("?"),
    );
    Ok(id)
}

/// A plan that disables kube-proxy needs `az aks create --kube-proxy-config`, which only the
/// aks-preview extension has (domain rule 28): stop before creating anything when it is missing.
fn preview_preflight(runner: &mut dyn Runner, plan: &Plan) -> anyhow::Result<()> {
    if plan.cni.kube_proxy {
        return Ok(());
    }
    let out = runner.run(
        "az",
        &[
            "extension".into(),
            "show".into(),
            "--name".into(),
            "aks-preview".into(),
            "--output".into(),
            "json".into(),
        ],
    )?;
    if out.code != 0 {
        bail!(
            "cni.kubeProxy is false: creating the cluster without kube-proxy needs `az aks create --kube-proxy-config`, which the aks-preview extension adds, and it is not installed (`az extension show --name aks-preview` exited {}). Install it with `az extension add --name aks-preview`, register the preview feature once per subscription with `az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview`, then run this command again. Nothing was changed.",
            out.code
        );
    }
    let v = strict_json("az extension show --name aks-preview", &out)?;
    eprintln!(
        "aks-preview extension {} (kube-proxy disabled: an AKS preview)",
        crate::files::escape_control(v["version"].as_str().unwrap_or("?"))
    );
    Ok(())
}

/// Asks before changing Azure, unless `--yes`.
fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("{question}: this changes Azure resources; pass --yes to run without a prompt");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        bail!("stopped: nothing was changed")
    }
}

pub(crate) fn apply(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    if let Some(e) = estate::whole(&args.plan, args.cluster.as_deref())? {
        return estate::apply(&args, &e);
    }
    let target = estate::Target::read(&args.plan, args.cluster.as_deref(), true)?;
    let jpath = cluster_journal_path(&args.plan, &target.suffix, args.journal.as_deref())?;
    let mut runner = ProcessRunner {
        subscription: args.azure.subscription.clone(),
    };
    let subscription = preflight(&mut runner)?;
    apply_one(&args, &target, &jpath, &mut runner, subscription)
}

/// Applies one plan (a v1 plan, or one cluster of an estate) with its journal at `jpath`.
fn apply_one(
    args: &ApplyArgs,
    target: &estate::Target,
    jpath: &Path,
    runner: &mut ProcessRunner,
    subscription: String,
) -> anyhow::Result<ExitCode> {
    let (plan, suffix, mesh) = (&target.plan, &target.suffix, &target.mesh);
    let jpath = jpath.to_path_buf();
    around::preflight(runner, plan)?;
    preview_preflight(runner, plan)?;
    let steps = target.steps();
    // The CNI goes on right after `az aks create`, before the node pool steps: AKS node
    // auto-repair reboots nodes that stay NotReady for more than 5 minutes (domain rule 27).
    let split = steps
        .iter()
        .position(|s| s.kind == StepKind::Cluster)
        .map_or(steps.len(), |i| i + 1);
    let (resources, pools) = steps.split_at(split);
    let kubeconfig = args
        .kubeconfig
        .clone()
        .unwrap_or_else(|| beside(&args.plan, &format!("{suffix}.kubeconfig")));
    let mut cni = if args.no_cni {
        Vec::new()
    } else {
        cni_steps(plan, &kubeconfig.display().to_string())
    };
    // A meshed cluster of an estate: Cilium with its mesh identity, as export writes it.
    with_mesh(&mut cni, plan, mesh.as_ref());
    let total = steps.len() + cni.len();
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&jpath, &format!("apply {}", args.plan.display()))?)
    };
    let mut journal = Journal::load(&jpath, &plan_id(plan))?;
    let cluster_before = journal.get("cluster").map(|e| e.outcome);
    // Files the resource steps need (the kube-proxy configuration) go to a private directory.
    let files = if args.dry_run {
        None
    } else {
        Some(private_dir()?)
    };
    let mut engine = Engine::new(runner, &mut journal);
    engine.subscription = Some(subscription.clone());
    engine.numbering = Some((0, total));
    engine.files_dir = files.as_ref().map(|d| d.path().to_path_buf());
    if args.dry_run {
        engine.run(resources, Mode::DryRun, "apply", &args.plan)?;
        engine.run(&cni, Mode::DryRun, "apply", &args.plan)?;
        engine.run(pools, Mode::DryRun, "apply", &args.plan)?;
        no_cni_warning(plan, args);
        return Ok(ExitCode::SUCCESS);
    }
    confirm(
        &format!(
            "Create the {} resources of {} (cluster {}){}?",
            steps.len(),
            args.plan.display(),
            plan.cluster.name,
            if cni.is_empty() {
                String::new()
            } else {
                format!(" and install {}", plan.cni.plugin.as_str())
            }
        ),
        args.azure.yes,
    )?;
    // From here on Ctrl-C stops gracefully (at the prompt above it simply ends the program).
    runner::catch_interrupts();
    if !engine.run(resources, Mode::Apply, "apply", &args.plan)? {
        return Ok(ExitCode::from(1));
    }
    drop(engine);
    let cluster_new = journal.get("cluster").map(|e| e.outcome) == Some(Outcome::Created)
        && cluster_before != Some(Outcome::Created);
    let cni_done = journal
        .get("cni")
        .is_some_and(|e| e.outcome == Outcome::Created);
    let install = !cni.is_empty() && (cluster_new || !cni_done);
    if install {
        let run = CniRun {
            plan,
            mesh: mesh.as_ref(),
            path: &args.plan,
            kubeconfig: Some(&kubeconfig),
            timeout: args.timeout,
            dry_run: false,
            yes: true,
        };
        if !put_cni_on(&run, &mut journal, runner, Some((split, total)))? {
            return Ok(ExitCode::from(1));
        }
    } else if !cni.is_empty() {
        eprintln!(
            "[{}-{}/{total}] {} on {}: installed in an earlier run",
            split + 1,
            split + cni.len(),
            plan.cni.plugin.as_str(),
            plan.cluster.name
        );
    }
    let mut engine = Engine::new(runner, &mut journal);
    engine.subscription = Some(subscription);
    engine.numbering = Some((split + cni.len(), total));
    if !engine.run(pools, Mode::Apply, "apply", &args.plan)? {
        return Ok(ExitCode::from(1));
    }
    drop(engine);
    if cni.is_empty() {
        no_cni_warning(plan, args);
        return Ok(ExitCode::SUCCESS);
    }
    if !install {
        return Ok(ExitCode::SUCCESS);
    }
    let code = wait_ready(
        runner,
        &kubeconfig.display().to_string(),
        Duration::from_secs(args.timeout),
    )?;
    if code == ExitCode::SUCCESS {
        journal.record(
            "cni",
            journal::Entry {
                outcome: Outcome::Created,
                resource_id: None,
                outputs: std::collections::BTreeMap::new(),
                error: None,
            },
        )?;
    }
    Ok(code)
}

/// Says that the nodes stay NotReady without a CNI, and how soon that matters.
fn no_cni_warning(plan: &Plan, args: &ApplyArgs) {
    let why = if args.no_cni {
        "--no-cni: no CNI was installed"
    } else {
        "byocni does not install this plan's CNI"
    };
    eprintln!(
        "\nwarning: {why}. The nodes of {} stay NotReady (\"cni plugin not initialized\") until one is, and AKS node auto-repair reboots a node that stays NotReady for more than 5 minutes (it cannot be turned off). Install {} now{}.",
        plan.cluster.name,
        plan.cni.plugin.as_str(),
        if args.no_cni {
            format!(": byocni cni install {}", args.plan.display())
        } else {
            format!(
                " with pod CIDR {}",
                plan.pod_cidr.as_deref().unwrap_or("?")
            )
        }
    );
}

/// Why destroy will not delete a resource the journal records.
fn not_ours(
    engine: &Engine<'_>,
    step: &Step,
    json: &Value,
    recorded: Option<&str>,
) -> Option<String> {
    let id = id_of(json);
    if let (Some(have), Some(want)) = (id.as_deref(), recorded) {
        if !same_id(have, want) {
            return Some(format!("Azure shows {have}, the journal recorded {want}"));
        }
    }
    if !engine.tagged_ours(step, json) {
        let tags = json
            .get("tags")
            .filter(|t| !t.is_null())
            .map_or_else(|| "none".to_owned(), Value::to_string);
        return Some(format!(
            "{} does not carry the tag {TAG_PLAN}={} (its tags: {tags})",
            id.as_deref().or(recorded).unwrap_or("it"),
            engine.journal.plan_id
        ));
    }
    None
}

pub(crate) fn destroy(args: DestroyArgs) -> anyhow::Result<ExitCode> {
    if let Some(e) = estate::whole(&args.plan, args.cluster.as_deref())? {
        return estate::destroy(&args, &e);
    }
    let target = estate::Target::read(&args.plan, args.cluster.as_deref(), false)?;
    let jpath = cluster_journal_path(&args.plan, &target.suffix, args.journal.as_deref())?;
    destroy_one(
        &args,
        &plan_id(&target.plan),
        target.destroy_steps(),
        &jpath,
    )
}

/// Removes what the journal at `jpath` (of plan id `pid`) says apply created, of `steps`.
fn destroy_one(
    args: &DestroyArgs,
    pid: &str,
    steps: Vec<Step>,
    jpath: &Path,
) -> anyhow::Result<ExitCode> {
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(jpath, &format!("destroy {}", args.plan.display()))?)
    };
    let mut journal = Journal::load(jpath, pid)?;
    let candidates: Vec<Step> = steps
        .into_iter()
        .filter(|s| {
            journal
                .get(&s.id)
                .is_some_and(|e| e.outcome == Outcome::Created || e.outcome.in_flight())
        })
        .collect();
    if candidates.is_empty() {
        eprintln!(
            "nothing to destroy: the journal {} records no resource that `byocni apply` created",
            jpath.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut runner = ProcessRunner {
        subscription: args.azure.subscription.clone(),
    };
    let subscription = preflight(&mut runner)?;
    let mut engine = Engine::new(&mut runner, &mut journal);
    engine.subscription = Some(subscription);

    // First look at everything: delete nothing unless every recorded resource is provably this
    // plan's (or gone).
    let mut delete: Vec<(Step, Option<String>)> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for step in candidates {
        let entry = engine
            .journal
            .get(&step.id)
            .cloned()
            .expect("filtered above");
        let Some(show) = step.show.clone() else {
            continue;
        };
        let found = engine.look(&step, &show)?;
        match found {
            None => {
                eprintln!("{}: already gone", step.title);
                if !args.dry_run {
                    engine.journal.forget(&step.id)?;
                }
            }
            Some(json) => match not_ours(&engine, &step, &json, entry.resource_id.as_deref()) {
                None => delete.push((step, id_of(&json).or(entry.resource_id))),
                Some(why) if entry.outcome.in_flight() => {
                    eprintln!(
                        "{}: kept, an interrupted run did not create it ({why})",
                        step.title
                    );
                    if !args.dry_run {
                        engine.journal.forget(&step.id)?;
                    }
                }
                Some(why) => refused.push(format!("{}: {why}", step.title)),
            },
        }
    }
    if !refused.is_empty() {
        eprintln!(
            "error: destroy refuses to run, nothing was deleted. The journal {} says apply created these, but Azure does not show them as this plan's:\n{}\nSomeone may have replaced or re-tagged them. Delete them by hand if they are yours to delete, or restore the tag, then run destroy again.",
            jpath.display(),
            refused.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
        );
        return Ok(ExitCode::from(1));
    }
    if args.dry_run {
        println!("dry run: nothing is changed. {} step(s):", delete.len());
        for (i, (step, id)) in delete.iter().enumerate() {
            if let Some(id) = id {
                engine.vars.insert("RESOURCE_ID".into(), id.clone());
            }
            let note = if step.kind == StepKind::ResourceGroup || step.kind == StepKind::Vnet {
                "will be deleted if it holds nothing else (otherwise kept, and what else is in it listed)"
            } else {
                "will be deleted"
            };
            println!(
                "[{}/{}] {}\n    {note}\n    $ {}",
                i + 1,
                delete.len(),
                step.title,
                engine.show_line(&step.create)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if delete.is_empty() {
        eprintln!("nothing left to delete");
        return Ok(ExitCode::SUCCESS);
    }
    let what: Vec<&str> = delete.iter().map(|(s, _)| s.title.as_str()).collect();
    confirm(&format!("{}?", what.join(", ")), args.azure.yes)?;
    runner::catch_interrupts();
    let n = delete.len();
    let mut kept = Vec::new();
    for (i, (step, id)) in delete.iter().enumerate() {
        let p = Progress::start(format!("[{}/{n}] {}", i + 1, step.title));
        if let Some(id) = id {
            engine.vars.insert("RESOURCE_ID".into(), id.clone());
        }
        let others = match step.kind {
            StepKind::Vnet => vnet_others(&mut engine, step)?,
            StepKind::ResourceGroup => group_others(&mut engine, step)?,
            _ => Vec::new(),
        };
        if !others.is_empty() {
            p.finish("kept: it holds resources that are not this plan's");
            kept.push(format!(
                "{} (kept), because it also holds:\n{}",
                step.title.replacen("Delete ", "", 1),
                others
                    .iter()
                    .map(|o| format!("      {o}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            continue;
        }
        let out = match engine.exec(&step.create) {
            Ok(o) => o,
            Err(e) => {
                if engine::stopped(&e) {
                    eprintln!(
                        "\nstopped: the journal {} still lists what is left; run `byocni destroy {} --yes` again",
                        jpath.display(),
                        args.plan.display()
                    );
                }
                return Err(e);
            }
        };
        if out.code != 0 {
            p.finish("failed");
            engine.report_failure(i, n, step, &step.create, &out, "destroy", &args.plan);
            return Ok(ExitCode::from(1));
        }
        p.finish("deleted");
        engine.journal.forget(&step.id)?;
    }
    for k in &kept {
        eprintln!("  {k}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The subnets of the plan's VNet that are not the plan's (destroy keeps the VNet for them).
fn vnet_others(engine: &mut Engine<'_>, step: &Step) -> anyhow::Result<Vec<String>> {
    let Some(show) = &step.show else {
        return Ok(Vec::new());
    };
    let Some(json) = engine.look(step, show)? else {
        return Ok(Vec::new());
    };
    Ok(json["subnets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("subnet {}", s["name"].as_str().unwrap_or("?")))
        .collect())
}

/// What the resource group of a `group delete` step holds that is not this plan's (destroy
/// keeps the group).
fn group_others(engine: &mut Engine<'_>, step: &Step) -> anyhow::Result<Vec<String>> {
    let args = &step.create.args;
    let rg = args
        .iter()
        .position(|a| *a == byocni_core::steps::Arg::Lit("--name".into()))
        .and_then(|i| args.get(i + 1))
        .cloned()
        .context("internal: a group delete step names no group")?;
    let cmd = byocni_core::steps::Command {
        program: byocni_core::steps::Program::Az,
        args: vec![
            byocni_core::steps::Arg::Lit("resource".into()),
            byocni_core::steps::Arg::Lit("list".into()),
            byocni_core::steps::Arg::Lit("--resource-group".into()),
            rg,
            byocni_core::steps::Arg::Lit("--output".into()),
            byocni_core::steps::Arg::Lit("json".into()),
        ],
    };
    let out = engine.exec(&cmd)?;
    if out.code != 0 {
        bail!(
            "`{}` failed (exit {}): {}",
            engine.show_line(&cmd),
            out.code,
            out.stderr.trim()
        );
    }
    let v = strict_json(&engine.show_line(&cmd), &out)?;
    let Some(list) = v.as_array() else {
        bail!(
            "`{}` did not answer with a JSON list",
            engine.show_line(&cmd)
        );
    };
    let pid = engine.journal.plan_id.clone();
    Ok(list
        .iter()
        .filter(|r| {
            r.pointer(&format!("/tags/{TAG_PLAN}"))
                .and_then(Value::as_str)
                != Some(pid.as_str())
        })
        .map(|r| {
            format!(
                "{} ({})",
                r["name"].as_str().unwrap_or("?"),
                r["type"].as_str().unwrap_or("?")
            )
        })
        .collect())
}

pub(crate) fn cni(command: CniCommand) -> anyhow::Result<ExitCode> {
    let CniCommand::Install {
        plan: path,
        kubeconfig,
        timeout,
        dry_run,
        journal,
        cluster,
        azure,
    } = command;
    let (plan, suffix, mesh) = if is_v1(&path, cluster.as_deref()) {
        (checked_plan(&path)?, String::new(), None)
    } else {
        read_cluster_plan(&path, cluster.as_deref(), true)?
    };
    let jpath = cluster_journal_path(&path, &suffix, journal.as_deref())?;
    let kubeconfig = kubeconfig
        .or_else(|| (!suffix.is_empty()).then(|| beside(&path, &format!("{suffix}.kubeconfig"))));
    let mut runner = ProcessRunner {
        subscription: azure.subscription.clone(),
    };
    let _lock = if dry_run {
        None
    } else {
        preflight(&mut runner)?;
        Some(lock(&jpath, &format!("cni install {}", path.display()))?)
    };
    let mut journal = Journal::load(&jpath, &plan_id(&plan))?;
    install_cni(
        &CniRun {
            plan: &plan,
            mesh: mesh.as_ref(),
            path: &path,
            kubeconfig: kubeconfig.as_deref(),
            timeout,
            dry_run,
            yes: azure.yes,
        },
        &mut journal,
        &mut runner,
    )
}

/// Milliseconds between polls of `kubectl get nodes` (`BYOCNI_POLL_INTERVAL_MS`, default 5000).
fn poll_interval() -> Duration {
    Duration::from_millis(
        std::env::var("BYOCNI_POLL_INTERVAL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000),
    )
}

/// What a CNI install needs to know.
/// Replaces the Cilium values of `steps` by a meshed cluster's (its mesh identity added).
fn with_mesh(steps: &mut [Step], plan: &Plan, mesh: Option<&byocni_core::cni_values::MeshValues>) {
    let Some(m) = mesh else { return };
    for f in steps.iter_mut().flat_map(|s| s.files.iter_mut()) {
        if f.name == byocni_core::cni_values::CILIUM_VALUES_FILE {
            f.contents = byocni_core::cni_values::cilium_mesh_values(plan, m);
        }
    }
}

struct CniRun<'a> {
    plan: &'a Plan,
    /// A meshed cluster's mesh identity (estates), for its Cilium values.
    mesh: Option<&'a byocni_core::cni_values::MeshValues>,
    path: &'a Path,
    kubeconfig: Option<&'a Path>,
    timeout: u64,
    dry_run: bool,
    yes: bool,
}

fn install_cni(
    run: &CniRun<'_>,
    journal: &mut Journal,
    runner: &mut dyn Runner,
) -> anyhow::Result<ExitCode> {
    let CniRun { plan, path, .. } = *run;
    let kubeconfig: PathBuf = run
        .kubeconfig
        .map_or_else(|| beside(path, ".kubeconfig"), Path::to_path_buf);
    if cni_steps(plan, "").is_empty() {
        bail!(
            "byocni installs Cilium and Calico; install {} yourself with pod CIDR {} (`byocni export {} --format cilium-values` shows what Cilium would need)",
            plan.cni.plugin.as_str(),
            plan.pod_cidr.as_deref().unwrap_or("?"),
            path.display()
        );
    }
    if run.dry_run {
        let mut steps = cni_steps(plan, &kubeconfig.display().to_string());
        with_mesh(&mut steps, plan, run.mesh);
        let mut engine = Engine::new(runner, journal);
        engine.run(&steps, Mode::DryRun, "cni install", path)?;
        return Ok(ExitCode::SUCCESS);
    }
    confirm(
        &format!(
            "Install {} on cluster {}?",
            plan.cni.plugin.as_str(),
            plan.cluster.name
        ),
        run.yes,
    )?;
    runner::catch_interrupts();
    if !put_cni_on(run, journal, runner, None)? {
        return Ok(ExitCode::from(1));
    }
    wait_ready(
        runner,
        &kubeconfig.display().to_string(),
        Duration::from_secs(run.timeout),
    )
}

/// Fetches credentials and installs the CNI: credentials and values go to a fresh private
/// directory first; the kubeconfig is then written into place atomically, owner-only (0600).
/// `Ok(false)` when a step failed (reported).
fn put_cni_on(
    run: &CniRun<'_>,
    journal: &mut Journal,
    runner: &mut dyn Runner,
    numbering: Option<(usize, usize)>,
) -> anyhow::Result<bool> {
    let CniRun { plan, path, .. } = *run;
    let sub = if numbering.is_some() {
        "apply"
    } else {
        "cni install"
    };
    let kubeconfig: PathBuf = run
        .kubeconfig
        .map_or_else(|| beside(path, ".kubeconfig"), Path::to_path_buf);
    let dir = private_dir()?;
    let tmp_kc = dir.path().join("kubeconfig");
    let mut steps = cni_steps(plan, &tmp_kc.display().to_string());
    with_mesh(&mut steps, plan, run.mesh);
    let mut engine = Engine::new(runner, journal);
    engine.files_dir = Some(dir.path().to_path_buf());
    engine.numbering = numbering;
    let (creds, install): (Vec<Step>, Vec<Step>) = steps
        .into_iter()
        .partition(|s| s.kind == StepKind::Credentials);
    if !engine.run(&creds, Mode::Always, sub, path)? {
        return Ok(false);
    }
    let text = std::fs::read(&tmp_kc).with_context(|| {
        format!(
            "`az aks get-credentials` wrote no kubeconfig to {}",
            tmp_kc.display()
        )
    })?;
    crate::files::write_atomic(&kubeconfig, crate::files::Mode::Private, |w| {
        w.write_all(&text)
    })?;
    eprintln!("wrote {} (0600)", kubeconfig.display());
    engine.run(&install, Mode::Always, sub, path)
}

/// Polls the nodes until all are Ready, printing each node's Ready message when it changes.
/// The timeout bounds the whole wait: a hung `kubectl` is stopped when it passes.
fn wait_ready(
    runner: &mut dyn Runner,
    kubeconfig: &str,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let mut last: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    eprintln!(
        "waiting for the nodes to be Ready (timeout {}s)",
        timeout.as_secs()
    );
    let give_up = |kubeconfig: &str| {
        eprintln!("error: the nodes were not all Ready after {}s; see their messages above (`kubectl get nodes --kubeconfig {kubeconfig}`)", timeout.as_secs());
        Ok(ExitCode::from(1))
    };
    loop {
        let left = timeout
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(1));
        let out = match runner.run_within(
            "kubectl",
            &[
                "get".into(),
                "nodes".into(),
                "--output".into(),
                "json".into(),
                "--kubeconfig".into(),
                kubeconfig.into(),
            ],
            Some(left),
        ) {
            Ok(o) => o,
            Err(e) if e.is::<TimedOut>() => {
                eprintln!("  {e}");
                if start.elapsed() >= timeout {
                    return give_up(kubeconfig);
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        if out.code == 0 {
            let v: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
            let nodes = v["items"].as_array().cloned().unwrap_or_default();
            let mut all_ready = !nodes.is_empty();
            for n in &nodes {
                let name = n["metadata"]["name"].as_str().unwrap_or("?").to_owned();
                let cond = n["status"]["conditions"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let ready = cond["status"] == "True";
                all_ready &= ready;
                let line = format!(
                    "{} {}",
                    if ready { "Ready" } else { "NotReady" },
                    cond["message"].as_str().unwrap_or("")
                );
                if last.get(&name) != Some(&line) {
                    eprintln!(
                        "  {}: {}",
                        crate::files::escape_control(&name),
                        crate::files::escape_control(&line)
                    );
                    last.insert(name, line);
                }
            }
            if all_ready {
                eprintln!(
                    "all {} nodes are Ready ({}s)",
                    nodes.len(),
                    start.elapsed().as_secs()
                );
                return Ok(ExitCode::SUCCESS);
            }
        } else {
            eprintln!("  kubectl get nodes failed: {}", out.stderr.trim());
        }
        if start.elapsed() >= timeout {
            return give_up(kubeconfig);
        }
        std::thread::sleep(poll_interval().min(timeout.saturating_sub(start.elapsed())));
    }
}

pub(crate) fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    if let Some(e) = estate::whole(&args.plan, args.cluster.as_deref())? {
        return estate::status(&args, &e);
    }
    let (plan, _, _) = read_cluster_plan(&args.plan, args.cluster.as_deref(), false)?;
    let mut runner = ProcessRunner {
        subscription: args.subscription.clone(),
    };
    let (drift, doc) = status_one(&args, &plan, &mut runner)?;
    if let Some(doc) = doc {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    }
    Ok(if drift > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The status of one cluster: its drift count; with `--format json` its document (printed by
/// the caller), else its lines printed.
fn status_one(
    args: &StatusArgs,
    plan: &Plan,
    runner: &mut ProcessRunner,
) -> anyhow::Result<(usize, Option<Value>)> {
    let show = engine::literal_argv(&cluster_show(plan))
        .context("the cluster show command has no variables")?;
    let out = runner.run("az", &show)?;
    if out.code == 3 {
        bail!(
            "cluster {} does not exist in resource group {} (byocni apply {} creates it)",
            plan.cluster.name,
            plan.cluster.resource_group,
            args.plan.display()
        );
    }
    if out.code != 0 {
        bail!("`az aks show` failed: {}", out.stderr.trim());
    }
    let actual: Value =
        serde_json::from_str(&out.stdout).context("`az aks show` printed no JSON")?;
    let rows: Vec<(String, Value, Value)> = cluster_expectations(plan)
        .into_iter()
        .map(|e| {
            let have = actual.pointer(&e.pointer).cloned().unwrap_or(Value::Null);
            (e.label, e.want, have)
        })
        .collect();
    let drift = rows.iter().filter(|(_, w, h)| w != h).count();
    match args.format {
        OutputFormat::Json => {
            let doc: Vec<Value> = rows.iter().map(|(l, w, h)| serde_json::json!({ "setting": l, "plan": w, "cluster": h, "drift": w != h })).collect();
            return Ok((
                drift,
                Some(
                    serde_json::json!({ "cluster": plan.cluster.name, "settings": doc, "drift": drift, "access": around::status_json(plan, &actual) }),
                ),
            ));
        }
        OutputFormat::Text => {
            let mut o = anstream::stdout();
            writeln!(
                o,
                "{}cluster {}{} ({})",
                crate::output::BOLD,
                plan.cluster.name,
                crate::output::RESET,
                actual["provisioningState"].as_str().unwrap_or("?")
            )?;
            writeln!(o, "  {:<16} {:<20} {:<20}", "setting", "plan", "cluster")?;
            for (l, w, h) in &rows {
                let mark = if w == h {
                    format!("{}ok{}", crate::output::GOOD, crate::output::RESET)
                } else {
                    format!("{}DRIFT{}", crate::output::ERROR, crate::output::RESET)
                };
                writeln!(
                    o,
                    "  {l:<16} {:<20} {:<20} {mark}",
                    show_json(w),
                    show_json(h)
                )?;
            }
            around::status_lines(&mut o, plan, &actual)?;
            if drift > 0 {
                writeln!(o, "\n{drift} setting(s) differ from the plan: the network profile of an AKS cluster cannot be changed in place; recreate the cluster or change the plan")?;
            }
        }
    }
    Ok((drift, None))
}

fn show_json(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

pub(crate) fn discover(args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    discover::run(&args)
}
