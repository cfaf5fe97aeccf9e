//! `CycloneDX` 1.6 ML-BOM for model files and model directories.
//!
//! [`generate`] walks a file or directory and describes every model it finds:
//!
//! - a **model** is a weight file on its own (safetensors, GGUF, ONNX, `PyTorch`, pickle, Keras…)
//!   or a model directory (a Hugging Face repository with a model `config.json`, an `MLflow` model
//!   with `MLmodel`, or a README with front matter next to weight files) with all its files;
//! - each model becomes a `machine-learning-model` component with SHA-256 hashes (of the file, or
//!   of every file as nested `file` components), format/framework, parameter count, dtypes and
//!   quantisation read from safetensors/GGUF/ONNX headers, licences, and a `modelCard` filled
//!   from the README front matter, README sections and `config.json`;
//! - datasets named in the front matter become `data` components, Python dependencies
//!   (`requirements.txt`, `pyproject.toml`, `conda.yaml` pip section) `library` components with
//!   `pkg:pypi` purls, linked by `dependencies` edges.
//!
//! Nothing is invented: a value absent from the files is absent from the BOM.
//!
//! [`spdx3::to_json`] re-expresses the same BOM as SPDX 3.0.1 JSON-LD with the AI and Dataset
//! profiles.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod card;
pub mod cdx;
mod formats;
mod pydeps;
pub mod spdx3;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use mlsecops_core::calendar::rfc3339;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::cdx::{
    Bom, Component, ComponentData, Considerations, DatasetRef, Dependency, Hash, License,
    LicenseChoice, Metadata, ModelCard, ModelParameters, Pedigree, PerformanceMetric, Property,
    QuantitativeAnalysis, Tools,
};
use crate::formats::HeaderInfo;

/// Most files described in one BOM.
pub const MAX_FILES: usize = 200_000;

/// `CycloneDX` specification version of the output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SpecVersion {
    /// `CycloneDX` 1.6.
    #[default]
    V1_6,
    /// `CycloneDX` 1.7 (the ML parts are those of 1.6).
    V1_7,
}

impl SpecVersion {
    /// `1.6` / `1.7`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_7 => "1.7",
        }
    }
}

/// BOM generation options.
#[derive(Debug, Clone, Default)]
pub struct BomOptions {
    /// Output spec version.
    pub spec: SpecVersion,
    /// Omit the timestamp and derive the serial number from the content, so that the same
    /// input always gives the same bytes.
    pub deterministic: bool,
    /// Tool version recorded in `metadata.tools`.
    pub tool_version: String,
}

