//! SPDX 3.0.1 JSON-LD with the AI and Dataset profiles, mapped from the facts of a [`Bom`].
//!
//! The `CycloneDX` document built by [`crate::generate`] already holds everything read from the
//! input (files and their SHA-256, model-card facts, datasets, Python libraries, dependency
//! edges); [`to_spdx3`] re-expresses those facts as SPDX 3 elements and never adds a value that
//! the BOM does not hold:
//!
//! | `CycloneDX` | SPDX 3.0.1 |
//! |---|---|
//! | `metadata.component` (the input) | `software_Package` (document root) |
//! | `machine-learning-model` | `ai_AIPackage`, `software_primaryPurpose: model` |
//! | nested `file` components / a single-file model's hashes | `software_File` + `verifiedUsing` `Hash` (`sha256`), `contains` |
//! | `modelParameters.architectureFamily`, `modelArchitecture` | `ai_typeOfModel` |
//! | `modelParameters.task` | `ai_domain` |
//! | `considerations.useCases` / `technicalLimitations` | `ai_informationAboutApplication` / `ai_limitation` |
//! | `quantitativeAnalysis.performanceMetrics` | `ai_metric` (`DictionaryEntry`) |
//! | `pedigree.ancestors` (base models) | `ai_AIPackage` + `descendantOf` |
//! | licences | `simplelicensing_LicenseExpression` + `hasDeclaredLicense` |
//! | `data` components | `dataset_DatasetPackage`, `dataset_datasetType: noAssertion` |
//! | model → dataset edge (front matter `datasets`: training data) | `trainedOn` |
//! | `library` components | `software_Package` + `software_packageUrl` |
//! | other `dependencies` edges | `dependsOn`; root → model: `contains` |

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::BomError;
use crate::cdx::{Bom, Component};

/// The SPDX 3.0.1 JSON-LD context.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

/// Blank-node id of the single `CreationInfo` shared by every element.
const CREATION_INFO: &str = "_:creationinfo";

/// SPDX 3 output options.
#[derive(Debug, Clone, Default)]
pub struct Spdx3Options {
    /// `created` (seconds since the Unix epoch) when the BOM carries no timestamp, i.e. in
    /// deterministic mode (`SOURCE_DATE_EPOCH`); `None` = the epoch itself.
    pub created: Option<u64>,
}

/// Builds the SPDX 3.0.1 JSON-LD document for `bom`.
pub fn to_spdx3(bom: &Bom, opts: &Spdx3Options) -> Result<Value, BomError> {
    let ns = namespace(bom)?;
    let mut b = Builder {
        ns,
        graph: Vec::new(),
        ids: Vec::new(),
        rels: Vec::new(),
        licenses: BTreeSet::new(),
    };
    let tool_version = bom
        .metadata
        .tools
        .components
        .first()
        .and_then(|t| t.version.clone())
        .unwrap_or_default();
    let created = bom
        .metadata
        .timestamp
        .clone()
        .unwrap_or_else(|| crate::rfc3339(opts.created.unwrap_or(0)));
    let agent = b.id("agent/mlsecops");
    let tool = b.id("tool/mlsecops");
    let creation_info = json!({
        "type": "CreationInfo",
        "@id": CREATION_INFO,
        "specVersion": "3.0.1",
        "created": created,
        "createdBy": [agent],
        "createdUsing": [tool],
    });
    b.push(json!({"type": "SoftwareAgent", "spdxId": agent, "name": "mlsecops"}));
    let tool_name = if tool_version.is_empty() {
        "mlsecops".to_owned()
    } else {
        format!("mlsecops {tool_version}")
    };
    b.push(json!({"type": "Tool", "spdxId": tool, "name": tool_name}));

    let root_name = bom
        .metadata
        .component
        .as_ref()
        .map_or_else(String::new, |c| c.name.clone());
    let root = b.id("root");
    b.push(json!({"type": "software_Package", "spdxId": root, "name": root_name}));

    for c in &bom.components {
        match c.kind.as_str() {
            "machine-learning-model" => b.model(c),
            "data" => b.dataset(c),
            "library" => b.library(c),
            _ => {}
        }
    }
    for dep in &bom.dependencies {
        let from = if dep.reference == crate::ROOT_REF {
            root.clone()
        } else {
            b.id(&dep.reference)
        };
        let is_model = dep.reference.starts_with("model:");
        let (mut contains, mut trained, mut depends) = (Vec::new(), Vec::new(), Vec::new());
        for to in &dep.depends_on {
            let id = b.id(to);
            if dep.reference == crate::ROOT_REF && to.starts_with("model:") {
                contains.push(id);
            } else if is_model && to.starts_with("dataset:") {
                trained.push(id);
            } else {
                depends.push(id);
            }
        }
        let key = if dep.reference == crate::ROOT_REF {
            "root"
        } else {
            dep.reference.as_str()
        };
        b.relationship(key, &from, "contains", &contains);
        b.relationship(key, &from, "trainedOn", &trained);
        b.relationship(key, &from, "dependsOn", &depends);
    }

    let rels = std::mem::take(&mut b.rels);
    b.graph.extend(rels);
    let document = b.id("document");
    let mut profiles = vec!["core", "software", "simpleLicensing"];
    if b.graph.iter().any(|e| e["type"] == "ai_AIPackage") {
        profiles.push("ai");
    }
    if b.graph
        .iter()
        .any(|e| e["type"] == "dataset_DatasetPackage")
    {
        profiles.push("dataset");
    }
    let doc = json!({
        "type": "SpdxDocument",
        "spdxId": document,
        "creationInfo": CREATION_INFO,
        "name": format!("mlsecops BOM of {root_name}"),
        "profileConformance": profiles,
        "rootElement": [root],
        "element": b.ids,
    });
    let mut graph = vec![creation_info, doc];
    graph.extend(b.graph);
    Ok(json!({"@context": CONTEXT, "@graph": graph}))
}

