//! Waivers for `mlsecops scan` (`--waivers FILE`, `.mlsecops-waivers.toml`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mlsecops_config::{Config, Date, WAIVERS_FILE_NAME, Waivers};
use mlsecops_core::ScanReport;

/// Environment variable that overrides today's date (`YYYY-MM-DD`) for waiver expiry.
const TODAY_ENV: &str = "MLSECOPS_TODAY";

/// Waiver flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct WaiverArgs {
    /// Waiver file [default: the config's `waivers` key, else .mlsecops-waivers.toml next to
    /// the config file, else at the scan root (the first PATH, or its directory)].
    #[arg(long, value_name = "FILE", conflicts_with = "no_waivers")]
    waivers: Option<PathBuf>,
    /// Apply no waivers (neither a waiver file nor `[[waiver]]` tables in the config).
    #[arg(long)]
    no_waivers: bool,
}

/// Applies the waivers to a finished scan report (marks waived findings, records active,
/// expired and unused waivers).
pub(crate) fn apply(
    args: &WaiverArgs,
    config: Option<&Config>,
    paths: &[PathBuf],
    report: &mut ScanReport,
) -> Result<()> {
    if args.no_waivers {
        return Ok(());
    }
    let mut waivers = Waivers::default();
    if let Some(config) = config
        && !config.inline_waivers.is_empty()
    {
        let source = config.base_dir.join(mlsecops_config::FILE_NAME);
        waivers.sources.push(source);
        waivers
            .entries
            .extend(config.inline_waivers.iter().cloned());
    }
    if let Some(file) = waiver_file(args, config, paths) {
        waivers.extend(Waivers::load(&file)?);
    }
    if waivers.sources.is_empty() {
        return Ok(());
    }
    waivers.apply(report, today()?);
    Ok(())
}

/// `--waivers`, else the config's `waivers` key, else the default file next to the config
/// or at the scan root, if it exists and is trusted.
fn waiver_file(args: &WaiverArgs, config: Option<&Config>, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(explicit) = &args.waivers {
        return Some(explicit.clone());
    }
    if let Some(config) = config {
        if let Some(named) = &config.waivers {
            // Named by a config the user chose or trusted: a missing file is an error.
            return Some(config.resolve(named));
        }
        let next_to = config.base_dir.join(WAIVERS_FILE_NAME);
        if next_to.is_file() {
            return Some(next_to);
        }
    }
    let first = paths.first()?;
    let root = if first.is_dir() {
        first.clone()
    } else {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let candidate = root.join(WAIVERS_FILE_NAME);
    // Same rule as the project config: a downloaded model repository cannot waive its own
    // findings.
    (candidate.is_file() && crate::config_cmd::trusted_in_project(&candidate, "--waivers"))
        .then_some(candidate)
}

/// Today's UTC date, or `MLSECOPS_TODAY`.
pub(crate) fn today() -> Result<Date> {
    if let Some(value) = std::env::var_os(TODAY_ENV) {
        let value = value.to_string_lossy();
        return value.parse::<Date>().with_context(|| TODAY_ENV.to_owned());
    }
    Date::today_utc().context("the system clock is before 1970")
}
