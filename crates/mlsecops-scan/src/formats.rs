//! Routing and glue for the structured (non-pickle) formats: GGUF, safetensors, HDF5/Keras,
//! ONNX, TensorFlow, `TFLite`, chat templates and model-repository files (Hugging Face configs
//! and code, `MLflow`, skops, `TorchServe`, `NeMo`, known-safe formats).
//!
//! Routing is by content first (magic bytes), then by name for formats without a magic
//! (protobuf, JSON, YAML, Python). Format crates return [`FormatAnalysis`]; this module places
//! their observations at the right location and carries their "incomplete" reasons.

use std::path::Path;

use mlsecops_core::FormatAnalysis;

use crate::engine::{Cx, base_name, has_ext};
use crate::sniff::Sniffed;

/// What kind of archive a member sits in; changes what a member name means
/// (`config.json` in a `.keras` archive is a Keras config, elsewhere a Hugging Face one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    /// A file on disk, not inside an archive.
    None,
    /// Keras v3 `.keras` ZIP.
    Keras,
    /// skops ZIP.
    Skops,
    /// `TorchServe` `.mar` ZIP.
    Mar,
    /// `NeMo` tarball.
    Nemo,
    /// `TorchScript` ZIP (its `code/` members are `TorchScript` source, not Python run on load).
    TorchScript,
    /// Any other archive.
    Other,
}

/// A structured-format analyser chosen for some bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Gguf,
    Safetensors,
    Hdf5,
    Tflite,
    Onnx,
    TfSavedModel,
    TfGraphDef,
    KerasMetadataPb,
    KerasConfig,
    KerasMetadataJson,
    HfConfig,
    MlModel,
    Python,
    Template,
    SkopsSchema,
    MarManifest,
    NemoConfig,
    /// Known-safe formats (`XGBoost`, `LightGBM`, msgpack, JSON/YAML configs, text), already
    /// validated while routing.
    KnownSafe(Box<FormatAnalysis>),
}

/// Chooses an analyser from the content sniff and the name. `None` means no structured
/// analyser applies (the caller decides between `unsupported` and `skipped`).
pub(crate) fn route(
    name: &str,
    data: &[u8],
    sniffed: Sniffed,
    container: Container,
) -> Option<Route> {
    match sniffed {
        Sniffed::Gguf => return Some(Route::Gguf),
        Sniffed::Safetensors => return Some(Route::Safetensors),
        Sniffed::Hdf5 => return Some(Route::Hdf5),
        Sniffed::Tflite => return Some(Route::Tflite),
        Sniffed::Unknown => {}
        _ => return None,
    }
    if let Some(route) = route_by_name(name, container) {
        return Some(route);
    }
    let base = base_name(name);
    if has_ext(base, &["pb"]) {
        if mlsecops_tensorflow::looks_like_graph_def(data) {
            return Some(Route::TfGraphDef);
        }
        if mlsecops_tensorflow::looks_like_saved_model(data) {
            return Some(Route::TfSavedModel);
        }
        if mlsecops_onnx::looks_like_onnx(data) {
            return Some(Route::Onnx);
        }
    }
    // Text and Markdown are recognised by the repository crate but are not models: they stay
    // `skipped` (a later secrets/PII pass reads them).
    mlsecops_repo::safe::identify(base, data)
        .filter(|a| !matches!(a.format.as_str(), "text" | "markdown"))
        .map(|a| Route::KnownSafe(Box::new(a)))
}

/// Extensions whose content decides the route by a bounded trial (`.pb` protobufs and the
/// known-safe formats), so a member with such a name must be read in full to be routed.
const TRIAL_EXTENSIONS: &[&str] = &[
    "pb", "json", "yaml", "yml", "msgpack", "ubj", "txt", "md", "model",
];

