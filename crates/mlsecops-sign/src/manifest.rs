//! OMS manifest: the walk, the per-file or per-shard digests and the root digest, with the
//! path, ordering, ignore and shard rules of the `model_signing` 1.x reference.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{Error, Result, hex};

/// Default shard size of the reference (`1_000_000_000` bytes).
pub const DEFAULT_SHARD_SIZE: u64 = 1_000_000_000;
/// Paths ignored at the model root unless git paths are kept (as `model_signing` does).
pub const GIT_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];
/// Most files or shards one manifest may hold (hostile bundles, huge trees).
pub const MAX_RESOURCES: usize = 1_000_000;
/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 256;
/// Read buffer per worker: small enough to stay in L2 between the copy and the hash
/// (measured: 256 KiB beats 4 MiB by ~5 % CPU; memory maps were slower than reads).
const READ_BUF: usize = 256 << 10;

/// How the model is cut into resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One resource per file.
    Files,
    /// One resource per shard of `shard_size` bytes.
    Shards {
        /// Shard size in bytes (> 0).
        shard_size: u64,
    },
}

/// Hashing configuration: what the `serialization` block of the predicate records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashConfig {
    /// Files or shards.
    pub method: Method,
    /// Hash symlink targets under the link name instead of failing.
    pub allow_symlinks: bool,
    /// Extra ignored paths, relative to the model root (POSIX, component-prefix match).
    pub ignore_paths: Vec<String>,
    /// Ignore `.git`, `.gitattributes`, `.github`, `.gitignore` at the model root.
    pub ignore_git_paths: bool,
}

impl Default for HashConfig {
    fn default() -> Self {
        HashConfig {
            method: Method::Files,
            allow_symlinks: false,
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
        }
    }
}

impl HashConfig {
    /// The effective ignore list: normalised user paths, git paths; sorted, deduplicated,
    /// paths escaping the root dropped.
    pub fn effective_ignores(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .ignore_paths
            .iter()
            .filter_map(|p| normalize_relative(p))
            .collect();
        if self.ignore_git_paths {
            out.extend(GIT_PATHS.iter().map(|s| (*s).to_owned()));
        }
        out.sort();
        out.dedup();
        out
    }

    /// The `serialization` object of the predicate.
    pub fn serialization_json(&self) -> Value {
        let mut m = Map::new();
        let ignores = self.effective_ignores();
        match self.method {
            Method::Files => {
                m.insert("method".into(), json!("files"));
            }
            Method::Shards { shard_size } => {
                m.insert("method".into(), json!("shards"));
                m.insert("shard_size".into(), json!(shard_size));
            }
        }
        m.insert("hash_type".into(), json!("sha256"));
        m.insert("allow_symlinks".into(), json!(self.allow_symlinks));
        if !ignores.is_empty() {
            m.insert("ignore_paths".into(), json!(ignores));
        }
        Value::Object(m)
    }

    /// Reads a `serialization` object from an (untrusted) predicate.
    pub fn from_serialization(v: &Value) -> Result<Self> {
        let bad = |m: &str| Error::Bundle(format!("predicate.serialization: {m}"));
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        let hash_type = obj.get("hash_type").and_then(Value::as_str).unwrap_or("");
        if hash_type != "sha256" {
            return Err(Error::Unsupported(format!(
                "hash_type `{hash_type}` (only sha256 is supported)"
            )));
        }
        let allow_symlinks = match obj.get("allow_symlinks") {
            Some(Value::Bool(b)) => *b,
            // model_signing <1.1 wrote the string "false" in compat paths.
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            None | Some(Value::Null) => false,
            Some(_) => return Err(bad("allow_symlinks is not a boolean")),
        };
        let method = match obj.get("method").and_then(Value::as_str) {
            Some("files") => Method::Files,
            Some("shards") => {
                let size = obj
                    .get("shard_size")
                    .ok_or_else(|| bad("shard_size missing"))?;
                // Accept integral floats (written by some producers).
                let shard_size = size
                    .as_u64()
                    .or_else(|| {
                        size.as_f64()
                            .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 1.8e19)
                            .map(|f| {
                                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                                let n = f as u64;
                                n
                            })
                    })
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("shard_size is not a positive integer"))?;
                Method::Shards { shard_size }
            }
            other => return Err(bad(&format!("unknown method {other:?}"))),
        };
        let mut ignore_paths = Vec::new();
        if let Some(list) = obj.get("ignore_paths") {
            let arr = list
                .as_array()
                .ok_or_else(|| bad("ignore_paths is not an array"))?;
            if arr.len() > 10_000 {
                return Err(bad("too many ignore_paths"));
            }
            for p in arr {
                ignore_paths.push(
                    p.as_str()
                        .ok_or_else(|| bad("ignore path is not a string"))?
                        .to_owned(),
                );
            }
        }
        Ok(HashConfig {
            method,
            allow_symlinks,
            ignore_paths,
            ignore_git_paths: false,
        })
    }
}

