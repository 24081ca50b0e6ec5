//! The planning subcommands (new, check, suggest, export, explain), the generated ones (schema,
//! completions, man) and the dispatch of the provisioning ones to [`crate::provision`]. The
//! exit-code policy lives here too.

use std::io::Write;

use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

use byocni_core::check::check_estate;
use byocni_core::check::explain::explain;
use byocni_core::estate::{Estate, PlanFile};
use byocni_core::estate_suggest::suggest_estate;
use byocni_core::render::estate::{render_estate, EstateRenderError};
use byocni_core::{check, render, suggest_into, Format, Plan, RenderError, RenderOptions, Rule};

use crate::cli::{CheckFormat, Cli, Command};
use crate::{formats, output};

pub(crate) use crate::files::BadInput;
use crate::files::{escape_control, read_plan_file_source};
use crate::files::{write_atomic, write_text, Mode};

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New { path, force } => new(&path, force),
        Command::Check {
            plan,
            format,
            cluster,
        } => check_cmd(&plan, format, cluster.as_deref()),
        Command::Suggest { plan, output } => suggest_cmd(&plan, output.as_deref()),
        Command::Export {
            plan,
            format,
            force,
            output,
            cluster,
        } => export(&plan, format, force, output.as_deref(), cluster.as_deref()),
        Command::Explain { rule } => explain_cmd(rule.as_deref()),
        Command::Upgrade { plan, output } => upgrade(&plan, output.as_deref()),
        Command::Apply(a) => crate::provision::apply(a),
        Command::Destroy(a) => crate::provision::destroy(a),
        Command::Cni { command } => crate::provision::cni(command),
        Command::Status(a) => crate::provision::status(a),
        Command::Discover(a) => crate::provision::discover(a),
        Command::Schema => schema_cmd(),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir.as_deref()),
    }
}

/// The exit code for an error that reached `main`: 2 for unreadable input, 4 for a file that
/// could not be written, 5 for a command that timed out, 130 for Ctrl-C, 1 otherwise.
pub(crate) fn exit_code_for(err: &anyhow::Error) -> u8 {
    let is = |f: fn(&(dyn std::error::Error + 'static)) -> bool| err.chain().any(f);
    if is(<dyn std::error::Error + 'static>::is::<BadInput>) {
        2
    } else if is(<dyn std::error::Error + 'static>::is::<crate::files::WriteFailed>) {
        4
    } else if is(<dyn std::error::Error + 'static>::is::<crate::provision::TimedOut>) {
        5
    } else if is(<dyn std::error::Error + 'static>::is::<crate::provision::Interrupted>) {
        130
    } else {
        1
    }
}

/// Writes text to a file or stdout.
fn write_out(output: Option<&Path>, text: &str, executable: bool) -> anyhow::Result<()> {
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(p) => write_text(
            p,
            text,
            if executable {
                Mode::Executable
            } else {
                Mode::Normal
            },
        )?,
    }
    Ok(())
}

/// Writes a plan as pretty JSON, streamed (a plan may hold 1,000,000 connected networks).
fn write_plan(output: Option<&Path>, plan: &Plan) -> anyhow::Result<()> {
    fn to(w: &mut dyn Write, plan: &Plan) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(w);
        serde_json::to_writer_pretty(&mut w, plan)?;
        w.write_all(b"\n")?;
        w.flush()
    }
    match output {
        None => Ok(to(&mut std::io::stdout().lock(), plan)?),
        Some(p) => write_atomic(p, Mode::Normal, |w| to(w, plan)),
    }
}

