//! Model repository checks: Hugging Face configs and code, `MLflow`, skops, `TorchServe`,
//! `NeMo`, and known-safe formats that complete a repository's coverage.
//!
//! Every entry point takes bytes (and, where files reference each other, an optional
//! directory to check for referenced files) and returns a [`mlsecops_core::FormatAnalysis`].
//! Nothing is imported, executed, rendered or fetched.
//!
//! # Routing
//!
//! | File or archive member | Analyser |
//! |---|---|
//! | `MLmodel` | [`mlflow::analyze_mlmodel`] (with the model directory) |
//! | `MAR-INF/MANIFEST.json` in a `.mar` | [`torchserve::analyze_manifest`] |
//! | HF config names ([`hf::is_hf_config_name`]) | [`hf::analyze_config`] (with the repo directory) |
//! | `*.jinja` / `*.jinja2` | [`hf::analyze_chat_template_file`] |
//! | `model_config.yaml` (in a `.nemo` tar) | [`nemo::analyze_config`] |
//! | `*.py` shipped with a model (repo, `.mar`, `.keras`, `code/`) | [`python::analyze`] (model-load-time code) |
//! | `*.py` anywhere, notebook code cells | [`lint::lint`], [`lint::lint_source`] (unsafe ML API use) |
//! | posture files ([`posture::is_posture_candidate`]) | [`posture::analyze`] |
//! | HF `config.json` / `MLmodel` directories | model-card hooks ([`modelcard::check_dir`]) |
//! | `schema.json` in a `.skops` ZIP | [`skops::analyze_schema`] |
//! | anything else, after container/pickle sniffing found nothing | [`safe::identify`] |
//!
//! [`analyze_repo_file`] applies the rows by name (posture candidates before Python; `.py`
//! gets both Python analyses merged; a posture candidate that is also a known-safe format is
//! validated by [`safe::identify`] too).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod hf;
pub mod lint;
pub mod mlflow;
pub mod modelcard;
mod names;
pub mod nemo;
pub mod posture;
pub mod python;
pub mod safe;
pub mod skops;
mod skops_trusted;
pub mod torchserve;
pub mod yaml;

use std::path::Path;

use mlsecops_core::FormatAnalysis;

/// Routes a repository file (or archive member) by name to the matching config/code analyser
/// (every row of the routing table except skops and the known-safe formats). `path` may be a
/// base name or a relative path with `/` separators; `dir` is the directory holding the file,
/// used to check referenced files. `None`: not a repository config or code file.
pub fn analyze_repo_file(path: &str, data: &[u8], dir: Option<&Path>) -> Option<FormatAnalysis> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if mlflow::is_mlmodel_name(path) {
        Some(mlflow::analyze_mlmodel(data, dir))
    } else if torchserve::is_manifest_name(path) {
        Some(torchserve::analyze_manifest(data))
    } else if hf::is_hf_config_name(path) {
        Some(hf::analyze_config(path, data, dir))
    } else if hf::is_chat_template_name(path) {
        Some(hf::analyze_chat_template_file(data))
    } else if nemo::is_config_name(path) {
        Some(nemo::analyze_config(data))
    } else if posture::is_posture_candidate(path) {
        let mut analysis = posture::analyze(path, data)?;
        if let Some(known) = safe::identify(base, data) {
            analysis.absorb(known);
        }
        Some(analysis)
    } else if python::is_python_name(base) {
        let mut analysis = python::analyze(data);
        analysis.absorb(lint::lint(data));
        Some(analysis)
    } else {
        None
    }
}
