//! `MLflow` `MLmodel` files: which flavours load pickles or custom code.
//!
//! The referenced pickles (`model.pkl`, `python_model.pkl[.gz]`) are ordinary files in the
//! model directory and are scanned by the pickle engine; this module reports how they are
//! loaded, custom loader modules, code paths and referenced files missing from `dir`.

use std::path::Path;

use mlsecops_core::paths::{PathVerdict, classify_relative_path};
use mlsecops_core::{FormatAnalysis, Observation};

use crate::yaml::{self, YamlLimits, YamlNode};

/// Format label.
pub const FORMAT: &str = "mlflow-mlmodel";

/// True for an `MLmodel` file name (any directory).
pub fn is_mlmodel_name(name: &str) -> bool {
    name.rsplit(['/', '\\']).next().unwrap_or(name) == "MLmodel"
}

/// Flavour keys whose value names a file or directory inside the model directory.
const FILE_KEYS: &[&str] = &[
    "pickled_model",
    "python_model",
    "model_path",
    "data",
    "model_data",
    "artifacts",
];

/// Analyses an `MLmodel` YAML; `dir` is the model directory when known.
pub fn analyze_mlmodel(yaml_bytes: &[u8], dir: Option<&Path>) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let doc = match yaml::parse(yaml_bytes, &YamlLimits::default()) {
        Ok(d) => d,
        Err(e) => {
            analysis.fail(Observation::new(e.rule_id(), format!("MLmodel: {e}")));
            return analysis;
        }
    };
    let Some(root) = doc.documents.first() else {
        analysis.fail(Observation::new("config-malformed", "MLmodel is empty"));
        return analysis;
    };
    let Some(YamlNode::Map(flavors)) = root.get("flavors") else {
        analysis.fail(Observation::new(
            "config-malformed",
            "MLmodel has no `flavors` mapping",
        ));
        return analysis;
    };
    for (key, flavour) in flavors {
        let Some(name) = key.as_str() else { continue };
        check_flavour(name, flavour, dir, &mut analysis);
    }
    if let Some(dir) = dir {
        analysis.absorb(crate::modelcard::check_dir(
            dir,
            crate::modelcard::DirKind::Mlflow,
        ));
    }
    analysis
}

fn scalar<'a>(node: &'a YamlNode, key: &str) -> Option<&'a str> {
    node.get(key)
        .and_then(YamlNode::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "null" && *s != "~")
}

