//! `mlsecops policy …` and the policy gate of `mlsecops scan` (`--policy DIR`).

use anyhow::Result;
use mlsecops_config::Config;
use mlsecops_core::{ExitCode, ScanReport};

/// Policy flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyArgs {}

/// `mlsecops policy` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum PolicyCommand {}

/// Runs `mlsecops policy …`.
pub(crate) fn run(command: &PolicyCommand) -> Result<ExitCode> {
    match *command {}
}

/// Evaluates the policy gate over a finished scan report and stores the outcome in it.
#[allow(clippy::unnecessary_wraps)] // placeholder until implemented
pub(crate) fn apply(
    _args: &PolicyArgs,
    _config: Option<&Config>,
    _report: &mut ScanReport,
) -> Result<()> {
    Ok(())
}
