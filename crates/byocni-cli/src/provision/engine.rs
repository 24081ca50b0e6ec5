//! Runs the core's steps: `show` before `create` (exit 3 = missing), drift stops the run with a
//! diff, outputs flow into later steps' variables, every outcome goes to the journal, and
//! progress is a spinner on a terminal and plain lines elsewhere.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use byocni_core::steps::{Arg, Command, Exists, Step};
use serde_json::Value;

use super::journal::{Entry, Journal, Outcome};
use super::runner::{Output, Runner};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Look (run `show`), print, change nothing.
    DryRun,
    /// Check then create.
    Apply,
    /// Always run `create` (CNI install: helm and kubectl apply are idempotent).
    Always,
    /// Look, print what would be deleted.
    DestroyDryRun,
    /// Delete what exists.
    Destroy,
}

/// The argv of a command without variables; `None` when it has one.
pub(crate) fn literal_argv(cmd: &Command) -> Option<Vec<String>> {
    cmd.args
        .iter()
        .map(|a| match a {
            Arg::Lit(s) => Some(s.clone()),
            Arg::Var(_) => None,
        })
        .collect()
}

/// A command as a shell line, variables as `$NAME` (for printing only: nothing runs a shell).
fn display(cmd: &Command, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::from(cmd.program.name());
    for a in &cmd.args {
        out.push(' ');
        match a {
            Arg::Lit(s) => {
                out.push_str(
                    &shlex::try_quote(s).map_or_else(|_| s.clone(), std::borrow::Cow::into_owned),
                );
            }
            Arg::Var(v) => match vars.get(v) {
                Some(val) => out.push_str(
                    &shlex::try_quote(val)
                        .map_or_else(|_| val.clone(), std::borrow::Cow::into_owned),
                ),
                None => out.push_str(&format!("\"${v}\"")),
            },
        }
    }
    out
}

/// A spinner on a terminal, plain lines elsewhere.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    line: String,
}

