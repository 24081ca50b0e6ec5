//! The one place byocni runs programs: a small trait over `std::process::Command`, argv only,
//! never a shell string. Tests drive the real implementation against simulated tools on PATH.

use std::process::Command;

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

/// Runs programs.
pub(crate) trait Runner {
    /// Runs `program` with `args`; `Err` only when it cannot be started.
    fn run(&mut self, program: &str, args: &[String]) -> std::io::Result<Output>;
}

/// The real runner; adds `--subscription` to every az command when one is chosen.
pub(crate) struct ProcessRunner {
    pub(crate) subscription: Option<String>,
}

impl Runner for ProcessRunner {
    fn run(&mut self, program: &str, args: &[String]) -> std::io::Result<Output> {
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
        let out = cmd.output().map_err(|e| {
            std::io::Error::new(
                e.kind(),
                if e.kind() == std::io::ErrorKind::NotFound {
                    format!("`{program}` is not installed or not on PATH")
                } else {
                    format!("cannot run {program}: {e}")
                },
            )
        })?;
        Ok(Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}
