//! Hugging Face model card (README.md front matter and sections) and `config.json`.
//!
//! Only values written in the files are copied; placeholders of the Hugging Face card template
//! ("More Information Needed") count as absent.

use crate::yaml::{self, Node};

/// Longest README read.
pub(crate) const MAX_README_BYTES: u64 = 1 << 20;
/// Longest `config.json` read.
pub(crate) const MAX_CONFIG_BYTES: u64 = 16 << 20;
/// Longest section text copied into the BOM (characters).
const MAX_SECTION_CHARS: usize = 4096;
/// Most list entries copied from one front-matter field.
const MAX_LIST: usize = 256;

/// What a README told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) licenses: Vec<String>,
    pub(crate) license_name: Option<String>,
    pub(crate) datasets: Vec<String>,
    pub(crate) metrics: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) pipeline_tag: Option<String>,
    pub(crate) base_models: Vec<String>,
    pub(crate) languages: Vec<String>,
    pub(crate) library_name: Option<String>,
    /// `(type, value, slice)` from `model-index`.
    pub(crate) results: Vec<(String, String, Option<String>)>,
    pub(crate) use_cases: Vec<String>,
    pub(crate) limitations: Vec<String>,
}

/// What `config.json` told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) architectures: Vec<String>,
    pub(crate) model_type: Option<String>,
    pub(crate) task: Option<String>,
    pub(crate) torch_dtype: Option<String>,
    pub(crate) transformers_version: Option<String>,
}

fn capped(mut v: Vec<String>) -> Vec<String> {
    v.truncate(MAX_LIST);
    v
}

/// Splits `---\n<yaml>\n---` off the start of a README.
fn front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = rest.get(..offset)?;
            let body = rest.get(offset + line.len()..).unwrap_or("");
            return Some((yaml, body));
        }
        offset += line.len();
    }
    None
}

