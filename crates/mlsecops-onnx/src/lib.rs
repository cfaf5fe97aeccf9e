//! ONNX model security checks (external data, custom domains, functions).
//!
//! [`analyze`] decodes a `ModelProto` with the trimmed scanner view from `mlsecops-proto`
//! (tensor payloads are skipped by the decoder, never copied), then walks the main graph,
//! every nested subgraph (`If`/`Loop`/`Scan` bodies and any graph-valued attribute), the
//! training graphs and every model-local function, and reports:
//!
//! - external-data `location`s that are absolute, escape the model directory after
//!   normalisation (CVE-2022-25882, CVE-2024-27318), or name a symlink / special file;
//! - malformed external-data references (missing location, bad offset/length, EXTERNAL
//!   without entries);
//! - Python operators and custom operator domains;
//! - invalid initializer shapes.
//!
//! Nothing is ever read through an external-data path: when the model directory is known
//! the entries are only `symlink_metadata`-ed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use mlsecops_core::{FormatAnalysis, Observation};
use mlsecops_proto::Message;
use mlsecops_proto::onnx::{
    AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, SparseTensorProto,
    TensorProto,
};

pub use mlsecops_core::paths::{PathVerdict, classify_relative_path};

/// Format label used in reports.
pub const FORMAT: &str = "onnx";

/// Caps applied while walking a decoded model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Nesting depth of graphs inside attributes (`If` inside `Loop` inside …). prost's own
    /// recursion limit (100 messages, about 33 graph levels) applies first.
    pub max_graph_depth: usize,
    /// Total nodes over all graphs and functions.
    pub max_nodes: usize,
    /// Total tensors (initializers and attribute tensors) over all graphs.
    pub max_tensors: usize,
    /// Observations kept per rule; later ones are counted in the last kept one's evidence.
    pub max_observations_per_rule: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_graph_depth: 32,
            max_nodes: 10_000_000,
            max_tensors: 10_000_000,
            max_observations_per_rule: 64,
        }
    }
}

/// Where the model lives, for external-data checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnnxContext<'a> {
    /// Directory of the model file on disk; `None` inside archives (no file-system checks).
    pub model_dir: Option<&'a Path>,
}

/// Facts about a decoded model, for reports and inventories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnnxInfo {
    /// `ModelProto.ir_version`.
    pub ir_version: i64,
    /// `opset_import` as (domain, version); the default domain is `""`.
    pub opsets: Vec<(String, i64)>,
    /// `producer_name` and, when present, `producer_version` separated by a space.
    pub producer: String,
    /// Sum of the element counts of the main graph's initializers; `None` on overflow or
    /// negative dimensions.
    pub parameter_count: Option<u64>,
    /// Initializer count per ONNX data type name (`FLOAT`, `INT64`, …).
    pub dtypes: BTreeMap<String, usize>,
    /// Initializers in the main graph (dense and sparse).
    pub initializer_count: usize,
    /// Distinct external-data locations, as written in the model.
    pub external_data_files: Vec<String>,
    /// Nodes over all graphs, subgraphs and functions.
    pub node_count: usize,
}

/// Operator domains that belong to ONNX or ONNX Runtime itself.
const STANDARD_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "ai.onnx.preview",
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.microsoft.experimental",
    "com.microsoft.dml",
    "com.ms.internal.nhwc",
];

/// Operator types that call back into Python (compared case-insensitively).
const PYTHON_OP_TYPES: &[&str] = &[
    "pyop",
    "pyfunc",
    "pyfunction",
    "pythonop",
    "pycall",
    "python",
    "pyopfunc",
    "eagerpyfunc",
];

/// Cheap trial: does `data` start like a serialised `ModelProto`?
///
/// Exporters write fields in field-number order, so a model starts with `ir_version`
/// (field 1, varint, a small positive number); the following top-level fields must be
/// valid `ModelProto` fields whose lengths fit in `data`. At most 16 fields are looked at.
pub fn looks_like_onnx(data: &[u8]) -> bool {
    let mut pos = 0usize;
    let mut seen = 0usize;
    while pos < data.len() && seen < 16 {
        let Some((key, next)) = mlsecops_proto::read_varint(data, pos) else {
            return false;
        };
        let field = key >> 3;
        let wire = key & 7;
        pos = next;
        if seen == 0 {
            // ir_version first, 1..=64.
            if key != 0x08 {
                return false;
            }
            let Some((v, next)) = mlsecops_proto::read_varint(data, pos) else {
                return false;
            };
            if !(1..=64).contains(&v) {
                return false;
            }
            pos = next;
            seen += 1;
            continue;
        }
        match (field, wire) {
            (5, 0) => match mlsecops_proto::read_varint(data, pos) {
                Some((_, next)) => pos = next,
                None => return false,
            },
            (2..=4 | 6..=8 | 14 | 20 | 25 | 26, 2) => {
                let Some((len, next)) = mlsecops_proto::read_varint(data, pos) else {
                    return false;
                };
                let Some(end) = usize::try_from(len).ok().and_then(|l| next.checked_add(l)) else {
                    return false;
                };
                if end > data.len() {
                    // A prefix of a larger file: what we saw so far is consistent.
                    return seen >= 1;
                }
                pos = end;
            }
            _ => return false,
        }
        seen += 1;
    }
    seen >= 2 || (seen == 1 && pos == data.len())
}

