//! Keras model config analysis (`.keras` archives, HDF5 `.h5`, `SavedModel` metadata).
//!
//! Entry points, by what the scan engine found:
//! - HDF5 signature (`\x89HDF\r\n\x1a\n` at 0/512/1024…): [`analyze_h5`].
//! - ZIP with `config.json` plus `metadata.json` or `model.weights.h5` (a `.keras` archive):
//!   [`check_archive_members`] on the member names, [`check_archive_member_data`] on each
//!   member's leading bytes, [`analyze_config_json`] on `config.json`, [`analyze_metadata_json`]
//!   on `metadata.json`, [`analyze_h5`] on `model.weights.h5`.
//! - Per-node metadata JSON strings of a TF `SavedModel`'s `keras_metadata.pb`:
//!   [`analyze_layer_metadata_json`].
//!
//! Nothing is ever loaded or executed: Lambda bytecode is decoded with a bounded `marshal`
//! reader that only lists names and constants.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use base64::Engine;
use mlsecops_core::{FormatAnalysis, Observation};
use mlsecops_hdf5::{AttrValue, Hdf5, Limits as H5Limits};
use serde_json::Value;

pub mod marshal;

/// Caps for the config walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON document analysed, in bytes. Default 64 MiB.
    pub max_json_bytes: usize,
    /// Deepest JSON nesting walked (`serde_json` itself stops at 128). Default 128.
    pub max_depth: usize,
    /// JSON nodes visited per document. Default 2,000,000.
    pub max_nodes: usize,
    /// Largest base64 Lambda code string decoded, in bytes. Default 4 MiB.
    pub max_code_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 64 << 20,
            max_depth: 128,
            max_nodes: 2_000_000,
            max_code_bytes: 4 << 20,
        }
    }
}

/// Module prefixes of Keras / TensorFlow built-ins that `safe_mode` loading allows.
const ALLOWED_MODULES: &[&str] = &[
    "keras",
    "tensorflow",
    "tf_keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
    "keras_rs",
    "tf",
];

/// Top-level modules whose import/call while loading means code execution, file or network access.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtin__",
    "__builtins__",
    "importlib",
    "runpy",
    "code",
    "codeop",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "joblib",
    "marshal",
    "shutil",
    "socket",
    "requests",
    "urllib",
    "urllib2",
    "urllib3",
    "http",
    "httplib",
    "ftplib",
    "smtplib",
    "telnetlib",
    "webbrowser",
    "sys",
    "ctypes",
    "pty",
    "commands",
    "multiprocessing",
    "tempfile",
    "pathlib",
    "io",
    "glob",
    "pip",
    "setuptools",
    "timeit",
    "pdb",
    "types",
    "operator",
    "functools",
    "asyncio",
    "threading",
    "platform",
    "pydoc",
    "inspect",
    "torch",
];

/// Names in Lambda bytecode that mark it as obviously hostile (reported in the message).
const DANGEROUS_NAMES: &[&str] = &[
    "os",
    "system",
    "popen",
    "subprocess",
    "eval",
    "exec",
    "__import__",
    "compile",
    "open",
    "getattr",
    "socket",
    "urlopen",
    "spawn",
    "execve",
    "Popen",
    "check_output",
    "run",
    "remove",
    "rmtree",
    "builtins",
];

/// Layer classes that call arbitrary Python functions.
const PYFUNC_CLASSES: &[&str] = &[
    "PyFunc",
    "EagerPyFunc",
    "PyFuncStateless",
    "CallbackLambda",
    "LambdaCallback",
];

// ---------------------------------------------------------------------------------------------
// Config walk

struct Walk<'a> {
    origin: &'a str,
    /// Legacy `.h5` `model_config`: loading ignores `safe_mode` (CVE-2025-9905 / CVE-2024-3660).
    h5: bool,
    limits: Limits,
    out: FormatAnalysis,
}

