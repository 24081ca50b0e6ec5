//! Bash and PowerShell scripts, rendered from [`crate::steps::provision_steps`] so that the
//! exported script and `byocni apply` run the very same az commands.
//!
//! An estate cluster's script is rendered from its steps placed on its estate VNet
//! ([`crate::steps::estate::cluster_script_steps`]). A step marked
//! [`Step::only_if_missing`] is looked up first (az `show` exits 3 when the resource is
//! missing): created when missing, stopped with an error naming the resource, what Azure has and
//! what the plan says when an `expect`ed value differs, and kept ("exists, kept") otherwise.

use crate::plan::Plan;
use crate::steps::{runs_in_cluster, Arg, Command, Step, StepKind, KUBECONFIG_VAR};

use super::{one_line, summary};

/// Shell-quotes one word for bash (`shlex`), or leaves it bare when it needs no quoting. A word
/// with control characters (a newline in a forced rendering) gets ANSI-C quoting (`$'a\nb'`), so
/// that every command stays on one line.
fn sh(word: &str) -> String {
    if word.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in word.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\0' => {}
                c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                // UTF-8 bytes, not `\u`: bash decodes `\u` by the locale, `\x` never.
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    shlex::try_quote(word).map_or_else(
        // Only NUL bytes are refused; a plan cannot carry one past check, and --force output
        // drops it rather than emit a broken word.
        |_| {
            shlex::try_quote(&word.replace('\0', ""))
                .unwrap_or_default()
                .into_owned()
        },
        std::borrow::Cow::into_owned,
    )
}

/// One command as a bash line.
pub(crate) fn bash_line(cmd: &Command) -> String {
    let mut out = String::from(cmd.program.name());
    for a in &cmd.args {
        out.push(' ');
        match a {
            Arg::Lit(s) => out.push_str(&sh(s)),
            Arg::Var(v) => {
                out.push_str("\"$");
                out.push_str(v);
                out.push('"');
            }
            Arg::LitVar(l, v) => {
                out.push_str(&sh(l));
                out.push_str("\"$");
                out.push_str(v);
                out.push('"');
            }
        }
    }
    out
}

/// The `show` command turned into a one-value query: `... --query id --output tsv`.
fn capture(show: &Command, pointer: &str) -> Command {
    let mut c = show.clone();
    // Drop the trailing `--output json`.
    if let [.., Arg::Lit(flag), Arg::Lit(_)] = c.args.as_slice() {
        if flag == "--output" {
            c.args.truncate(c.args.len() - 2);
        }
    }
    let query = pointer.trim_start_matches('/').replace('/', ".");
    c.args.extend(
        ["--query", &query, "--output", "tsv"]
            .iter()
            .map(|s| Arg::Lit((*s).to_owned())),
    );
    c
}

/// Each step with the one-value queries that fill its outputs. A step without `show` whose
/// `create` is itself a lookup (the API server FQDN) is run only as those queries.
fn steps_with_captures(steps: Vec<Step>) -> Vec<(Step, Vec<(String, Command)>)> {
    steps
        .into_iter()
        .map(|s| {
            let from = s.show.as_ref().or(if s.outputs.is_empty() {
                None
            } else {
                Some(&s.create)
            });
            let caps = match from {
                Some(show) => s
                    .outputs
                    .iter()
                    .map(|o| (o.var.clone(), capture(show, &o.pointer)))
                    .collect(),
                None => Vec::new(),
            };
            (s, caps)
        })
        .collect()
}

/// Whether the step runs only as its captures (a lookup without `show`).
fn lookup_only(step: &Step) -> bool {
    step.show.is_none() && !step.outputs.is_empty()
}

/// The header lines of a plan that uses an AKS preview (kube-proxy disabled, rule 28).
fn preview_notes(plan: &Plan) -> Vec<String> {
    if plan.cni.kube_proxy {
        return Vec::new();
    }
    vec![
        "PREVIEW: cni.kubeProxy is false: the cluster is created without kube-proxy (az aks create".into(),
        "--kube-proxy-config with {\"enabled\": false}), an AKS preview. It needs the aks-preview az".into(),
        "extension (az extension add --name aks-preview) and the subscription's preview feature flag:".into(),
        "az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview".into(),
        "(then az provider register --namespace Microsoft.ContainerService once it shows Registered).".into(),
    ]
}

