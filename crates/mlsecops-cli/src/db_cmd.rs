//! `mlsecops db …` (offline OSV advisory database) and `--advisories` for `mlsecops scan`.

use anyhow::Result;
use mlsecops_core::ExitCode;

/// Advisory flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdvisoryArgs {}

/// `mlsecops db` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum DbCommand {}

/// Runs `mlsecops db …`.
pub(crate) fn run(command: &DbCommand) -> Result<ExitCode> {
    match *command {}
}