fn top_module(module: &str) -> &str {
    module.split(['.', '>', ':']).next().unwrap_or(module)
}

fn is_allowed(module: &str) -> bool {
    let top = top_module(module);
    ALLOWED_MODULES.contains(&top)
}

fn is_dangerous(module: &str) -> bool {
    let top = top_module(module.trim());
    DANGEROUS_MODULES.contains(&top)
}

fn str_of<'v>(obj: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v str> {
    obj.get(key).and_then(Value::as_str)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Walk<'_> {
    fn obs(&self, rule: &'static str, msg: String, path: &str) -> Observation {
        Observation::new(rule, msg)
            .with_evidence("origin", self.origin)
            .with_evidence("json_path", if path.is_empty() { "$" } else { path })
    }

    fn run(&mut self, root: &Value) {
        let mut stack: Vec<(&Value, String, usize)> = vec![(root, String::new(), 0)];
        let mut nodes = 0usize;
        while let Some((v, path, depth)) = stack.pop() {
            nodes += 1;
            if nodes > self.limits.max_nodes {
                let o = self.obs(
                    "keras-config-malformed",
                    format!(
                        "{}: more than {} JSON nodes, analysis stopped",
                        self.origin, self.limits.max_nodes
                    ),
                    &path,
                );
                self.out.fail(o);
                return;
            }
            if depth > self.limits.max_depth {
                let o = self.obs(
                    "keras-config-malformed",
                    format!(
                        "{}: JSON nested deeper than {} at {path}",
                        self.origin, self.limits.max_depth
                    ),
                    &path,
                );
                self.out.fail(o);
                continue;
            }
            match v {
                Value::Object(map) => {
                    self.object(map, &path);
                    for (k, child) in map.iter().rev() {
                        if matches!(child, Value::Object(_) | Value::Array(_)) {
                            stack.push((child, join(&path, k), depth + 1));
                        } else if let Value::String(s) = child {
                            self.string(s, &join(&path, k));
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate().rev() {
                        let p = format!("{path}[{i}]");
                        if matches!(child, Value::Object(_) | Value::Array(_)) {
                            stack.push((child, p, depth + 1));
                        } else if let Value::String(s) = child {
                            self.string(s, &p);
                        }
                    }
                }
                Value::String(s) => self.string(s, &path),
                _ => {}
            }
        }
    }

    /// Checks every string value for gadget names.
    fn string(&mut self, s: &str, path: &str) {
        if s.contains("enable_unsafe_deserialization") {
            let o = self
                .obs(
                    "keras-unsafe-deserialization",
                    format!("{}: config references enable_unsafe_deserialization at {path} (CVE-2025-9906)", self.origin),
                    path,
                )
                .with_evidence("value", truncate(s));
            self.out.push(o);
        }
        let t = s.trim();
        if t == "get_file" || t.ends_with(".get_file") || t.ends_with(">get_file") {
            let o = self
                .obs(
                    "keras-get-file",
                    format!("{}: config references keras.utils.get_file at {path} (CVE-2025-8747 gadget)", self.origin),
                    path,
                )
                .with_evidence("value", truncate(s));
            self.out.push(o);
        }
    }

    fn object(&mut self, map: &serde_json::Map<String, Value>, path: &str) {
        let class = str_of(map, "class_name").unwrap_or("");
        let module = str_of(map, "module");
        let registered = str_of(map, "registered_name");
        let with_ids = |o: Observation| {
            let o = o.with_evidence("class_name", class);
            match module {
                Some(m) => o.with_evidence("module", m),
                None => o,
            }
        };
        // Module / registered-name checks.
        let mut module_flagged = false;
        // Only serialised Keras objects (`{"class_name": …, "module": …}`) name modules; a
        // layer's own `config` may use `module` for something else (TorchModuleWrapper).
        let is_keras_object = map.contains_key("class_name");
        for (field, name) in [("module", module), ("registered_name", registered)] {
            if !is_keras_object {
                break;
            }
            let Some(name) = name else { continue };
            let name_mod = if field == "registered_name" {
                // `package>Name` custom-object registrations; bare names are class names.
                match name.split_once('>') {
                    Some((pkg, _)) => pkg,
                    None => continue,
                }
            } else {
                name
            };
            if is_dangerous(name_mod) {
                let target = if class == "function" {
                    format!("{name_mod}.{}", str_of(map, "config").unwrap_or(""))
                } else {
                    format!("{name_mod}.{class}")
                };
                let o = with_ids(self.obs(
                    "keras-unsafe-module",
                    format!(
                        "{}: object at {} names {field} `{name}` ({target}): Keras < 3.9 imports and calls it while loading, even in safe_mode (CVE-2025-1550)",
                        self.origin,
                        if path.is_empty() { "$" } else { path }
                    ),
                    path,
                ));
                self.out.push(o);
                module_flagged = true;
            } else if !is_allowed(name_mod)
                && field == "module"
                && !module_flagged
                && name_mod != "__main__"
            {
                let o = with_ids(self.obs(
                    "keras-custom-object",
                    format!("{}: `{class}` from module `{}` is not a Keras built-in; loading needs that code", self.origin, truncate(name_mod)),
                    path,
                ));
                self.out.push(o);
            } else if field == "registered_name" && !is_allowed(name_mod) && !module_flagged {
                let o = with_ids(self.obs(
                    "keras-custom-object",
                    format!("{}: custom object `{name}` registered outside Keras; loading needs that code", self.origin),
                    path,
                ));
                self.out.push(o);
            }
        }
        match class {
            "Lambda" => self.lambda(map, path),
            "TorchModuleWrapper" => {
                let o = with_ids(self.obs(
                    "keras-torch-module-wrapper",
                    format!("{}: TorchModuleWrapper layer at {path}: its module is restored with torch.load(weights_only=False), running any embedded pickle (CVE-2025-49655)", self.origin),
                    path,
                ));
                self.out.push(o);
            }
            "TFSMLayer" => {
                let fp = map
                    .get("config")
                    .and_then(Value::as_object)
                    .and_then(|c| str_of(c, "filepath"))
                    .unwrap_or("");
                let o = with_ids(self.obs(
                    "keras-tfsm-layer",
                    format!("{}: TFSMLayer at {path} loads an external SavedModel `{fp}` (CVE-2026-1462)", self.origin),
                    path,
                ))
                .with_evidence("filepath", fp);
                self.out.push(o);
            }
            "TFOpLambda" | "SlicingOpLambda" => {
                let f = map
                    .get("config")
                    .and_then(Value::as_object)
                    .and_then(|c| str_of(c, "function"))
                    .unwrap_or("");
                let lower = f.to_ascii_lowercase();
                if is_dangerous(f)
                    || lower.contains("py_func")
                    || lower.contains("numpy_function")
                    || lower.contains("py_function")
                {
                    let o = with_ids(self.obs(
                        "keras-op-lambda",
                        format!(
                            "{}: {class} at {path} calls `{f}`, not a TensorFlow op",
                            self.origin
                        ),
                        path,
                    ))
                    .with_evidence("function", f);
                    self.out.push(o);
                }
            }
            c if PYFUNC_CLASSES.contains(&c) => {
                let o = with_ids(self.obs(
                    "keras-op-lambda",
                    format!(
                        "{}: {class} layer at {path} wraps an arbitrary Python function",
                        self.origin
                    ),
                    path,
                ));
                self.out.push(o);
            }
            _ => {}
        }
    }

    fn lambda(&mut self, map: &serde_json::Map<String, Value>, path: &str) {
        let Some(cfg) = map.get("config").and_then(Value::as_object) else {
            return;
        };
        let fpath = join(path, "config.function");
        let h5_note = if self.h5 {
            " Legacy .h5 loading ignores safe_mode (CVE-2025-9905, Keras < 3.11.3; CVE-2024-3660, Keras < 2.13)."
        } else {
            " Loading runs it with safe_mode=False or after enable_unsafe_deserialization (CVE-2025-9906)."
        };
        let function_type = str_of(cfg, "function_type");
        let code: Option<&str> = match cfg.get("function") {
            // Keras 3: {"class_name": "__lambda__", "config": {"code": base64, …}}
            Some(Value::Object(f)) if str_of(f, "class_name") == Some("__lambda__") => f
                .get("config")
                .and_then(Value::as_object)
                .and_then(|c| str_of(c, "code"))
                .or(Some("")),
            // Keras 2: [base64, defaults, closure] with function_type "lambda".
            Some(Value::Array(items)) => items.first().and_then(Value::as_str).or(Some("")),
            Some(Value::String(s)) if function_type == Some("lambda") => Some(s),
            _ => None,
        };
        if let Some(code) = code {
            let mut o = self
                .obs("keras-lambda-bytecode", String::new(), &fpath)
                .with_evidence("class_name", "Lambda");
            if let Some(name) = str_of(cfg, "name") {
                o = o.with_evidence("layer", name);
            }
            let detail = match self.decode_lambda(code) {
                Ok(info) => {
                    let hostile: Vec<&str> = info
                        .names
                        .iter()
                        .chain(info.strings.iter())
                        .map(String::as_str)
                        .filter(|n| DANGEROUS_NAMES.contains(n))
                        .collect();
                    o = o
                        .with_evidence("co_name", info.name.as_str())
                        .with_evidence("co_filename", info.filename.as_str())
                        .with_evidence("co_names", info.names.join(", "))
                        .with_evidence("co_consts_strings", truncate(&info.strings.join(", ")));
                    if hostile.is_empty() {
                        format!(
                            "bytecode `{}` uses names [{}]",
                            info.name,
                            info.names.join(", ")
                        )
                    } else {
                        format!(
                            "bytecode `{}` uses {} (names [{}])",
                            info.name,
                            hostile.join(", "),
                            info.names.join(", ")
                        )
                    }
                }
                Err(why) => {
                    o = o.with_evidence("bytecode", format!("unparsed: {why}"));
                    format!("bytecode could not be decoded ({why})")
                }
            };
            o.message = format!(
                "{}: Lambda layer at {path} carries marshalled Python bytecode: {detail}.{h5_note}",
                self.origin
            );
            self.out.push(o);
            return;
        }
        // A function reference rather than bytecode.
        let target = match cfg.get("function") {
            Some(Value::String(s)) => {
                let m = str_of(cfg, "module").unwrap_or("");
                if m.is_empty() {
                    s.clone()
                } else {
                    format!("{m}.{s}")
                }
            }
            Some(Value::Object(f)) => format!(
                "{}.{}",
                str_of(f, "module").unwrap_or(""),
                str_of(f, "config")
                    .or_else(|| str_of(f, "class_name"))
                    .unwrap_or("")
            ),
            _ => return,
        };
        let o = self
            .obs(
                "keras-lambda-reference",
                format!(
                    "{}: Lambda layer at {path} calls the named function `{target}`.{h5_note}",
                    self.origin
                ),
                &fpath,
            )
            .with_evidence("class_name", "Lambda")
            .with_evidence("function", target.as_str());
        self.out.push(o);
    }

    fn decode_lambda(&self, code: &str) -> Result<marshal::CodeInfo, String> {
        if code.len() > self.limits.max_code_bytes {
            return Err(format!("code string of {} bytes over the cap", code.len()));
        }
        let clean: Vec<u8> = code.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&clean)
            .map_err(|e| format!("base64: {e}"))?;
        marshal::parse_code(&raw).map_err(|e| format!("marshal at byte {}: {}", e.offset, e.reason))
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 512;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or_default())
}

