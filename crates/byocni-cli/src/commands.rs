//! The planning subcommands (new, check, suggest, export, explain) and the dispatch of the
//! provisioning ones to [`crate::provision`]. Reading plans and the exit-code policy live here too.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use byocni_core::check::explain::explain;
use byocni_core::{check, render, suggest_into, Format, Plan, RenderError, RenderOptions, Rule};

use crate::cli::{Cli, Command, OutputFormat};
use crate::output;

pub(crate) use crate::files::{read_plan, BadInput};
use crate::files::{write_atomic, write_text, Mode};

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New { path, force } => new(&path, force),
        Command::Check { plan, format } => check_cmd(&plan, format),
        Command::Suggest { plan, output } => suggest_cmd(&plan, output.as_deref()),
        Command::Export {
            plan,
            format,
            force,
            output,
        } => export(&plan, format, force, output.as_deref()),
        Command::Explain { rule } => explain_cmd(rule.as_deref()),
        Command::Apply(a) => crate::provision::apply(a),
        Command::Destroy(a) => crate::provision::destroy(a),
        Command::Cni { command } => crate::provision::cni(command),
        Command::Status(a) => crate::provision::status(a),
        Command::Discover(a) => crate::provision::discover(a),
    }
}

/// The exit code for an error that reached `main`: 2 for unreadable input, 4 for a file that
/// could not be written, 1 otherwise.
pub(crate) fn exit_code_for(err: &anyhow::Error) -> u8 {
    let is = |f: fn(&(dyn std::error::Error + 'static)) -> bool| err.chain().any(f);
    if is(<dyn std::error::Error + 'static>::is::<BadInput>) {
        2
    } else if is(<dyn std::error::Error + 'static>::is::<crate::files::WriteFailed>) {
        4
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

fn check_cmd(path: &Path, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let plan = read_plan(path)?;
    let report = check(&plan);
    let ipv6: Vec<String> = report
        .ipv6_connected_networks
        .iter()
        .map(|&i| plan.connected_networks[i].cidr.clone())
        .collect();
    // The process ends right after: freeing a plan of 1,000,000 connected networks one string
    // at a time would cost more than checking it.
    std::mem::forget(plan);
    match format {
        OutputFormat::Json => {
            /// `check --format json`: a stable document, fields in this order.
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                version: u32,
                findings: &'a [byocni_core::Finding],
                capacity: &'a byocni_core::check::Capacity,
                summary: Summary,
            }
            #[derive(serde::Serialize)]
            struct Summary {
                errors: usize,
                warnings: usize,
            }
            let (errors, warnings) = report.counts();
            let doc = Doc {
                version: 1,
                findings: &report.findings,
                capacity: &report.capacity,
                summary: Summary { errors, warnings },
            };
            write_out(None, &(serde_json::to_string_pretty(&doc)? + "\n"), false)?;
        }
        OutputFormat::Text => {
            let mut out = anstream::stdout();
            output::report(&mut out, &report, &ipv6)?;
        }
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn suggest_cmd(path: &Path, output_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let plan = read_plan(path)?;
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
) -> anyhow::Result<ExitCode> {
    let plan = read_plan(path)?;
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
            for f in &findings {
                output::finding(&mut err, f)?;
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