/// Normalises a relative POSIX path (drops `.` components and trailing `/`); `None` when it
/// escapes the root or is absolute.
pub fn normalize_relative(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if p.starts_with('/') {
        return None;
    }
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        Some(".".to_owned())
    } else {
        Some(parts.join("/"))
    }
}

/// One resource of the manifest (a file or a shard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `path` or `path:start:end`.
    pub name: String,
    /// `sha256` or `sha256-sharded-<N>`.
    pub algorithm: String,
    /// Raw digest bytes.
    pub digest: Vec<u8>,
}

/// A computed or signed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Subject name (model directory or file name).
    pub model_name: String,
    /// Resources in canonical order.
    pub resources: Vec<Resource>,
    /// The configuration that produced it.
    pub config: HashConfig,
}

impl Manifest {
    /// SHA-256 over the concatenated raw digests, in listed order.
    pub fn root_digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for r in &self.resources {
            h.update(&r.digest);
        }
        h.finalize().into()
    }

    /// Hex root digest.
    pub fn root_digest_hex(&self) -> String {
        hex(&self.root_digest())
    }

    /// The `resources` array of the predicate.
    pub fn resources_json(&self) -> Value {
        Value::Array(
            self.resources
                .iter()
                .map(
                    |r| json!({"name": r.name, "algorithm": r.algorithm, "digest": hex(&r.digest)}),
                )
                .collect(),
        )
    }
}

/// Sort key of a resource name: path components, then shard start and end as integers.
fn sort_key(name: &str, sharded: bool) -> (Vec<&str>, u64, u64) {
    if sharded {
        let mut it = name.rsplitn(3, ':');
        if let (Some(end), Some(start), Some(path)) = (it.next(), it.next(), it.next())
            && let (Ok(s), Ok(e)) = (start.parse::<u64>(), end.parse::<u64>())
        {
            return (components(path), s, e);
        }
    }
    (components(name), 0, 0)
}