/// Bash lines that make the script's private temporary directory, removed on exit.
const BASH_TMP: &str =
    "umask 077\nBYOCNI_TMP=$(mktemp -d)\ntrap 'rm -rf -- \"$BYOCNI_TMP\" || :' EXIT\n";
/// PowerShell lines that make the script's private temporary directory.
const PS_TMP: &str = "$BYOCNI_TMP = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())\nNew-Item -ItemType Directory -Path $BYOCNI_TMP | Out-Null\n";
/// Why the temporary directory comes before the cluster.
const TMP_EARLY: &str = "Generated files (the kube-proxy configuration, later credentials and values) stay in a\n# private temporary directory, removed at the end.";

/// What a step guarded by [`Step::only_if_missing`] is, for its messages: `subnet nodes of
/// VNet hub (resource group net-rg)`, `VNet hub (resource group net-rg)`, `resource group
/// net-rg`; else its title.
fn guarded_what(step: &Step) -> String {
    let flag = |name: &str| -> Option<&str> {
        let args = &step.create.args;
        args.iter()
            .position(|a| *a == Arg::Lit(name.to_owned()))
            .and_then(|i| args.get(i + 1))
            .and_then(|a| match a {
                Arg::Lit(v) => Some(v.as_str()),
                _ => None,
            })
    };
    let what = match (
        step.kind,
        flag("--name"),
        flag("--vnet-name"),
        flag("--resource-group"),
    ) {
        (StepKind::Subnet, Some(n), Some(v), Some(rg)) => {
            format!("subnet {n} of VNet {v} (resource group {rg})")
        }
        (StepKind::Vnet, Some(n), _, Some(rg)) => format!("VNet {n} (resource group {rg})"),
        (StepKind::ResourceGroup, Some(n), _, _) => format!("resource group {n}"),
        _ => step.title.clone(),
    };
    one_line(&what)
}

/// One lookup of a guarded step: the `--query`, the value's label, and the wanted value with
/// whether it is a list.
type GuardCheck = (String, String, Option<(String, bool)>);

/// The one-value lookups of a guarded step: `(query, label, wanted value)` per `expect`, or the
/// resource's id alone (no value to compare) when it expects nothing. An array value is
/// compared as az's `tsv` prints it, one element a line, joined by spaces.
fn guarded_checks(step: &Step) -> Vec<GuardCheck> {
    if step.expect.is_empty() {
        return vec![("id".into(), String::new(), None)];
    }
    step.expect
        .iter()
        .map(|e| {
            let query = e.pointer.trim_start_matches('/').replace('/', ".");
            let want = match &e.want {
                serde_json::Value::String(s) => (s.clone(), false),
                serde_json::Value::Array(items) => (
                    items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" "),
                    true,
                ),
                other => (other.to_string(), false),
            };
            (query, e.label.clone(), Some(want))
        })
        .collect()
}

/// The `show` of a guarded step as a one-value query.
fn guarded_query(step: &Step, query: &str) -> Option<Command> {
    step.show.as_ref().map(|show| {
        let mut c = show.clone();
        if let [.., Arg::Lit(flag), Arg::Lit(_)] = c.args.as_slice() {
            if flag == "--output" {
                c.args.truncate(c.args.len() - 2);
            }
        }
        c.args.extend(
            ["--query", query, "--output", "tsv"]
                .iter()
                .map(|s| Arg::Lit((*s).to_owned())),
        );
        c
    })
}

/// Why a guarded resource that differs from the plan stops the script.
const DIFFERS: &str =
    "make the plan match it, or give the plan's resource a free name; nothing was changed";

