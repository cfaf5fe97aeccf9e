//! Reading the JSON documents `mlsecops report` accepts, each recognised by its content.

use base64::Engine as _;
use mlsecops_core::ScanReport;
use serde::Serialize;
use serde_json::Value;

use super::ComplianceError;

/// Most components, subjects or items read from one document (a cap on input-driven work).
const MAX_ITEMS: usize = 100_000;

/// What kind of document an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// `mlsecops scan --format json`.
    ScanReport,
    /// `CycloneDX` BOM (`mlsecops bom`).
    CycloneDx,
    /// SPDX 3 JSON-LD (`mlsecops bom --format spdx`).
    Spdx3,
    /// `OpenSSF` model-signing (OMS) bundle (`mlsecops sign`).
    Signature,
    /// DSSE-signed scan attestation (`mlsecops scan --attest`).
    ScanAttestation,
}

impl InputKind {
    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            InputKind::ScanReport => "scan report",
            InputKind::CycloneDx => "CycloneDX BOM",
            InputKind::Spdx3 => "SPDX 3 BOM",
            InputKind::Signature => "model signature (OMS bundle)",
            InputKind::ScanAttestation => "scan attestation (DSSE)",
        }
    }
}

/// One component of a BOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BomComponent {
    /// Component name.
    pub name: String,
    /// `model`, `library`, `data` or the BOM's own type name.
    pub kind: String,
    /// Version, if the BOM gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Whether the BOM records a content hash for it.
    pub hashed: bool,
    /// Base models / ancestors it names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
}

/// Model-card facts a BOM carries (`CycloneDX` `modelCard`, SPDX 3 `ai_*` properties).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardFacts {
    /// Intended uses.
    pub use_cases: Vec<String>,
    /// Known limitations.
    pub limitations: Vec<String>,
    /// Reported metrics (`type=value`).
    pub metrics: Vec<String>,
    /// Architecture family / architecture / type of model.
    pub architecture: Vec<String>,
    /// Task or domain.
    pub tasks: Vec<String>,
    /// Training datasets named.
    pub datasets: Vec<String>,
}

/// A BOM reduced to what compliance evidence needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BomFacts {
    /// Components.
    pub components: Vec<BomComponent>,
    /// Model-card facts, merged over all model components.
    pub card: CardFacts,
}

/// One in-toto subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// Subject name.
    pub name: String,
    /// `sha256:<hex>` (first digest listed).
    pub digest: String,
}

/// A signed statement (signature bundle or scan attestation), decoded but **not verified**:
/// `mlsecops verify` checks signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// In-toto predicate type.
    pub predicate_type: String,
    /// Subjects.
    pub subjects: Vec<Subject>,
    /// Signatures in the envelope.
    pub signatures: usize,
    /// Files covered (signature `resources`, attestation `files`).
    pub files: usize,
    /// Findings recorded by a scan attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<u64>,
}

/// A parsed input.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// A scan report.
    Scan(Box<ScanReport>),
    /// A BOM (`CycloneDX` or SPDX 3).
    Bom(BomFacts),
    /// A signature bundle or a scan attestation.
    Statement(Statement),
}

/// One input document.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Name as given (shown in reports).
    pub name: String,
    /// Detected kind.
    pub kind: InputKind,
    /// Parsed content.
    pub content: Content,
}