/// Analyses one serialised `ModelProto` with default [`Limits`].
pub fn analyze(data: &[u8], ctx: &OnnxContext<'_>) -> (FormatAnalysis, Option<OnnxInfo>) {
    analyze_with_limits(data, ctx, &Limits::default())
}

/// Analyses one serialised `ModelProto`.
pub fn analyze_with_limits(
    data: &[u8],
    ctx: &OnnxContext<'_>,
    limits: &Limits,
) -> (FormatAnalysis, Option<OnnxInfo>) {
    let mut out = FormatAnalysis::new(FORMAT);
    let model = match ModelProto::decode(data) {
        Ok(m) => m,
        Err(e) => {
            out.fail(
                Observation::new(
                    "onnx-malformed",
                    format!("ONNX ModelProto could not be decoded: {e}"),
                )
                .with_evidence("error", e.to_string()),
            );
            return (out, None);
        }
    };
    if model.graph.is_none() && model.functions.is_empty() {
        // Any byte string of unknown protobuf fields (even an empty file) decodes as an
        // empty ModelProto: never call that clean.
        out.fail(Observation::new(
            "onnx-malformed",
            "ONNX ModelProto has no graph and no functions; nothing was analysed",
        ));
        return (out, None);
    }
    let mut walker = Walker::new(&model, ctx, limits);
    walker.walk_model(&model);
    let Walker {
        out: walked,
        info,
        external,
        ..
    } = walker;
    out.absorb(walked);
    let mut info = info;
    info.external_data_files = external.into_iter().collect();
    (out, Some(info))
}

struct Walker<'a> {
    ctx: &'a OnnxContext<'a>,
    limits: &'a Limits,
    out: FormatAnalysis,
    info: OnnxInfo,
    external: BTreeSet<String>,
    tensors: usize,
    /// (domain, name) of model-local functions: calling one is not a custom op.
    local_functions: BTreeSet<(String, String)>,
    /// Custom domains already reported, with the op types seen.
    custom_domains: BTreeMap<String, BTreeSet<String>>,
    per_rule: BTreeMap<&'static str, usize>,
    stopped: bool,
}

impl<'a> Walker<'a> {
    fn new(model: &ModelProto, ctx: &'a OnnxContext<'a>, limits: &'a Limits) -> Self {
        let local_functions = model
            .functions
            .iter()
            .map(|f| (f.domain.clone(), f.name.clone()))
            .collect();
        let producer = if model.producer_version.is_empty() {
            model.producer_name.clone()
        } else {
            format!("{} {}", model.producer_name, model.producer_version)
        };
        Walker {
            ctx,
            limits,
            out: FormatAnalysis::new(FORMAT),
            info: OnnxInfo {
                ir_version: model.ir_version,
                opsets: model
                    .opset_import
                    .iter()
                    .map(|o| (o.domain.clone(), o.version))
                    .collect(),
                producer,
                parameter_count: Some(0),
                ..OnnxInfo::default()
            },
            external: BTreeSet::new(),
            tensors: 0,
            local_functions,
            custom_domains: BTreeMap::new(),
            per_rule: BTreeMap::new(),
            stopped: false,
        }
    }

    fn emit(&mut self, obs: Observation) {
        let n = self.per_rule.entry(obs.rule).or_insert(0);
        *n += 1;
        if *n <= self.limits.max_observations_per_rule {
            self.out.push(obs);
        }
    }

    fn fail(&mut self, obs: Observation) {
        self.stopped = true;
        self.out.fail(obs);
    }

