//! `mlsecops db …` (offline OSV advisory database) and `--advisories` for `mlsecops scan`.
// Doc comments here are clap help text: PyPI is a name, not code.
#![allow(clippy::doc_markdown)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use mlsecops_core::ExitCode;
use mlsecops_deps::{AdvisoryDb, DbInfo};

/// The OSV export of every PyPI advisory (CC-BY 4.0 / Apache-2.0 sources).
pub(crate) const PYPI_ALL_ZIP_URL: &str =
    "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";
/// Cached archive name inside the cache directory.
const CACHE_ZIP: &str = "osv-pypi-all.zip";
/// Cached directory name (imported from a directory of OSV JSON files).
const CACHE_DIR: &str = "osv-pypi";

/// Advisory flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdvisoryArgs {
    /// OSV advisory database for dependency checks: a PyPI `all.zip` or a directory of OSV
    /// JSON files [default: the cache filled by `mlsecops db update|import`, else the small
    /// built-in seed set].
    #[arg(
        long,
        value_name = "FILE.zip|DIR",
        env = "MLSECOPS_ADVISORIES",
        conflicts_with = "no_advisories"
    )]
    pub(crate) advisories: Option<PathBuf>,
    /// Match no advisories (typo-squat, index and manifest checks still run).
    #[arg(long)]
    pub(crate) no_advisories: bool,
}