/// A guarded step in bash: looked up first (az `show` exits 3 when the resource is missing),
/// created when missing, compared with the plan and kept when present.
fn bash_guarded(step: &Step, n: usize) -> String {
    let what = guarded_what(step);
    let checks = guarded_checks(step);
    let lookup = |query: &str, array: bool| -> String {
        let cmd = guarded_query(step, query).map_or_else(String::new, |c| bash_line(&c));
        if array {
            format!("$({cmd} 2>/dev/null | paste -sd ' ' -)")
        } else {
            format!("$({cmd} 2>/dev/null)")
        }
    };
    let (q0, _, w0) = &checks[0];
    let mut out = format!(
        "BYOCNI_RC=0\nBYOCNI_HAVE={} || BYOCNI_RC=$?\n",
        lookup(q0, w0.as_ref().is_some_and(|w| w.1))
    );
    out.push_str(&format!(
        "if [ \"$BYOCNI_RC\" = 3 ]; then\n  {}\nelif [ \"$BYOCNI_RC\" != 0 ]; then\n  echo {}\"$BYOCNI_RC\"{} >&2\n  exit 1\nelse\n",
        bash_line(&step.create),
        sh(&format!("error: step {n}: looking up {what} failed with exit code ")),
        sh(": check the az login and your access, then run the script again"),
    ));
    for (k, (query, label, want)) in checks.iter().enumerate() {
        let Some((want, array)) = want else { continue };
        if k > 0 {
            out.push_str(&format!("  BYOCNI_HAVE={}\n", lookup(query, *array)));
        }
        out.push_str(&format!(
            "  if [ \"$BYOCNI_HAVE\" != {} ]; then\n    echo {}\"$BYOCNI_HAVE\"{} >&2\n    exit 1\n  fi\n",
            sh(want),
            sh(&format!("error: {what} already exists with {label} ")),
            sh(&format!(", but the plan says {}: {DIFFERS}", one_line(want))),
        ));
    }
    if w0.is_some() {
        out.push_str(&format!(
            "  echo {}\nfi\n",
            sh(&format!("{what}: exists, kept"))
        ));
    } else {
        // Nothing to compare: its id says what was found.
        out.push_str(&format!(
            "  echo {}\"$BYOCNI_HAVE\"\nfi\n",
            sh(&format!("{what}: exists, kept: "))
        ));
    }
    out
}

/// An executable bash script running `steps` (a plan's [`crate::steps::script_steps`], or an estate
/// cluster's placed on its VNet).
pub(crate) fn bash_steps(plan: &Plan, steps: Vec<Step>, notes: &[String]) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    out.push_str(
        "# Generated by byocni: creates the AKS cluster of this plan with a bring-your-own CNI.\n",
    );
    for l in summary(plan) {
        out.push_str("# ");
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("# Runs each az command once, in order; `byocni apply` runs the same commands idempotently\n# and can resume after a failure.\n");
    for n in preview_notes(plan).iter().chain(notes) {
        out.push_str("# ");
        out.push_str(n);
        out.push('\n');
    }
    out.push_str("set -euo pipefail\n");
    let mut tmp = false;
    for (i, (step, caps)) in steps_with_captures(steps).iter().enumerate() {
        if step.kind == StepKind::Credentials {
            out.push_str(&format!(
                "\n# {CNI_NOW}\n{}{KUBECONFIG_VAR}=\"${{{KUBECONFIG_VAR}:-$PWD/{}}}\"\n",
                if tmp { "" } else { BASH_TMP },
                kubeconfig_name(plan)
            ));
            tmp = true;
        } else if !tmp && !step.files.is_empty() {
            out.push_str(&format!("\n# {TMP_EARLY}\n{BASH_TMP}"));
            tmp = true;
        }
        out.push_str(&format!("\n# {}. {}\n", i + 1, step_title(step)));
        for f in &step.files {
            let mut end = String::from("BYOCNI_EOF");
            while f.contents.lines().any(|l| l == end) {
                end.push('_');
            }
            out.push_str(&format!(
                "{}=\"$BYOCNI_TMP/{}\"\ncat >\"${}\" <<'{end}'\n{}{}{end}\n",
                f.var,
                f.name,
                f.var,
                f.contents,
                if f.contents.ends_with('\n') { "" } else { "\n" }
            ));
        }
        if runs_in_cluster(step) {
            // az exits 0 whatever the command did in the cluster: its exit code is in the
            // answer (az prints JSON with sorted keys, `exitCode` first).
            out.push_str(&format!(
                "BYOCNI_RESULT=$({})\nprintf '%s\\n' \"$BYOCNI_RESULT\"\ncase \"$BYOCNI_RESULT\" in *'\"exitCode\": 0,'*) ;; *) echo 'error: step {} failed in the cluster: see its exitCode and logs above' >&2; exit 1 ;; esac\n",
                bash_line(&step.create),
                i + 1
            ));
        } else if step.only_if_missing && step.show.is_some() {
            out.push_str(&bash_guarded(step, i + 1));
        } else if !lookup_only(step) {
            out.push_str(&bash_line(&step.create));
            out.push('\n');
        }
        for (var, cmd) in caps {
            out.push_str(&format!("{var}=$({})\n", bash_line(cmd)));
        }
    }
    out.push_str(&next_steps(plan, "#"));
    out
}