fn check_flavour(
    name: &str,
    flavour: &YamlNode,
    dir: Option<&Path>,
    analysis: &mut FormatAnalysis,
) {
    let path = format!("flavors.{name}");
    if name == "python_function" {
        if let Some(loader) = scalar(flavour, "loader_module")
            && !(loader == "mlflow" || loader.starts_with("mlflow."))
        {
            let code = scalar(flavour, "code");
            let mut obs = Observation::new(
                "mlflow-loader-module",
                format!("python_function loader_module `{loader}` is imported and run on load"),
            )
            .with_evidence("loader_module", loader)
            .with_evidence("json_path", format!("{path}.loader_module"))
            .with_evidence(
                "line",
                flavour
                    .get("loader_module")
                    .map_or(0, YamlNode::line)
                    .to_string(),
            );
            if let (Some(dir), Some(code)) = (dir, code) {
                let file = format!("{}.py", loader.replace('.', "/"));
                let present = safe_join(dir, code).is_some_and(|d| d.join(&file).is_file());
                obs = obs
                    .with_evidence("file", format!("{code}/{file}"))
                    .with_evidence("file_present", present.to_string());
            }
            analysis.push(obs);
        }
        if let Some(model) = scalar(flavour, "python_model") {
            let mut obs = Observation::new(
                "mlflow-pickle-model",
                format!("python_model `{model}` is unpickled with cloudpickle on load"),
            )
            .with_evidence("file", model)
            .with_evidence("flavor", name);
            if let Some(c) = scalar(flavour, "python_model_compression") {
                obs = obs.with_evidence("compression", c);
            }
            analysis.push(obs);
        }
    } else {
        let format = scalar(flavour, "serialization_format").unwrap_or("");
        let pickled = scalar(flavour, "pickled_model");
        let torch_pickle = scalar(flavour, "pickle_module_name");
        if matches!(format, "pickle" | "cloudpickle")
            || (pickled.is_some() && format != "skops")
            || torch_pickle.is_some()
        {
            let mut obs = Observation::new(
                "mlflow-pickle-model",
                format!("flavour `{name}` loads its model via pickle; the pickle itself is scanned separately"),
            )
            .with_evidence("flavor", name);
            if let Some(p) = pickled.or_else(|| scalar(flavour, "model_data")) {
                obs = obs.with_evidence("file", p);
            }
            if !format.is_empty() {
                obs = obs.with_evidence("serialization_format", format);
            }
            if let Some(m) = torch_pickle {
                obs = obs.with_evidence("pickle_module", m);
            }
            analysis.push(obs);
        }
    }
    // Code paths (any flavour).
    for key in ["code", "code_paths"] {
        let entries: Vec<&str> = match flavour.get(key) {
            Some(YamlNode::Seq(items)) => items.iter().filter_map(YamlNode::as_str).collect(),
            Some(n) => scalar(flavour, key)
                .map(|_| n.as_str().unwrap_or(""))
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        for entry in entries
            .into_iter()
            .filter(|e| !e.is_empty() && *e != "null")
        {
            analysis.push(
                Observation::new(
                    "mlflow-code-paths",
                    format!("flavour `{name}` puts `{entry}` on sys.path when loading"),
                )
                .with_evidence("path", entry)
                .with_evidence("flavor", name),
            );
            check_file(dir, entry, &format!("{path}.{key}"), analysis);
        }
    }
    for key in FILE_KEYS {
        if let Some(file) = scalar(flavour, key) {
            check_file(dir, file, &format!("{path}.{key}"), analysis);
        }
    }
}

/// Joins a relative reference to `dir`, refusing anything that leaves it.
fn safe_join(dir: &Path, rel: &str) -> Option<std::path::PathBuf> {
    (classify_relative_path(rel) == PathVerdict::Inside).then(|| dir.join(rel))
}

fn check_file(dir: Option<&Path>, rel: &str, json_path: &str, analysis: &mut FormatAnalysis) {
    let verdict = classify_relative_path(rel);
    if verdict != PathVerdict::Inside {
        analysis.push(
            Observation::new(
                "archive-path-traversal",
                format!("MLmodel references `{rel}`, which {}", verdict.describe()),
            )
            .with_evidence("path", rel)
            .with_evidence("json_path", json_path),
        );
        return;
    }
    let p = Path::new(rel);
    let Some(dir) = dir else { return };
    let full = dir.join(p);
    // `python_model.pkl` may be stored compressed with a suffix.
    let present = full.exists() || dir.join(format!("{rel}.gz")).exists();
    if !present {
        analysis.push(
            Observation::new(
                "mlflow-missing-file",
                format!("MLmodel references `{rel}`, which is not in the model directory"),
            )
            .with_evidence("path", rel)
            .with_evidence("json_path", json_path),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavours() {
        let y = b"flavors:\n  python_function:\n    loader_module: evil_loader\n    code: code\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n";
        let rules: Vec<_> = analyze_mlmodel(y, None)
            .observations
            .iter()
            .map(|o| o.rule)
            .collect();
        assert!(rules.contains(&"mlflow-loader-module"));
        assert!(rules.contains(&"mlflow-pickle-model"));
        assert!(rules.contains(&"mlflow-code-paths"));
        let t = b"flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: ../../etc/passwd\n";
        let rules: Vec<_> = analyze_mlmodel(t, None)
            .observations
            .iter()
            .map(|o| o.rule)
            .collect();
        assert_eq!(rules, ["archive-path-traversal"]);
        assert!(analyze_mlmodel(b"x: 1\n", None).incomplete.is_some());
    }
}