    fn walk_model(&mut self, model: &ModelProto) {
        if let Some(graph) = &model.graph {
            self.walk_graph(graph, "graph", 0, true);
        }
        for (i, t) in model.training_info.iter().enumerate() {
            if let Some(g) = &t.initialization {
                self.walk_graph(g, &format!("training_info[{i}].initialization"), 0, false);
            }
            if let Some(g) = &t.algorithm {
                self.walk_graph(g, &format!("training_info[{i}].algorithm"), 0, false);
            }
        }
        if !model.functions.is_empty() {
            let names: Vec<String> = model
                .functions
                .iter()
                .take(32)
                .map(|f| qualified(&f.domain, &f.name))
                .collect();
            self.emit(
                Observation::new(
                    "onnx-model-function",
                    format!(
                        "model defines {} local function(s): {}",
                        model.functions.len(),
                        names.join(", ")
                    ),
                )
                .with_evidence("count", model.functions.len().to_string()),
            );
        }
        for f in &model.functions {
            self.walk_function(f);
        }
        self.report_custom_domains();
    }

    fn walk_function(&mut self, f: &FunctionProto) {
        let path = format!("function[{}]", qualified(&f.domain, &f.name));
        for node in &f.node {
            if self.stopped {
                return;
            }
            self.walk_node(node, &path, 0);
        }
    }

    fn walk_graph(&mut self, graph: &GraphProto, path: &str, depth: usize, main: bool) {
        if self.stopped {
            return;
        }
        if depth > self.limits.max_graph_depth {
            self.fail(
                Observation::new(
                    "onnx-malformed",
                    format!(
                        "graph nesting deeper than {} at {path}",
                        self.limits.max_graph_depth
                    ),
                )
                .with_evidence("path", path),
            );
            return;
        }
        for t in &graph.initializer {
            let where_ = format!("{path}.initializer[{}]", t.name);
            self.check_tensor(t, &where_, main);
        }
        for s in &graph.sparse_initializer {
            let where_ = format!("{path}.sparse_initializer");
            self.check_sparse(s, &where_, main);
        }
        for node in &graph.node {
            if self.stopped {
                return;
            }
            self.walk_node(node, path, depth);
        }
    }

    fn walk_node(&mut self, node: &NodeProto, path: &str, depth: usize) {
        self.info.node_count += 1;
        if self.info.node_count > self.limits.max_nodes {
            self.fail(Observation::new(
                "onnx-malformed",
                format!(
                    "more than {} nodes; rest not analysed",
                    self.limits.max_nodes
                ),
            ));
            return;
        }
        let node_path = format!("{path}/node[{}]", display_name(node));
        self.check_op(node, &node_path);
        for attr in &node.attribute {
            self.walk_attribute(attr, &node_path, depth);
        }
    }

    fn walk_attribute(&mut self, attr: &AttributeProto, node_path: &str, depth: usize) {
        let at = format!("{node_path}.{}", attr.name);
        if let Some(t) = &attr.t {
            self.check_tensor(t, &at, false);
        }
        for t in &attr.tensors {
            self.check_tensor(t, &at, false);
        }
        if let Some(s) = &attr.sparse_tensor {
            self.check_sparse(s, &at, false);
        }
        for s in &attr.sparse_tensors {
            self.check_sparse(s, &at, false);
        }
        if let Some(g) = &attr.g {
            self.walk_graph(g, &at, depth + 1, false);
        }
        for (i, g) in attr.graphs.iter().enumerate() {
            self.walk_graph(g, &format!("{at}[{i}]"), depth + 1, false);
        }
    }

    fn check_op(&mut self, node: &NodeProto, node_path: &str) {
        let domain = node.domain.as_str();
        let op = node.op_type.as_str();
        let op_lower = op.to_ascii_lowercase();
        let domain_lower = domain.to_ascii_lowercase();
        let python = PYTHON_OP_TYPES.contains(&op_lower.as_str())
            || domain_lower.contains("python")
            || domain_lower.contains("pyop")
            || domain_lower.contains("pyfunc")
            || (domain_lower == "ai.onnx.contrib" && op_lower.starts_with("py"));
        if python {
            self.emit(
                Observation::new(
                    "onnx-python-op",
                    format!(
                        "node {node_path} uses Python operator {}",
                        qualified(domain, op)
                    ),
                )
                .with_evidence("op_type", op)
                .with_evidence("domain", domain)
                .with_evidence("path", node_path),
            );
            return;
        }
        if STANDARD_DOMAINS.contains(&domain)
            || self
                .local_functions
                .contains(&(domain.to_owned(), op.to_owned()))
        {
            return;
        }
        let ops = self.custom_domains.entry(domain.to_owned()).or_default();
        if ops.len() < 16 {
            ops.insert(op.to_owned());
        }
    }