/// Routes decided by the name alone, for content with no magic (or a broken one).
fn route_by_name(name: &str, container: Container) -> Option<Route> {
    let base = base_name(name);
    match container {
        Container::Keras => match base {
            "config.json" => return Some(Route::KerasConfig),
            "metadata.json" => return Some(Route::KerasMetadataJson),
            _ => {}
        },
        Container::Skops if base == "schema.json" => return Some(Route::SkopsSchema),
        Container::Mar if name.ends_with("MAR-INF/MANIFEST.json") => {
            return Some(Route::MarManifest);
        }
        _ => {}
    }
    if base == "model_config.yaml" && matches!(container, Container::Nemo | Container::None) {
        return Some(Route::NemoConfig);
    }
    // A broken header must still reach its analyser (and be reported), not fall through to
    // "unsupported": route the header formats by extension when the magic did not match.
    if has_ext(base, &["safetensors"]) {
        return Some(Route::Safetensors);
    }
    if has_ext(base, &["gguf"]) {
        return Some(Route::Gguf);
    }
    if has_ext(base, &["h5", "hdf5"]) {
        return Some(Route::Hdf5);
    }
    if has_ext(base, &["tflite"]) {
        return Some(Route::Tflite);
    }
    if base == "saved_model.pb" {
        return Some(Route::TfSavedModel);
    }
    if base == "keras_metadata.pb" {
        return Some(Route::KerasMetadataPb);
    }
    if has_ext(base, &["onnx"]) {
        return Some(Route::Onnx);
    }
    if mlsecops_repo::mlflow::is_mlmodel_name(base) {
        return Some(Route::MlModel);
    }
    if mlsecops_repo::hf::is_hf_config_name(base) && container != Container::Keras {
        return Some(Route::HfConfig);
    }
    if has_ext(base, &["jinja", "jinja2", "j2"]) {
        return Some(Route::Template);
    }
    if has_ext(base, &["py"]) && container != Container::TorchScript {
        return Some(Route::Python);
    }
    None
}

/// Whether an archive member whose prefix sniffed as `sniffed` should be read in full to be
/// routed: structured magics, a name [`route`] decides on, or a name whose content it
/// trial-decodes. Tensor data members (`data/0`, `*.npy` handled elsewhere) are never read
/// for this.
pub(crate) fn worth_reading(name: &str, sniffed: Sniffed, container: Container) -> bool {
    match sniffed {
        Sniffed::Gguf | Sniffed::Safetensors | Sniffed::Hdf5 | Sniffed::Tflite => true,
        Sniffed::Unknown => {
            route_by_name(name, container).is_some() || has_ext(base_name(name), TRIAL_EXTENSIONS)
        }
        _ => false,
    }
}

