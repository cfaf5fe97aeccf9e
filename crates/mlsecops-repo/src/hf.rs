//! Hugging Face repository configuration files: `auto_map` remote code, `trust_remote_code`,
//! custom pipelines, sentence-transformers modules and chat templates.

use std::path::{Component, Path};

use mlsecops_core::{FormatAnalysis, Observation};
use serde_json::Value;

/// Format label of configuration files.
pub const FORMAT: &str = "hf-config";
/// Format label of stand-alone chat template files.
pub const TEMPLATE_FORMAT: &str = "chat-template";

/// Limits of the config reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest config read (bytes).
    pub max_bytes: usize,
    /// Most JSON values visited.
    pub max_nodes: usize,
    /// Largest chat template handed to the template checker (bytes).
    pub max_template_bytes: usize,
    /// Most chat templates checked per file.
    pub max_templates: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_nodes: 2_000_000,
            max_template_bytes: 1024 * 1024,
            max_templates: 64,
        }
    }
}

/// Configuration file names (base names) whose content this module understands.
pub const CONFIG_NAMES: &[&str] = &[
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
    "feature_extractor_config.json",
    "image_processor_config.json",
    "video_preprocessor_config.json",
    "generation_config.json",
    "adapter_config.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "modules.json",
    "model_index.json",
    "special_tokens_map.json",
];

/// True for a Hugging Face config file name (any directory).
pub fn is_hf_config_name(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    CONFIG_NAMES.contains(&base)
}

/// True for a stand-alone chat template (`chat_template.jinja`, `*.jinja`, `*.j2` under
/// `additional_chat_templates/`).
pub fn is_chat_template_name(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    Path::new(base)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jinja") || e.eq_ignore_ascii_case("jinja2"))
}

/// Analyses a Hugging Face config. `name` is the file name (base name or path); `dir` is the
/// directory holding it, used to check that referenced `<module>.py` files exist.
pub fn analyze_config(name: &str, json: &[u8], dir: Option<&Path>) -> FormatAnalysis {
    analyze_config_with(name, json, dir, &Limits::default())
}