/// Python's `json` (which Keras uses) writes and reads the bare tokens `NaN`, `Infinity` and
/// `-Infinity`; `serde_json` rejects them. Outside strings they become `null` (same length
/// is not kept; offsets in later errors refer to the rewritten text).
fn python_json(json: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];
    let mut in_string = false;
    let mut escaped = false;
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if let Some(t) = TOKENS
            .iter()
            .find(|t| json.get(i..).is_some_and(|r| r.starts_with(t)))
        {
            let buf = out.get_or_insert_with(|| json.get(..i).unwrap_or_default().to_vec());
            buf.extend_from_slice(b"null");
            i += t.len();
            continue;
        }
        if let Some(buf) = out.as_mut() {
            buf.push(b);
        }
        i += 1;
    }
    match out {
        Some(v) => std::borrow::Cow::Owned(v),
        None => std::borrow::Cow::Borrowed(json),
    }
}

fn walk_json(json: &[u8], origin: &str, h5: bool, out: FormatAnalysis) -> FormatAnalysis {
    let limits = Limits::default();
    let mut w = Walk {
        origin,
        h5,
        limits,
        out,
    };
    if json.len() > w.limits.max_json_bytes {
        w.out.fail(
            Observation::new(
                "keras-config-malformed",
                format!(
                    "{origin}: {} bytes of JSON, over the {} byte cap",
                    json.len(),
                    w.limits.max_json_bytes
                ),
            )
            .with_evidence("origin", origin),
        );
        return w.out;
    }
    let json = python_json(json);
    match serde_json::from_slice::<Value>(&json) {
        Ok(v) => w.run(&v),
        Err(e) => {
            let line_start: usize = json
                .split(|&b| b == b'\n')
                .take(e.line().saturating_sub(1))
                .map(|l| l.len() + 1)
                .sum();
            let offset = line_start.saturating_add(e.column().saturating_sub(1));
            w.out.fail(
                Observation::new(
                    "keras-config-malformed",
                    format!("{origin}: invalid JSON: {e}"),
                )
                .at(offset as u64)
                .with_evidence("origin", origin),
            );
        }
    }
    w.out
}

