//! TensorFlow `SavedModel`, `GraphDef` and `TFLite` security checks.
//!
//! - [`analyze_saved_model`]: `saved_model.pb` — every `MetaGraphDef`'s graph nodes *and*
//!   every function in its function library, asset paths.
//! - [`analyze_graph_def`]: frozen graph `.pb` (nodes and library).
//! - [`analyze_keras_metadata`]: Keras 2 `keras_metadata.pb`; returns each node's metadata
//!   JSON for the Keras config checker.
//! - [`analyze_tflite`]: `TFLite` flatbuffers (custom and Flex ops) with a bounded reader.
//!
//! Op policy (model-formats.md §5.2): Python ops → `tf-python-op`, file-system ops →
//! `tf-file-io-op`, Save/Restore/table/summary ops fed by a Const absolute / traversing /
//! URL path → `tf-save-restore-attacker-path` (the usual filename-placeholder wiring stays
//! silent), `PrintV2` to a file and Debug ops with `debug_urls` → `tf-debug-output`, ops not
//! registered in TensorFlow 2.21 and not defined in the library → `tf-unknown-op`.
//! Protobufs are decoded with the trimmed scanner view in `mlsecops-proto` (tensor payloads
//! are skipped, not copied) under prost's recursion limit.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod graph;
mod ops;
mod tflite;

use mlsecops_core::{FormatAnalysis, Observation};
use mlsecops_proto::Message;
use mlsecops_proto::tensorflow::{GraphDef, NodeDef, SavedMetadata, SavedModel};

use crate::graph::{Scanner, trunc};
use mlsecops_core::paths::{PathVerdict, classify_relative_path};

pub use ops::is_registered_op;
pub use tflite::is_tflite;

/// Format label of `saved_model.pb`.
pub const FORMAT_SAVED_MODEL: &str = "tf-savedmodel";
/// Format label of frozen `GraphDef`s.
pub const FORMAT_GRAPH_DEF: &str = "tf-graphdef";
/// Format label of `keras_metadata.pb`.
pub const FORMAT_KERAS_METADATA: &str = "keras-metadata";
/// Format label of `TFLite` flatbuffers.
pub const FORMAT_TFLITE: &str = "tflite";

/// Caps applied while walking a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Total nodes (graph nodes, function-body nodes, `TFLite` operators).
    pub max_nodes: usize,
    /// Entries of any one `TFLite` vector of tables (operator codes, subgraphs, operators,
    /// buffers).
    pub max_tflite_entries: usize,
    /// Observations kept per rule.
    pub max_observations_per_rule: usize,
    /// Metadata strings returned from `keras_metadata.pb`.
    pub max_keras_metadata_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 10_000_000,
            max_tflite_entries: 1_000_000,
            max_observations_per_rule: 64,
            max_keras_metadata_nodes: 100_000,
        }
    }
}

/// Analyses a `saved_model.pb` with default [`Limits`].
pub fn analyze_saved_model(data: &[u8]) -> FormatAnalysis {
    analyze_saved_model_with_limits(data, &Limits::default())
}

/// Analyses a `saved_model.pb`.
pub fn analyze_saved_model_with_limits(data: &[u8], limits: &Limits) -> FormatAnalysis {
    let mut scanner = Scanner::new(FORMAT_SAVED_MODEL, limits);
    let sm = match SavedModel::decode(data) {
        Ok(sm) => sm,
        Err(e) => return decode_failure(scanner, "SavedModel", &e),
    };
    if sm.meta_graphs.is_empty() {
        scanner.out.fail(Observation::new(
            "tf-malformed",
            "SavedModel has no meta graphs; nothing was analysed",
        ));
        return scanner.out;
    }
    for (i, mg) in sm.meta_graphs.iter().enumerate() {
        let where_ = format!("meta_graphs[{i}]");
        scanner.asset_tensors = mg
            .asset_file_def
            .iter()
            .filter_map(|a| a.tensor_info.as_ref())
            .map(|t| t.name.split(':').next().unwrap_or_default().to_owned())
            .collect();
        for (j, asset) in mg.asset_file_def.iter().enumerate() {
            match classify_relative_path(&asset.filename) {
                PathVerdict::Inside | PathVerdict::Empty => {}
                verdict => scanner.emit(
                    Observation::new(
                        "tf-asset-path",
                        format!(
                            "{where_}.asset_file_def[{j}] filename '{}' {}",
                            trunc(&asset.filename),
                            verdict.describe()
                        ),
                    )
                    .with_evidence("filename", trunc(&asset.filename)),
                ),
            }
        }
        if let Some(g) = &mg.graph_def {
            scanner.scan_graph(g, &where_);
        }
    }
    scanner.out
}

/// Analyses a frozen `GraphDef` (`.pb`) with default [`Limits`].
pub fn analyze_graph_def(data: &[u8]) -> FormatAnalysis {
    analyze_graph_def_with_limits(data, &Limits::default())
}

/// Analyses a frozen `GraphDef` (`.pb`).
pub fn analyze_graph_def_with_limits(data: &[u8], limits: &Limits) -> FormatAnalysis {
    let mut scanner = Scanner::new(FORMAT_GRAPH_DEF, limits);
    let g = match GraphDef::decode(data) {
        Ok(g) => g,
        Err(e) => return decode_failure(scanner, "GraphDef", &e),
    };
    if g.node.is_empty() && g.library.as_ref().is_none_or(|l| l.function.is_empty()) {
        scanner.out.fail(Observation::new(
            "tf-malformed",
            "GraphDef has no nodes and no functions; nothing was analysed",
        ));
        return scanner.out;
    }
    scanner.scan_graph(&g, "graph");
    scanner.out
}