/// Why no BOM was produced.
#[derive(Debug, thiserror::Error)]
pub enum BomError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Walking the directory failed for some entry.
    #[error("{path}: {message}")]
    Walk {
        /// The entry.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// More files than [`MAX_FILES`].
    #[error("more than {MAX_FILES} files under the input; refusing to build a BOM")]
    TooManyFiles,
    /// Serialisation failed.
    #[error("serialising the BOM: {0}")]
    Json(#[from] serde_json::Error),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BomError + '_ {
    move |source| BomError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One file under the input.
#[derive(Debug)]
struct Entry {
    path: PathBuf,
    /// Path relative to the input root, `/`-separated (the file name for a file input).
    rel: String,
    len: u64,
    format: Option<&'static str>,
}

/// What kind of directory a model directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirKind {
    HuggingFace,
    MlFlow,
    Card,
}

/// A model: one weight file, or a directory and its files (indexes into the entry list).
#[derive(Debug)]
struct Model {
    /// Relative directory (`""` = the root) for directory models.
    dir: Option<(String, DirKind)>,
    files: Vec<usize>,
    /// ONNX external-data files of a single-file model (hashed as nested file components).
    external: Vec<usize>,
}

/// Hash and header facts of one file.
#[derive(Debug, Default)]
struct FileFacts {
    sha256: String,
    header: Option<HeaderInfo>,
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn parent_of(rel: &str) -> &str {
    rel.rfind('/').and_then(|i| rel.get(..i)).unwrap_or("")
}

fn file_name_of(rel: &str) -> &str {
    rel.rfind('/').and_then(|i| rel.get(i + 1..)).unwrap_or(rel)
}

/// True when `dir` is `rel`'s directory or one of its ancestors.
fn is_under(rel: &str, dir: &str) -> bool {
    dir.is_empty()
        || rel
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Reads a whole small file, `None` when it is larger than `cap` or unreadable.
fn read_small(path: &Path, cap: u64) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > cap {
        return None;
    }
    formats::read_prefix(path, cap).ok()
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Lists the input's files (sorted by relative path) and recognises weight formats.
fn list_entries(root: &Path) -> Result<(Vec<Entry>, bool), BomError> {
    let meta = std::fs::metadata(root).map_err(io_err(root))?;
    let is_dir = meta.is_dir();
    let paths: Vec<PathBuf> = if is_dir {
        let (targets, errors) = mlsecops_scan::collect_targets(&[root.to_path_buf()]);
        if let Some(e) = errors.into_iter().next() {
            return Err(BomError::Walk {
                path: e.path,
                message: e.reason.unwrap_or_else(|| "unreadable".to_owned()),
            });
        }
        targets.into_iter().map(|t| t.path).collect()
    } else {
        vec![root.to_path_buf()]
    };
    if paths.len() > MAX_FILES {
        return Err(BomError::TooManyFiles);
    }
    let mut entries = paths
        .into_par_iter()
        .map(|path| {
            let len = std::fs::metadata(&path).map_err(io_err(&path))?.len();
            let prefix = formats::sniff(&path).map_err(io_err(&path))?;
            let rel = if is_dir {
                rel_path(root, &path)
            } else {
                path.file_name().map_or_else(
                    || path.to_string_lossy().into_owned(),
                    |n| n.to_string_lossy().into_owned(),
                )
            };
            let format = formats::format_of(&path, &prefix);
            Ok(Entry {
                path,
                rel,
                len,
                format,
            })
        })
        .collect::<Result<Vec<_>, BomError>>()?;
    entries.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok((entries, is_dir))
}

/// Groups files into models; returns the models and the indexes of manifests outside them.
fn group_models(entries: &[Entry], is_dir: bool) -> (Vec<Model>, Vec<usize>) {
    if !is_dir {
        return (
            vec![Model {
                dir: None,
                files: vec![0],
                external: Vec::new(),
            }],
            Vec::new(),
        );
    }
    // Directories holding weight files directly.
    let weight_dirs: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.format.is_some())
        .map(|e| parent_of(&e.rel))
        .collect();
    let mut candidates: BTreeMap<String, DirKind> = BTreeMap::new();
    for e in entries {
        let dir = parent_of(&e.rel);
        let kind = match file_name_of(&e.rel) {
            "MLmodel" => Some(DirKind::MlFlow),
            "config.json" | "model_index.json" => read_small(&e.path, card::MAX_CONFIG_BYTES)
                .filter(|b| card::is_model_config(b))
                .map(|_| DirKind::HuggingFace),
            "README.md" if weight_dirs.contains(dir) => formats::read_prefix(&e.path, 4)
                .ok()
                .filter(|b| b.starts_with(b"---"))
                .map(|_| DirKind::Card),
            _ => None,
        };
        if let Some(kind) = kind {
            let slot = candidates.entry(dir.to_owned()).or_insert(kind);
            // MLflow > Hugging Face > card when one directory has several markers.
            if matches!(kind, DirKind::MlFlow)
                || (matches!(kind, DirKind::HuggingFace) && matches!(*slot, DirKind::Card))
            {
                *slot = kind;
            }
        }
    }
    // Outermost model directory wins: nested ones belong to it.
    let mut dirs: Vec<(String, DirKind)> = Vec::new();
    for (dir, kind) in candidates {
        if !dirs.iter().any(|(d, _)| is_under(&format!("{dir}/"), d)) {
            dirs.push((dir, kind));
        }
    }
    let mut models: Vec<Model> = dirs
        .iter()
        .map(|d| Model {
            dir: Some(d.clone()),
            files: Vec::new(),
            external: Vec::new(),
        })
        .collect();
    let mut loose_manifests = Vec::new();
    let mut singles = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(m) = dirs.iter().position(|(d, _)| is_under(&e.rel, d)) {
            if let Some(model) = models.get_mut(m) {
                model.files.push(i);
            }
        } else if e.format.is_some() {
            singles.push(Model {
                dir: None,
                files: vec![i],
                external: Vec::new(),
            });
        } else if pydeps::is_manifest(file_name_of(&e.rel)) {
            loose_manifests.push(i);
        }
    }
    models.extend(singles);
    models.sort_by(|a, b| model_key(a, entries).cmp(model_key(b, entries)));
    (models, loose_manifests)
}

fn model_key<'a>(m: &'a Model, entries: &'a [Entry]) -> &'a str {
    match &m.dir {
        Some((d, _)) => d,
        None => m
            .files
            .first()
            .and_then(|i| entries.get(*i))
            .map_or("", |e| e.rel.as_str()),
    }
}

/// SPDX licence ids from the vendored `CycloneDX` `spdx.schema.json`, keyed by lowercase id.
static SPDX_IDS: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let text = include_str!("../tests/data/spdx.SNAPSHOT.schema.json");
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("enum").and_then(|e| e.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str())
        .map(|s| (s.to_ascii_lowercase(), s.to_owned()))
        .collect()
});

