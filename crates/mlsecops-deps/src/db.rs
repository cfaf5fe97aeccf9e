//! The offline advisory database: an OSV `all.zip` export, a directory of OSV JSON files or
//! the built-in seed set, indexed by PEP 503 name.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::osv::{Advisory, RecordOutcome, parse_record};

/// Largest advisory archive read (the PyPI export is ~32 MB).
pub const MAX_DB_BYTES: u64 = 1 << 30;
/// Largest single OSV record.
pub const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;
/// Most records read from one source.
pub const MAX_RECORDS: usize = 500_000;
/// Deepest directory walked for a directory source.
const MAX_DIR_DEPTH: usize = 8;

/// The seed records (real OSV data, abridged; CC-BY 4.0, see `seed/NOTICE`).
const SEED_JSON: &str = include_str!("../seed/osv-seed.json");

/// Why a database could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// Reading the path failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_DB_BYTES`].
    #[error("{0} is larger than the advisory database limit")]
    TooLarge(String),
    /// Not a ZIP, JSON record or directory.
    #[error("{path} is not an OSV all.zip, OSV JSON file or directory: {reason}")]
    Format {
        /// The path.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Nothing usable inside.
    #[error("{path} holds no valid OSV record ({errors} unreadable)")]
    Empty {
        /// The path.
        path: String,
        /// Records that failed to parse.
        errors: usize,
    },
}

/// Facts about a loaded database, for reports and `mlsecops db info`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbInfo {
    /// Where it came from (path, or `built-in seed set`).
    pub source: String,
    /// `true` for the built-in seed set (a handful of records, not a full database).
    pub seed: bool,
    /// Records read (all ecosystems).
    pub records: usize,
    /// Records with a PyPI package that are indexed.
    pub indexed: usize,
    /// Withdrawn records skipped.
    pub withdrawn: usize,
    /// Records that failed to parse.
    pub errors: usize,
    /// First few parse errors (`member: message`).
    pub error_samples: Vec<String>,
    /// Ranges that could not be evaluated (non-PEP 440 event versions).
    pub skipped_ranges: usize,
    /// Newest `modified` timestamp (RFC 3339 strings compare in time order).
    pub modified: Option<String>,
    /// Lowercase hex SHA-256 of the source file (for a directory: of the sorted
    /// `relative path NUL bytes NUL` stream).
    pub sha256: String,
}

impl DbInfo {
    /// Short label for finding evidence.
    pub fn label(&self) -> String {
        if self.seed {
            format!(
                "built-in seed set ({} records, CC-BY 4.0; not a full database: run `mlsecops db update`)",
                self.indexed
            )
        } else {
            format!(
                "{} ({} records, modified {}, sha256 {})",
                self.source,
                self.indexed,
                self.modified.as_deref().unwrap_or("unknown"),
                self.sha256
            )
        }
    }
}

/// Advisories indexed by PEP 503 name.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryDb {
    advisories: Vec<Advisory>,
    by_name: HashMap<String, Vec<usize>>,
    info: DbInfo,
}

impl AdvisoryDb {
    /// A database with no advisories (typo-squat and index checks still run).
    pub fn empty() -> Self {
        AdvisoryDb {
            info: DbInfo {
                source: "none".into(),
                ..DbInfo::default()
            },
            ..AdvisoryDb::default()
        }
    }

    /// The built-in seed set.
    pub fn seed() -> Self {
        let mut builder = Builder::new("built-in seed set".into());
        builder.info.seed = true;
        builder.info.sha256 = hex(&Sha256::digest(SEED_JSON.as_bytes()));
        match serde_json::from_str::<Vec<serde_json::Value>>(SEED_JSON) {
            Ok(records) => {
                for (i, record) in records.iter().enumerate() {
                    let bytes = record.to_string();
                    builder.add(&format!("seed[{i}]"), bytes.as_bytes());
                }
            }
            Err(e) => builder.error("seed", &e.to_string()),
        }
        builder.finish()
    }

