//! Waivers for `mlsecops scan` (`--waivers FILE`, `.mlsecops-waivers.toml`).

use std::path::PathBuf;

use anyhow::Result;
use mlsecops_config::Config;
use mlsecops_core::ScanReport;

/// Waiver flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct WaiverArgs {}

/// Applies the waivers to a finished scan report (marks waived findings, records active,
/// expired and unused waivers).
#[allow(clippy::unnecessary_wraps)] // placeholder until implemented
pub(crate) fn apply(
    _args: &WaiverArgs,
    _config: Option<&Config>,
    _paths: &[PathBuf],
    _report: &mut ScanReport,
) -> Result<()> {
    Ok(())
}
