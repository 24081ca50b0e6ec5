//! The planning subcommands (new, check, suggest, export, explain) and the dispatch of the
//! provisioning ones to [`crate::provision`].
//!
//! OWNER: the CLI helper.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Apply(a) => crate::provision::apply(a),
        Command::Destroy(a) => crate::provision::destroy(a),
        Command::Cni { command } => crate::provision::cni(command),
        Command::Status(a) => crate::provision::status(a),
        Command::Discover(a) => crate::provision::discover(a),
        _ => anyhow::bail!("not implemented yet"),
    }
}

/// The exit code for an error that reached `main`: 2 for unreadable input, 1 otherwise.
pub(crate) fn exit_code_for(_err: &anyhow::Error) -> u8 {
    1
}
