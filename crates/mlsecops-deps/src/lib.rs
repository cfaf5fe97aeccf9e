//! Python dependency manifests, PEP 440 versions and offline OSV advisory matching.
//!
//! Manifests are parsed as text (pip, uv, Poetry and conda are never run); `-r` includes are
//! read from disk relative to the including file, bounded and loop-safe. Versions are compared
//! with exact PEP 440 semantics (`pep440_rs`); OSV ranges are turned into interval sets so a
//! pinned version is tested by membership and a specifier by intersection.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// PyPI, MatchSpec, uv: proper names, not code.
#![allow(clippy::doc_markdown)]

mod analyze;
pub mod conda;
pub mod db;
pub mod manifest;
pub mod osv;
pub mod pep;
mod requirements;
mod shell;
mod toml_manifests;
pub mod typosquat;
mod url;
mod yaml;

use std::path::Path;

use mlsecops_core::{FormatAnalysis, Observation};

pub use db::{AdvisoryDb, DbError, DbInfo};
pub use manifest::{Dependency, Ecosystem, Issue, ManifestError, ManifestKind, Parsed};

/// `true` when `name` (a file name or path; only the last component counts) is a dependency
/// manifest this crate parses.
pub fn is_manifest_name(name: &str) -> bool {
    ManifestKind::from_name(name).is_some()
}

/// Parses a manifest into dependencies and parse-time issues, without advisory matching.
///
/// `dir` is the directory holding the file on disk; it enables `-r`/`-c` includes (read
/// relative to the including file). Without it includes are reported and the result is
/// marked incomplete.
pub fn parse_manifest(
    name: &str,
    data: &[u8],
    dir: Option<&Path>,
) -> Result<Parsed, ManifestError> {
    let kind = ManifestKind::from_name(name).ok_or(ManifestError::NotManifest)?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut out = Parsed::new(kind);
    match kind {
        ManifestKind::Requirements => {
            let text = manifest::decode(data, requirements::MAX_BYTES)?;
            requirements::parse(text, dir, base, &mut out);
        }
        ManifestKind::Pyproject => {
            toml_manifests::pyproject(
                manifest::decode(data, toml_manifests::MAX_BYTES)?,
                &mut out,
            )?;
        }
        ManifestKind::PoetryLock => {
            toml_manifests::poetry_lock(
                manifest::decode(data, toml_manifests::MAX_BYTES)?,
                &mut out,
            )?;
        }
        ManifestKind::UvLock => {
            toml_manifests::uv_lock(manifest::decode(data, toml_manifests::MAX_BYTES)?, &mut out)?;
        }
        ManifestKind::Pylock => {
            toml_manifests::pylock(manifest::decode(data, toml_manifests::MAX_BYTES)?, &mut out)?;
        }
        ManifestKind::PipfileLock => {
            toml_manifests::pipfile_lock(
                manifest::decode(data, toml_manifests::MAX_BYTES)?,
                &mut out,
            )?;
        }
        ManifestKind::CondaEnv => {
            conda::environment(manifest::decode(data, conda::MAX_BYTES)?, dir, &mut out)?;
        }
        ManifestKind::Shell => {}
    }
    Ok(out)
}

/// Parses and checks one manifest against `db`. `None` when `name` is not a manifest.
///
/// Observations carry the byte offset of their line (top-level file) and evidence `line`
/// (1-based); findings from included files carry evidence `file` instead of an offset.
pub fn analyze_manifest(
    name: &str,
    data: &[u8],
    dir: Option<&Path>,
    db: &AdvisoryDb,
) -> Option<FormatAnalysis> {
    let kind = ManifestKind::from_name(name)?;
    let mut analysis = FormatAnalysis::new(kind.label());
    match parse_manifest(name, data, dir) {
        Ok(parsed) => {
            if let Some(reason) = &parsed.incomplete {
                analysis.mark_incomplete(reason.clone());
            }
            // Offsets are relative to the text after a UTF-8 BOM; report them in file bytes.
            let bom = if data.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            for mut obs in analyze::observations(&parsed, db) {
                obs.offset = obs.offset.map(|o| o.saturating_add(bom));
                analysis.push(obs);
            }
        }
        Err(e) => {
            let line = e.line();
            let mut obs = Observation::new(
                "dep-manifest-malformed",
                format!("{} could not be parsed: {e}", kind.label()),
            )
            .with_evidence("manifest", kind.label());
            if line > 0 {
                obs = obs.with_evidence("line", line.to_string());
            }
            analysis.fail(obs);
        }
    }
    Some(analysis)
}

/// Parses notebook shell lines (`(line, text)`; only `!`/`%` install commands count).
pub fn parse_shell_lines(lines: &[(u32, String)]) -> Parsed {
    let mut out = Parsed::new(ManifestKind::Shell);
    for (line, text) in lines {
        shell::shell_line(*line, text, &mut out);
    }
    out
}

/// Checks the packages installed by notebook shell lines (`!pip install …`, `%pip install …`,
/// `!uv pip install …`, `!conda install …`) against `db`. Observations carry evidence `line`.
pub fn analyze_shell_lines(lines: &[(u32, String)], db: &AdvisoryDb) -> Vec<Observation> {
    analyze::observations(&parse_shell_lines(lines), db)
}