/// Pretty SPDX 3 JSON-LD with a trailing newline.
pub fn to_json(bom: &Bom, opts: &Spdx3Options) -> Result<String, BomError> {
    let mut s = serde_json::to_string_pretty(&to_spdx3(bom, opts)?)?;
    s.push('\n');
    Ok(s)
}

/// `https://spdx.org/spdxdocs/mlsecops-<uuid>/`: the BOM serial number (content-derived in
/// deterministic mode), else a digest of the BOM.
fn namespace(bom: &Bom) -> Result<String, BomError> {
    let uuid = match bom
        .serial_number
        .as_deref()
        .and_then(|s| s.strip_prefix("urn:uuid:"))
    {
        Some(u) => u.to_owned(),
        None => crate::hex(
            Sha256::digest(serde_json::to_vec(bom)?)
                .get(..16)
                .unwrap_or_default(),
        ),
    };
    Ok(format!("https://spdx.org/spdxdocs/mlsecops-{uuid}/"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `:/@`.
fn iri_segment(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `LicenseRef-` idstring for a licence name that is not an SPDX id.
fn license_ref(name: &str) -> String {
    let tail: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("LicenseRef-{tail}")
}

fn prop<'a>(c: &'a Component, name: &str) -> impl Iterator<Item = &'a str> {
    c.properties
        .iter()
        .filter(move |p| p.name == name)
        .map(|p| p.value.as_str())
}

struct Builder {
    ns: String,
    /// Elements other than the document, in output order (relationships appended last).
    graph: Vec<Value>,
    /// `spdxId`s of every element in `graph` and `rels`.
    ids: Vec<String>,
    rels: Vec<Value>,
    licenses: BTreeSet<String>,
}

impl Builder {
    fn id(&self, local: &str) -> String {
        format!("{}{}", self.ns, iri_segment(local))
    }

    fn push(&mut self, mut element: Value) {
        if let Some(obj) = element.as_object_mut() {
            obj.insert("creationInfo".to_owned(), json!(CREATION_INFO));
            if let Some(id) = obj.get("spdxId").and_then(Value::as_str) {
                self.ids.push(id.to_owned());
            }
        }
        self.graph.push(element);
    }

    fn relationship(&mut self, key: &str, from: &str, kind: &str, to: &[String]) {
        if to.is_empty() {
            return;
        }
        let id = self.id(&format!("relationship/{kind}/{key}"));
        self.ids.push(id.clone());
        self.rels.push(json!({
            "type": "Relationship",
            "spdxId": id,
            "creationInfo": CREATION_INFO,
            "from": from,
            "relationshipType": kind,
            "to": to,
        }));
    }

    /// A licence-expression element for an SPDX id (or a `LicenseRef-` for a bare name).
    fn license(&mut self, c: &crate::cdx::LicenseChoice) -> Option<String> {
        let (expr, comment) = match (&c.license.id, &c.license.name) {
            (Some(id), _) => (id.clone(), None),
            (None, Some(name)) => (
                license_ref(name),
                Some(format!("licence named in the model card: {name}")),
            ),
            (None, None) => return None,
        };
        let id = self.id(&format!("license/{expr}"));
        if self.licenses.insert(expr.clone()) {
            let mut e = json!({
                "type": "simplelicensing_LicenseExpression",
                "spdxId": id,
                "simplelicensing_licenseExpression": expr,
            });
            if let (Some(obj), Some(comment)) = (e.as_object_mut(), comment) {
                obj.insert("comment".to_owned(), json!(comment));
            }
            self.push(e);
        }
        Some(id)
    }

    fn file(&mut self, c: &Component, name: &str) -> String {
        let id = self.id(c.bom_ref.as_deref().unwrap_or(name));
        let hashes: Vec<Value> = c
            .hashes
            .iter()
            .filter(|h| h.alg == "SHA-256")
            .map(|h| json!({"type": "Hash", "algorithm": "sha256", "hashValue": h.content}))
            .collect();
        let mut e = json!({"type": "software_File", "spdxId": id, "name": name});
        if let Some(obj) = e.as_object_mut() {
            if !hashes.is_empty() {
                obj.insert("verifiedUsing".to_owned(), Value::Array(hashes));
            }
            if c.kind == "file" {
                obj.insert("software_fileKind".to_owned(), json!("file"));
            }
        }
        self.push(e);
        id
    }

    fn model(&mut self, c: &Component) {
        let key = c
            .bom_ref
            .clone()
            .unwrap_or_else(|| format!("model:{}", c.name));
        let id = self.id(&key);
        let mut obj = Map::new();
        obj.insert("type".to_owned(), json!("ai_AIPackage"));
        obj.insert("spdxId".to_owned(), json!(id));
        obj.insert("name".to_owned(), json!(c.name));
        if let Some(v) = &c.version {
            obj.insert("software_packageVersion".to_owned(), json!(v));
        }
        obj.insert("software_primaryPurpose".to_owned(), json!("model"));
        let card = c.model_card.as_ref();
        let params = card.and_then(|m| m.model_parameters.as_ref());
        let mut types: Vec<&str> = Vec::new();
        for t in params
            .iter()
            .flat_map(|p| [&p.architecture_family, &p.model_architecture])
            .flatten()
        {
            if !types.contains(&t.as_str()) {
                types.push(t);
            }
        }
        if !types.is_empty() {
            obj.insert("ai_typeOfModel".to_owned(), json!(types));
        }
        if let Some(task) = params.and_then(|p| p.task.as_ref()) {
            obj.insert("ai_domain".to_owned(), json!([task]));
        }
        if let Some(cons) = card.and_then(|m| m.considerations.as_ref()) {
            if !cons.use_cases.is_empty() {
                obj.insert(
                    "ai_informationAboutApplication".to_owned(),
                    json!(cons.use_cases.join("\n\n")),
                );
            }
            if !cons.technical_limitations.is_empty() {
                obj.insert(
                    "ai_limitation".to_owned(),
                    json!(cons.technical_limitations.join("\n\n")),
                );
            }
        }
        if let Some(q) = card.and_then(|m| m.quantitative_analysis.as_ref()) {
            let metrics: Vec<Value> = q
                .performance_metrics
                .iter()
                .map(|m| {
                    let key = match &m.slice {
                        Some(s) => format!("{} on {s}", m.kind),
                        None => m.kind.clone(),
                    };
                    json!({"type": "DictionaryEntry", "key": key, "value": m.value})
                })
                .collect();
            if !metrics.is_empty() {
                obj.insert("ai_metric".to_owned(), Value::Array(metrics));
            }
        }
        // Facts SPDX 3.0.1 has no property for, read from the headers and the layout.
        let facts: Vec<String> = [
            "mlsecops:layout",
            "mlsecops:format",
            "mlsecops:framework",
            "mlsecops:parameterCount",
            "mlsecops:dtypes",
            "mlsecops:quantization",
        ]
        .iter()
        .flat_map(|n| {
            let short = n.strip_prefix("mlsecops:").unwrap_or(n);
            prop(c, n).map(move |v| format!("{short}={v}"))
        })
        .collect();
        if !facts.is_empty() {
            obj.insert("comment".to_owned(), json!(facts.join("; ")));
        }
        self.push(Value::Object(obj));

        // Files: a single-file model's own hashes, else its nested file components.
        let mut files = Vec::new();
        if !c.hashes.is_empty() {
            let path = prop(c, "mlsecops:path")
                .next()
                .unwrap_or(&c.name)
                .to_owned();
            let file = Component {
                kind: "file".to_owned(),
                bom_ref: Some(format!("file:{path}")),
                hashes: c.hashes.clone(),
                ..Component::default()
            };
            files.push(self.file(&file, &path));
        }
        for f in &c.components {
            let rel = f
                .bom_ref
                .as_deref()
                .and_then(|r| r.strip_prefix("file:"))
                .unwrap_or(&f.name)
                .to_owned();
            files.push(self.file(f, &rel));
        }
        self.relationship(&key, &id, "contains", &files);

        let licenses: Vec<String> = c.licenses.iter().filter_map(|l| self.license(l)).collect();
        self.relationship(&key, &id, "hasDeclaredLicense", &licenses);

        let mut ancestors = Vec::new();
        if let Some(p) = &c.pedigree {
            for a in &p.ancestors {
                let aid = self.id(&format!("base-model:{}", a.name));
                if !self.ids.contains(&aid) {
                    self.push(json!({
                        "type": "ai_AIPackage",
                        "spdxId": aid,
                        "name": a.name,
                        "software_primaryPurpose": "model",
                    }));
                }
                ancestors.push(aid);
            }
        }
        self.relationship(&key, &id, "descendantOf", &ancestors);
    }

    fn dataset(&mut self, c: &Component) {
        let key = c
            .bom_ref
            .clone()
            .unwrap_or_else(|| format!("dataset:{}", c.name));
        let id = self.id(&key);
        self.push(json!({
            "type": "dataset_DatasetPackage",
            "spdxId": id,
            "name": c.name,
            "software_primaryPurpose": "data",
            "dataset_datasetType": ["noAssertion"],
        }));
    }

    fn library(&mut self, c: &Component) {
        let key = c
            .bom_ref
            .clone()
            .or_else(|| c.purl.clone())
            .unwrap_or_else(|| c.name.clone());
        let id = self.id(&key);
        let mut obj = Map::new();
        obj.insert("type".to_owned(), json!("software_Package"));
        obj.insert("spdxId".to_owned(), json!(id));
        obj.insert("name".to_owned(), json!(c.name));
        if let Some(v) = &c.version {
            obj.insert("software_packageVersion".to_owned(), json!(v));
        }
        if let Some(p) = &c.purl {
            obj.insert("software_packageUrl".to_owned(), json!(p));
        }
        obj.insert("software_primaryPurpose".to_owned(), json!("library"));
        let mut notes: Vec<String> = prop(c, "mlsecops:requirement")
            .map(|r| format!("requirement {r}"))
            .collect();
        notes.extend(prop(c, "mlsecops:manifest").map(|m| format!("declared in {m}")));
        if !notes.is_empty() {
            obj.insert("comment".to_owned(), json!(notes.join("; ")));
        }
        self.push(Value::Object(obj));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iri_segments() {
        assert_eq!(iri_segment("model:a b/c"), "model:a%20b/c");
        assert_eq!(iri_segment("pkg:pypi/x@1.0"), "pkg:pypi/x@1.0");
        assert_eq!(iri_segment("é#?"), "%C3%A9%23%3F");
    }

    #[test]
    fn license_refs() {
        assert_eq!(license_ref("llama 2"), "LicenseRef-llama-2");
    }
}