/// Walks a Keras model config (`.keras` `config.json`, or any Keras object config) for
/// Lambda bytecode, dangerous modules, gadgets and custom objects. `origin` names the source
/// in messages (`config.json`, `model_config`).
pub fn analyze_config_json(json: &[u8], origin: &str) -> FormatAnalysis {
    walk_json(json, origin, false, FormatAnalysis::new("keras"))
}

/// Same walk for the per-node metadata JSON strings of a TF `SavedModel` `keras_metadata.pb`
/// (Keras 2: `class_name`, `config`, `is_graph_network`…).
pub fn analyze_layer_metadata_json(json: &str) -> FormatAnalysis {
    walk_json(
        json.as_bytes(),
        "keras_metadata.pb",
        false,
        FormatAnalysis::new("keras"),
    )
}

// ---------------------------------------------------------------------------------------------
// Versions

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim().split(['-', '+', 'r', 'a', 'b', 'd']).next()?;
    let mut it = core.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().unwrap_or("0").parse().ok()?;
    let patch = it.next().unwrap_or("0").parse().unwrap_or(0);
    Some((major, minor, patch))
}

/// CVEs whose fix is newer than `version` (as a Keras version string).
fn vulnerable_cves(version: (u64, u64, u64)) -> Vec<&'static str> {
    let mut out = Vec::new();
    if version.0 < 3 {
        if version < (2, 13, 0) {
            out.push("CVE-2024-3660 (Lambda bytecode runs on load, fixed 2.13)");
        }
        return out;
    }
    let table: [((u64, u64, u64), &str); 5] = [
        (
            (3, 9, 0),
            "CVE-2025-1550 (safe_mode bypass via module/class_name, fixed 3.9.0)",
        ),
        ((3, 11, 0), "CVE-2025-8747 (get_file gadget, fixed 3.11.0)"),
        (
            (3, 11, 0),
            "CVE-2025-9906 (enable_unsafe_deserialization in config, fixed 3.11.0)",
        ),
        (
            (3, 11, 3),
            "CVE-2025-9905 (.h5 Lambda ignores safe_mode, fixed 3.11.3)",
        ),
        (
            (3, 13, 2),
            "CVE-2026-1462 (TFSMLayer external SavedModel, fixed 3.13.2)",
        ),
    ];
    for (fixed, cve) in table {
        if version < fixed {
            out.push(cve);
        }
    }
    out
}

