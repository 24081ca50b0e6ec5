//! Provisioning: `apply`, `destroy`, `cni install`, `status`, `discover`. Runs the core's steps
//! through one small runner trait over `std::process::Command` (argv only, never a shell).
//!
//! OWNER: the apply helper.

use std::process::ExitCode;

use crate::cli::{ApplyArgs, CniCommand, DestroyArgs, DiscoverArgs, StatusArgs};

pub(crate) fn apply(_args: ApplyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`byocni apply` is not implemented yet")
}

pub(crate) fn destroy(_args: DestroyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`byocni destroy` is not implemented yet")
}

pub(crate) fn cni(_command: CniCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`byocni cni install` is not implemented yet")
}

pub(crate) fn status(_args: StatusArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`byocni status` is not implemented yet")
}

pub(crate) fn discover(_args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`byocni discover` is not implemented yet")
}