impl Input {
    /// Detects the kind of `bytes` (a JSON document named `name`) by its content and parses
    /// it. Anything that is not one of the documents mlsecops writes is an error naming
    /// the file.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Input, ComplianceError> {
        let unknown = |why: String| ComplianceError::UnknownInput {
            name: name.to_owned(),
            why,
        };
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| unknown(format!("not JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(unknown("not a JSON object".to_owned()));
        };
        let (kind, content) = if object.contains_key("schema_version")
            && object.contains_key("files")
            && object.contains_key("summary")
        {
            let report: ScanReport = serde_json::from_value(value)
                .map_err(|e| unknown(format!("malformed mlsecops scan report: {e}")))?;
            (InputKind::ScanReport, Content::Scan(Box::new(report)))
        } else if object.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            (InputKind::CycloneDx, Content::Bom(cyclonedx(&value)))
        } else if is_spdx3(&value) {
            (InputKind::Spdx3, Content::Bom(spdx3(&value)))
        } else if object
            .get("mediaType")
            .and_then(Value::as_str)
            .is_some_and(|m| m.starts_with("application/vnd.dev.sigstore.bundle"))
        {
            let envelope = object
                .get("dsseEnvelope")
                .ok_or_else(|| unknown("sigstore bundle without a dsseEnvelope".to_owned()))?;
            let statement = statement(envelope).map_err(unknown)?;
            (InputKind::Signature, Content::Statement(statement))
        } else if object.contains_key("payloadType") && object.contains_key("payload") {
            let statement = statement(&value).map_err(unknown)?;
            if statement.predicate_type != "https://mlsecops/scan/v1" {
                return Err(unknown(format!(
                    "DSSE envelope with predicate type `{}`, not an mlsecops scan attestation",
                    statement.predicate_type
                )));
            }
            (InputKind::ScanAttestation, Content::Statement(statement))
        } else {
            return Err(unknown(
                "not a scan report, CycloneDX or SPDX 3 BOM, signature bundle or scan attestation"
                    .to_owned(),
            ));
        };
        Ok(Input {
            name: name.to_owned(),
            kind,
            content,
        })
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .take(MAX_ITEMS)
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o
                    .get("description")
                    .or_else(|| o.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn str_of(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn push_unique(into: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !item.trim().is_empty() && !into.contains(&item) && into.len() < MAX_ITEMS {
            into.push(item);
        }
    }
}

fn cyclonedx(bom: &Value) -> BomFacts {
    let mut components = Vec::new();
    let mut card = CardFacts::default();
    let mut stack: Vec<&Value> = bom
        .get("components")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    while let Some(c) = stack.pop() {
        if components.len() >= MAX_ITEMS {
            break;
        }
        if let Some(nested) = c.get("components").and_then(Value::as_array) {
            stack.extend(nested.iter().take(MAX_ITEMS));
        }
        let kind = match c.get("type").and_then(Value::as_str).unwrap_or("other") {
            "machine-learning-model" => "model".to_owned(),
            "library" | "framework" => "library".to_owned(),
            "data" => "data".to_owned(),
            other => other.to_owned(),
        };
        let ancestors = c
            .pointer("/pedigree/ancestors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .take(MAX_ITEMS)
                    .filter_map(|x| str_of(x, "name"))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(mc) = c.get("modelCard") {
            push_unique(
                &mut card.use_cases,
                strings(mc.pointer("/considerations/useCases")),
            );
            push_unique(
                &mut card.limitations,
                strings(mc.pointer("/considerations/technicalLimitations")),
            );
            if let Some(metrics) = mc
                .pointer("/quantitativeAnalysis/performanceMetrics")
                .and_then(Value::as_array)
            {
                push_unique(
                    &mut card.metrics,
                    metrics.iter().take(MAX_ITEMS).map(|m| {
                        format!(
                            "{}={}",
                            str_of(m, "type").unwrap_or_default(),
                            str_of(m, "value").unwrap_or_default()
                        )
                    }),
                );
            }
            let params = mc.get("modelParameters");
            for key in ["architectureFamily", "modelArchitecture"] {
                push_unique(&mut card.architecture, params.and_then(|p| str_of(p, key)));
            }
            push_unique(&mut card.tasks, params.and_then(|p| str_of(p, "task")));
            push_unique(
                &mut card.datasets,
                params
                    .and_then(|p| p.get("datasets"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .take(MAX_ITEMS)
                    .filter_map(|d| str_of(d, "ref").or_else(|| str_of(d, "name"))),
            );
        }
        if kind == "data" {
            push_unique(&mut card.datasets, str_of(c, "name"));
        }
        components.push(BomComponent {
            name: str_of(c, "name").unwrap_or_default(),
            kind,
            version: str_of(c, "version"),
            hashed: c
                .get("hashes")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty()),
            ancestors,
        });
    }
    components.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    BomFacts { components, card }
}

fn is_spdx3(value: &Value) -> bool {
    let context = match value.get("@context") {
        Some(Value::String(s)) => s.contains("spdx.org/rdf/3"),
        Some(Value::Array(items)) => items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.contains("spdx.org/rdf/3"))),
        _ => false,
    };
    context && value.get("@graph").is_some_and(Value::is_array)
}

fn spdx3(doc: &Value) -> BomFacts {
    let mut components = Vec::new();
    let mut card = CardFacts::default();
    let graph = doc.get("@graph").and_then(Value::as_array);
    for e in graph.into_iter().flatten().take(MAX_ITEMS) {
        let kind = match e.get("type").and_then(Value::as_str) {
            Some("ai_AIPackage") => "model",
            Some("dataset_DatasetPackage") => "data",
            Some("software_Package") => "library",
            _ => continue,
        };
        if kind == "model" {
            push_unique(
                &mut card.use_cases,
                strings(e.get("ai_informationAboutApplication")),
            );
            push_unique(&mut card.limitations, strings(e.get("ai_limitation")));
            push_unique(&mut card.architecture, strings(e.get("ai_typeOfModel")));
            push_unique(&mut card.tasks, strings(e.get("ai_domain")));
            if let Some(metrics) = e.get("ai_metric").and_then(Value::as_array) {
                push_unique(
                    &mut card.metrics,
                    metrics.iter().take(MAX_ITEMS).map(|m| {
                        format!(
                            "{}={}",
                            str_of(m, "key").unwrap_or_default(),
                            str_of(m, "value").unwrap_or_default()
                        )
                    }),
                );
            }
        }
        if kind == "data" {
            push_unique(&mut card.datasets, str_of(e, "name"));
        }
        // The root package of a document is a plain package without a purpose.
        if kind == "library"
            && e.get("software_primaryPurpose").and_then(Value::as_str) != Some("library")
        {
            continue;
        }
        components.push(BomComponent {
            name: str_of(e, "name").unwrap_or_default(),
            kind: kind.to_owned(),
            version: str_of(e, "software_packageVersion"),
            hashed: e
                .get("verifiedUsing")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty()),
            ancestors: Vec::new(),
        });
    }
    components.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    BomFacts { components, card }
}

/// Decodes a DSSE envelope's in-toto statement (signatures are counted, not verified).
fn statement(envelope: &Value) -> Result<Statement, String> {
    let payload = envelope
        .get("payload")
        .and_then(Value::as_str)
        .ok_or("DSSE envelope without a payload")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .map_err(|e| format!("DSSE payload is not base64: {e}"))?;
    let statement: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("DSSE payload is not an in-toto statement: {e}"))?;
    let predicate_type =
        str_of(&statement, "predicateType").ok_or("in-toto statement without a predicateType")?;
    let subjects = statement
        .get("subject")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ITEMS)
        .map(|s| Subject {
            name: str_of(s, "name").unwrap_or_default(),
            digest: s
                .get("digest")
                .and_then(Value::as_object)
                .and_then(|d| d.iter().next())
                .map(|(alg, hex)| format!("{alg}:{}", hex.as_str().unwrap_or_default()))
                .unwrap_or_default(),
        })
        .collect();
    let predicate = statement.get("predicate");
    let count = |key: &str| {
        predicate
            .and_then(|p| p.get(key))
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    Ok(Statement {
        predicate_type,
        subjects,
        signatures: envelope
            .get("signatures")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        files: count("resources").max(count("files")),
        findings: predicate
            .and_then(|p| p.pointer("/summary/findings"))
            .and_then(Value::as_u64),
    })
}