/// A licence entry: SPDX id when the text is one (case-insensitively), name otherwise.
fn license_choice(text: &str) -> LicenseChoice {
    let license = match SPDX_IDS.get(&text.to_ascii_lowercase()) {
        Some(id) => License {
            id: Some(id.clone()),
            name: None,
        },
        None => License {
            id: None,
            name: Some(text.to_owned()),
        },
    };
    LicenseChoice { license }
}

fn dtype_summary(dtypes: &BTreeMap<String, u64>) -> String {
    dtypes
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn header_properties(h: &HeaderInfo, props: &mut Vec<Property>) {
    if let Some(n) = h.parameter_count {
        props.push(Property::new("mlsecops:parameterCount", n.to_string()));
    }
    if let Some(n) = h.tensor_count {
        props.push(Property::new("mlsecops:tensorCount", n.to_string()));
    }
    if !h.dtypes.is_empty() {
        props.push(Property::new("mlsecops:dtypes", dtype_summary(&h.dtypes)));
    }
    if let Some(q) = &h.quantization {
        props.push(Property::new("mlsecops:quantization", q.clone()));
    }
    if let Some(a) = &h.architecture {
        props.push(Property::new("mlsecops:gguf:architecture", a.clone()));
    }
    if let Some(n) = &h.name {
        props.push(Property::new("mlsecops:gguf:name", n.clone()));
    }
    for (k, v) in &h.extra {
        props.push(Property::new(k.clone(), v.clone()));
    }
    if let Some(why) = &h.incomplete {
        props.push(Property::new("mlsecops:headerIncomplete", why.clone()));
    }
}

/// Model-level parameter count and dtypes: the sum over safetensors shards when there are any,
/// else the single GGUF/ONNX file's figures; `None` when ambiguous (several GGUF variants…).
fn model_weights(
    files: &[usize],
    entries: &[Entry],
    facts: &BTreeMap<usize, FileFacts>,
) -> Option<(u64, BTreeMap<String, u64>)> {
    let with = |fmt: &str| -> Vec<&HeaderInfo> {
        files
            .iter()
            .filter(|i| entries.get(**i).and_then(|e| e.format) == Some(fmt))
            .filter_map(|i| facts.get(i).and_then(|f| f.header.as_ref()))
            .collect()
    };
    let st = with("safetensors");
    let chosen = if st.is_empty() {
        let mut others: Vec<&HeaderInfo> = with("gguf");
        others.extend(with("onnx"));
        if others.len() != 1 {
            return None;
        }
        others
    } else {
        st
    };
    let mut total = 0u64;
    let mut dtypes = BTreeMap::new();
    for h in chosen {
        total = total.checked_add(h.parameter_count?)?;
        for (k, v) in &h.dtypes {
            *dtypes.entry(k.clone()).or_insert(0u64) += v;
        }
    }
    Some((total, dtypes))
}

/// Collects datasets and libraries across models, deduplicated by `bom-ref`.
#[derive(Default)]
struct Shared {
    datasets: BTreeMap<String, Component>,
    libraries: BTreeMap<String, Component>,
}

impl Shared {
    fn dataset(&mut self, id: &str) -> String {
        let bom_ref = format!("dataset:{id}");
        self.datasets
            .entry(bom_ref.clone())
            .or_insert_with(|| Component {
                kind: "data".to_owned(),
                bom_ref: Some(bom_ref.clone()),
                name: id.to_owned(),
                data: vec![ComponentData {
                    kind: "dataset".to_owned(),
                    name: id.to_owned(),
                }],
                ..Component::default()
            });
        bom_ref
    }

    fn libraries_from(&mut self, manifests: &[&Entry]) -> Vec<String> {
        let mut refs = BTreeSet::new();
        for m in manifests {
            let Some(bytes) = read_small(&m.path, pydeps::MAX_MANIFEST_BYTES) else {
                continue;
            };
            for req in pydeps::parse(file_name_of(&m.rel), &bytes, m.path.parent()) {
                let purl = req.purl();
                let entry = self.libraries.entry(purl.clone()).or_insert_with(|| {
                    let mut properties = Vec::new();
                    if let Some(spec) = &req.specifier {
                        properties.push(Property::new("mlsecops:requirement", spec.clone()));
                    }
                    Component {
                        kind: "library".to_owned(),
                        bom_ref: Some(purl.clone()),
                        name: req.name.clone(),
                        version: req.version.clone(),
                        purl: Some(purl.clone()),
                        properties,
                        ..Component::default()
                    }
                });
                let source = Property::new("mlsecops:manifest", m.rel.clone());
                if !entry.properties.contains(&source) {
                    entry.properties.push(source);
                }
                refs.insert(purl);
            }
        }
        refs.into_iter().collect()
    }
}

/// The `MLflow` `MLmodel` facts used: flavours and `MLflow` version.
fn mlflow_facts(path: &Path) -> (Vec<String>, Option<String>) {
    let Some(bytes) = read_small(path, yaml::MAX_YAML_BYTES as u64) else {
        return (Vec::new(), None);
    };
    let Some(doc) = yaml::parse_first(&String::from_utf8_lossy(&bytes)) else {
        return (Vec::new(), None);
    };
    let flavors = match doc.get("flavors") {
        Some(yaml::Node::Map(entries)) => entries
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let version = doc
        .get("mlflow_version")
        .and_then(yaml::Node::as_str)
        .map(str::to_owned);
    (flavors, version)
}

fn build_model(
    model: &Model,
    entries: &[Entry],
    facts: &BTreeMap<usize, FileFacts>,
    root_name: &str,
    shared: &mut Shared,
) -> (Component, Vec<String>) {
    let mut props = Vec::new();
    let mut deps: Vec<String> = Vec::new();
    let files: Vec<&Entry> = model.files.iter().filter_map(|i| entries.get(*i)).collect();
    let mut formats_seen = BTreeSet::new();
    let mut frameworks = BTreeSet::new();
    for f in &files {
        if let Some(fmt) = f.format {
            formats_seen.insert(fmt);
            if let Some(fw) = formats::framework_of(fmt) {
                frameworks.insert(fw.to_owned());
            }
        }
    }
    let (dir, kind) = match &model.dir {
        Some((d, k)) => (Some(d.as_str()), Some(*k)),
        None => (None, None),
    };
    let find = |name: &str| {
        files.iter().find(|e| {
            dir.is_some_and(|d| {
                e.rel
                    == if d.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{d}/{name}")
                    }
            })
        })
    };
    let card = find("README.md")
        .and_then(|e| read_small(&e.path, card::MAX_README_BYTES))
        .map(|b| card::parse_readme(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    let config = find("config.json")
        .and_then(|e| read_small(&e.path, card::MAX_CONFIG_BYTES))
        .map(|b| card::parse_config(&b))
        .unwrap_or_default();
    if let Some(fw) = &card.library_name {
        frameworks.insert(fw.clone());
    }
    if config.transformers_version.is_some() {
        frameworks.insert("transformers".to_owned());
    }
    if kind == Some(DirKind::MlFlow)
        && let Some(e) = find("MLmodel")
    {
        let (flavors, version) = mlflow_facts(&e.path);
        for fl in flavors.into_iter().filter(|f| f != "python_function") {
            props.push(Property::new("mlsecops:mlflow:flavor", fl.clone()));
            frameworks.insert(fl);
        }
        if let Some(v) = version {
            props.push(Property::new("mlsecops:mlflow:version", v));
        }
    }

    let (name, bom_ref, path_prop) = if let Some(d) = dir {
        let name = if d.is_empty() {
            root_name
        } else {
            file_name_of(d)
        };
        let shown = if d.is_empty() { "." } else { d };
        (name.to_owned(), format!("model:{shown}"), shown.to_owned())
    } else {
        let rel = files.first().map_or("", |e| e.rel.as_str());
        (
            file_name_of(rel).to_owned(),
            format!("model:{rel}"),
            rel.to_owned(),
        )
    };
    props.insert(0, Property::new("mlsecops:path", path_prop));
    if let Some(k) = kind {
        let k = match k {
            DirKind::HuggingFace => "huggingface",
            DirKind::MlFlow => "mlflow",
            DirKind::Card => "model-card-directory",
        };
        props.push(Property::new("mlsecops:layout", k));
    }
    for fmt in &formats_seen {
        props.push(Property::new("mlsecops:format", *fmt));
    }
    for fw in &frameworks {
        props.push(Property::new("mlsecops:framework", fw.clone()));
    }
    let mut component = Component {
        kind: "machine-learning-model".to_owned(),
        bom_ref: Some(bom_ref),
        name,
        ..Component::default()
    };
    let single_header = if dir.is_none() {
        model
            .files
            .first()
            .and_then(|i| facts.get(i))
            .and_then(|f| f.header.clone())
    } else {
        None
    };
    match (&single_header, dir) {
        (Some(h), _) => header_properties(h, &mut props),
        (None, Some(_)) => {
            if let Some((n, dtypes)) = model_weights(&model.files, entries, facts) {
                props.push(Property::new("mlsecops:parameterCount", n.to_string()));
                if !dtypes.is_empty() {
                    props.push(Property::new("mlsecops:dtypes", dtype_summary(&dtypes)));
                }
            }
        }
        (None, None) => {}
    }
    if let Some(dt) = &config.torch_dtype {
        props.push(Property::new("mlsecops:huggingface:torchDtype", dt.clone()));
    }
    if let Some(v) = &config.transformers_version {
        props.push(Property::new(
            "mlsecops:huggingface:transformersVersion",
            v.clone(),
        ));
    }

    // Hashes: on the model for a single file (plus nested components for ONNX external data),
    // on nested file components for a directory.
    match dir {
        None => {
            if let Some(f) = model.files.first().and_then(|i| facts.get(i)) {
                component.hashes.push(Hash {
                    alg: "SHA-256".to_owned(),
                    content: f.sha256.clone(),
                });
            }
            let base = files.first().map_or("", |e| parent_of(&e.rel));
            for i in &model.external {
                let (Some(e), Some(f)) = (entries.get(*i), facts.get(i)) else {
                    continue;
                };
                let inner = if base.is_empty() {
                    e.rel.as_str()
                } else {
                    e.rel.get(base.len() + 1..).unwrap_or(&e.rel)
                };
                let mut c = file_component(e, f, inner);
                c.properties
                    .push(Property::new("mlsecops:role", "onnx-external-data"));
                component.components.push(c);
            }
        }
        Some(d) => {
            for i in &model.files {
                let (Some(e), Some(f)) = (entries.get(*i), facts.get(i)) else {
                    continue;
                };
                let inner = if d.is_empty() {
                    e.rel.as_str()
                } else {
                    e.rel.get(d.len() + 1..).unwrap_or(&e.rel)
                };
                component.components.push(file_component(e, f, inner));
            }
        }
    }

    // Licences.
    let mut licenses: Vec<String> = card
        .licenses
        .iter()
        .filter(|l| !(l.eq_ignore_ascii_case("other") && card.license_name.is_some()))
        .cloned()
        .collect();
    if let Some(n) = &card.license_name {
        licenses.push(n.clone());
    }
    if licenses.is_empty()
        && let Some(l) = single_header.as_ref().and_then(|h| h.license.clone())
    {
        licenses.push(l);
    }
    component.licenses = licenses.iter().map(|l| license_choice(l)).collect();
    component.tags.clone_from(&card.tags);
    if !card.base_models.is_empty() {
        component.pedigree = Some(Pedigree {
            ancestors: card
                .base_models
                .iter()
                .map(|b| Component {
                    kind: "machine-learning-model".to_owned(),
                    name: b.clone(),
                    ..Component::default()
                })
                .collect(),
        });
    }

    // Model card.
    let mut dataset_refs = Vec::new();
    for d in &card.datasets {
        let r = shared.dataset(d);
        dataset_refs.push(DatasetRef {
            reference: r.clone(),
        });
        deps.push(r);
    }
    let params = ModelParameters {
        task: card.pipeline_tag.clone().or_else(|| config.task.clone()),
        architecture_family: config
            .model_type
            .clone()
            .or_else(|| single_header.as_ref().and_then(|h| h.architecture.clone())),
        model_architecture: config.architectures.first().cloned(),
        datasets: dataset_refs,
    };
    let mut card_props = Vec::new();
    for a in config.architectures.iter().skip(1) {
        card_props.push(Property::new(
            "mlsecops:huggingface:architecture",
            a.clone(),
        ));
    }
    for l in &card.languages {
        card_props.push(Property::new("mlsecops:huggingface:language", l.clone()));
    }
    for m in &card.metrics {
        card_props.push(Property::new("mlsecops:huggingface:metric", m.clone()));
    }
    let model_card = ModelCard {
        model_parameters: (!params.is_empty()).then_some(params),
        quantitative_analysis: (!card.results.is_empty()).then(|| QuantitativeAnalysis {
            performance_metrics: card
                .results
                .iter()
                .map(|(k, v, s)| PerformanceMetric {
                    kind: k.clone(),
                    value: v.clone(),
                    slice: s.clone(),
                })
                .collect(),
        }),
        considerations: (!card.use_cases.is_empty() || !card.limitations.is_empty()).then(|| {
            Considerations {
                use_cases: card.use_cases.clone(),
                technical_limitations: card.limitations.clone(),
            }
        }),
        properties: card_props,
    };
    if !model_card.is_empty() {
        component.model_card = Some(model_card);
    }
    component.properties = props;

    // Libraries from manifests inside the model directory.
    let manifests: Vec<&Entry> = files
        .iter()
        .copied()
        .filter(|e| dir.is_some() && pydeps::is_manifest(file_name_of(&e.rel)))
        .collect();
    deps.extend(shared.libraries_from(&manifests));
    (component, deps)
}

/// Resolves `location` against directory `dir` (both `/`-separated, relative to the root);
/// `None` for absolute paths and paths that leave the root.
fn resolve_relative(dir: &str, location: &str) -> Option<String> {
    if location.starts_with('/') || location.starts_with('\\') || location.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in location.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// For a single ONNX file given as the input, adds the external-data files it names next to it
/// (same directory or below) to the entry list.
fn add_sibling_external_data(
    root: &Path,
    entries: &mut Vec<Entry>,
    facts: &BTreeMap<usize, FileFacts>,
) {
    let Some(h) = facts.get(&0).and_then(|f| f.header.as_ref()) else {
        return;
    };
    let base = root.parent().unwrap_or_else(|| Path::new(""));
    for loc in &h.external_files {
        let Some(rel) = resolve_relative("", loc) else {
            continue;
        };
        if entries.iter().any(|e| e.rel == rel) {
            continue;
        }
        let path = base.join(&rel);
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.is_file()
        {
            entries.push(Entry {
                path,
                rel,
                len: meta.len(),
                format: None,
            });
        }
    }
}

/// Gives single-file ONNX models the external-data files they name (when present under the
/// root): those files are hashed as the model's nested components and stop being models.
fn attach_external_data(
    mut models: Vec<Model>,
    entries: &[Entry],
    mut facts: BTreeMap<usize, FileFacts>,
) -> Result<(Vec<Model>, BTreeMap<usize, FileFacts>), BomError> {
    let by_rel: BTreeMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.rel.as_str(), i))
        .collect();
    let mut claimed = BTreeSet::new();
    for m in &mut models {
        if m.dir.is_some() {
            continue;
        }
        let Some(&file) = m.files.first() else {
            continue;
        };
        let Some(h) = facts.get(&file).and_then(|f| f.header.as_ref()) else {
            continue;
        };
        let dir = entries.get(file).map_or("", |e| parent_of(&e.rel));
        for loc in &h.external_files {
            if let Some(i) = resolve_relative(dir, loc).and_then(|r| by_rel.get(r.as_str()))
                && *i != file
                && !m.external.contains(i)
            {
                m.external.push(*i);
                claimed.insert(*i);
            }
        }
        m.external.sort_unstable();
    }
    models.retain(|m| m.dir.is_some() || !m.files.iter().any(|f| claimed.contains(f)));
    let missing: Vec<usize> = claimed
        .into_iter()
        .filter(|i| !facts.contains_key(i))
        .collect();
    let extra: Vec<(usize, FileFacts)> = missing
        .par_iter()
        .filter_map(|&i| entries.get(i).map(|e| (i, e)))
        .map(|(i, e)| {
            let sha256 = sha256_file(&e.path).map_err(io_err(&e.path))?;
            Ok((
                i,
                FileFacts {
                    sha256,
                    header: None,
                },
            ))
        })
        .collect::<Result<_, BomError>>()?;
    facts.extend(extra);
    Ok((models, facts))
}

/// A nested `file` component named `name` with its hash and header facts.
fn file_component(e: &Entry, f: &FileFacts, name: &str) -> Component {
    let mut properties = vec![Property::new("mlsecops:size", e.len.to_string())];
    if let Some(fmt) = e.format {
        properties.push(Property::new("mlsecops:format", fmt));
    }
    if let Some(h) = &f.header {
        header_properties(h, &mut properties);
    }
    Component {
        kind: "file".to_owned(),
        bom_ref: Some(format!("file:{}", e.rel)),
        name: name.to_owned(),
        hashes: vec![Hash {
            alg: "SHA-256".to_owned(),
            content: f.sha256.clone(),
        }],
        properties,
        ..Component::default()
    }
}

/// `bom-ref` of the scanned root (`metadata.component`).
const ROOT_REF: &str = "root";

/// Builds the BOM for `root` (a file or a directory).
pub fn generate(root: &Path, opts: &BomOptions) -> Result<Bom, BomError> {
    let (mut entries, is_dir) = list_entries(root)?;
    let (models, loose_manifests) = group_models(&entries, is_dir);

    // Hash every file that belongs to a model, and read weight headers, in parallel.
    let wanted: Vec<usize> = models
        .iter()
        .flat_map(|m| m.files.iter().copied())
        .collect();
    let facts: BTreeMap<usize, FileFacts> = wanted
        .par_iter()
        .filter_map(|&i| entries.get(i).map(|e| (i, e)))
        .map(|(i, e)| {
            let sha256 = sha256_file(&e.path).map_err(io_err(&e.path))?;
            let header = e
                .format
                .and_then(|f| formats::header_info(&e.path, f, e.len));
            Ok((i, FileFacts { sha256, header }))
        })
        .collect::<Result<_, BomError>>()?;
    if !is_dir {
        add_sibling_external_data(root, &mut entries, &facts);
    }
    let (models, facts) = attach_external_data(models, &entries, facts)?;

    let root_name = std::path::absolute(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| root.to_string_lossy().into_owned());

    let mut shared = Shared::default();
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    let mut root_deps = Vec::new();
    for m in &models {
        let (component, deps) = build_model(m, &entries, &facts, &root_name, &mut shared);
        let r = component.bom_ref.clone().unwrap_or_default();
        root_deps.push(r.clone());
        if !deps.is_empty() {
            let mut deps = deps;
            deps.sort();
            deps.dedup();
            dependencies.push(Dependency {
                reference: r,
                depends_on: deps,
            });
        }
        components.push(component);
    }
    let loose: Vec<&Entry> = loose_manifests
        .iter()
        .filter_map(|i| entries.get(*i))
        .collect();
    root_deps.extend(shared.libraries_from(&loose));
    root_deps.sort();
    root_deps.dedup();
    if !root_deps.is_empty() {
        dependencies.insert(
            0,
            Dependency {
                reference: ROOT_REF.to_owned(),
                depends_on: root_deps,
            },
        );
    }
    components.extend(shared.datasets.into_values());
    components.extend(shared.libraries.into_values());

    let tool = Component {
        kind: "application".to_owned(),
        name: "mlsecops".to_owned(),
        version: Some(opts.tool_version.clone()),
        ..Component::default()
    };
    let mut bom = Bom {
        bom_format: "CycloneDX".to_owned(),
        spec_version: opts.spec.as_str().to_owned(),
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp: None,
            tools: Tools {
                components: vec![tool],
            },
            component: Some(Component {
                kind: "file".to_owned(),
                bom_ref: Some(ROOT_REF.to_owned()),
                name: root_name,
                ..Component::default()
            }),
        },
        components,
        dependencies,
    };
    let content = serde_json::to_vec(&bom)?;
    let mut seed = Sha256::new();
    seed.update(&content);
    if !opts.deterministic {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        bom.metadata.timestamp = Some(rfc3339(now.as_secs()));
        seed.update(now.as_nanos().to_le_bytes());
        seed.update(std::process::id().to_le_bytes());
    }
    bom.serial_number = Some(uuid_v4_from(&seed.finalize()));
    Ok(bom)
}

/// Pretty JSON with a trailing newline.
pub fn to_json(bom: &Bom) -> Result<String, BomError> {
    let mut s = serde_json::to_string_pretty(bom)?;
    s.push('\n');
    Ok(s)
}

/// `urn:uuid:` with version 4 / RFC 4122 variant bits over the first 16 digest bytes.
fn uuid_v4_from(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(digest) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_651_199), "2026-11-25T23:59:59Z");
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_v4_from(&[0xffu8; 32]);
        assert_eq!(u, "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn licences() {
        assert_eq!(
            license_choice("apache-2.0").license.id.as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            license_choice("llama2").license.name.as_deref(),
            Some("llama2")
        );
    }

    #[test]
    fn external_data_paths() {
        assert_eq!(
            resolve_relative("a/b", "w.bin").as_deref(),
            Some("a/b/w.bin")
        );
        assert_eq!(
            resolve_relative("a/b", "../c/./w.bin").as_deref(),
            Some("a/c/w.bin")
        );
        assert_eq!(resolve_relative("", "../w.bin"), None);
        assert_eq!(resolve_relative("a", "/etc/passwd"), None);
        assert_eq!(resolve_relative("a", "C:\\x"), None);
    }

    #[test]
    fn paths() {
        assert!(is_under("a/b/c", "a/b"));
        assert!(!is_under("a/bc", "a/b"));
        assert!(is_under("x", ""));
        assert_eq!(parent_of("a/b/c"), "a/b");
        assert_eq!(file_name_of("a/b/c"), "c");
    }
}