/// [`analyze_config`] with explicit limits.
pub fn analyze_config_with(
    name: &str,
    json: &[u8],
    dir: Option<&Path>,
    limits: &Limits,
) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if json.len() > limits.max_bytes {
        analysis.fail(Observation::new(
            "config-limit-exceeded",
            format!(
                "{base} of {} bytes exceeds the {}-byte limit",
                json.len(),
                limits.max_bytes
            ),
        ));
        return analysis;
    }
    let value: Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            analysis.fail(
                Observation::new("config-malformed", format!("{base} is not valid JSON: {e}"))
                    .with_evidence("line", e.line().to_string())
                    .with_evidence("column", e.column().to_string()),
            );
            return analysis;
        }
    };
    let model_type = value
        .get("model_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if base == "config.json"
        && let Some(dir) = dir
        && is_model_dir(&value, dir)
    {
        analysis.absorb(crate::modelcard::check_dir(
            dir,
            crate::modelcard::DirKind::HuggingFace,
        ));
    }
    let mut ctx = Ctx {
        base,
        dir,
        model_type,
        limits,
        templates: 0,
    };
    if base == "modules.json" {
        check_modules(&value, &mut analysis);
    }
    if base == "model_index.json" {
        check_model_index(&value, &ctx, &mut analysis);
    }
    if base == "adapter_config.json" {
        for key in ["base_model_name_or_path", "base_model"] {
            if let Some(repo) = value
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| s.contains('/'))
            {
                analysis.push(
                    Observation::new(
                        "hf-external-reference",
                        format!("adapter loads base model {repo}"),
                    )
                    .with_evidence("json_path", format!("$.{key}"))
                    .with_evidence("repo", repo),
                );
            }
        }
    }
    // Top-level chat templates (tokenizer_config.json, processor_config.json).
    if let Some(t) = value.get("chat_template") {
        check_chat_template(t, "$.chat_template", &mut ctx, &mut analysis);
    }
    // Walk the whole tree for auto_map / trust_remote_code / custom_pipelines.
    let mut stack: Vec<(&Value, String)> = vec![(&value, "$".to_owned())];
    let mut nodes = 0usize;
    while let Some((v, path)) = stack.pop() {
        nodes += 1;
        if nodes > limits.max_nodes {
            analysis.fail(Observation::new(
                "config-limit-exceeded",
                format!(
                    "{base}: more than {} JSON values; walk stopped at {path}",
                    limits.max_nodes
                ),
            ));
            break;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let child_path = format!("{path}.{k}");
                    match k.as_str() {
                        "auto_map" => check_auto_map(child, &child_path, &ctx, &mut analysis),
                        "trust_remote_code" if truthy(child) => analysis.push(
                            Observation::new(
                                "hf-trust-remote-code",
                                format!("{base} sets trust_remote_code"),
                            )
                            .with_evidence("json_path", child_path.clone()),
                        ),
                        "custom_pipelines" => {
                            check_custom_pipelines(child, &child_path, &ctx, &mut analysis);
                        }
                        _ => {}
                    }
                    if child.is_object() || child.is_array() {
                        stack.push((child, child_path));
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
    analysis
}

/// Weight files that make a directory with a `config.json` a model directory.
const WEIGHT_FILES: &[&str] = &[
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "tf_model.h5",
    "flax_model.msgpack",
    "model.onnx",
];

/// True when `config.json` describes a model (`model_type` / `architectures`, or weights
/// beside it) whose card the Hugging Face hook should check. Directories holding an
/// `MLmodel` are left to the `MLflow` hook, so one directory yields one card finding.
///
/// A sub-model of a larger documented repository (diffusers `text_encoder/`, the `model/`
/// folder of an `MLflow` transformers model, a folder under a directory with its own card) is
/// left to that repository's card.
fn is_model_dir(config: &Value, dir: &Path) -> bool {
    if dir.join("MLmodel").is_file() {
        return false;
    }
    if let Some(parent) = dir.parent()
        && !crate::modelcard::CARD_NAMES
            .iter()
            .any(|n| dir.join(n).is_file())
        && (parent.join("model_index.json").is_file()
            || parent.join("MLmodel").is_file()
            || crate::modelcard::CARD_NAMES
                .iter()
                .any(|n| parent.join(n).is_file()))
    {
        return false;
    }
    config.get("model_type").is_some_and(Value::is_string)
        || config.get("architectures").is_some_and(Value::is_array)
        || WEIGHT_FILES.iter().any(|w| dir.join(w).is_file())
}

/// Analyses a stand-alone chat template file (`chat_template.jinja`).
pub fn analyze_chat_template_file(source: &[u8]) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new(TEMPLATE_FORMAT);
    let limits = Limits::default();
    if source.len() > limits.max_template_bytes {
        analysis.fail(Observation::new(
            "config-limit-exceeded",
            format!(
                "chat template of {} bytes exceeds the {}-byte limit",
                source.len(),
                limits.max_template_bytes
            ),
        ));
        return analysis;
    }
    match std::str::from_utf8(source) {
        Ok(text) => analysis.absorb(mlsecops_template::check(text)),
        Err(e) => analysis.fail(
            Observation::new("config-malformed", "chat template is not valid UTF-8")
                .at(e.valid_up_to() as u64),
        ),
    }
    analysis
}

struct Ctx<'a> {
    base: &'a str,
    dir: Option<&'a Path>,
    model_type: Option<String>,
    limits: &'a Limits,
    templates: usize,
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn check_chat_template(t: &Value, path: &str, ctx: &mut Ctx<'_>, analysis: &mut FormatAnalysis) {
    let mut push = |source: &str, p: String, analysis: &mut FormatAnalysis| {
        ctx.templates += 1;
        if ctx.templates > ctx.limits.max_templates {
            analysis.fail(Observation::new(
                "config-limit-exceeded",
                format!(
                    "more than {} chat templates; {p} not checked",
                    ctx.limits.max_templates
                ),
            ));
            return;
        }
        if source.len() > ctx.limits.max_template_bytes {
            analysis.fail(Observation::new(
                "config-limit-exceeded",
                format!(
                    "chat template at {p} exceeds {} bytes; not checked",
                    ctx.limits.max_template_bytes
                ),
            ));
            return;
        }
        let mut inner = mlsecops_template::check(source);
        for obs in &mut inner.observations {
            obs.evidence
                .entry("json_path".to_owned())
                .or_insert_with(|| p.clone());
        }
        analysis.absorb(inner);
    };
    match t {
        Value::String(s) => push(s, path.to_owned(), analysis),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item.get("template") {
                    Some(Value::String(s)) => push(s, format!("{path}[{i}].template"), analysis),
                    _ => analysis.fail(Observation::new(
                        "config-malformed",
                        format!("{path}[{i}] is not a {{name, template}} entry"),
                    )),
                }
            }
        }
        Value::Null => {}
        _ => analysis.fail(Observation::new(
            "config-malformed",
            format!("{path} is neither a string nor a list of templates"),
        )),
    }
}