fn new(path: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let text = Plan::example().to_json();
    if path == Path::new("-") {
        write_out(None, &text, false)?;
        return Ok(ExitCode::SUCCESS);
    }
    if path.exists() && !force {
        return Err(BadInput(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        ))
        .into());
    }
    write_out(Some(path), &text, false)?;
    eprintln!(
        "wrote {}: the AKS BYO CNI example. Next: byocni check {}",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_cmd(path: &Path, format: CheckFormat, cluster: Option<&str>) -> anyhow::Result<ExitCode> {
    let (file, source) = read_plan_file_source(path)?;
    let plan = match file {
        PlanFile::V2(estate) => return check_estate_cmd(&estate, &source, format, cluster),
        PlanFile::V1(_) if cluster.is_some() => {
            return Err(BadInput(
                "--cluster picks a cluster of a version 2 estate; this plan has one cluster (`byocni upgrade` makes it an estate)".into(),
            )
            .into())
        }
        PlanFile::V1(plan) => plan,
    };
    let report = check(&plan);
    let ipv6: Vec<String> = report
        .ipv6_connected_networks
        .iter()
        .map(|&i| plan.connected_networks[i].cidr.clone())
        .collect();
    // The process ends right after: freeing a plan of 1,000,000 connected networks one string
    // at a time would cost more than checking it.
    std::mem::forget(plan);
    write_findings(
        format,
        &source,
        &report.findings,
        |mut out, placed| formats::json(&mut out, &report, placed),
        |mut out, places| output::report(&mut out, &report, places, &ipv6),
    )?;
    std::mem::forget(source);
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes a check's findings to stdout in `format`, each placed at its field in the plan file
/// when it came from one. SARIF and GitHub annotations are the same for plans and estates; the
/// JSON document and the text report are the caller's (`json`, `text`: `text` gets each
/// finding's `file:line:column`).
fn write_findings(
    format: CheckFormat,
    source: &crate::files::PlanSource,
    findings: &[byocni_core::Finding],
    json: impl FnOnce(&mut dyn Write, &[formats::Placed<'_>]) -> std::io::Result<()>,
    text: impl FnOnce(&mut dyn Write, &[Option<String>]) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let placed = formats::place(findings, source.file_text());
    let file = source.file_name();
    let mut machine = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        CheckFormat::Json => json(&mut machine, &placed)?,
        CheckFormat::Sarif => formats::sarif(&mut machine, &placed, source.file.as_deref())?,
        CheckFormat::Github => formats::github(&mut machine, &placed, file.as_deref())?,
        CheckFormat::Text => {
            let shown = file.as_deref().map(escape_control);
            let places: Vec<Option<String>> = placed
                .iter()
                .map(|p| formats::file_position(shown.as_deref(), p.at))
                .collect();
            text(&mut anstream::stdout(), &places)?;
        }
    }
    machine.flush()?;
    Ok(())
}

/// The cluster `--cluster NAME` names, as its position.
fn pick_cluster(estate: &Estate, cluster: Option<&str>) -> anyhow::Result<Option<usize>> {
    let Some(name) = cluster else { return Ok(None) };
    match estate.cluster_index(name) {
        Some(i) => Ok(Some(i)),
        None => Err(BadInput(format!(
            "--cluster {}: the estate has no such cluster; it has {}",
            escape_control(name),
            estate
                .clusters
                .iter()
                .map(|c| escape_control(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

/// `check` of a version 2 estate: every cluster, or the one `--cluster` names.
fn check_estate_cmd(
    estate: &Estate,
    source: &crate::files::PlanSource,
    format: CheckFormat,
    cluster: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let only = pick_cluster(estate, cluster)?;
    let report = check_estate(estate, only);
    let ipv6: Vec<String> = report
        .ipv6_connected_networks
        .iter()
        .map(|&i| estate.connected_networks[i].cidr.clone())
        .collect();
    write_findings(
        format,
        source,
        &report.findings,
        |mut out, placed| formats::json_estate(&mut out, &report, placed),
        |mut out, places| output::estate_report(&mut out, &report, places, &ipv6),
    )?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn suggest_cmd(path: &Path, output_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let plan = match read_plan_file_source(path)?.0 {
        PlanFile::V1(plan) => plan,
        PlanFile::V2(estate) => return suggest_estate_cmd(&estate, output_path),
    };
    let s = suggest_into(plan)?;
    let mut err = anstream::stderr();
    if s.filled.is_empty() {
        writeln!(err, "nothing to fill: the plan names every range")?;
    }
    for f in &s.filled {
        writeln!(
            err,
            "{}filled{} {} = {}  ({})",
            output::GOOD,
            output::RESET,
            f.field,
            f.value,
            f.reason
        )?;
    }
    write_plan(output_path, &s.plan)?;
    std::mem::forget(s); // as in `check`: the process ends now
    Ok(ExitCode::SUCCESS)
}

fn export(
    path: &Path,
    format: Format,
    force: bool,
    output_path: Option<&Path>,
    cluster: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (file, source) = read_plan_file_source(path)?;
    let plan = match file {
        PlanFile::V2(estate) => {
            return export_estate(&estate, &source, format, force, output_path, cluster)
        }
        PlanFile::V1(_) if cluster.is_some() => {
            return Err(BadInput(
                "--cluster picks a cluster of a version 2 estate; this plan has one cluster".into(),
            )
            .into())
        }
        PlanFile::V1(plan) => plan,
    };
    match render(&plan, format, RenderOptions { force }) {
        Ok(text) => {
            write_out(output_path, &text, format == Format::Bash)?;
            if let Some(p) = output_path {
                eprintln!("wrote {} ({})", p.display(), format.label());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(RenderError::Findings(findings)) => {
            let mut err = anstream::stderr();
            let shown = source.file_name().map(|f| escape_control(&f));
            for p in formats::place(&findings, source.file_text()) {
                let at = formats::file_position(shown.as_deref(), p.at);
                output::finding(&mut err, p.finding, at.as_deref())?;
            }
            writeln!(
                err,
                "not exported: the plan has {} error(s). Fix them, or export anyway with --force (the findings become comments).",
                findings.len()
            )?;
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// `suggest` of an estate: new VNets' space and subnets, mesh ids, each new cluster's ranges.
fn suggest_estate_cmd(estate: &Estate, output_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let s = suggest_estate(estate)?;
    let mut err = anstream::stderr();
    if s.filled.is_empty() {
        writeln!(err, "nothing to fill: the estate names every range")?;
    }
    for f in &s.filled {
        writeln!(
            err,
            "{}filled{} {} = {}  ({})",
            output::GOOD,
            output::RESET,
            f.field,
            f.value,
            escape_control(&f.reason)
        )?;
    }
    write_out(output_path, &s.estate.to_json(), false)?;
    Ok(ExitCode::SUCCESS)
}

/// `export` of an estate: one file per new cluster, and the shared network, into a directory.
fn export_estate(
    estate: &Estate,
    source: &crate::files::PlanSource,
    format: Format,
    force: bool,
    output_path: Option<&Path>,
    cluster: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let only = pick_cluster(estate, cluster)?;
    if let Some(i) = only.filter(|&i| estate.clusters[i].existing) {
        let new: Vec<String> = estate
            .clusters
            .iter()
            .filter(|c| !c.existing)
            .map(|c| escape_control(&c.name))
            .collect();
        return Err(BadInput(format!(
            "--cluster {}: cluster `{}` is existing: byocni exports only what it creates; {}",
            escape_control(cluster.unwrap_or_default()),
            escape_control(&estate.clusters[i].name),
            if new.is_empty() {
                "the estate has no new cluster (add one, or mark one not existing)".to_owned()
            } else {
                format!("the new clusters are {}", new.join(", "))
            }
        ))
        .into());
    }
    let Some(dir) = output_path else {
        return Err(BadInput(
            "an estate exports several files (one per cluster, and the shared network): pass -o DIR".into(),
        )
        .into());
    };
    match render_estate(estate, format, only, RenderOptions { force }) {
        Ok(files) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for f in &files {
                let p = dir.join(&f.name);
                write_text(
                    &p,
                    &f.text,
                    if f.executable {
                        Mode::Executable
                    } else {
                        Mode::Normal
                    },
                )?;
                eprintln!("wrote {} ({})", p.display(), format.label());
            }
            if files.is_empty() {
                eprintln!("nothing to export: the estate has no new cluster");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(EstateRenderError::Findings(findings)) => {
            let mut err = anstream::stderr();
            let shown = source.file_name().map(|f| escape_control(&f));
            for p in formats::place(&findings, source.file_text()) {
                let at = formats::file_position(shown.as_deref(), p.at);
                output::finding(&mut err, p.finding, at.as_deref())?;
            }
            writeln!(
                err,
                "not exported: the estate has {} error(s). Fix them, or export anyway with --force (the findings become comments).",
                findings.len()
            )?;
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(BadInput(escape_control(&e.to_string())).into()),
    }
}

/// `byocni upgrade`: v1 -> v2; a v2 file is refused (nothing to do).
fn upgrade(path: &Path, output_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (file, _) = read_plan_file_source(path)?;
    let PlanFile::V1(plan) = file else {
        return Err(BadInput(format!(
            "{} is already a version 2 estate; nothing to upgrade",
            escape_control(&path.display().to_string())
        ))
        .into());
    };
    let estate = Estate::from_v1(plan);
    write_out(output_path, &estate.to_json(), false)?;
    if let Some(p) = output_path {
        eprintln!(
            "wrote {}: the plan as a version 2 estate. Next: byocni check {}",
            p.display(),
            p.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn explain_cmd(rule: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout();
    let Some(id) = rule else {
        for r in Rule::ALL {
            let text = explain(*r);
            let first = text.split(". ").next().unwrap_or(text);
            writeln!(
                out,
                "{}{:<28}{} {:<7} {}",
                output::BOLD,
                r.id(),
                output::RESET,
                format!("{:?}", r.severity()).to_lowercase(),
                first.trim_end_matches('.')
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(r) = Rule::from_id(id) {
        writeln!(
            out,
            "{}{}{} ({})\n",
            output::BOLD,
            r.id(),
            output::RESET,
            format!("{:?}", r.severity()).to_lowercase()
        )?;
        writeln!(out, "{}", output::wrap(explain(r), 88))?;
        Ok(ExitCode::SUCCESS)
    } else {
        let best = Rule::ALL
            .iter()
            .map(|r| (strsim::levenshtein(r.id(), id), r.id()))
            .min()
            .map_or("pod-cidr-overlap", |(_, id)| id);
        Err(BadInput(format!(
            "no rule `{id}`; did you mean `{best}`? (`byocni explain` lists them all)"
        ))
        .into())
    }
}

fn schema_cmd() -> anyhow::Result<ExitCode> {
    let schema = byocni_core::plan::json_schema();
    write_out(
        None,
        &(serde_json::to_string_pretty(&schema)? + "\n"),
        false,
    )?;
    Ok(ExitCode::SUCCESS)
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "byocni", &mut out);
    write_out(None, &String::from_utf8_lossy(&out), false)?;
    Ok(ExitCode::SUCCESS)
}

fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    /// byocni(1) and a page per subcommand, named as `clap_mangen::generate_to` names them.
    fn pages(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            pages(sub, out)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut page = Vec::new();
        man.render(&mut page)?;
        out.push((man.get_filename(), page));
        Ok(())
    }
    // `help` is `--help`'s job; it gets no page.
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            write_out(None, &String::from_utf8_lossy(&page), false)?;
        }
        Some(dir) => {
            let mut all = Vec::new();
            pages(cmd, &mut all)?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, page) in &all {
                write_text(
                    &dir.join(name),
                    &String::from_utf8_lossy(page),
                    Mode::Normal,
                )?;
            }
            eprintln!("wrote {} man pages into {}", all.len(), dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
