//! The `byocni` binary: parses arguments and hands each subcommand to its module. Exit codes:
//! 0 ok, 1 findings with errors (or a failed run), 2 unreadable input or bad usage, 4 a file
//! could not be written (the previous one is kept).

mod cli;
mod commands;
mod files;
mod formats;
mod output;
mod provision;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: reading a plan of 100,000s of connected networks
/// makes two small strings per network, and checking it frees them all; with mimalloc a check
/// of 100,000 networks takes about a tenth less time end to end (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(commands::exit_code_for(&err))
        }
    }
}
