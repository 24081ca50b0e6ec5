//! The one place byocni runs programs: a small trait over `std::process::Command`, argv only,
//! never a shell string. Tests drive the real implementation against simulated tools on PATH.
//!
//! Every command runs in a process group of its own with a time limit that depends on what it
//! does ([`Kind`]); when the limit passes, or the user presses Ctrl-C, the whole group is killed
//! and the run stops with [`TimedOut`] or [`Interrupted`].

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a finished command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// Exit code (-1 when killed by a signal).
    pub(crate) code: i32,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

/// A command ran past its time limit and was killed with its process group: exit code 5.
#[derive(Debug, thiserror::Error)]
#[error("`{command}` did not finish within {}s and was stopped; {hint}", limit.as_secs_f64())]
pub(crate) struct TimedOut {
    pub(crate) command: String,
    pub(crate) limit: Duration,
    pub(crate) hint: String,
}

/// The user pressed Ctrl-C (SIGINT) or the run got SIGTERM: exit code 130.
#[derive(Debug, thiserror::Error)]
#[error("interrupted during `{0}`")]
pub(crate) struct Interrupted(pub(crate) String);

/// What kind of command it is, for its time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Looks only (`show`, `list`, `version`, `account`): 2 minutes.
    Show,
    /// Creates, changes or deletes a cluster or node pool, or deletes a group: 30 minutes.
    Cluster,
    /// Any other az change (group, VNet, subnet, identity, role): 10 minutes.
    Change,
    /// kubectl: 1 minute.
    Kubectl,
    /// helm: 10 minutes.
    Helm,
}

impl Kind {
    /// Classifies a command line.
    pub(crate) fn of(program: &str, args: &[String]) -> Kind {
        let w: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .take_while(|a| !a.starts_with('-'))
            .collect();
        match program {
            "kubectl" => Kind::Kubectl,
            "helm" => Kind::Helm,
            _ if w
                .first()
                .is_some_and(|f| *f == "version" || *f == "account")
                || w.last().is_some_and(|l| matches!(*l, "show" | "list")) =>
            {
                Kind::Show
            }
            _ if w.first() == Some(&"aks") || w == ["group", "delete"] => Kind::Cluster,
            _ => Kind::Change,
        }
    }

    fn env(self) -> &'static str {
        match self {
            Kind::Show => "BYOCNI_TIMEOUT_SHOW",
            Kind::Cluster => "BYOCNI_TIMEOUT_CLUSTER",
            Kind::Change => "BYOCNI_TIMEOUT_CHANGE",
            Kind::Kubectl => "BYOCNI_TIMEOUT_KUBECTL",
            Kind::Helm => "BYOCNI_TIMEOUT_HELM",
        }
    }

    /// The time limit: the environment variable (seconds, decimals allowed) or the default.
    pub(crate) fn limit(self) -> Duration {
        let default = match self {
            Kind::Show => 120,
            Kind::Cluster => 1800,
            Kind::Change | Kind::Helm => 600,
            Kind::Kubectl => 60,
        };
        std::env::var(self.env())
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(Duration::from_secs(default), Duration::from_secs_f64)
    }
}

/// Set by SIGINT/SIGTERM; every wait checks it.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT and SIGTERM for the rest of the process: the running command is stopped and
/// the run ends gracefully (journal saved, resume command printed) instead of dying mid-write.
pub(crate) fn catch_interrupts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        std::thread::spawn(move || loop {
            if flag.load(Ordering::Relaxed) {
                INTERRUPTED.store(true, Ordering::SeqCst);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        });
    });
}

/// Whether the run was interrupted.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs programs.
pub(crate) trait Runner {
    /// Runs `program` with `args` within its kind's time limit (or `limit`, when shorter);
    /// `Err` when it cannot be started, times out or the run is interrupted.
    fn run_within(
        &mut self,
        program: &str,
        args: &[String],
        limit: Option<Duration>,
    ) -> anyhow::Result<Output>;

    /// [`Runner::run_within`] with the kind's own limit.
    fn run(&mut self, program: &str, args: &[String]) -> anyhow::Result<Output> {
        self.run_within(program, args, None)
    }
}

/// The real runner; adds `--subscription` to every az command when one is chosen.
pub(crate) struct ProcessRunner {
    pub(crate) subscription: Option<String>,
}

fn line(program: &str, args: &[String]) -> String {
    let mut s = program.to_owned();
    for a in args {
        s.push(' ');
        s.push_str(&shlex::try_quote(a).map_or_else(|_| a.clone(), std::borrow::Cow::into_owned));
    }
    crate::files::escape_control(&s)
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Runner for ProcessRunner {
    fn run_within(
        &mut self,
        program: &str,
        args: &[String],
        limit: Option<Duration>,
    ) -> anyhow::Result<Output> {
        let mut cmd = Command::new(program);
        cmd.args(args);
        if program == "az" {
            // `az version` takes no --subscription.
            if let (Some(s), false) = (
                &self.subscription,
                args.first().is_some_and(|a| a == "version"),
            ) {
                cmd.arg("--subscription").arg(s);
            }
            cmd.env("AZURE_CORE_NO_COLOR", "true");
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let kind = Kind::of(program, args);
        let own = kind.limit();
        let limit = limit.map_or(own, |l| l.min(own));
        let mut child = cmd.spawn().map_err(|e| {
            anyhow::anyhow!(if e.kind() == std::io::ErrorKind::NotFound {
                format!("`{program}` is not installed or not on PATH")
            } else {
                format!("cannot run {program}: {e}")
            })
        })?;
        let mut out = child.stdout.take().expect("piped");
        let mut err = child.stderr.take().expect("piped");
        let reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = out.read_to_end(&mut b);
            b
        });
        let err_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = err.read_to_end(&mut b);
            b
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if interrupted() {
                kill_group(&mut child);
                return Err(Interrupted(line(program, args)).into());
            }
            if start.elapsed() >= limit {
                kill_group(&mut child);
                return Err(TimedOut {
                    command: line(program, args),
                    limit,
                    hint: if limit < own {
                        "the run's --timeout has passed".to_owned()
                    } else {
                        format!(
                            "set {} (seconds) to allow longer, or look at what it waits for",
                            kind.env()
                        )
                    },
                }
                .into());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Output {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn kinds() {
        assert_eq!(Kind::of("az", &words("group show --name x")), Kind::Show);
        assert_eq!(
            Kind::of("az", &words("role assignment list --scope x")),
            Kind::Show
        );
        assert_eq!(Kind::of("az", &words("aks create --name x")), Kind::Cluster);
        assert_eq!(
            Kind::of("az", &words("group delete --name x")),
            Kind::Cluster
        );
        assert_eq!(
            Kind::of("az", &words("group create --name x")),
            Kind::Change
        );
        assert_eq!(Kind::of("kubectl", &words("get nodes")), Kind::Kubectl);
        assert_eq!(Kind::Show.limit(), Duration::from_secs(120));
        assert_eq!(Kind::Cluster.limit(), Duration::from_secs(1800));
        assert_eq!(Kind::Kubectl.limit(), Duration::from_secs(60));
    }
}