fn version_observation(version: &str, origin: &str) -> Option<Observation> {
    let parsed = parse_version(version)?;
    let cves = vulnerable_cves(parsed);
    if cves.is_empty() {
        return None;
    }
    Some(
        Observation::new(
            "keras-version-vulnerable",
            format!(
                "{origin}: written by Keras {version}; loading it with that version exposes {}. The loader's Keras version matters, not the writer's.",
                cves.join("; ")
            ),
        )
        .with_evidence("keras_version", version)
        .with_evidence("origin", origin),
    )
}

/// Analyses a `.keras` `metadata.json` (`keras_version`, `date_saved`).
pub fn analyze_metadata_json(json: &[u8]) -> FormatAnalysis {
    let mut out = FormatAnalysis::new("keras");
    if json.len() > Limits::default().max_json_bytes {
        out.fail(Observation::new(
            "keras-config-malformed",
            "metadata.json over the size cap",
        ));
        return out;
    }
    match serde_json::from_slice::<Value>(&python_json(json)) {
        Ok(Value::Object(map)) => {
            if let Some(o) =
                str_of(&map, "keras_version").and_then(|v| version_observation(v, "metadata.json"))
            {
                out.push(o);
            }
            // Anything that looks like config is walked too.
            out = walk_json(json, "metadata.json", false, out);
        }
        Ok(_) => out.fail(Observation::new(
            "keras-config-malformed",
            "metadata.json is not a JSON object",
        )),
        Err(e) => out.fail(Observation::new(
            "keras-config-malformed",
            format!("metadata.json: invalid JSON: {e}"),
        )),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// HDF5

/// Analyses a Keras 2 / tf.keras / Keras 3 legacy `.h5` model (or a weights-only HDF5 file):
/// reads the root attributes and walks `model_config` and `training_config`.
pub fn analyze_h5(data: &[u8]) -> FormatAnalysis {
    let limits = H5Limits::default();
    let mut truncated = None;
    let attrs = match Hdf5::open(data, &limits).and_then(|f| {
        if f.is_truncated() {
            truncated = Some(f.declared_end());
        }
        f.root_attributes()
    }) {
        Ok(a) => a,
        Err(e) => {
            let mut out = FormatAnalysis::new("hdf5");
            out.fail(
                Observation::new("keras-hdf5-malformed", format!("HDF5: {e}"))
                    .at(e.offset())
                    .with_evidence("error", e.to_string()),
            );
            return out;
        }
    };
    let get = |name: &str| attrs.iter().find(|a| a.name == name).map(|a| &a.value);
    let is_keras = [
        "model_config",
        "keras_version",
        "backend",
        "layer_names",
        "training_config",
    ]
    .iter()
    .any(|n| get(n).is_some());
    let mut out = FormatAnalysis::new(if is_keras { "keras-h5" } else { "hdf5" });
    if let Some(end) = truncated {
        out.fail(
            Observation::new(
                "keras-hdf5-malformed",
                format!(
                    "HDF5 file is truncated: the superblock declares {end} bytes, {} present",
                    data.len()
                ),
            )
            .at(data.len() as u64),
        );
    }
    if let Some(o) = get("keras_version")
        .and_then(AttrValue::as_str)
        .and_then(|v| version_observation(v, "keras_version attribute"))
    {
        out.push(o);
    }
    for key in ["model_config", "training_config"] {
        match get(key) {
            None => {}
            Some(v) => match v.as_str() {
                Some(s) => out = walk_json(s.as_bytes(), key, true, out),
                None => out.fail(
                    Observation::new(
                        "keras-config-malformed",
                        format!("root attribute {key} is not a string ({v:?})"),
                    )
                    .with_evidence("origin", key),
                ),
            },
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// .keras archives

const CODE_EXTENSIONS: &[&str] = &[
    ".py", ".pyc", ".pyo", ".pyd", ".pyw", ".so", ".dll", ".dylib", ".exe", ".sh", ".bat", ".cmd",
    ".ps1", ".pth", ".egg", ".whl", ".jar",
];

/// Checks the member names of a `.keras` ZIP (E10): code/executable members and unexpected
/// top-level members.
pub fn check_archive_members(names: &[&str]) -> Vec<Observation> {
    let mut out = Vec::new();
    for &name in names {
        let lower = name.to_ascii_lowercase();
        if CODE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
            out.push(
                Observation::new(
                    "keras-archive-code-member",
                    format!(".keras archive contains `{name}`, a code/executable file Keras never writes"),
                )
                .with_evidence("member", name),
            );
            continue;
        }
        let expected = matches!(
            name,
            "config.json" | "metadata.json" | "model.weights.h5" | "model.weights.npz"
        ) || (name.starts_with("assets/") && !name.contains(".."))
            || name == "assets";
        if !expected {
            out.push(
                Observation::new(
                    "keras-archive-extra-member",
                    format!(".keras archive has an unexpected member `{name}`"),
                )
                .with_evidence("member", name),
            );
        }
    }
    out
}

/// Checks the leading bytes of one `.keras` member for executables and scripts (ELF, PE,
/// Mach-O, shebang); pass at least the first 4 bytes.
pub fn check_archive_member_data(name: &str, head: &[u8]) -> Option<Observation> {
    let kind = if head.starts_with(b"\x7fELF") {
        "an ELF executable"
    } else if head.starts_with(b"MZ") {
        "a PE/DOS executable"
    } else if head.starts_with(&[0xCF, 0xFA, 0xED, 0xFE])
        || head.starts_with(&[0xCE, 0xFA, 0xED, 0xFE])
        || head.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        "a Mach-O executable"
    } else if head.starts_with(b"#!") {
        "a script with a shebang"
    } else {
        return None;
    };
    Some(
        Observation::new(
            "keras-archive-code-member",
            format!(".keras member `{name}` is {kind}"),
        )
        .with_evidence("member", name)
        .with_evidence("content", kind),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savedmodel_layer_metadata() {
        let code = "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLaCl9faW1wb3J0X1/aBnN5c3RlbSkB2gF4cwEAAAAg+gwvdG1wL2t4L2sucHn6CDxsYW1iZGE+cggAAAAEAAAAcyQAAACAAMV60FJW0UdX1EdX10de0kde0F9j0Udk1Edk0Edp0GhpgADzAAAAAA==";
        let j = format!(
            r#"{{"class_name": "Lambda", "name": "l", "config": {{"function": ["{code}", null, null], "function_type": "lambda"}}, "is_graph_network": false}}"#
        );
        let a = analyze_layer_metadata_json(&j);
        let o = a
            .observations
            .iter()
            .find(|o| o.rule == "keras-lambda-bytecode");
        assert!(o.is_some_and(|o| o.evidence["co_names"].contains("system")));
        let op = r#"{"class_name": "TFOpLambda", "config": {"function": "os.system"}}"#;
        let a = analyze_layer_metadata_json(op);
        assert!(a.observations.iter().any(|o| o.rule == "keras-op-lambda"));
        let ok = r#"{"class_name": "TFOpLambda", "config": {"function": "math.add"}}"#;
        assert!(analyze_layer_metadata_json(ok).observations.is_empty());
    }

    #[test]
    fn python_json_tokens() {
        assert_eq!(
            python_json(br#"{"a": NaN, "b": [-Infinity, Infinity], "c": "NaN \" Infinity"}"#)
                .as_ref(),
            br#"{"a": null, "b": [null, null], "c": "NaN \" Infinity"}"#
        );
        let a = analyze_config_json(
            br#"{"class_name": "Dense", "config": {"x": NaN}}"#,
            "config.json",
        );
        assert!(a.incomplete.is_none());
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("3.15.1"), Some((3, 15, 1)));
        assert_eq!(parse_version("2.12.0"), Some((2, 12, 0)));
        assert_eq!(parse_version("3.9.0rc1"), Some((3, 9, 0)));
        assert!(vulnerable_cves((3, 15, 1)).is_empty());
        assert_eq!(vulnerable_cves((3, 8, 0)).len(), 5);
        assert_eq!(vulnerable_cves((2, 12, 0)).len(), 1);
    }

    #[test]
    fn module_classes() {
        assert!(is_dangerous("os"));
        assert!(is_dangerous("subprocess.Popen"));
        assert!(!is_dangerous("keras.layers"));
        assert!(is_allowed("keras.src.utils.file_utils"));
        assert!(!is_allowed("mypkg.layers"));
    }

    #[test]
    fn lambda_reference_is_high() {
        let j = br#"{"class_name":"Lambda","config":{"function":"myfn","function_type":"function","module":"mymod"}}"#;
        let a = analyze_config_json(j, "config.json");
        assert!(
            a.observations
                .iter()
                .any(|o| o.rule == "keras-lambda-reference")
        );
        assert!(a.incomplete.is_none());
    }

    #[test]
    fn unparsed_bytecode_is_still_critical() {
        let j = br#"{"class_name":"Lambda","config":{"function":{"class_name":"__lambda__","config":{"code":"!!!"}}}}"#;
        let a = analyze_config_json(j, "config.json");
        let o = a
            .observations
            .iter()
            .find(|o| o.rule == "keras-lambda-bytecode");
        assert!(o.is_some_and(|o| {
            o.evidence
                .get("bytecode")
                .is_some_and(|b| b.starts_with("unparsed"))
        }));
    }

    #[test]
    fn deep_json_is_incomplete() {
        let mut j = String::new();
        for _ in 0..200 {
            j.push_str("{\"a\":");
        }
        j.push('1');
        for _ in 0..200 {
            j.push('}');
        }
        let a = analyze_config_json(j.as_bytes(), "config.json");
        assert!(a.incomplete.is_some());
    }

    #[test]
    fn archive_members() {
        let obs = check_archive_members(&[
            "config.json",
            "metadata.json",
            "model.weights.h5",
            "assets/vocab.txt",
            "x.py",
            "extra.bin",
        ]);
        assert_eq!(obs.len(), 2);
        assert!(check_archive_member_data("assets/a", b"\x7fELF\x02").is_some());
        assert!(check_archive_member_data("assets/a", b"hello").is_none());
    }

    #[test]
    fn every_rule_exists() {
        for id in [
            "keras-lambda-bytecode",
            "keras-lambda-reference",
            "keras-unsafe-module",
            "keras-custom-object",
            "keras-get-file",
            "keras-torch-module-wrapper",
            "keras-tfsm-layer",
            "keras-unsafe-deserialization",
            "keras-op-lambda",
            "keras-archive-code-member",
            "keras-archive-extra-member",
            "keras-version-vulnerable",
            "keras-config-malformed",
            "keras-hdf5-malformed",
        ] {
            assert!(mlsecops_core::rules::rule(id).is_some(), "{id}");
        }
    }
}