fn scalar_text(n: &Node) -> Option<String> {
    n.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses a README.md.
pub(crate) fn parse_readme(text: &str) -> Card {
    let mut card = Card::default();
    let body = match front_matter(text) {
        Some((yaml_text, body)) => {
            if let Some(fm) = yaml::parse_first(yaml_text) {
                read_front_matter(&fm, &mut card);
            }
            body
        }
        None => text,
    };
    read_sections(body, &mut card);
    card
}

fn read_front_matter(fm: &Node, card: &mut Card) {
    let list = |key: &str| capped(fm.get(key).map(Node::strings).unwrap_or_default());
    let one = |key: &str| fm.get(key).and_then(scalar_text);
    card.licenses = list("license");
    card.license_name = one("license_name");
    card.datasets = list("datasets");
    card.metrics = list("metrics");
    card.tags = list("tags");
    card.pipeline_tag = one("pipeline_tag");
    card.base_models = list("base_model");
    card.languages = list("language");
    card.library_name = one("library_name");
    if let Some(Node::Seq(entries)) = fm.get("model-index") {
        for entry in entries {
            let Some(Node::Seq(results)) = entry.get("results") else {
                continue;
            };
            for result in results {
                let slice = result_slice(result);
                let Some(Node::Seq(metrics)) = result.get("metrics") else {
                    continue;
                };
                for m in metrics {
                    let kind = m.get("type").and_then(scalar_text);
                    let value = m.get("value").and_then(scalar_text);
                    if let (Some(kind), Some(value)) = (kind, value)
                        && card.results.len() < MAX_LIST
                    {
                        card.results.push((kind, value, slice.clone()));
                    }
                }
            }
        }
    }
}

/// `dataset name (split), task` from a `model-index` result, from what is present.
fn result_slice(result: &Node) -> Option<String> {
    let dataset = result.get("dataset");
    let name = dataset
        .and_then(|d| d.get("name").or_else(|| d.get("type")))
        .and_then(scalar_text);
    let config = dataset.and_then(|d| d.get("config")).and_then(scalar_text);
    let split = dataset.and_then(|d| d.get("split")).and_then(scalar_text);
    let task = result
        .get("task")
        .and_then(|t| t.get("type").or_else(|| t.get("name")))
        .and_then(scalar_text);
    let mut parts = Vec::new();
    if let Some(name) = name {
        let mut s = name;
        if let Some(c) = config {
            s = format!("{s} [{c}]");
        }
        if let Some(sp) = split {
            s = format!("{s} ({sp})");
        }
        parts.push(s);
    }
    if let Some(t) = task {
        parts.push(format!("task: {t}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    UseCases,
    Limitations,
}

fn classify(heading: &str) -> Option<Section> {
    let norm: String = heading
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
    match norm.as_str() {
        "intended uses"
        | "intended use"
        | "intended uses limitations"
        | "intended uses and limitations"
        | "uses"
        | "direct use"
        | "use cases"
        | "intended use cases" => Some(Section::UseCases),
        "limitations"
        | "known limitations"
        | "bias risks and limitations"
        | "risks and limitations"
        | "limitations and bias"
        | "limitations and biases"
        | "bias and limitations" => Some(Section::Limitations),
        _ => None,
    }
}

/// Heading level and text of a Markdown ATX heading line.
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let level = t.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = t.get(level..)?;
    if !rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with('\t') {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

fn strip_html_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(rest.get(..start).unwrap_or(""));
        match rest.get(start..).and_then(|r| r.find("-->")) {
            Some(end) => rest = rest.get(start + end + 3..).unwrap_or(""),
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_placeholder(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    t.is_empty() || t == "more information needed" || t == "needs more information" || t == "tbd"
}

fn read_sections(body: &str, card: &mut Card) {
    let lines: Vec<&str> = body.lines().collect();
    let mut in_fence = false;
    let mut headings = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence && let Some((level, text)) = heading(line) {
            headings.push((i, level, text));
        }
    }
    for (n, &(start, level, text)) in headings.iter().enumerate() {
        let Some(kind) = classify(text) else { continue };
        let target = match kind {
            Section::UseCases => &mut card.use_cases,
            Section::Limitations => &mut card.limitations,
        };
        if !target.is_empty() {
            continue;
        }
        let end = headings
            .iter()
            .skip(n + 1)
            .find(|(_, l, _)| *l <= level)
            .map_or(lines.len(), |(i, _, _)| *i);
        let raw = lines.get(start + 1..end).unwrap_or(&[]).join("\n");
        let cleaned = strip_html_comments(&raw);
        let cleaned = cleaned.trim();
        if is_placeholder(cleaned) {
            continue;
        }
        let mut s: String = cleaned.chars().take(MAX_SECTION_CHARS).collect();
        if s.len() < cleaned.len() {
            s.push('…');
        }
        target.push(s);
    }
}

/// Parses a Hugging Face `config.json` (invalid JSON yields an empty config).
pub(crate) fn parse_config(bytes: &[u8]) -> Config {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes)
    else {
        return Config::default();
    };
    let s = |k: &str| {
        map.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let architectures = map
        .get("architectures")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_owned)
                .take(MAX_LIST)
                .collect()
        })
        .unwrap_or_default();
    Config {
        architectures,
        model_type: s("model_type"),
        task: s("task"),
        torch_dtype: s("torch_dtype").or_else(|| s("dtype")),
        transformers_version: s("transformers_version"),
    }
}

/// True when `config.json` looks like a model configuration (not any JSON named config).
pub(crate) fn is_model_config(bytes: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<serde_json::Value>(bytes),
        Ok(serde_json::Value::Object(m))
            if m.contains_key("architectures") || m.contains_key("model_type") || m.contains_key("auto_map")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "---\nlicense: apache-2.0\ndatasets:\n- squad\n- glue\nmetrics: [accuracy]\npipeline_tag: text-classification\nbase_model: org/base\nlanguage: en\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-classification}\n    dataset: {name: GLUE, type: glue, split: validation}\n    metrics:\n    - {type: accuracy, value: 0.91}\n---\n# Model\n\n## Intended uses & limitations\n\nMore information needed\n\n## Uses\n\n<!-- comment -->\nClassify short English texts.\n\n### Direct Use\n\nSame.\n\n## Bias, Risks, and Limitations\n\nNot for medical use.\n\n```\n# not a heading\n```\n";

    #[test]
    fn front_matter_and_sections() {
        let c = parse_readme(README);
        assert_eq!(c.licenses, ["apache-2.0"]);
        assert_eq!(c.datasets, ["squad", "glue"]);
        assert_eq!(c.metrics, ["accuracy"]);
        assert_eq!(c.pipeline_tag.as_deref(), Some("text-classification"));
        assert_eq!(c.base_models, ["org/base"]);
        assert_eq!(c.languages, ["en"]);
        assert_eq!(
            c.results,
            [(
                "accuracy".to_owned(),
                "0.91".to_owned(),
                Some("GLUE (validation), task: text-classification".to_owned())
            )]
        );
        assert_eq!(c.use_cases.len(), 1);
        assert!(c.use_cases[0].starts_with("Classify short English texts."));
        assert!(!c.use_cases[0].contains("comment"));
        assert_eq!(
            c.limitations,
            ["Not for medical use.\n\n```\n# not a heading\n```"]
        );
    }

    #[test]
    fn nothing_invented() {
        assert_eq!(
            parse_readme("# Just a title\n\nSome text.\n"),
            Card::default()
        );
        assert_eq!(parse_readme("---\n: [\n---\n"), Card::default());
        assert_eq!(parse_config(b"not json"), Config::default());
    }
}