/// Why the CNI goes on in the middle of the script.
const CNI_NOW: &str = "The CNI goes on right away: AKS node auto-repair reboots a node that stays NotReady for\n# more than 5 minutes, and cannot be turned off. Credentials and values stay in a private\n# temporary directory; the kubeconfig goes to $KUBECONFIG_FILE (default: next to this script's\n# working directory).";

/// The kubeconfig's default file name: the cluster's, when it is a plain word.
fn kubeconfig_name(plan: &Plan) -> String {
    let n = plan.cluster.name.trim();
    if !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("{n}.kubeconfig")
    } else {
        "kubeconfig".to_owned()
    }
}

/// What to do after the script: nothing when it installed the CNI, else install one at once.
fn next_steps(plan: &Plan, marker: &str) -> String {
    let c = &plan.cluster;
    if matches!(
        plan.cni.plugin,
        crate::plan::CniPlugin::Cilium | crate::plan::CniPlugin::Calico
    ) {
        return format!(
            "\n{marker} Done: {} runs on every node and the nodes are Ready.\n",
            plan.cni.plugin.as_str()
        );
    }
    format!(
        "\n{marker} Next, within 5 minutes (AKS node auto-repair reboots nodes that stay NotReady longer):\n{marker} the nodes stay NotReady (\"cni plugin not initialized\") until a CNI is installed.\n{marker}   az aks get-credentials --resource-group {} --name {} --file kubeconfig\n{marker}   then install {} with pod CIDR {}\n",
        one_line(&c.resource_group),
        one_line(&c.name),
        plan.cni.plugin.as_str(),
        one_line(plan.pod_cidr.as_deref().unwrap_or("(missing)"))
    )
}

/// Quotes one word for PowerShell: single quotes, with `'` (and the typographic single quotes
/// PowerShell also reads as quotes) doubled. Only three shapes stay bare, none of which PowerShell
/// reads as anything but the word itself: a long flag (`--resource-group`; never the
/// stop-parsing token `--%`), a word that starts with a letter (`Standard_D4s_v5`), and a number
/// or an address (`250`, `33%`, `10.0.0.0/16`). Everything else is quoted, in particular
/// `--flag=value` (PowerShell splits native arguments that start with `-` at a `.` or `:` in
/// some versions), `$`, backticks, `@`, parentheses, braces, quotes, `#` and `--%`.
fn ps(word: &str) -> String {
    let flag = word.len() > 2
        && word.starts_with("--")
        && word[2..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let name = word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c));
    let number = word.starts_with(|c: char| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || "./%".contains(c))
        && word
            .split(['.', '/', '%'])
            .all(|part| part == "0" || !part.starts_with('0'));
    if flag || name || number {
        return word.to_owned();
    }
    ps_quoted(word)
}