    /// Loads an OSV `all.zip`, a single OSV JSON record or a directory of OSV JSON files.
    pub fn load(path: &Path) -> Result<Self, DbError> {
        let io = |source| DbError::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Self::load_dir(path);
        }
        if meta.len() > MAX_DB_BYTES {
            return Err(DbError::TooLarge(path.display().to_string()));
        }
        let data = std::fs::read(path).map_err(io)?;
        Self::from_bytes(&path.display().to_string(), &data)
    }

    /// Loads an OSV `all.zip` or a single JSON record held in memory; `source` labels it.
    pub fn from_bytes(source: &str, data: &[u8]) -> Result<Self, DbError> {
        let mut builder = Builder::new(source.to_owned());
        builder.info.sha256 = hex(&Sha256::digest(data));
        let trimmed = data.trim_ascii_start();
        if trimmed.starts_with(b"{") {
            builder.add(source, data);
        } else {
            let limits = mlsecops_archive::zip::Limits::default();
            let archive =
                mlsecops_archive::zip::parse(data, &limits).map_err(|e| DbError::Format {
                    path: source.to_owned(),
                    reason: e.to_string(),
                })?;
            for entry in archive
                .entries
                .iter()
                .filter(|e| !e.is_dir && e.name.to_ascii_lowercase().ends_with(".json"))
            {
                if builder.info.records >= MAX_RECORDS {
                    builder.error(&entry.name, "record limit reached");
                    break;
                }
                match archive.read(data, entry, MAX_RECORD_BYTES) {
                    Ok(member) => builder.add(&entry.name, &member.data),
                    Err(e) => builder.error(&entry.name, &e.to_string()),
                }
            }
        }
        builder.finish_checked(source)
    }

    fn load_dir(root: &Path) -> Result<Self, DbError> {
        let mut files = Vec::new();
        collect_json(root, 0, &mut files);
        files.sort();
        let mut builder = Builder::new(root.display().to_string());
        let mut hasher = Sha256::new();
        for file in files.iter().take(MAX_RECORDS) {
            let rel = file
                .strip_prefix(root)
                .unwrap_or(file)
                .to_string_lossy()
                .into_owned();
            let label = rel.clone();
            match std::fs::metadata(file) {
                Ok(m) if m.len() > MAX_RECORD_BYTES => {
                    builder.error(&label, "record too large");
                    continue;
                }
                Err(e) => {
                    builder.error(&label, &e.to_string());
                    continue;
                }
                Ok(_) => {}
            }
            match std::fs::read(file) {
                Ok(bytes) => {
                    hasher.update(rel.as_bytes());
                    hasher.update([0]);
                    hasher.update(&bytes);
                    hasher.update([0]);
                    builder.add(&label, &bytes);
                }
                Err(e) => builder.error(&label, &e.to_string()),
            }
        }
        if files.len() > MAX_RECORDS {
            builder.error(&root.display().to_string(), "record limit reached");
        }
        builder.info.sha256 = hex(&hasher.finalize());
        builder.finish_checked(&root.display().to_string())
    }

    /// Facts about the database.
    pub fn info(&self) -> &DbInfo {
        &self.info
    }

    /// Advisories affecting the PEP 503 normalised `name`.
    pub fn for_package<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s Advisory> + 's {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.advisories.get(i))
    }

    /// Every indexed advisory.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }
}

fn collect_json(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DIR_DEPTH || out.len() > MAX_RECORDS {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_json(&path, depth.saturating_add(1), out);
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
}

struct Builder {
    db: AdvisoryDb,
}

impl Builder {
    fn new(source: String) -> Self {
        Builder {
            db: AdvisoryDb {
                info: DbInfo {
                    source,
                    ..DbInfo::default()
                },
                ..AdvisoryDb::default()
            },
        }
    }

    fn add(&mut self, label: &str, bytes: &[u8]) {
        self.db.info.records = self.db.info.records.saturating_add(1);
        match parse_record(bytes) {
            Ok((RecordOutcome::Indexed, Some(advisory))) => {
                if let Some(m) = &advisory.modified
                    && self.db.info.modified.as_ref().is_none_or(|cur| m > cur)
                {
                    self.db.info.modified = Some(m.clone());
                }
                let index = self.db.advisories.len();
                for pkg in &advisory.packages {
                    self.db.info.skipped_ranges = self
                        .db
                        .info
                        .skipped_ranges
                        .saturating_add(pkg.skipped_ranges);
                    let slot = self.db.by_name.entry(pkg.name.clone()).or_default();
                    if !slot.contains(&index) {
                        slot.push(index);
                    }
                }
                self.db.info.indexed = self.db.info.indexed.saturating_add(1);
                self.db.advisories.push(advisory);
            }
            Ok((RecordOutcome::Withdrawn, _)) => {
                self.db.info.withdrawn = self.db.info.withdrawn.saturating_add(1);
            }
            Ok(_) => {}
            Err(e) => self.error(label, &e),
        }
    }

    fn error(&mut self, label: &str, message: &str) {
        self.db.info.errors = self.db.info.errors.saturating_add(1);
        if self.db.info.error_samples.len() < 5 {
            self.db
                .info
                .error_samples
                .push(format!("{label}: {message}"));
        }
    }

    fn finish(self) -> AdvisoryDb {
        self.db
    }

    fn finish_checked(self, path: &str) -> Result<AdvisoryDb, DbError> {
        if self.db.info.records == 0
            || (self.db.info.errors > 0 && self.db.info.errors >= self.db.info.records)
        {
            return Err(DbError::Empty {
                path: path.to_owned(),
                errors: self.db.info.errors,
            });
        }
        Ok(self.db)
    }
}

// `Builder` wraps the db so `info` reads naturally.
impl std::ops::Deref for Builder {
    type Target = AdvisoryDb;
    fn deref(&self) -> &AdvisoryDb {
        &self.db
    }
}
impl std::ops::DerefMut for Builder {
    fn deref_mut(&mut self) -> &mut AdvisoryDb {
        &mut self.db
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seed_set_loads_without_errors() {
        let db = AdvisoryDb::seed();
        assert!(db.info().seed);
        assert_eq!(db.info().errors, 0, "{:?}", db.info().error_samples);
        assert!(db.info().indexed >= 4);
        assert!(db.for_package("llama-cpp-python").next().is_some());
        assert!(db.info().label().contains("seed"));
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(AdvisoryDb::from_bytes("x", b"not a zip").is_err());
        assert!(AdvisoryDb::from_bytes("x", b"{\"id\": 1}").is_err());
    }
}