fn components(p: &str) -> Vec<&str> {
    p.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Orders resources as `model_signing` does (`PurePosixPath` component order, then numeric
/// shard offsets).
pub fn sort_resources(resources: &mut [Resource], sharded: bool) {
    resources.sort_by(|a, b| {
        let ka = sort_key(&a.name, sharded);
        let kb = sort_key(&b.name, sharded);
        ka.cmp(&kb).then_with(|| a.name.cmp(&b.name))
    });
}

/// Compares two names by the canonical order (exposed for tests).
pub fn compare_names(a: &str, b: &str, sharded: bool) -> Ordering {
    sort_key(a, sharded).cmp(&sort_key(b, sharded))
}

/// Model name as the reference computes it: the last component of the path.
pub fn model_name(path: &Path) -> String {
    let last = path.file_name().map(|s| s.to_string_lossy().into_owned());
    match last {
        Some(n) if !n.is_empty() && n != ".." => n,
        _ => std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default(),
    }
}

struct Item {
    rel: String,
    path: PathBuf,
    size: u64,
}

fn is_ignored(rel: &str, ignores: &[Vec<&str>]) -> bool {
    let c = components(rel);
    ignores
        .iter()
        .any(|ig| ig.len() <= c.len() && ig.iter().zip(&c).all(|(a, b)| a == b))
}

/// Walks the model and lists the regular files that the manifest covers.
fn enumerate(model: &Path, config: &HashConfig) -> Result<Vec<Item>> {
    let meta = std::fs::symlink_metadata(model).map_err(|e| Error::io(model, e))?;
    let ignores_owned = config.effective_ignores();
    let ignores: Vec<Vec<&str>> = ignores_owned.iter().map(|s| components(s)).collect();
    let mut items = Vec::new();
    if meta.is_file() || (meta.file_type().is_symlink() && config.allow_symlinks) {
        let m = std::fs::metadata(model).map_err(|e| Error::io(model, e))?;
        if m.is_file() {
            items.push(Item {
                rel: ".".to_owned(),
                path: model.to_path_buf(),
                size: m.len(),
            });
            return Ok(items);
        }
    }
    if meta.file_type().is_symlink() && !config.allow_symlinks {
        return Err(Error::Symlink(model.to_path_buf()));
    }
    if !meta.is_dir() {
        return Err(Error::SpecialFile(model.to_path_buf()));
    }
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(model.to_path_buf(), String::new(), 0)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::Limit(format!(
                "directory nesting deeper than {MAX_DEPTH}"
            )));
        }
        let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(Error::NonUtf8(entry.path()));
            };
            let rel = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            };
            if is_ignored(&rel, &ignores) {
                continue;
            }
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
            let meta = if ft.is_symlink() {
                if !config.allow_symlinks {
                    return Err(Error::Symlink(path));
                }
                std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?
            } else {
                entry.metadata().map_err(|e| Error::io(&path, e))?
            };
            if meta.is_dir() {
                stack.push((path, rel, depth + 1));
            } else if meta.is_file() {
                if items.len() >= MAX_RESOURCES {
                    return Err(Error::Limit(format!("more than {MAX_RESOURCES} files")));
                }
                items.push(Item {
                    rel,
                    path,
                    size: meta.len(),
                });
            } else {
                return Err(Error::SpecialFile(path));
            }
        }
    }
    Ok(items)
}

fn hash_range(path: &Path, start: u64, len: u64) -> Result<Vec<u8>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    if start > 0 {
        f.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io(path, e))?;
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; buf_len(len)];
    let mut left = len;
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = f
            .read(buf.get_mut(..want).unwrap_or_default())
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Err(Error::Changed(path.to_path_buf()));
        }
        h.update(buf.get(..n).unwrap_or_default());
        left -= n as u64;
    }
    Ok(h.finalize().to_vec())
}

/// Read buffer for a file or range of `len` bytes: no 4 MiB allocation for small files
/// (one extra byte so end of file is seen in one read).
fn buf_len(len: u64) -> usize {
    usize::try_from(len.saturating_add(1).min(READ_BUF as u64)).unwrap_or(READ_BUF)
}

fn hash_file(path: &Path, size: u64) -> Result<Vec<u8>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; buf_len(size)];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().to_vec())
}

