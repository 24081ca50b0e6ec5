//! Runs the core's steps: `show` before `create` (exit 3 = missing; any other answer must be
//! the JSON expected), settings that cannot change stop the run with a diff while those that
//! can are brought to the plan's values, outputs flow into later steps' variables, every outcome
//! goes to the journal (a create is recorded as started before it runs), and progress is a
//! spinner on a terminal and plain lines elsewhere.
//!
//! Ownership: a resource is this plan's when the journal says apply created it and Azure still
//! shows the plan's `byocni-plan` tag on it (subnets and role assignments take no tags: for
//! them the journal's record and the resource id decide).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use byocni_core::steps::{Arg, Command, Exists, Step, TAG_PLAN};
use serde_json::Value;

use super::journal::{Entry, Journal, Outcome};
use super::runner::{Output, Runner};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Look (run `show`), print, change nothing.
    DryRun,
    /// Check then create, or bring changeable settings to the plan.
    Apply,
    /// Always run `create` (CNI install: helm and kubectl apply are idempotent).
    Always,
}

/// The argv of a command without variables; `None` when it has one.
pub(crate) fn literal_argv(cmd: &Command) -> Option<Vec<String>> {
    cmd.args
        .iter()
        .map(|a| match a {
            Arg::Lit(s) => Some(s.clone()),
            Arg::Var(_) | Arg::LitVar(..) => None,
        })
        .collect()
}

fn quote(s: &str) -> String {
    crate::files::escape_control(
        &shlex::try_quote(s).map_or_else(|_| s.to_owned(), std::borrow::Cow::into_owned),
    )
}

/// A command as a shell line, variables as `$NAME` (for printing only: nothing runs a shell).
pub(crate) fn display(cmd: &Command, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::from(cmd.program.name());
    for a in &cmd.args {
        out.push(' ');
        match a {
            Arg::Lit(s) => out.push_str(&quote(s)),
            Arg::Var(v) => match vars.get(v) {
                Some(val) => out.push_str(&quote(val)),
                None => out.push_str(&format!("\"${v}\"")),
            },
            Arg::LitVar(l, v) => match vars.get(v) {
                Some(val) => out.push_str(&quote(&format!("{l}{val}"))),
                None => out.push_str(&format!("{}\"${v}\"", quote(l))),
            },
        }
    }
    out
}

/// A spinner on a terminal, plain lines elsewhere.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    line: String,
}

impl Progress {
    pub(crate) fn start(line: String) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b.set_message(line.clone());
            b
        });
        if bar.is_none() {
            eprintln!("{line} ...");
        }
        Progress {
            bar,
            started: Instant::now(),
            line,
        }
    }

    pub(crate) fn finish(self, result: &str) {
        let secs = self.started.elapsed().as_secs_f64();
        let text = format!("{}: {result} ({secs:.1}s)", self.line);
        match self.bar {
            Some(b) => b.finish_with_message(text),
            None => eprintln!("{text}"),
        }
    }
}

/// The first characters of an answer, for an error message.
fn excerpt(text: &str) -> String {
    let t: String = text.trim().chars().take(80).collect();
    crate::files::escape_control(&t)
}

