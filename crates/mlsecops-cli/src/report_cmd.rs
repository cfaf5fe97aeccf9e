//! `mlsecops report`: compliance reports from JSON run reports.

use anyhow::Result;
use mlsecops_core::ExitCode;

/// Arguments of `mlsecops report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {}

/// Runs `mlsecops report`.
pub(crate) fn run(_args: &ReportArgs) -> Result<ExitCode> {
    anyhow::bail!("mlsecops report is not available yet")
}