impl Cx<'_> {
    /// Runs the analyser for `route` and returns the format label.
    pub(crate) fn structured(
        &mut self,
        data: &[u8],
        name: &str,
        member: Option<&str>,
        route: Route,
    ) -> String {
        // Sibling files can only be checked for files on disk, never inside archives.
        let dir = if member.is_none() {
            Path::new(self.path).parent()
        } else {
            None
        };
        let base = base_name(name);
        let analysis = match route {
            Route::Gguf => {
                let (mut analysis, info) =
                    mlsecops_gguf::analyze(data, &mlsecops_gguf::Limits::default());
                for (key, source) in info.iter().flat_map(|i| &i.templates) {
                    let mut checked = mlsecops_template::check(source);
                    for obs in &mut checked.observations {
                        obs.evidence.insert("key".to_owned(), key.clone());
                    }
                    analysis.absorb(checked);
                }
                analysis
            }
            Route::Safetensors => mlsecops_safetensors::analyze(data).0,
            Route::Hdf5 => mlsecops_keras::analyze_h5(data),
            Route::Tflite => mlsecops_tensorflow::analyze_tflite(data),
            Route::Onnx => {
                let ctx = mlsecops_onnx::OnnxContext { model_dir: dir };
                let (analysis, info) = mlsecops_onnx::analyze(data, &ctx);
                if let (Some(dir), Some(info)) = (dir, info) {
                    self.claim_external_data(dir, &info.external_data_files);
                }
                analysis
            }
            Route::TfSavedModel => mlsecops_tensorflow::analyze_saved_model(data),
            Route::TfGraphDef => mlsecops_tensorflow::analyze_graph_def(data),
            Route::KerasMetadataPb => {
                let (mut analysis, layers) = mlsecops_tensorflow::analyze_keras_metadata(data);
                for json in &layers {
                    analysis.absorb(mlsecops_keras::analyze_layer_metadata_json(json));
                }
                analysis
            }
            Route::KerasConfig => mlsecops_keras::analyze_config_json(data, base),
            Route::KerasMetadataJson => mlsecops_keras::analyze_metadata_json(data),
            Route::HfConfig => mlsecops_repo::hf::analyze_config(base, data, dir),
            Route::MlModel => mlsecops_repo::mlflow::analyze_mlmodel(data, dir),
            // Load-time code rules apply to Python that ships with a model (archive members,
            // files next to model configs or weights); every `.py` file is also linted for
            // unsafe ML API use by the text passes.
            Route::Python if member.is_some() || dir.is_some_and(is_model_dir) => {
                mlsecops_repo::python::analyze(data)
            }
            Route::Python => FormatAnalysis::new("python"),
            Route::Template => mlsecops_repo::hf::analyze_chat_template_file(data),
            Route::SkopsSchema => mlsecops_repo::skops::analyze_schema(data),
            Route::MarManifest => mlsecops_repo::torchserve::analyze_manifest(data),
            Route::NemoConfig => mlsecops_repo::nemo::analyze_config(data),
            Route::KnownSafe(analysis) => *analysis,
        };
        self.absorb(analysis, member)
    }

    /// Records the external-data files an ONNX model on disk names, when they stay inside
    /// its directory (escaping locations are findings of the ONNX analyser instead): the
    /// scanner reports those files as `onnx-external-data` rather than guessing their format.
    fn claim_external_data(&mut self, dir: &Path, locations: &[String]) {
        for location in locations {
            let rel = Path::new(location);
            let inside = rel.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
            if inside {
                self.claims.push(normalise(&dir.join(rel)));
            }
        }
    }

    /// Places a format analysis' observations at `member` and carries its incomplete reason;
    /// returns its format label.
    pub(crate) fn absorb(&mut self, analysis: FormatAnalysis, member: Option<&str>) -> String {
        for obs in analysis.observations {
            let finding = obs.into_finding(self.location(member, None));
            self.push(finding);
        }
        if let Some(reason) = analysis.incomplete {
            self.mark_incomplete(member, reason);
        }
        analysis.format
    }
}

/// Names that mark a directory as holding a model (so its Python files run at load time).
const MODEL_DIR_NAMES: &[&str] = &[
    "config.json",
    "MLmodel",
    "model_index.json",
    "MAR-INF",
    "model_config.yaml",
    "saved_model.pb",
];

/// Extensions of model weight files.
const WEIGHT_EXTENSIONS: &[&str] = &[
    "safetensors",
    "bin",
    "pt",
    "pth",
    "ckpt",
    "onnx",
    "gguf",
    "h5",
    "keras",
    "pkl",
    "joblib",
    "nemo",
    "mar",
    "msgpack",
    "tflite",
];

/// Whether `dir` (or, for an `MLflow` `code/` directory, its parent) holds a model: a model
/// config, an `MLmodel`, or weight files. Bounded to the first 4,096 entries.
fn is_model_dir(dir: &Path) -> bool {
    let holds_model = |d: &Path| {
        let Ok(entries) = std::fs::read_dir(d) else {
            return false;
        };
        entries.filter_map(Result::ok).take(4096).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            MODEL_DIR_NAMES.contains(&name.as_ref()) || has_ext(&name, WEIGHT_EXTENSIONS)
        })
    };
    if holds_model(dir) {
        return true;
    }
    dir.file_name().is_some_and(|n| n == "code")
        && dir.parent().is_some_and(|p| p.join("MLmodel").is_file())
}

/// Lexical normalisation (drops `.` components) so walk paths and claimed paths compare.
pub(crate) fn normalise(path: &Path) -> std::path::PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}
