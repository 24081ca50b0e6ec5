//! Provisioning: `apply`, `destroy`, `cni install`, `status`, `discover`. The core produces the
//! steps (argv lists, as data); this module runs them through [`runner::Runner`], checks each
//! resource with `show` before creating it (exit 3 = missing), stops on drift, records every
//! outcome in the journal so a re-run resumes, and shows progress.

mod discover;
mod engine;
mod graph;
mod journal;
mod runner;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use byocni_core::steps::{
    cluster_expectations, cluster_show, cni_steps, destroy_steps, provision_steps,
};
use byocni_core::Plan;
use serde_json::Value;

use crate::cli::{ApplyArgs, CniCommand, DestroyArgs, DiscoverArgs, OutputFormat, StatusArgs};
use crate::files::{beside, journal_path, lock, private_dir, read_plan};
use engine::{Engine, Mode};
use journal::Journal;
use runner::{ProcessRunner, Runner};

/// The oldest az that supports `--network-plugin none` (rule 20).
const MIN_AZ: (u32, u32, u32) = (2, 39, 0);

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

/// az present, new enough, logged in; prints the subscription.
fn preflight(runner: &mut dyn Runner) -> anyhow::Result<()> {
    let out = runner.run("az", &["version".into(), "--output".into(), "json".into()])?;
    if out.code != 0 {
        bail!("`az version` failed: {}", out.stderr.trim());
    }
    let v: Value = serde_json::from_str(&out.stdout).context("`az version` printed no JSON")?;
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
    let acct: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    eprintln!(
        "az {text}, subscription {} ({})",
        acct["name"].as_str().unwrap_or("?"),
        acct["id"].as_str().unwrap_or("?")
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
    let plan = checked_plan(&args.plan)?;
    let mut runner = ProcessRunner {
        subscription: args.azure.subscription.clone(),
    };
    preflight(&mut runner)?;
    let steps = provision_steps(&plan);
    let jpath = journal_path(&args.plan, args.journal.as_deref())?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&jpath, &format!("apply {}", args.plan.display()))?)
    };
    let mut journal = Journal::load(&jpath)?;
    let mut engine = Engine::new(&mut runner, &mut journal);
    if args.dry_run {
        engine.run(&steps, Mode::DryRun, "apply", &args.plan)?;
        return Ok(ExitCode::SUCCESS);
    }
    confirm(
        &format!(
            "Create the {} resources of {} (cluster {})?",
            steps.len(),
            args.plan.display(),
            plan.cluster.name
        ),
        args.azure.yes,
    )?;
    if !engine.run(&steps, Mode::Apply, "apply", &args.plan)? {
        return Ok(ExitCode::from(1));
    }
    drop(engine);
    eprintln!(
        "\ncluster {} is ready for its CNI: nodes stay NotReady (\"cni plugin not initialized\") until one is installed.",
        plan.cluster.name
    );
    if args.cni {
        return install_cni(
            &plan,
            &args.plan,
            args.kubeconfig.as_deref(),
            &mut journal,
            args.timeout,
            false,
            true,
            &mut runner,
        );
    }
    eprintln!("next: byocni cni install {}", args.plan.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn destroy(args: DestroyArgs) -> anyhow::Result<ExitCode> {
    let plan = read_plan(&args.plan)?;
    let mut runner = ProcessRunner {
        subscription: args.azure.subscription.clone(),
    };
    let jpath = journal_path(&args.plan, args.journal.as_deref())?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&jpath, &format!("destroy {}", args.plan.display()))?)
    };
    let mut journal = Journal::load(&jpath)?;
    let steps: Vec<_> = destroy_steps(&plan)
        .into_iter()
        .filter(|s| journal.created(&s.id))
        .collect();
    if steps.is_empty() {
        eprintln!(
            "nothing to destroy: the journal {} records no resource that `byocni apply` created",
            jpath.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    preflight(&mut runner)?;
    let mut engine = Engine::new(&mut runner, &mut journal);
    if args.dry_run {
        engine.run(&steps, Mode::DestroyDryRun, "destroy", &args.plan)?;
        return Ok(ExitCode::SUCCESS);
    }
    let what: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
    confirm(&format!("{}?", what.join(", ")), args.azure.yes)?;
    Ok(
        if engine.run(&steps, Mode::Destroy, "destroy", &args.plan)? {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

pub(crate) fn cni(command: CniCommand) -> anyhow::Result<ExitCode> {
    let CniCommand::Install {
        plan: path,
        kubeconfig,
        timeout,
        dry_run,
        journal,
        azure,
    } = command;
    let plan = checked_plan(&path)?;
    let mut runner = ProcessRunner {
        subscription: azure.subscription.clone(),
    };
    let jpath = journal_path(&path, journal.as_deref())?;
    let _lock = if dry_run {
        None
    } else {
        preflight(&mut runner)?;
        Some(lock(&jpath, &format!("cni install {}", path.display()))?)
    };
    let mut journal = Journal::load(&jpath)?;
    install_cni(
        &plan,
        &path,
        kubeconfig.as_deref(),
        &mut journal,
        timeout,
        dry_run,
        azure.yes,
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

#[allow(clippy::too_many_arguments)]
fn install_cni(
    plan: &Plan,
    path: &Path,
    kubeconfig: Option<&Path>,
    journal: &mut Journal,
    timeout: u64,
    dry_run: bool,
    yes: bool,
    runner: &mut dyn Runner,
) -> anyhow::Result<ExitCode> {
    let kubeconfig: PathBuf =
        kubeconfig.map_or_else(|| beside(path, ".kubeconfig"), Path::to_path_buf);
    let kc = kubeconfig.display().to_string();
    let steps = cni_steps(plan, &kc);
    if steps.is_empty() {
        bail!(
            "byocni installs Cilium and Calico; install {} yourself with pod CIDR {} (`byocni export {} --format cilium-values` shows what Cilium would need)",
            plan.cni.plugin.as_str(),
            plan.pod_cidr.as_deref().unwrap_or("?"),
            path.display()
        );
    }
    let mut engine = Engine::new(runner, journal);
    if dry_run {
        engine.run(&steps, Mode::DryRun, "cni install", path)?;
        return Ok(ExitCode::SUCCESS);
    }
    confirm(
        &format!(
            "Install {} on cluster {}?",
            plan.cni.plugin.as_str(),
            plan.cluster.name
        ),
        yes,
    )?;
    let dir = private_dir()?;
    engine.files_dir = Some(dir.path().to_path_buf());
    let ok = engine.run(&steps, Mode::Always, "cni install", path)?;
    drop(dir);
    if !ok {
        return Ok(ExitCode::from(1));
    }
    wait_ready(runner, &kc, Duration::from_secs(timeout))
}

/// Polls the nodes until all are Ready, printing each node's Ready message when it changes.
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
    loop {
        let out = runner.run(
            "kubectl",
            &[
                "get".into(),
                "nodes".into(),
                "--output".into(),
                "json".into(),
                "--kubeconfig".into(),
                kubeconfig.into(),
            ],
        )?;
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
                    eprintln!("  {name}: {line}");
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
            eprintln!("error: the nodes were not all Ready after {}s; see their messages above (`kubectl get nodes --kubeconfig {kubeconfig}`)", timeout.as_secs());
            return Ok(ExitCode::from(1));
        }
        std::thread::sleep(poll_interval());
    }
}

pub(crate) fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let plan = read_plan(&args.plan)?;
    let mut runner = ProcessRunner {
        subscription: args.subscription.clone(),
    };
    let show = engine::literal_argv(&cluster_show(&plan))
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
    let rows: Vec<(String, Value, Value)> = cluster_expectations(&plan)
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
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "cluster": plan.cluster.name, "settings": doc, "drift": drift })
                )?
            );
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
            if drift > 0 {
                writeln!(o, "\n{drift} setting(s) differ from the plan: the network profile of an AKS cluster cannot be changed in place; recreate the cluster or change the plan")?;
            }
        }
    }
    Ok(if drift > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn show_json(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

pub(crate) fn discover(args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    discover::run(&args)
}
