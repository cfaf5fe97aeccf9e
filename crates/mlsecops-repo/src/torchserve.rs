//! `TorchServe` `MAR-INF/MANIFEST.json` (inside `.mar` archives written by
//! torch-model-archiver).

use mlsecops_core::{FormatAnalysis, Observation};
use serde_json::Value;

/// Format label.
pub const FORMAT: &str = "torchserve-manifest";

/// Largest manifest read (bytes).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// `TorchServe`'s built-in handler names (`ts.torch_handler.*`).
pub const BUILTIN_HANDLERS: &[&str] = &[
    "image_classifier",
    "text_classifier",
    "object_detector",
    "image_segmenter",
    "text_handler",
    "vision_handler",
    "base_handler",
    "dali_image_classifier",
];

/// True for the archive path of a `TorchServe` manifest.
pub fn is_manifest_name(path: &str) -> bool {
    let p = path.replace('\\', "/");
    p == "MAR-INF/MANIFEST.json" || p.ends_with("/MAR-INF/MANIFEST.json")
}

/// Analyses a `MANIFEST.json`.
pub fn analyze_manifest(json: &[u8]) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(FORMAT);
    if json.len() > MAX_MANIFEST_BYTES {
        analysis.fail(Observation::new(
            "config-limit-exceeded",
            format!(
                "TorchServe manifest of {} bytes exceeds the limit",
                json.len()
            ),
        ));
        return analysis;
    }
    let value: Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            analysis.fail(
                Observation::new(
                    "config-malformed",
                    format!("MANIFEST.json is not valid JSON: {e}"),
                )
                .with_evidence("line", e.line().to_string()),
            );
            return analysis;
        }
    };
    let Some(model) = value.get("model").and_then(Value::as_object) else {
        analysis.fail(Observation::new(
            "config-malformed",
            "MANIFEST.json has no \"model\" object",
        ));
        return analysis;
    };
    let field = |k: &str| {
        model
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(handler) = field("handler") {
        // `module:function` or a file name; built-ins are bare names (optionally ts.torch_handler.).
        let bare = handler.strip_prefix("ts.torch_handler.").unwrap_or(handler);
        let base = bare.split(':').next().unwrap_or(bare);
        if !BUILTIN_HANDLERS.contains(&base) {
            analysis.push(
                Observation::new(
                    "torchserve-custom-handler",
                    format!("custom handler {handler} runs Python when the model is registered"),
                )
                .with_evidence("handler", handler)
                .with_evidence("file", handler_file(handler)),
            );
        }
    }
    if let Some(model_file) = field("modelFile") {
        analysis.push(
            Observation::new(
                "torchserve-model-file",
                format!("Python model file {model_file} is imported when the model loads"),
            )
            .with_evidence("file", model_file),
        );
    }
    if let Some(req) = field("requirementsFile") {
        analysis.push(
            Observation::new(
                "torchserve-requirements",
                format!("requirements file {req} is pip-installed at registration"),
            )
            .with_evidence("file", req),
        );
    }
    if let Some(serialized) = field("serializedFile") {
        // Scanned as PyTorch by the engine; recorded for context only.
        let _ = serialized;
    }
    analysis
}

fn handler_file(handler: &str) -> String {
    let module = handler.split(':').next().unwrap_or(handler);
    if std::path::Path::new(module)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py"))
    {
        module.to_owned()
    } else {
        format!("{module}.py")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_vs_custom() {
        let b =
            br#"{"model":{"modelName":"m","handler":"image_classifier","serializedFile":"m.pt"}}"#;
        assert!(analyze_manifest(b).observations.is_empty());
        let c = br#"{"model":{"handler":"evil_handler.py","requirementsFile":"requirements.txt"}}"#;
        let rules: Vec<_> = analyze_manifest(c)
            .observations
            .iter()
            .map(|o| o.rule)
            .collect();
        assert_eq!(
            rules,
            ["torchserve-custom-handler", "torchserve-requirements"]
        );
        assert!(analyze_manifest(b"[]").incomplete.is_some());
    }
}
