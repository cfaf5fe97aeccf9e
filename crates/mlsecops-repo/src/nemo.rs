//! `NeMo` `model_config.yaml` (inside `.nemo` tar archives): Hydra `_target_` values are
//! imported and instantiated by `restore_from`.

use mlsecops_core::{FormatAnalysis, Observation};

use crate::names::is_code_execution;
use crate::python::pattern_matches;
use crate::yaml::{self, YamlDoc, YamlLimits, YamlNode};

/// Format label.
pub const FORMAT: &str = "nemo-config";

/// Namespaces whose targets are expected in `NeMo` configs.
pub const TRUSTED_PREFIXES: &[&str] = &[
    "nemo.*",
    "torch.*",
    "omegaconf.*",
    "lightning.*",
    "pytorch_lightning.*",
    "transformers.*",
    "megatron.*",
];

/// True for the member name of a `NeMo` model config.
pub fn is_config_name(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base == "model_config.yaml"
}

/// Analyses a `NeMo` `model_config.yaml`.
pub fn analyze_config(yaml_bytes: &[u8]) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let doc = match yaml::parse(yaml_bytes, &YamlLimits::default()) {
        Ok(d) => d,
        Err(e) => {
            analysis.fail(Observation::new(e.rule_id(), format!("NeMo config: {e}")));
            return analysis;
        }
    };
    let mut stack: Vec<(&YamlNode, String)> =
        doc.documents.iter().map(|d| (d, String::new())).collect();
    while let Some((node, path)) = stack.pop() {
        match node {
            YamlNode::Map(entries) => {
                if let Some(target) = node.get("_target_") {
                    check_target(node, target, &path, &mut analysis);
                }
                for (k, v) in entries {
                    let key = k.as_str().unwrap_or("?");
                    stack.push((v, yaml::child_path(&path, key)));
                }
            }
            YamlNode::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((v, format!("{path}[{i}]")));
                }
            }
            YamlNode::Scalar { .. } | YamlNode::Alias => {}
        }
    }
    analysis
}

/// Checks of any YAML config (Hydra/Lightning/training configs): `_target_` naming a
/// code-execution callable and `trust_remote_code: true`. Untrusted-but-ordinary targets are
/// not reported outside `NeMo` configs (Hydra projects name their own classes).
pub(crate) fn scan_generic_yaml(doc: &YamlDoc) -> Vec<Observation> {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let mut stack: Vec<(&YamlNode, String)> =
        doc.documents.iter().map(|d| (d, String::new())).collect();
    while let Some((node, path)) = stack.pop() {
        match node {
            YamlNode::Map(entries) => {
                for (k, v) in entries {
                    let key = k.as_str().unwrap_or("?");
                    let child = yaml::child_path(&path, key);
                    if key == "_target_"
                        && let Some(name) = v.as_str()
                        && is_code_execution(name)
                    {
                        check_target(node, v, &path, &mut analysis);
                    }
                    if key == "trust_remote_code"
                        && v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
                    {
                        analysis.push(
                            Observation::new(
                                "hf-trust-remote-code",
                                "YAML config sets trust_remote_code",
                            )
                            .with_evidence("json_path", child.clone())
                            .with_evidence("line", v.line().to_string()),
                        );
                    }
                    stack.push((v, child));
                }
            }
            YamlNode::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((v, format!("{path}[{i}]")));
                }
            }
            YamlNode::Scalar { .. } | YamlNode::Alias => {}
        }
    }
    analysis.observations
}

fn check_target(map: &YamlNode, target: &YamlNode, path: &str, analysis: &mut FormatAnalysis) {
    let Some(name) = target.as_str() else {
        analysis.push(
            Observation::new(
                "nemo-untrusted-target",
                "`_target_` is not a plain string (alias or collection)",
            )
            .with_evidence("json_path", yaml::child_path(path, "_target_")),
        );
        return;
    };
    let name = name.trim();
    let partial = map
        .get("_partial_")
        .and_then(YamlNode::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let has_args = map.get("_args_").is_some();
    let mut obs = if is_code_execution(name) {
        Observation::new(
            "nemo-target-code-execution",
            format!("Hydra `_target_: {name}` runs code when the model is restored"),
        )
    } else if TRUSTED_PREFIXES.iter().any(|p| pattern_matches(p, name)) {
        return;
    } else {
        Observation::new(
            "nemo-untrusted-target",
            format!("Hydra `_target_: {name}` is outside the trusted NeMo namespaces"),
        )
    };
    obs = obs
        .with_evidence("target", name)
        .with_evidence("json_path", yaml::child_path(path, "_target_"))
        .with_evidence("line", target.line().to_string());
    if partial {
        obs = obs.with_evidence("partial", "true");
    }
    if has_args {
        obs = obs.with_evidence("args", "true");
    }
    analysis.push(obs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let ok = b"model:\n  encoder:\n    _target_: nemo.collections.asr.modules.ConvASREncoder\n";
        assert!(analyze_config(ok).observations.is_empty());
        let bad = b"model:\n  x:\n    _target_: os.system\n    _args_: ['id']\n  y:\n    _target_: mylib.Thing\n";
        let rules: Vec<_> = analyze_config(bad)
            .observations
            .iter()
            .map(|o| o.rule)
            .collect();
        assert!(rules.contains(&"nemo-target-code-execution"));
        assert!(rules.contains(&"nemo-untrusted-target"));
        assert!(analyze_config(b"a: [").incomplete.is_some());
    }
}