    fn report_custom_domains(&mut self) {
        let domains = std::mem::take(&mut self.custom_domains);
        for (domain, ops) in domains {
            let ops: Vec<String> = ops.into_iter().collect();
            self.emit(
                Observation::new(
                    "onnx-custom-domain",
                    format!(
                        "custom operator domain '{domain}' (ops: {})",
                        ops.join(", ")
                    ),
                )
                .with_evidence("domain", domain)
                .with_evidence("op_types", ops.join(",")),
            );
        }
    }

    fn check_sparse(&mut self, s: &SparseTensorProto, where_: &str, main: bool) {
        if let Some(v) = &s.values {
            self.check_tensor(v, &format!("{where_}.values"), main);
        }
        if let Some(i) = &s.indices {
            self.check_tensor(i, &format!("{where_}.indices"), false);
        }
        self.check_dims(&s.dims, where_);
    }

    /// Returns the element count, `None` when a dim is negative or the product overflows.
    fn check_dims(&mut self, dims: &[i64], where_: &str) -> Option<u64> {
        let mut product: u64 = 1;
        for &d in dims {
            let Ok(d) = u64::try_from(d) else {
                self.emit(
                    Observation::new(
                        "onnx-tensor-shape-invalid",
                        format!("tensor {where_} has a negative dimension {d}"),
                    )
                    .with_evidence("path", where_),
                );
                return None;
            };
            let Some(p) = product.checked_mul(d) else {
                self.emit(
                    Observation::new(
                        "onnx-tensor-shape-invalid",
                        format!("tensor {where_} dimension product overflows 64 bits"),
                    )
                    .with_evidence("path", where_),
                );
                return None;
            };
            product = p;
        }
        Some(product)
    }

    fn check_tensor(&mut self, t: &TensorProto, where_: &str, main: bool) {
        self.tensors += 1;
        if self.tensors > self.limits.max_tensors {
            if !self.stopped {
                self.fail(Observation::new(
                    "onnx-malformed",
                    format!(
                        "more than {} tensors; rest not analysed",
                        self.limits.max_tensors
                    ),
                ));
            }
            return;
        }
        let count = self.check_dims(&t.dims, where_);
        if main {
            self.info.initializer_count += 1;
            *self.info.dtypes.entry(dtype_name(t.data_type)).or_insert(0) += 1;
            self.info.parameter_count = match (self.info.parameter_count, count) {
                (Some(a), Some(b)) => a.checked_add(b),
                _ => None,
            };
        }
        let external = t.data_location == 1;
        if external && t.external_data.is_empty() {
            self.emit(
                Observation::new(
                    "onnx-external-data-malformed",
                    format!("tensor {where_} has data_location EXTERNAL but no external_data"),
                )
                .with_evidence("path", where_),
            );
            return;
        }
        if t.external_data.is_empty() {
            return;
        }
        let mut location: Option<&str> = None;
        for entry in &t.external_data {
            match entry.key.as_str() {
                "location" => {
                    // Every location entry is checked; loaders differ on which one wins.
                    self.check_location(&entry.value, where_);
                    location = Some(entry.value.as_str());
                }
                key @ ("offset" | "length") if !is_decimal_u64(&entry.value) => {
                    self.emit(
                            Observation::new(
                                "onnx-external-data-malformed",
                                format!(
                                    "tensor {where_} external_data {key} '{}' is not a non-negative 64-bit integer",
                                    truncate(&entry.value)
                                ),
                            )
                            .with_evidence("path", where_)
                            .with_evidence(key, truncate(&entry.value)),
                        );
                }
                _ => {}
            }
        }
        let offset = kv(t, "offset").and_then(|v| v.parse::<u64>().ok());
        let length = kv(t, "length").and_then(|v| v.parse::<u64>().ok());
        if let (Some(o), Some(l)) = (offset, length)
            && o.checked_add(l).is_none()
        {
            self.emit(
                Observation::new(
                    "onnx-external-data-malformed",
                    format!("tensor {where_} external_data offset + length overflows"),
                )
                .with_evidence("path", where_),
            );
        }
        if location.is_none() {
            self.emit(
                Observation::new(
                    "onnx-external-data-malformed",
                    format!("tensor {where_} has external_data without a location"),
                )
                .with_evidence("path", where_),
            );
        }
    }