impl Progress {
    fn start(line: String) -> Progress {
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

    fn finish(self, result: &str) {
        let secs = self.started.elapsed().as_secs_f64();
        let text = format!("{}: {result} ({secs:.1}s)", self.line);
        match self.bar {
            Some(b) => b.finish_with_message(text),
            None => eprintln!("{text}"),
        }
    }
}

/// The step runner.
pub(crate) struct Engine<'a> {
    runner: &'a mut dyn Runner,
    journal: &'a mut Journal,
    vars: BTreeMap<String, String>,
    /// Where step files are written (CNI values); `None` in a dry run.
    pub(crate) files_dir: Option<PathBuf>,
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
        }
    }

    fn resolve(&self, cmd: &Command) -> Result<Vec<String>, String> {
        cmd.args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => Ok(s.clone()),
                Arg::Var(v) => self.vars.get(v).cloned().ok_or_else(|| v.clone()),
            })
            .collect()
    }

    fn exec(&mut self, cmd: &Command) -> anyhow::Result<Output> {
        let argv = self.resolve(cmd).map_err(|v| {
            anyhow!(
                "internal: ${v} is not known before `{}`",
                display(cmd, &self.vars)
            )
        })?;
        Ok(self.runner.run(cmd.program.name(), &argv)?)
    }

    /// Runs `show`: `Some(json)` when the resource exists, `None` when it is missing.
    fn look(&mut self, step: &Step, show: &Command) -> anyhow::Result<Option<Value>> {
        let out = self.exec(show)?;
        match (step.exists, out.code) {
            (Exists::ShowExit3, 0) => Ok(Some(
                serde_json::from_str(&out.stdout).unwrap_or(Value::Null),
            )),
            (Exists::ShowExit3, 3) => Ok(None),
            (Exists::NonEmptyList, 0) => {
                let v: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
                Ok(v.as_array().and_then(|a| a.first().cloned()))
            }
            (_, code) => Err(anyhow!(
                "looking up `{}` failed (exit {code}): {}",
                step.title,
                out.stderr.trim()
            )),
        }
    }

    /// Settings of an existing resource that differ from the plan.
    fn drift(step: &Step, have: &Value) -> Vec<String> {
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
                (got != e.want)
                    .then(|| format!("{}: the plan wants {}, Azure has {}", e.label, e.want, got))
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
                    std::fs::write(&p, &f.contents)
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    p.display().to_string()
                }
                None => f.name.clone(),
            };
            self.vars.insert(f.var.clone(), value);
        }
        Ok(())
    }

    /// Runs the steps; `Ok(false)` when one failed or drifted (already reported).
    pub(crate) fn run(
        &mut self,
        steps: &[Step],
        mode: Mode,
        sub: &str,
        plan: &Path,
    ) -> anyhow::Result<bool> {
        let n = steps.len();
        if matches!(mode, Mode::DryRun | Mode::DestroyDryRun) {
            println!("dry run: nothing is changed. {n} step(s):");
        }
        for (i, step) in steps.iter().enumerate() {
            let tag = format!("[{}/{n}] {}", i + 1, step.title);
            self.write_files(step)?;
            match mode {
                Mode::DryRun => {
                    let state = match &step.show {
                        None => "will run".to_owned(),
                        Some(show) if self.resolve(show).is_ok() => match self.look(step, show)? {
                            Some(json) => {
                                self.capture(step, &json);
                                let d = Self::drift(step, &json);
                                if d.is_empty() {
                                    "exists: will be kept, not created".to_owned()
                                } else {
                                    format!("exists but DIFFERS from the plan, apply will stop here: {}", d.join("; "))
                                }
                            }
                            None => "missing: will be created".to_owned(),
                        },
                        Some(_) => "will be created (it depends on a resource created before it)"
                            .to_owned(),
                    };
                    println!(
                        "{tag}\n    {state}\n    $ {}",
                        display(&step.create, &self.vars)
                    );
                }
                Mode::DestroyDryRun => {
                    let state = match &step.show {
                        Some(show) if self.look(step, show)?.is_none() => "already gone",
                        _ => "will be deleted",
                    };
                    println!(
                        "{tag}\n    {state}\n    $ {}",
                        display(&step.create, &self.vars)
                    );
                }
                Mode::Destroy => {
                    let p = Progress::start(tag);
                    let exists = match &step.show {
                        Some(show) => self.look(step, show)?.is_some(),
                        None => true,
                    };
                    if exists {
                        let out = self.exec(&step.create)?;
                        if out.code != 0 {
                            p.finish("failed");
                            self.report_failure(i, n, step, &out, sub, plan);
                            return Ok(false);
                        }
                        p.finish("deleted");
                    } else {
                        p.finish("already gone");
                    }
                    self.journal.forget(&step.id)?;
                }
                Mode::Apply | Mode::Always => {
                    let done = self
                        .journal
                        .steps
                        .get(&step.id)
                        .is_some_and(|e| e.outcome != Outcome::Failed);
                    if mode == Mode::Apply && step.show.is_none() && done {
                        eprintln!("{tag}: done in an earlier run");
                        continue;
                    }
                    let p = Progress::start(tag);
                    if let (Mode::Apply, Some(show)) = (mode, &step.show) {
                        if let Some(json) = self.look(step, show)? {
                            let d = Self::drift(step, &json);
                            if !d.is_empty() {
                                p.finish("exists but differs from the plan");
                                eprintln!(
                                    "\nerror: {} exists with other settings than the plan:\n{}\nbyocni does not change existing resources. Change the plan to match, or remove the resource, then run `byocni {sub} {} --yes` again.",
                                    step.title,
                                    d.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n"),
                                    plan.display()
                                );
                                return Ok(false);
                            }
                            let outputs = self.capture(step, &json);
                            let outcome = if self.journal.created(&step.id) {
                                Outcome::Created
                            } else {
                                Outcome::Existed
                            };
                            self.journal.record(
                                &step.id,
                                Entry {
                                    outcome,
                                    outputs,
                                    error: None,
                                },
                            )?;
                            p.finish(if outcome == Outcome::Created {
                                "created in an earlier run"
                            } else {
                                "exists, kept"
                            });
                            continue;
                        }
                    }
                    let out = self.exec(&step.create)?;
                    if out.code != 0 {
                        self.journal.record(
                            &step.id,
                            Entry {
                                outcome: Outcome::Failed,
                                outputs: BTreeMap::new(),
                                error: Some(out.stderr.trim().to_owned()),
                            },
                        )?;
                        p.finish("failed");
                        self.report_failure(i, n, step, &out, sub, plan);
                        return Ok(false);
                    }
                    let json: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
                    let mut outputs = self.capture(step, &json);
                    if outputs.len() < step.outputs.len() {
                        if let Some(show) = &step.show {
                            if let Some(j) = self.look(step, show)? {
                                outputs = self.capture(step, &j);
                            }
                        }
                    }
                    self.journal.record(
                        &step.id,
                        Entry {
                            outcome: Outcome::Created,
                            outputs,
                            error: None,
                        },
                    )?;
                    p.finish("created");
                }
            }
        }
        Ok(true)
    }

    fn report_failure(
        &self,
        i: usize,
        n: usize,
        step: &Step,
        out: &Output,
        sub: &str,
        plan: &Path,
    ) {
        let quoted = shlex::try_quote(&plan.display().to_string())
            .map_or_else(|_| plan.display().to_string(), std::borrow::Cow::into_owned);
        eprintln!(
            "\nerror: step {}/{n} failed: {}\n  command: {}\n  {} said (exit {}):\n{}\nFix the cause, then resume with: byocni {sub} {quoted} --yes\n(the journal {} remembers what is done; nothing is created twice)",
            i + 1,
            step.title,
            display(&step.create, &self.vars),
            step.create.program.name(),
            out.code,
            out.stderr.trim().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n"),
            self.journal.path().display()
        );
    }
}