/// Analyses a Keras 2 `keras_metadata.pb` (`SavedMetadata`) and returns every node's
/// `metadata` JSON string (in node order) for the Keras config checker. Only decode
/// problems are reported here.
pub fn analyze_keras_metadata(data: &[u8]) -> (FormatAnalysis, Vec<String>) {
    analyze_keras_metadata_with_limits(data, &Limits::default())
}

/// See [`analyze_keras_metadata`].
pub fn analyze_keras_metadata_with_limits(
    data: &[u8],
    limits: &Limits,
) -> (FormatAnalysis, Vec<String>) {
    let mut out = FormatAnalysis::new(FORMAT_KERAS_METADATA);
    let md = match SavedMetadata::decode(data) {
        Ok(md) => md,
        Err(e) => {
            out.fail(
                Observation::new(
                    "tf-malformed",
                    format!("keras_metadata.pb could not be decoded: {e}"),
                )
                .with_evidence("error", e.to_string()),
            );
            return (out, Vec::new());
        }
    };
    if md.nodes.is_empty() {
        out.fail(Observation::new(
            "tf-malformed",
            "keras_metadata.pb has no nodes; nothing was analysed",
        ));
        return (out, Vec::new());
    }
    if md.nodes.len() > limits.max_keras_metadata_nodes {
        out.fail(Observation::new(
            "tf-malformed",
            format!(
                "keras_metadata.pb has {} nodes; only the first {} were returned",
                md.nodes.len(),
                limits.max_keras_metadata_nodes
            ),
        ));
    }
    let metadata = md
        .nodes
        .into_iter()
        .take(limits.max_keras_metadata_nodes)
        .map(|n| n.metadata)
        .collect();
    (out, metadata)
}

/// Analyses a `TFLite` flatbuffer with default [`Limits`].
pub fn analyze_tflite(data: &[u8]) -> FormatAnalysis {
    tflite::analyze(data, &Limits::default())
}

/// Analyses a `TFLite` flatbuffer.
pub fn analyze_tflite_with_limits(data: &[u8], limits: &Limits) -> FormatAnalysis {
    tflite::analyze(data, limits)
}

fn decode_failure(
    mut scanner: Scanner<'_>,
    what: &str,
    e: &mlsecops_proto::DecodeError,
) -> FormatAnalysis {
    scanner.out.fail(
        Observation::new("tf-malformed", format!("{what} could not be decoded: {e}"))
            .with_evidence("error", e.to_string()),
    );
    scanner.out
}

/// Top-level protobuf fields of `data`, at most `max` of them: (field number, wire type,
/// payload range for length-delimited fields). `None` when the bytes are not a valid
/// sequence of fields.
fn top_fields(data: &[u8], max: usize) -> Option<Vec<(u64, u8, std::ops::Range<usize>)>> {
    let mut pos = 0usize;
    let mut out = Vec::new();
    while pos < data.len() && out.len() < max {
        let (key, next) = mlsecops_proto::read_varint(data, pos)?;
        let field = key >> 3;
        let wire = u8::try_from(key & 7).ok()?;
        if field == 0 {
            return None;
        }
        pos = next;
        match wire {
            0 => {
                let (_, next) = mlsecops_proto::read_varint(data, pos)?;
                out.push((field, wire, pos..next));
                pos = next;
            }
            2 => {
                let (len, next) = mlsecops_proto::read_varint(data, pos)?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| next.checked_add(l))?;
                if end > data.len() {
                    return None;
                }
                out.push((field, wire, next..end));
                pos = end;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Bounded trial: is `data` a `SavedModel` (`saved_model_schema_version` varint, then
/// `meta_graphs` messages whose first fields are `MetaGraphDef` fields)?
pub fn looks_like_saved_model(data: &[u8]) -> bool {
    let Some(fields) = top_fields(data, 64) else {
        return false;
    };
    let mut meta_graphs = 0;
    for (field, wire, range) in &fields {
        match (field, wire) {
            (1, 0) => {}
            (2, 2) => {
                let Some(inner) = data.get(range.clone()).and_then(|d| top_fields(d, 4)) else {
                    return false;
                };
                if !inner.iter().all(|(f, w, _)| (1..=7).contains(f) && *w == 2) {
                    return false;
                }
                meta_graphs += 1;
            }
            _ => return false,
        }
    }
    meta_graphs > 0
}

/// Bounded trial: is `data` a `GraphDef` (`node` messages that decode as `NodeDef` with an
/// op name, optional `library` / `versions`)?
pub fn looks_like_graph_def(data: &[u8]) -> bool {
    let Some(fields) = top_fields(data, 64) else {
        return false;
    };
    let mut nodes = 0;
    for (field, wire, range) in &fields {
        match (field, wire) {
            (1, 2) => {
                if nodes < 4 {
                    let Some(node) = data
                        .get(range.clone())
                        .and_then(|d| NodeDef::decode(d).ok())
                    else {
                        return false;
                    };
                    if node.op.is_empty() || node.name.is_empty() {
                        return false;
                    }
                }
                nodes += 1;
            }
            (2 | 4 | 5, 2) | (3, 0) => {}
            _ => return false,
        }
    }
    nodes > 0
}