/// A PowerShell single-quoted string, `'` and the typographic single quotes doubled.
fn ps_quoted(word: &str) -> String {
    let mut out = String::from("'");
    for c in word.chars() {
        // PowerShell also treats the typographic quotes as quotes.
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        if c == '\0' {
            continue;
        }
        out.push(c);
    }
    out.push('\'');
    out
}

pub(crate) fn ps_line(cmd: &Command) -> String {
    let mut out = String::from(cmd.program.name());
    for a in &cmd.args {
        out.push(' ');
        match a {
            Arg::Lit(s) => out.push_str(&ps(s)),
            Arg::Var(v) => {
                out.push('$');
                out.push_str(v);
            }
            Arg::LitVar(l, v) => {
                // One argument: the literal in single quotes joined to the variable's value.
                out.push('(');
                out.push_str(&ps_quoted(l));
                out.push_str(" + $");
                out.push_str(v);
                out.push(')');
            }
        }
    }
    out
}

/// A step's title for its comment line; a guarded step's says so.
fn step_title(step: &Step) -> String {
    if step.only_if_missing && step.show.is_some() {
        format!(
            "{}, only when missing (it may already be there)",
            one_line(&step.title)
        )
    } else {
        one_line(&step.title)
    }
}

/// [`bash_guarded`] in PowerShell. The lookup runs with `$ErrorActionPreference = 'Continue'`:
/// Windows PowerShell 5.1 turns a native command's redirected stderr into an error record,
/// which `'Stop'` would throw.
fn ps_guarded(step: &Step, n: usize) -> String {
    let what = guarded_what(step);
    let checks = guarded_checks(step);
    let lookup = |query: &str| -> String {
        let cmd = guarded_query(step, query).map_or_else(String::new, |c| ps_line(&c));
        format!(
            "$ErrorActionPreference = 'Continue'\n$BYOCNI_HAVE = {cmd} 2>$null\n$BYOCNI_RC = $LASTEXITCODE\n$ErrorActionPreference = 'Stop'\n$BYOCNI_HAVE = @($BYOCNI_HAVE) -join ' '\n"
        )
    };
    let mut out = lookup(&checks[0].0);
    out.push_str(&format!(
        "if ($BYOCNI_RC -eq 3) {{\n    {}\n    Assert-LastExit \"step {n}\"\n}} elseif ($BYOCNI_RC -ne 0) {{\n    throw ({} + $BYOCNI_RC + {})\n}} else {{\n",
        ps_line(&step.create),
        ps_quoted(&format!("step {n}: looking up {what} failed with exit code ")),
        ps_quoted(": check the az login and your access, then run the script again"),
    ));
    for (k, (query, label, want)) in checks.iter().enumerate() {
        let Some((want, _)) = want else { continue };
        if k > 0 {
            for l in lookup(query).lines() {
                out.push_str(&format!("    {l}\n"));
            }
        }
        out.push_str(&format!(
            "    if ($BYOCNI_HAVE -ne {}) {{\n        throw ({} + $BYOCNI_HAVE + {})\n    }}\n",
            ps_quoted(want),
            ps_quoted(&format!("{what} already exists with {label} ")),
            ps_quoted(&format!(
                ", but the plan says {}: {DIFFERS}",
                one_line(want)
            )),
        ));
    }
    if checks[0].2.is_some() {
        out.push_str(&format!(
            "    Write-Output {}\n}}\n",
            ps_quoted(&format!("{what}: exists, kept"))
        ));
    } else {
        out.push_str(&format!(
            "    Write-Output ({} + $BYOCNI_HAVE)\n}}\n",
            ps_quoted(&format!("{what}: exists, kept: "))
        ));
    }
    out
}