/// `mlsecops db` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum DbCommand {
    /// Download the OSV PyPI export into the cache (needs network and a build with
    /// `--features download`).
    Update {
        /// Source URL.
        #[arg(long, default_value = PYPI_ALL_ZIP_URL)]
        url: String,
    },
    /// Validate an OSV `all.zip` or a directory of OSV JSON files and copy it into the cache.
    Import {
        /// `all.zip` or directory.
        path: PathBuf,
    },
    /// Show the database a scan would use: source, record count, newest `modified`, SHA-256.
    Info {
        /// Database to describe instead of the default.
        #[arg(long, value_name = "FILE.zip|DIR")]
        advisories: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `mlsecops db …`.
pub(crate) fn run(command: &DbCommand) -> Result<ExitCode> {
    match command {
        DbCommand::Update { url } => update(url),
        DbCommand::Import { path } => import(path),
        DbCommand::Info { advisories, json } => {
            let args = AdvisoryArgs {
                advisories: advisories.clone(),
                no_advisories: false,
            };
            let db = load_for_scan(&args)?;
            print_info(db.info(), *json)?;
            Ok(ExitCode::Clean)
        }
    }
}

/// The advisory database for a scan: `--advisories`, else the cache, else the seed set.
pub(crate) fn load_for_scan(args: &AdvisoryArgs) -> Result<Arc<AdvisoryDb>> {
    if args.no_advisories {
        return Ok(Arc::new(AdvisoryDb::empty()));
    }
    if let Some(path) = &args.advisories {
        let db = AdvisoryDb::load(path)
            .with_context(|| format!("loading advisories from {}", path.display()))?;
        return Ok(Arc::new(db));
    }
    if let Some(dir) = cache_dir() {
        for name in [CACHE_ZIP, CACHE_DIR] {
            let path = dir.join(name);
            if path.exists() {
                let db = AdvisoryDb::load(&path).with_context(|| {
                    format!("loading the cached advisory database {} (re-run `mlsecops db update` or `db import`)", path.display())
                })?;
                return Ok(Arc::new(db));
            }
        }
    }
    Ok(Arc::new(AdvisoryDb::seed()))
}

/// `$MLSECOPS_CACHE_DIR`, else `$XDG_CACHE_HOME/mlsecops`, else `~/.cache/mlsecops`.
pub(crate) fn cache_dir() -> Option<PathBuf> {
    let non_empty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = non_empty("MLSECOPS_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
        return Some(xdg.join("mlsecops"));
    }
    non_empty("HOME").map(|h| h.join(".cache").join("mlsecops"))
}

fn print_info(info: &DbInfo, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "source": info.source,
            "seed": info.seed,
            "records": info.records,
            "indexed": info.indexed,
            "withdrawn": info.withdrawn,
            "errors": info.errors,
            "skipped_ranges": info.skipped_ranges,
            "modified": info.modified,
            "sha256": info.sha256,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(out, "source:    {}", info.source)?;
    if info.seed {
        writeln!(
            out,
            "           built-in seed set: a few real OSV records (CC-BY 4.0), not a full database;\n           run `mlsecops db update` or `mlsecops db import all.zip`"
        )?;
    }
    writeln!(
        out,
        "records:   {} read, {} PyPI advisories indexed, {} withdrawn",
        info.records, info.indexed, info.withdrawn
    )?;
    writeln!(
        out,
        "modified:  {}",
        info.modified.as_deref().unwrap_or("unknown")
    )?;
    writeln!(out, "sha256:    {}", info.sha256)?;
    if info.errors > 0 {
        writeln!(out, "errors:    {} unreadable records", info.errors)?;
        for e in &info.error_samples {
            writeln!(out, "           {e}")?;
        }
    }
    if info.skipped_ranges > 0 {
        writeln!(
            out,
            "skipped:   {} ranges with non-PEP 440 versions",
            info.skipped_ranges
        )?;
    }
    Ok(())
}

fn cache_dir_or_fail() -> Result<PathBuf> {
    let dir = cache_dir().context("no cache directory: set MLSECOPS_CACHE_DIR")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Validates `path` and copies it into the cache (atomically replaces the previous one).
fn import(path: &Path) -> Result<ExitCode> {
    let db = AdvisoryDb::load(path).with_context(|| format!("validating {}", path.display()))?;
    let dir = cache_dir_or_fail()?;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let tmp = dir.join(format!("{CACHE_DIR}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        copy_json_tree(path, &tmp, 0)?;
        let target = dir.join(CACHE_DIR);
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(&tmp, &target)?;
        let _ = std::fs::remove_file(dir.join(CACHE_ZIP));
    } else {
        let tmp = dir.join(format!("{CACHE_ZIP}.tmp"));
        std::fs::copy(path, &tmp).with_context(|| format!("copying to {}", tmp.display()))?;
        std::fs::rename(&tmp, dir.join(CACHE_ZIP))?;
        let _ = std::fs::remove_dir_all(dir.join(CACHE_DIR));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {} ({} PyPI advisories) into {}",
        path.display(),
        db.info().indexed,
        dir.display()
    )?;
    Ok(ExitCode::Clean)
}

fn copy_json_tree(from: &Path, to: &Path, depth: usize) -> Result<()> {
    if depth > 8 {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_json_tree(&entry.path(), &target, depth.saturating_add(1))?;
        } else if kind.is_file()
            && entry
                .path()
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(feature = "download")]
fn update(url: &str) -> Result<ExitCode> {
    use std::io::Read as _;
    let dir = cache_dir_or_fail()?;
    let response = ureq::get(url)
        .call()
        .with_context(|| format!("downloading {url} (no network? download it elsewhere and run `mlsecops db import all.zip`)"))?;
    let mut data = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(mlsecops_deps::db::MAX_DB_BYTES)
        .read_to_end(&mut data)
        .with_context(|| format!("reading {url}"))?;
    let db =
        AdvisoryDb::from_bytes(url, &data).context("the download is not a valid OSV export")?;
    let tmp = dir.join(format!("{CACHE_ZIP}.tmp"));
    std::fs::write(&tmp, &data)?;
    std::fs::rename(&tmp, dir.join(CACHE_ZIP))?;
    let _ = std::fs::remove_dir_all(dir.join(CACHE_DIR));
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "downloaded {url}: {} PyPI advisories into {}",
        db.info().indexed,
        dir.display()
    )?;
    Ok(ExitCode::Clean)
}

#[cfg(not(feature = "download"))]
fn update(url: &str) -> Result<ExitCode> {
    anyhow::bail!(
        "this build has no HTTP client (rebuild with `--features download`).\n\
         Download the database elsewhere and import it:\n    curl -fLO {url}\n    mlsecops db import all.zip"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_errors_and_no_advisories() {
        let args = AdvisoryArgs {
            advisories: Some(PathBuf::from("/nonexistent/all.zip")),
            no_advisories: false,
        };
        assert!(load_for_scan(&args).is_err());
        let none = AdvisoryArgs {
            advisories: None,
            no_advisories: true,
        };
        assert_eq!(
            load_for_scan(&none).expect("empty database").info().indexed,
            0
        );
    }
}