/// Collects every string reference inside an `auto_map` value (strings, `[slow, fast]`
/// lists with nulls, nested dicts).
fn collect_refs<'v>(v: &'v Value, path: &str, out: &mut Vec<(&'v str, String)>, depth: u32) {
    if depth > 16 || out.len() > 10_000 {
        return;
    }
    match v {
        Value::String(s) => out.push((s, path.to_owned())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_refs(item, &format!("{path}[{i}]"), out, depth + 1);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                collect_refs(item, &format!("{path}.{k}"), out, depth + 1);
            }
        }
        _ => {}
    }
}

fn check_auto_map(v: &Value, path: &str, ctx: &Ctx<'_>, analysis: &mut FormatAnalysis) {
    let mut refs = Vec::new();
    collect_refs(v, path, &mut refs, 0);
    for (reference, ref_path) in refs {
        report_reference(reference, &ref_path, "auto_map", ctx, analysis);
    }
}

fn check_custom_pipelines(v: &Value, path: &str, ctx: &Ctx<'_>, analysis: &mut FormatAnalysis) {
    let Value::Object(map) = v else { return };
    for (task, entry) in map {
        if let Some(imp) = entry.get("impl").and_then(Value::as_str) {
            report_reference(
                imp,
                &format!("{path}.{task}.impl"),
                "custom_pipelines",
                ctx,
                analysis,
            );
        }
    }
}

fn report_reference(
    reference: &str,
    path: &str,
    via: &str,
    ctx: &Ctx<'_>,
    analysis: &mut FormatAnalysis,
) {
    let reference = reference.trim();
    if reference.is_empty() {
        return;
    }
    let mut obs = if let Some((repo, target)) = reference.split_once("--") {
        Observation::new(
            "hf-auto-map-cross-repo",
            format!(
                "{} {via} loads {target} from another repository ({repo})",
                ctx.base
            ),
        )
        .with_evidence("repo", repo)
        .with_evidence("class", target)
    } else {
        let module = reference.rsplit_once('.').map_or(reference, |(m, _)| m);
        let file = format!("{}.py", module.replace('.', "/"));
        let mut o = Observation::new(
            "hf-auto-map-remote-code",
            format!(
                "{} {via} runs repository code {file} ({reference}) with trust_remote_code",
                ctx.base
            ),
        )
        .with_evidence("class", reference)
        .with_evidence("file", file.clone());
        if let Some(dir) = ctx.dir {
            let safe = Path::new(&file)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
            let present = safe && dir.join(&file).is_file();
            o = o.with_evidence("file_present", present.to_string());
            if !present {
                o.message.push_str(
                    "; the file is missing here and would be fetched from the Hub unscanned",
                );
            }
        }
        o
    };
    obs = obs
        .with_evidence("json_path", path)
        .with_evidence("via", via);
    if let Some(mt) = &ctx.model_type {
        obs = obs.with_evidence("model_type", mt.clone());
    }
    analysis.push(obs);
}

/// Libraries diffusers resolves components from without remote code.
const DIFFUSERS_LIBRARIES: &[&str] = &["diffusers", "transformers", "onnxruntime", "k_diffusion"];