/// The last 40 lines of what a command run in the cluster printed, control characters escaped.
fn log_tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(40)..]
        .iter()
        .map(|l| format!("  | {}", crate::files::escape_control(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Azure id in a `show` or `create` answer (`az network vnet create` wraps it in `newVNet`).
pub(crate) fn id_of(json: &Value) -> Option<String> {
    json.pointer("/id")
        .or_else(|| json.pointer("/newVNet/id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Whether two Azure ids name the same resource (Azure ids are case-insensitive).
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The step runner.
pub(crate) struct Engine<'a> {
    runner: &'a mut dyn Runner,
    pub(crate) journal: &'a mut Journal,
    pub(crate) vars: BTreeMap<String, String>,
    /// Where step files are written (CNI values); `None` in a dry run.
    pub(crate) files_dir: Option<PathBuf>,
    /// The subscription id, for the ids of resources about to be created.
    pub(crate) subscription: Option<String>,
    /// Steps already run in this command before this list, and the command's total, when one
    /// command runs several lists (apply: resources, CNI, node pools).
    pub(crate) numbering: Option<(usize, usize)>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(runner: &'a mut dyn Runner, journal: &'a mut Journal) -> Engine<'a> {
        let vars = journal
            .steps
            .values()
            .flat_map(|e| e.outputs.clone())
            .collect();
        Engine {
            runner,
            journal,
            vars,
            files_dir: None,
            subscription: None,
            numbering: None,
        }
    }

    fn resolve(&self, cmd: &Command) -> Result<Vec<String>, String> {
        cmd.args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => Ok(s.clone()),
                Arg::Var(v) => self.vars.get(v).cloned().ok_or_else(|| v.clone()),
                Arg::LitVar(l, v) => self
                    .vars
                    .get(v)
                    .map(|val| format!("{l}{val}"))
                    .ok_or_else(|| v.clone()),
            })
            .collect()
    }

    pub(crate) fn show_line(&self, cmd: &Command) -> String {
        display(cmd, &self.vars)
    }

    pub(crate) fn exec(&mut self, cmd: &Command) -> anyhow::Result<Output> {
        let argv = self.resolve(cmd).map_err(|v| {
            anyhow!(
                "internal: ${v} is not known before `{}`",
                display(cmd, &self.vars)
            )
        })?;
        self.runner.run(cmd.program.name(), &argv)
    }

    /// Runs `show`: `Some(json)` when the resource exists, `None` when it is missing. An exit 0
    /// whose output is not the JSON expected is an error naming the command, never "exists".
    pub(crate) fn look(&mut self, step: &Step, show: &Command) -> anyhow::Result<Option<Value>> {
        let out = self.exec(show)?;
        let not_json = |what: &str| {
            anyhow!(
                "`{}` answered (exit 0) with something that is not {what}: \"{}\". byocni does not guess whether `{}` exists; check that az works (`az login`, a proxy or network in the way) and run again",
                display(show, &self.vars),
                excerpt(&out.stdout),
                step.title
            )
        };
        match (step.exists, out.code) {
            (Exists::ShowExit3, 0) => match serde_json::from_str::<Value>(&out.stdout) {
                Ok(v @ Value::Object(_)) => Ok(Some(v)),
                _ => Err(not_json("a JSON object")),
            },
            (Exists::ShowExit3, 3) => Ok(None),
            (Exists::NonEmptyList, 0) => match serde_json::from_str::<Value>(&out.stdout) {
                Ok(Value::Array(a)) => Ok(a.into_iter().next()),
                _ => Err(not_json("a JSON list")),
            },
            (_, code) => Err(anyhow!(
                "looking up `{}` failed (exit {code}): {}\n  command: {}",
                step.title,
                out.stderr.trim(),
                display(show, &self.vars)
            )),
        }
    }

    /// Whether an existing resource is this plan's by its tag (always, for what takes none).
    pub(crate) fn tagged_ours(&self, step: &Step, json: &Value) -> bool {
        !step.kind.taggable()
            || json
                .pointer(&format!("/tags/{TAG_PLAN}"))
                .and_then(Value::as_str)
                == Some(self.journal.plan_id.as_str())
    }

    /// The full id a step's resource will have.
    fn planned_id(&self, step: &Step) -> Option<String> {
        Some(format!(
            "/subscriptions/{}/{}",
            self.subscription.as_deref()?,
            step.resource.as_deref()?
        ))
    }

    /// Settings of an existing resource that differ from the plan: (label and message, the
    /// fix when it can change in place).
    fn drift<'s>(step: &'s Step, have: &Value) -> Vec<(String, Option<&'s Command>)> {
        step.expect
            .iter()
            .filter_map(|e| {
                let mut got = have.pointer(&e.pointer).cloned().unwrap_or(Value::Null);
                // Azure reports a subnet's prefix as `addressPrefixes` when it has several.
                if got.is_null() {
                    if let Some(Value::Array(a)) = have.pointer(&format!("{}es", e.pointer)) {
                        got = if a.len() == 1 {
                            a[0].clone()
                        } else {
                            Value::Array(a.clone())
                        };
                    }
                }
                (got != e.want).then(|| {
                    (
                        format!("{}: the plan wants {}, Azure has {}", e.label, e.want, got),
                        e.fix.as_ref(),
                    )
                })
            })
            .collect()
    }

    fn capture(&mut self, step: &Step, json: &Value) -> BTreeMap<String, String> {
        let mut got = BTreeMap::new();
        for o in &step.outputs {
            if let Some(v) = json.pointer(&o.pointer).and_then(Value::as_str) {
                self.vars.insert(o.var.clone(), v.to_owned());
                got.insert(o.var.clone(), v.to_owned());
            }
        }
        got
    }

    fn write_files(&mut self, step: &Step) -> anyhow::Result<()> {
        for f in &step.files {
            let value = match &self.files_dir {
                Some(dir) => {
                    let p = dir.join(&f.name);
                    crate::files::write_text(&p, &f.contents, crate::files::Mode::Private)?;
                    p.display().to_string()
                }
                None => f.name.clone(),
            };
            self.vars.insert(f.var.clone(), value);
        }
        Ok(())
    }

    /// Runs the steps; `Ok(false)` when one failed or drifted (already reported). A timeout or
    /// an interrupt is an `Err` after the resume command is printed.
    pub(crate) fn run(
        &mut self,
        steps: &[Step],
        mode: Mode,
        sub: &str,
        plan: &Path,
    ) -> anyhow::Result<bool> {
        let (first, n) = self.numbering.unwrap_or((0, steps.len()));
        if mode == Mode::DryRun && first == 0 {
            println!("dry run: nothing is changed. {n} step(s):");
        }
        if let Some((done, _)) = &mut self.numbering {
            *done += steps.len();
        }
        for (i, step) in steps.iter().enumerate() {
            let i = first + i;
            let tag = format!("[{}/{n}] {}", i + 1, step.title);
            let r = match mode {
                Mode::DryRun => self.dry_run_step(step, &tag).map(|()| true),
                Mode::Apply | Mode::Always => self.apply_step(step, mode, &tag, i, n, sub, plan),
            };
            match r {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(e) => {
                    if mode != Mode::DryRun && stopped(&e) {
                        eprintln!(
                            "\nstopped at step {}/{n}: {}\nThe journal {} records what is done (a create that was running is recorded as started: it is adopted on resume only if it carries this plan's tag).\nResume with: byocni {sub} {} --yes",
                            i + 1,
                            step.title,
                            self.journal.path().display(),
                            quote(&plan.display().to_string())
                        );
                    }
                    return Err(e);
                }
            }
        }
        Ok(true)
    }

    fn dry_run_step(&mut self, step: &Step, tag: &str) -> anyhow::Result<()> {
        self.write_files(step)?;
        let mut extra = Vec::new();
        let state = match &step.show {
            None => "will run".to_owned(),
            Some(show) if self.resolve(show).is_ok() => match self.look(step, show)? {
                Some(json) => {
                    self.capture(step, &json);
                    let d = Self::drift(step, &json);
                    let stuck: Vec<&String> = d
                        .iter()
                        .filter(|(_, f)| f.is_none())
                        .map(|(m, _)| m)
                        .collect();
                    if !stuck.is_empty() {
                        format!(
                            "exists but DIFFERS from the plan, apply will stop here: {}",
                            stuck
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    } else if !d.is_empty() {
                        let mut seen = Vec::new();
                        for (_, f) in &d {
                            if let Some(f) = f {
                                if !seen.contains(f) {
                                    seen.push(*f);
                                    extra.push(self.show_line(f));
                                }
                            }
                        }
                        format!(
                            "exists; apply will change {} to the plan's value(s): {}",
                            d.len(),
                            d.iter()
                                .map(|(m, _)| m.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    } else {
                        "exists: will be kept, not created".to_owned()
                    }
                }
                None => "missing: will be created".to_owned(),
            },
            Some(_) => "will be created (it depends on a resource created before it)".to_owned(),
        };
        if extra.is_empty() {
            println!("{tag}\n    {state}\n    $ {}", self.show_line(&step.create));
        } else {
            println!("{tag}\n    {state}");
            for l in extra {
                println!("    $ {l}");
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_step(
        &mut self,
        step: &Step,
        mode: Mode,
        tag: &str,
        i: usize,
        n: usize,
        sub: &str,
        plan: &Path,
    ) -> anyhow::Result<bool> {
        self.write_files(step)?;
        let entry = self.journal.get(&step.id).cloned();
        let progress = Progress::start(tag.to_owned());
        if let (Mode::Apply, Some(show)) = (mode, &step.show) {
            if let Some(json) = self.look(step, show)? {
                let diffs = Self::drift(step, &json);
                let stuck: Vec<&String> = diffs
                    .iter()
                    .filter(|(_, f)| f.is_none())
                    .map(|(m, _)| m)
                    .collect();
                if !stuck.is_empty() {
                    progress.finish("exists but differs from the plan");
                    eprintln!(
                        "\nerror: {} exists with settings that cannot change in place:\n{}\nbyocni does not recreate existing resources. Change the plan to match, or remove the resource, then run `byocni {sub} {} --yes` again.",
                        step.title,
                        stuck.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n"),
                        quote(&plan.display().to_string())
                    );
                    return Ok(false);
                }
                let id = id_of(&json);
                let ours = self.tagged_ours(step, &json);
                let same = match (&id, entry.as_ref().and_then(|e| e.resource_id.as_ref())) {
                    (Some(a), Some(b)) => same_id(a, b),
                    _ => true,
                };
                let (outcome, how) = match entry.as_ref().map(|e| e.outcome) {
                    Some(Outcome::Created) if ours && same => {
                        (Outcome::Created, "created in an earlier run")
                    }
                    Some(o) if o.in_flight() && ours && same => (
                        Outcome::Created,
                        "created by an interrupted run (it carries this plan's tag): adopted",
                    ),
                    _ => (Outcome::Existed, "exists, kept"),
                };
                let outputs = self.capture(step, &json);
                self.journal.record(
                    &step.id,
                    Entry {
                        outcome,
                        resource_id: id.or_else(|| self.planned_id(step)),
                        outputs,
                        error: None,
                    },
                )?;
                if diffs.is_empty() {
                    progress.finish(how);
                    return Ok(true);
                }
                progress.finish(&format!("{how}; {} setting(s) to update", diffs.len()));
                let mut done: Vec<&Command> = Vec::new();
                for (msg, fix) in &diffs {
                    let Some(fix) = fix else { continue };
                    if done.contains(fix) {
                        continue;
                    }
                    done.push(fix);
                    let line = Progress::start(format!("    update {msg}"));
                    let out = self.exec(fix)?;
                    if out.code != 0 {
                        line.finish("failed");
                        self.report_failure(i, n, step, fix, &out, sub, plan);
                        return Ok(false);
                    }
                    line.finish("updated");
                }
                return Ok(true);
            }
        }
        let planned = self.planned_id(step);
        if mode == Mode::Apply && step.show.is_some() {
            self.journal.record(
                &step.id,
                Entry {
                    outcome: Outcome::Started,
                    resource_id: planned.clone(),
                    outputs: BTreeMap::new(),
                    error: None,
                },
            )?;
        }
        let out = self.exec(&step.create)?;
        if out.code != 0 {
            if mode == Mode::Apply && step.show.is_some() {
                self.journal.record(
                    &step.id,
                    Entry {
                        outcome: Outcome::Failed,
                        resource_id: planned,
                        outputs: BTreeMap::new(),
                        error: Some(out.stderr.trim().to_owned()),
                    },
                )?;
            }
            progress.finish("failed");
            self.report_failure(i, n, step, &step.create, &out, sub, plan);
            return Ok(false);
        }
        if mode == Mode::Always || step.show.is_none() {
            if step.show.is_none() && !step.expect.is_empty() {
                // A command run in the cluster (`az aks command invoke`): az exits 0 whatever
                // the command did; its answer says.
                let json: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
                let wrong: Vec<String> = step
                    .expect
                    .iter()
                    .filter(|e| json.pointer(&e.pointer) != Some(&e.want))
                    .map(|e| {
                        format!(
                            "{} is {}, not {}",
                            e.label,
                            json.pointer(&e.pointer).unwrap_or(&Value::Null),
                            e.want
                        )
                    })
                    .collect();
                if !wrong.is_empty() {
                    progress.finish("failed");
                    eprintln!(
                        "\nerror: step {}/{n} ({}) failed: {}\n{}{}\nFix the cause, then run `byocni {sub} {} --yes` again.",
                        i + 1,
                        step.title,
                        wrong.join("; "),
                        log_tail(json["logs"].as_str().unwrap_or(&out.stdout)),
                        json["reason"]
                            .as_str()
                            .filter(|r| !r.is_empty())
                            .map(|r| format!("\nreason: {r}"))
                            .unwrap_or_default(),
                        quote(&plan.display().to_string())
                    );
                    return Ok(false);
                }
            }
            if !step.outputs.is_empty() {
                // A lookup (the API server FQDN): its answer is what later steps need.
                let json: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
                let got = self.capture(step, &json);
                if got.len() < step.outputs.len() {
                    progress.finish("failed");
                    return Err(anyhow!(
                        "`{}` did not answer with {}; check that az works and run again",
                        self.show_line(&step.create),
                        step.outputs
                            .iter()
                            .filter(|o| !got.contains_key(&o.var))
                            .map(|o| o.pointer.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            progress.finish("done");
            return Ok(true);
        }
        let json: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
        let mut outputs = self.capture(step, &json);
        let mut id = id_of(&json);
        if outputs.len() < step.outputs.len() || id.is_none() {
            if let Some(show) = &step.show {
                let Some(found) = self.look(step, show)? else {
                    progress.finish("not found after create");
                    return Err(anyhow!(
                        "`{}` succeeded but `{}` does not find what it created; run again in a minute (the journal records the create as started)",
                        self.show_line(&step.create),
                        self.show_line(show)
                    ));
                };
                outputs = self.capture(step, &found);
                id = id.or_else(|| id_of(&found));
            }
        }
        if outputs.len() < step.outputs.len() {
            progress.finish("created, but its answer lacks values later steps need");
            return Err(anyhow!(
                "`{}` did not answer with {}; check that az works and run again",
                self.show_line(&step.create),
                step.outputs
                    .iter()
                    .filter(|o| !outputs.contains_key(&o.var))
                    .map(|o| o.pointer.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.journal.record(
            &step.id,
            Entry {
                outcome: Outcome::Created,
                resource_id: id.or(planned),
                outputs,
                error: None,
            },
        )?;
        progress.finish("created");
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn report_failure(
        &self,
        i: usize,
        n: usize,
        step: &Step,
        cmd: &Command,
        out: &Output,
        sub: &str,
        plan: &Path,
    ) {
        eprintln!(
            "\nerror: step {}/{n} failed: {}\n  command: {}\n  {} said (exit {}):\n{}\nFix the cause, then resume with: byocni {sub} {} --yes\n(the journal {} remembers what is done; nothing is created twice)",
            i + 1,
            step.title,
            display(cmd, &self.vars),
            cmd.program.name(),
            out.code,
            crate::files::escape_control(out.stderr.trim())
                .split("\\n")
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            quote(&plan.display().to_string()),
            self.journal.path().display()
        );
    }
}

/// Whether an error is a timeout or an interrupt (the run stopped, the journal is whole).
pub(crate) fn stopped(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.is::<super::runner::TimedOut>() || c.is::<super::runner::Interrupted>())
}
