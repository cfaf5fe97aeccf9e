//! `mlsecops secrets …` (baselines) and `--secrets-baseline` for `mlsecops scan`.

use anyhow::Result;
use mlsecops_core::{ExitCode, FileReport};

/// Secret-baseline flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct BaselineArgs {}

/// `mlsecops secrets` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SecretsCommand {}

/// Runs `mlsecops secrets …`.
pub(crate) fn run(command: &SecretsCommand) -> Result<ExitCode> {
    match *command {}
}

/// Applies the secrets baseline to the scanned files (known secrets are suppressed, unused
/// baseline entries reported).
#[allow(clippy::unnecessary_wraps)] // placeholder until implemented
pub(crate) fn apply_baseline(_args: &BaselineArgs, _files: &mut Vec<FileReport>) -> Result<()> {
    Ok(())
}