/// diffusers `model_index.json`: `"unet": ["library", "Class"]`; a library outside the known
/// set is a module of the repository (custom components, `trust_remote_code`).
fn check_model_index(value: &Value, ctx: &Ctx<'_>, analysis: &mut FormatAnalysis) {
    let Value::Object(map) = value else { return };
    for (component, entry) in map {
        let Some([Value::String(library), Value::String(class)]) =
            entry.as_array().map(Vec::as_slice)
        else {
            continue;
        };
        let root = library.split('.').next().unwrap_or(library);
        if DIFFUSERS_LIBRARIES.contains(&root) {
            continue;
        }
        let reference = format!("{library}.{class}");
        report_reference(
            &reference,
            &format!("$.{component}"),
            "model_index",
            ctx,
            analysis,
        );
    }
    if let Some(Value::Array(items)) = value.get("_class_name")
        && let [Value::String(module), Value::String(class)] = items.as_slice()
    {
        let reference = format!("{module}.{class}");
        report_reference(&reference, "$._class_name", "model_index", ctx, analysis);
    }
}

fn check_modules(value: &Value, analysis: &mut FormatAnalysis) {
    let Value::Array(items) = value else {
        analysis.fail(Observation::new(
            "config-malformed",
            "modules.json is not a JSON list",
        ));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if let Some(ty) = item.get("type").and_then(Value::as_str)
            && !ty.starts_with("sentence_transformers.")
        {
            analysis.push(
                Observation::new(
                    "hf-custom-module",
                    format!("modules.json loads module type {ty} outside sentence_transformers"),
                )
                .with_evidence("type", ty)
                .with_evidence("json_path", format!("$[{i}].type")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(name: &str, json: &str) -> Vec<&'static str> {
        analyze_config(name, json.as_bytes(), None)
            .observations
            .iter()
            .map(|o| o.rule)
            .collect()
    }

    #[test]
    fn auto_map_shapes() {
        let r = rules(
            "config.json",
            r#"{"auto_map":{"AutoConfig":"configuration_x.XConfig","AutoModel":"other/repo--modeling_x.XModel"}}"#,
        );
        assert_eq!(
            r.iter()
                .filter(|r| **r == "hf-auto-map-remote-code")
                .count(),
            1
        );
        assert_eq!(
            r.iter().filter(|r| **r == "hf-auto-map-cross-repo").count(),
            1
        );
        let r = rules(
            "tokenizer_config.json",
            r#"{"auto_map":{"AutoTokenizer":["tokenization_x.XTok", null]}}"#,
        );
        assert_eq!(r, ["hf-auto-map-remote-code"]);
        let r = rules(
            "config.json",
            r#"{"trust_remote_code": true, "a": {"auto_map": {"x": {"y": "m.C"}}}}"#,
        );
        assert!(r.contains(&"hf-trust-remote-code") && r.contains(&"hf-auto-map-remote-code"));
    }

    #[test]
    fn benign_and_malformed() {
        assert!(
            rules(
                "config.json",
                r#"{"model_type":"bert","_name_or_path":"x/y"}"#
            )
            .is_empty()
        );
        let a = analyze_config("config.json", b"{\"a\":", None);
        assert!(a.incomplete.is_some());
        assert_eq!(
            rules(
                "modules.json",
                r#"[{"type":"sentence_transformers.models.Transformer"},{"type":"evil.Mod"}]"#
            ),
            ["hf-custom-module"]
        );
    }

    #[test]
    fn diffusers_model_index() {
        let r = rules(
            "model_index.json",
            r#"{"_class_name":"StableDiffusionPipeline","unet":["diffusers","UNet2DConditionModel"],"scheduler":["scheduling_evil","EvilScheduler"],"vae":[null,null]}"#,
        );
        assert_eq!(r, ["hf-auto-map-remote-code"]);
    }

    #[test]
    fn names() {
        assert!(is_hf_config_name("a/b/tokenizer_config.json"));
        assert!(!is_hf_config_name("tokenizer.json"));
        assert!(is_chat_template_name("chat_template.jinja"));
    }
}
