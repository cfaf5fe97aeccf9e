//! The policy `input` document: the JSON run report plus derived convenience fields.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use mlsecops_core::{FileStatus, ScanReport};
use serde_json::{Map, Value, json};

/// Version of the derived part of the input document (`input.input_version`); bumped when
/// a derived field changes meaning.
pub const POLICY_INPUT_VERSION: u32 = 1;

/// Detected formats that are code, configuration or text rather than a model or model
/// container (compared on the last `:`-separated part, so `gzip:pickle` is `pickle`).
const NON_MODEL_FORMATS: &[&str] = &[
    "unknown",
    "text",
    "markdown",
    "json",
    "yaml",
    "toml",
    "ini",
    "xml",
    "html",
    "csv",
    "python",
    "notebook",
    "hf-config",
    "jinja",
    "chat-template",
    "requirements",
    "image",
    "empty",
];

/// Name of the OMS signature bundle looked for next to a model (`mlsecops sign` default).
const SIGNATURE_NAME: &str = "model.sig";
/// Model card file name looked for next to a model.
const CARD_NAME: &str = "README.md";
/// Directory levels searched upwards for the signature and the model card.
const MAX_ANCESTORS: usize = 8;
/// Largest part of a model card that is read.
const MAX_CARD_BYTES: u64 = 1024 * 1024;
/// Most front-matter keys and headings kept.
const MAX_KEYS: usize = 256;

/// Builds `input` for the policy gate: `serde_json::to_value(report)` (without its
/// `policy` key) plus `input_version` and `models[]` (see `docs/policy.md`).
pub fn policy_input(report: &ScanReport) -> Value {
    let mut doc = match serde_json::to_value(report) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    doc.remove("policy");
    doc.insert("input_version".to_owned(), json!(POLICY_INPUT_VERSION));
    let mut lookups = Lookups::default();
    let models: Vec<Value> = report
        .files
        .iter()
        .filter(|f| {
            f.status != FileStatus::Skipped && !NON_MODEL_FORMATS.contains(&base_format(&f.format))
        })
        .map(|f| {
            let dir = parent_dir(Path::new(&f.path));
            let signature = lookups.find(&dir, SIGNATURE_NAME);
            let card = lookups.find(&dir, CARD_NAME).map(|p| lookups.card(&p));
            json!({
                "path": f.path,
                "dir": dir.display().to_string(),
                "format": f.format,
                "base_format": base_format(&f.format),
                "status": f.status,
                "size": f.size,
                "findings": f.findings.len(),
                "max_severity": f.max_severity(),
                "signed": signature.is_some(),
                "signature": signature.map(|p| p.display().to_string()),
                "card": card,
            })
        })
        .collect();
    doc.insert("models".to_owned(), Value::Array(models));
    Value::Object(doc)
}

fn base_format(format: &str) -> &str {
    format.rsplit(':').next().unwrap_or(format)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Caches file look-ups and parsed cards across models of the same directory.
#[derive(Default)]
struct Lookups {
    found: BTreeMap<(PathBuf, &'static str), Option<PathBuf>>,
    cards: BTreeMap<PathBuf, Value>,
}

impl Lookups {
    /// `dir/name`, else the same in the nearest ancestor (at most [`MAX_ANCESTORS`] levels;
    /// a relative path is not followed above the current directory).
    fn find(&mut self, dir: &Path, name: &'static str) -> Option<PathBuf> {
        let key = (dir.to_path_buf(), name);
        if let Some(hit) = self.found.get(&key) {
            return hit.clone();
        }
        let hit = dir
            .ancestors()
            .take(MAX_ANCESTORS)
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".").join(name)
                } else {
                    d.join(name)
                }
            })
            .find(|candidate| candidate.is_file());
        self.found.insert(key, hit.clone());
        hit
    }

    fn card(&mut self, path: &Path) -> Value {
        self.cards
            .entry(path.to_path_buf())
            .or_insert_with(|| card_facts(path))
            .clone()
    }
}

/// Facts from a model card: front matter keys and a few derived fields.
fn card_facts(path: &Path) -> Value {
    // Never follow a link out of the scanned tree (a README.md symlinked to a secret).
    let plain_file = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
    if !plain_file {
        return json!({ "path": path.display().to_string(), "readable": false });
    }
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(MAX_CARD_BYTES).read_to_end(&mut bytes));
    if read.is_err() {
        return json!({ "path": path.display().to_string(), "readable": false });
    }
    let text = String::from_utf8_lossy(&bytes);
    card_from_text(&path.display().to_string(), &text)
}

pub(crate) fn card_from_text(path: &str, text: &str) -> Value {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = split_front_matter(text);
    let front_map = front.map(parse_front_matter).unwrap_or_default();
    let sections: Vec<String> = body
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let hashes = t.len().saturating_sub(t.trim_start_matches('#').len());
            (1..=6)
                .contains(&hashes)
                .then(|| t.trim_start_matches('#').trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .take(MAX_KEYS)
        .collect();
    let intended_use = front_map.contains_key("intended_use")
        || sections.iter().any(|h| {
            let h = h.to_lowercase();
            h.contains("intended use") || h == "uses" || h == "direct use"
        });
    let first = |key: &str| match front_map.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => items.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let list = |key: &str| match front_map.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "path": path,
        "readable": true,
        "has_front_matter": front.is_some(),
        "license": first("license"),
        "tags": list("tags"),
        "datasets": list("datasets"),
        "base_model": first("base_model"),
        "intended_use": intended_use,
        "sections": sections,
        "front_matter": Value::Object(front_map.into_iter().collect()),
    })
}

/// Splits `---\n…\n---\n` YAML front matter from the body.
fn split_front_matter(text: &str) -> (Option<&str>, &str) {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return (None, text);
    };
    let mut offset = 0usize;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let front = rest.get(..offset).unwrap_or_default();
            let body = rest
                .get(offset.saturating_add(line.len())..)
                .unwrap_or_default();
            return (Some(front), body);
        }
        offset = offset.saturating_add(line.len());
    }
    (None, text)
}

/// A deliberately small reader for the flat subset of YAML that model cards use at the top
/// level: `key: scalar`, `key: [a, b]`, and `key:` followed by `- item` lines. Nested
/// mappings (`model-index`) are skipped.
fn parse_front_matter(front: &str) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    let mut open_list: Option<String> = None;
    for line in front.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let trimmed = line.trim();
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| (trimmed == "-").then_some(""))
            && let Some(key) = &open_list
        {
            if let Some(Value::Array(items)) = map.get_mut(key)
                && items.len() < MAX_KEYS
                && !item.contains(": ")
            {
                items.push(Value::String(unquote(item)));
            }
            continue;
        }
        if indented {
            continue;
        }
        open_list = None;
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let key = unquote(key);
        if key.is_empty() || map.len() >= MAX_KEYS {
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            map.insert(key.clone(), Value::Array(Vec::new()));
            open_list = Some(key);
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            let items = inner
                .split(',')
                .map(unquote)
                .filter(|s| !s.is_empty())
                .take(MAX_KEYS)
                .map(Value::String)
                .collect();
            map.insert(key, Value::Array(items));
        } else {
            map.insert(key, Value::String(unquote(value)));
        }
    }
    map
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(s)
        .to_owned()
}