    fn check_location(&mut self, location: &str, where_: &str) {
        if self.external.len() < 4096 {
            self.external.insert(truncate(location));
        }
        match classify_relative_path(location) {
            PathVerdict::Inside => self.check_on_disk(location, where_),
            PathVerdict::Empty => self.emit(
                Observation::new(
                    "onnx-external-data-malformed",
                    format!("tensor {where_} external_data location is empty"),
                )
                .with_evidence("path", where_),
            ),
            verdict => self.emit(
                Observation::new(
                    "onnx-external-data-path-traversal",
                    format!(
                        "tensor {where_} external_data location '{}' {}",
                        truncate(location),
                        verdict.describe()
                    ),
                )
                .with_evidence("location", truncate(location))
                .with_evidence("path", where_),
            ),
        }
    }

    /// `symlink_metadata` on every component under the model directory; never follows,
    /// never opens.
    fn check_on_disk(&mut self, location: &str, where_: &str) {
        let Some(dir) = self.ctx.model_dir else {
            return;
        };
        let mut current = dir.to_path_buf();
        let parts: Vec<&str> = location
            .split(['/', '\\'])
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        for (i, part) in parts.iter().enumerate() {
            current.push(part);
            let Ok(meta) = std::fs::symlink_metadata(&current) else {
                // Missing file: the runtime fails to load; nothing to read here.
                return;
            };
            let last = i + 1 == parts.len();
            let kind = if meta.file_type().is_symlink() {
                Some("a symbolic link")
            } else if last && !meta.is_file() {
                Some(if meta.is_dir() {
                    "a directory"
                } else {
                    "a special file (device, FIFO or socket)"
                })
            } else {
                None
            };
            if let Some(kind) = kind {
                self.emit(
                    Observation::new(
                        "onnx-external-data-special-file",
                        format!(
                            "tensor {where_} external_data location '{}' goes through {kind} ({})",
                            truncate(location),
                            parts.get(..=i).map(|p| p.join("/")).unwrap_or_default()
                        ),
                    )
                    .with_evidence("location", truncate(location))
                    .with_evidence("kind", kind),
                );
                return;
            }
        }
    }
}

fn kv<'t>(t: &'t TensorProto, key: &str) -> Option<&'t str> {
    t.external_data
        .iter()
        .rev()
        .find(|e| e.key == key)
        .map(|e| e.value.as_str())
}

fn is_decimal_u64(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
}

fn qualified(domain: &str, name: &str) -> String {
    if domain.is_empty() {
        name.to_owned()
    } else {
        format!("{domain}::{name}")
    }
}

fn display_name(node: &NodeProto) -> String {
    if node.name.is_empty() {
        truncate(&node.op_type)
    } else {
        truncate(&node.name)
    }
}

/// Caps strings copied into messages and evidence at 200 characters.
fn truncate(s: &str) -> String {
    if s.chars().count() <= 200 {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(200).collect();
        t.push('…');
        t
    }
}

/// ONNX `TensorProto.DataType` names.
fn dtype_name(code: i32) -> String {
    const NAMES: &[&str] = &[
        "UNDEFINED",
        "FLOAT",
        "UINT8",
        "INT8",
        "UINT16",
        "INT16",
        "INT32",
        "INT64",
        "STRING",
        "BOOL",
        "FLOAT16",
        "DOUBLE",
        "UINT32",
        "UINT64",
        "COMPLEX64",
        "COMPLEX128",
        "BFLOAT16",
        "FLOAT8E4M3FN",
        "FLOAT8E4M3FNUZ",
        "FLOAT8E5M2",
        "FLOAT8E5M2FNUZ",
        "UINT4",
        "INT4",
        "FLOAT4E2M1",
        "FLOAT8E8M0",
        "UINT2",
        "INT2",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("UNKNOWN({code})"), |s| (*s).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_rejects_garbage() {
        assert!(!looks_like_onnx(b""));
        assert!(!looks_like_onnx(b"\x80\x04"));
        assert!(!looks_like_onnx(b"PK\x03\x04"));
        assert!(looks_like_onnx(b"\x08\x07\x12\x04test"));
    }

    #[test]
    fn dtype_names() {
        assert_eq!(dtype_name(1), "FLOAT");
        assert_eq!(dtype_name(-1), "UNKNOWN(-1)");
        assert_eq!(dtype_name(99), "UNKNOWN(99)");
    }

    #[test]
    fn decimal() {
        assert!(is_decimal_u64("0"));
        assert!(is_decimal_u64("18446744073709551615"));
        assert!(!is_decimal_u64("18446744073709551616"));
        assert!(!is_decimal_u64("-1"));
        assert!(!is_decimal_u64("+1"));
        assert!(!is_decimal_u64(""));
        assert!(!is_decimal_u64("0x10"));
    }
}