/// Runs `f` on the current rayon pool, or, when there are only a few more jobs than workers
/// (e.g. 3 large files on 2 cores), on a pool with one thread per job so the OS balances the
/// hashing instead of one worker taking two whole files while another idles.
fn run_balanced<T: Send>(jobs: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let workers = rayon::current_num_threads();
    if jobs <= workers || jobs > workers.saturating_mul(4) {
        return f();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// Hashes a model (file or directory) into a manifest, in parallel on the current rayon pool.
pub fn compute(model: &Path, config: &HashConfig) -> Result<Manifest> {
    let items = enumerate(model, config)?;
    let mut resources: Vec<Resource> = match config.method {
        Method::Files => {
            let mut order: Vec<&Item> = items.iter().collect();
            // Largest first, so a big file never starts last.
            order.sort_by_key(|it| std::cmp::Reverse(it.size));
            run_balanced(order.len(), || {
                order
                    .par_iter()
                    .map(|it| {
                        Ok(Resource {
                            name: it.rel.clone(),
                            algorithm: "sha256".to_owned(),
                            digest: hash_file(&it.path, it.size)?,
                        })
                    })
                    .collect::<Result<_>>()
            })?
        }
        Method::Shards { shard_size } => {
            if shard_size == 0 {
                return Err(Error::Unsupported("shard size 0".into()));
            }
            let mut jobs = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let mut start = 0u64;
                while start < it.size {
                    let end = start.saturating_add(shard_size).min(it.size);
                    if jobs.len() >= MAX_RESOURCES {
                        return Err(Error::Limit(format!("more than {MAX_RESOURCES} shards")));
                    }
                    jobs.push((i, start, end));
                    start = end;
                }
            }
            let algorithm = format!("sha256-sharded-{shard_size}");
            jobs.sort_by_key(|&(_, start, end)| std::cmp::Reverse(end - start));
            run_balanced(jobs.len(), || {
                jobs.par_iter()
                    .map(|&(i, start, end)| {
                        let it = items
                            .get(i)
                            .ok_or_else(|| Error::Limit("shard index".into()))?;
                        Ok(Resource {
                            name: format!("{}:{start}:{end}", it.rel),
                            algorithm: algorithm.clone(),
                            digest: hash_range(&it.path, start, end - start)?,
                        })
                    })
                    .collect::<Result<_>>()
            })?
        }
    };
    sort_resources(
        &mut resources,
        matches!(config.method, Method::Shards { .. }),
    );
    Ok(Manifest {
        model_name: model_name(model),
        resources,
        config: config.clone(),
    })
}

/// Differences between a signed manifest and the model on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ManifestDiff {
    /// On disk, not in the signature.
    pub added: Vec<String>,
    /// In the signature, not on disk.
    pub removed: Vec<String>,
    /// In both with different digests (or algorithms).
    pub changed: Vec<String>,
}

impl ManifestDiff {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares as maps name → (algorithm, digest).
pub fn diff(signed: &[Resource], actual: &[Resource]) -> ManifestDiff {
    use std::collections::BTreeMap;
    let a: BTreeMap<&str, (&str, &[u8])> = signed
        .iter()
        .map(|r| (r.name.as_str(), (r.algorithm.as_str(), r.digest.as_slice())))
        .collect();
    let b: BTreeMap<&str, (&str, &[u8])> = actual
        .iter()
        .map(|r| (r.name.as_str(), (r.algorithm.as_str(), r.digest.as_slice())))
        .collect();
    let mut d = ManifestDiff::default();
    for (k, v) in &a {
        match b.get(k) {
            None => d.removed.push((*k).to_owned()),
            Some(w) if w != v => d.changed.push((*k).to_owned()),
            Some(_) => {}
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            d.added.push((*k).to_owned());
        }
    }
    d
}

/// Converts a path given on the command line (relative to the current directory or absolute)
/// into a path relative to the model root, as the reference CLI does; `None` when outside.
pub fn relative_to_model(model: &Path, p: &Path) -> Option<String> {
    let root = absolute_clean(model)?;
    let cand = absolute_clean(p)?;
    let rel = cand.strip_prefix(&root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        Some(".".to_owned())
    } else {
        Some(parts.join("/"))
    }
}

fn absolute_clean(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    // Not existing yet (e.g. the signature file): canonicalise the parent.
    let parent = p.parent().filter(|x| !x.as_os_str().is_empty());
    let base = match parent {
        Some(par) => std::fs::canonicalize(par).ok()?,
        None => std::env::current_dir().ok()?,
    };
    Some(base.join(p.file_name()?))
}
