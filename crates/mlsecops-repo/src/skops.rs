//! skops `schema.json` (inside a `.skops` ZIP): the types loading would construct.
//!
//! skops refuses types outside its default trusted set unless the caller passes
//! `trusted=…`; users routinely pass `trusted=get_untrusted_types(...)`, so every untrusted
//! type is reported and code-execution callables are critical.

use mlsecops_core::{FormatAnalysis, Observation};
use serde_json::Value;

use crate::names::is_code_execution;
use crate::skops_trusted::TRUSTED;

/// Format label.
pub const FORMAT: &str = "skops-schema";

/// Limits of the schema walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest schema (bytes).
    pub max_bytes: usize,
    /// Most JSON values visited.
    pub max_nodes: usize,
    /// Most distinct types reported.
    pub max_types: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_nodes: 5_000_000,
            max_types: 1000,
        }
    }
}

/// Node loaders of the skops 0.16 protocol (`__loader__` values).
pub const KNOWN_LOADERS: &[&str] = &[
    "BytearrayNode",
    "BytesNode",
    "CachedNode",
    "ConstructorFromReduceNode",
    "DTypeNode",
    "DefaultDictNode",
    "DictNode",
    "FunctionNode",
    "JsonNode",
    "ListNode",
    "LossNode",
    "MaskedArrayNode",
    "MethodNode",
    "NdArrayNode",
    "ObjectNode",
    "OperatorFuncNode",
    "PartialNode",
    "QuantileForestNode",
    "RandomGeneratorNode",
    "RandomStateNode",
    "ReduceNode",
    "SetNode",
    "SliceNode",
    "SparseMatrixNode",
    "TreeNode",
    "TupleNode",
    "TypeNode",
    "_DictWithDeprecatedKeysNode",
];

/// True when skops loads `name` without `trusted=`.
pub fn is_trusted(name: &str) -> bool {
    TRUSTED.binary_search(&name).is_ok()
}

/// Analyses a skops `schema.json`.
pub fn analyze_schema(json: &[u8]) -> FormatAnalysis {
    analyze_schema_with(json, &Limits::default())
}

/// Analyses a skops `schema.json` with explicit limits.
pub fn analyze_schema_with(json: &[u8], limits: &Limits) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let types = match collect(json, limits) {
        Ok((types, loaders, truncated)) => {
            if let Some(reason) = truncated {
                analysis.fail(Observation::new("config-limit-exceeded", reason));
            }
            for (loader, path) in loaders {
                analysis.push(
                    Observation::new(
                        "config-malformed",
                        format!("skops schema uses unknown node loader {loader}"),
                    )
                    .with_evidence("loader", loader)
                    .with_evidence("json_path", path),
                );
            }
            types
        }
        Err(obs) => {
            analysis.fail(obs);
            return analysis;
        }
    };
    for (name, path) in types {
        if is_code_execution(&name) {
            analysis.push(
                Observation::new(
                    "skops-dangerous-type",
                    format!(
                        "skops schema names {name}, which runs code when loaded with trusted types"
                    ),
                )
                .with_evidence("type", name)
                .with_evidence("json_path", path),
            );
        } else if !is_trusted(&name) {
            analysis.push(
                Observation::new(
                    "skops-untrusted-type",
                    format!("skops schema needs untrusted type {name}"),
                )
                .with_evidence("type", name)
                .with_evidence("json_path", path),
            );
        }
    }
    analysis
}

/// Types in the schema that skops does not trust by default (what
/// `skops.io.get_untrusted_types` would list), sorted and deduplicated. Empty on parse errors.
pub fn untrusted_types(json: &[u8]) -> Vec<String> {
    let Ok((types, _, _)) = collect(json, &Limits::default()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = types
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !is_trusted(n))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// (types with their first JSON path, unknown loaders with their path, truncation reason).
type Collected = (Vec<(String, String)>, Vec<(String, String)>, Option<String>);

fn collect(json: &[u8], limits: &Limits) -> Result<Collected, Observation> {
    if json.len() > limits.max_bytes {
        return Err(Observation::new(
            "config-limit-exceeded",
            format!(
                "skops schema of {} bytes exceeds the {}-byte limit",
                json.len(),
                limits.max_bytes
            ),
        ));
    }
    let value: Value = serde_json::from_slice(json).map_err(|e| {
        Observation::new(
            "config-malformed",
            format!("skops schema.json is not valid JSON: {e}"),
        )
        .with_evidence("line", e.line().to_string())
    })?;
    if !value.is_object() {
        return Err(Observation::new(
            "config-malformed",
            "skops schema.json is not a JSON object",
        ));
    }
    let mut seen = std::collections::BTreeMap::new();
    let mut loaders = std::collections::BTreeMap::new();
    let mut stack: Vec<(&Value, String)> = vec![(&value, String::from("$"))];
    let mut nodes = 0usize;
    let mut truncated = None;
    while let Some((v, path)) = stack.pop() {
        nodes += 1;
        if nodes > limits.max_nodes || seen.len() >= limits.max_types {
            truncated = Some(format!(
                "skops schema walk stopped at {path}: node/type limit reached"
            ));
            break;
        }
        match v {
            Value::Object(map) => {
                if let Some(loader) = map.get("__loader__").and_then(Value::as_str)
                    && !KNOWN_LOADERS.contains(&loader)
                    && loaders.len() < limits.max_types
                {
                    loaders
                        .entry(loader.to_owned())
                        .or_insert_with(|| path.clone());
                }
                let module = map.get("__module__").and_then(Value::as_str);
                let class = map.get("__class__").and_then(Value::as_str);
                if let (Some(m), Some(c)) = (module, class) {
                    seen.entry(format!("{m}.{c}"))
                        .or_insert_with(|| path.clone());
                } else if module.is_some() != class.is_some() {
                    seen.entry(format!(
                        "{}.{}",
                        module.unwrap_or("?"),
                        class.unwrap_or("?")
                    ))
                    .or_insert_with(|| path.clone());
                }
                for (k, child) in map {
                    if child.is_object() || child.is_array() {
                        stack.push((child, format!("{path}.{k}")));
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, format!("{path}[{i}]")));
                    }
                }
            }
            _ => {}
        }
    }
    let out: Vec<(String, String)> = seen.into_iter().collect();
    Ok((out, loaders.into_iter().collect(), truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_is_critical_and_untrusted() {
        let s = br#"{"__class__":"dict","__module__":"builtins","__loader__":"DictNode","content":{"f":{"__class__":"eval","__module__":"builtins","__loader__":"TypeNode"},"g":{"__class__":"Foo","__module__":"mylib","__loader__":"ObjectNode"}}}"#;
        let a = analyze_schema(s);
        let rules: Vec<_> = a.observations.iter().map(|o| o.rule).collect();
        assert!(rules.contains(&"skops-dangerous-type"));
        assert!(rules.contains(&"skops-untrusted-type"));
        assert_eq!(
            untrusted_types(s),
            vec!["builtins.eval".to_owned(), "mylib.Foo".to_owned()]
        );
    }

    #[test]
    fn trusted_list_is_sorted() {
        assert!(TRUSTED.windows(2).all(|w| w[0] < w[1]));
        assert!(is_trusted(
            "sklearn.linear_model._logistic.LogisticRegression"
        ));
        assert!(!is_trusted("sklearn.tree._tree.Tree"));
    }

    #[test]
    fn malformed_is_incomplete() {
        assert!(analyze_schema(b"{").incomplete.is_some());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(analyze_schema(deep.as_bytes()).incomplete.is_some());
    }
}