/// A PowerShell script that stops at the first failing az command, running `steps` (a plan's
/// [`crate::steps::script_steps`], or an estate cluster's placed on its VNet).
pub(crate) fn powershell_steps(plan: &Plan, steps: Vec<Step>, notes: &[String]) -> String {
    let mut out = String::from(
        "# Generated by byocni: creates the AKS cluster of this plan with a bring-your-own CNI.\n",
    );
    for l in summary(plan)
        .iter()
        .chain(&preview_notes(plan))
        .chain(notes)
    {
        out.push_str("# ");
        out.push_str(l);
        out.push('\n');
    }
    out.push_str("$ErrorActionPreference = 'Stop'\n");
    out.push_str("function Assert-LastExit([string]$What) {\n    if ($LASTEXITCODE -ne 0) { throw \"$What failed with exit code $LASTEXITCODE\" }\n}\n");
    let mut tmp = false;
    for (i, (step, caps)) in steps_with_captures(steps).iter().enumerate() {
        if step.kind == StepKind::Credentials {
            out.push_str(&format!(
                "\n# {CNI_NOW}\n{}if (-not ${KUBECONFIG_VAR}) {{ ${KUBECONFIG_VAR} = Join-Path (Get-Location) {} }}\n",
                if tmp { "" } else { PS_TMP },
                ps(&kubeconfig_name(plan))
            ));
            tmp = true;
        } else if !tmp && !step.files.is_empty() {
            out.push_str(&format!("\n# {TMP_EARLY}\n{PS_TMP}"));
            tmp = true;
        }
        let title = step_title(step).replace('"', "'");
        out.push_str(&format!("\n# {}. {}\n", i + 1, title));
        for f in &step.files {
            // A single-quoted here-string ends at a line that starts with '@.
            let body = f.contents.replace("\n'@", "\n '@");
            out.push_str(&format!(
                "${} = Join-Path $BYOCNI_TMP {}\n@'\n{}{}'@ | Set-Content -LiteralPath ${} -Encoding utf8\n",
                f.var,
                ps(&f.name),
                body,
                if body.ends_with('\n') { "" } else { "\n" },
                f.var
            ));
        }
        if runs_in_cluster(step) {
            out.push_str(&format!(
                "$BYOCNI_RESULT = {} | ConvertFrom-Json\nAssert-LastExit \"step {n}\"\n$BYOCNI_RESULT.logs\nif ($BYOCNI_RESULT.exitCode -ne 0) {{ throw \"step {n} failed in the cluster with exit code $($BYOCNI_RESULT.exitCode)\" }}\n",
                ps_line(&step.create),
                n = i + 1
            ));
        } else if step.only_if_missing && step.show.is_some() {
            out.push_str(&ps_guarded(step, i + 1));
        } else if !lookup_only(step) {
            out.push_str(&ps_line(&step.create));
            out.push('\n');
            out.push_str(&format!("Assert-LastExit \"step {}\"\n", i + 1));
        }
        for (var, cmd) in caps {
            out.push_str(&format!(
                "${var} = {}\nAssert-LastExit \"reading {var}\"\n",
                ps_line(cmd)
            ));
        }
    }
    if tmp {
        out.push_str("Remove-Item -Recurse -Force -LiteralPath $BYOCNI_TMP\n");
    }
    out.push_str(&next_steps(plan, "#"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh("myRG"), "myRG");
        assert_eq!(sh("Network Contributor"), "'Network Contributor'");
        for hostile in ["a'b", "$(reboot)", "`id`", "a\"b", "x; rm -rf /"] {
            assert_eq!(
                shlex::split(&sh(hostile)).unwrap(),
                vec![hostile.to_owned()]
            );
        }
        assert_eq!(sh("a\nb"), "$'a\\nb'");
        assert_eq!(ps("Network Contributor"), "'Network Contributor'");
        assert_eq!(ps("a'b"), "'a''b'");
        assert_eq!(ps("$(x)"), "'$(x)'");
        assert_eq!(ps("--name"), "--name");
        assert_eq!(ps("10.0.0.0/16"), "10.0.0.0/16");
        assert_eq!(ps("33%"), "33%");
        assert_eq!(ps("--%"), "'--%'");
        assert_eq!(ps("--name=-x.y"), "'--name=-x.y'");
        assert_eq!(ps("-x"), "'-x'");
        assert_eq!(ps("010"), "'010'");
        assert_eq!(ps("1kb"), "'1kb'");
        assert_eq!(ps("@(x)"), "'@(x)'");
    }
}
