//! The subset of the `CycloneDX` 1.6 JSON model that mlsecops emits.
//!
//! Empty lists and absent values are skipped, so every field written carries a value that was
//! read from the input. Field names follow `bom-1.6.schema.json` (which has
//! `additionalProperties: false` everywhere).

use serde::Serialize;

/// A `CycloneDX` BOM.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// Always `CycloneDX`.
    pub bom_format: String,
    /// `1.6` or `1.7`.
    pub spec_version: String,
    /// `urn:uuid:…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// BOM version (1).
    pub version: u32,
    /// Who made the BOM, when, and about what.
    pub metadata: Metadata,
    /// Models, datasets and libraries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Dependency edges between `bom-ref`s.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
}

/// BOM metadata.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Metadata {
    /// RFC 3339 creation time (absent in deterministic mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The generating tool.
    pub tools: Tools,
    /// The scanned root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
}

/// `metadata.tools` in the 1.5+ object form.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tools {
    /// Tools as components.
    pub components: Vec<Component>,
}

/// A component (model, file, dataset, library, application).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Component type (`machine-learning-model`, `data`, `library`, `file`, `application`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Unique reference within the BOM.
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// Name.
    pub name: String,
    /// Version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content hashes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Licences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Lineage (base models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pedigree: Option<Pedigree>,
    /// Nested components (the files of a model directory).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Model card (`machine-learning-model` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_card: Option<ModelCard>,
    /// Dataset descriptions (`data` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<ComponentData>,
    /// Name/value properties (`mlsecops:` namespace).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// Free-form tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A content hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Hash {
    /// Algorithm (`SHA-256`).
    pub alg: String,
    /// Lowercase hex digest.
    pub content: String,
}

/// `{"license": {...}}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LicenseChoice {
    /// The licence.
    pub license: License,
}

/// A licence: an SPDX id, or a name when the text is not an SPDX id.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct License {
    /// SPDX licence id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Licence name as written in the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A name/value property.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Property {
    /// Namespaced name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl Property {
    /// `name` = `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Property {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Component pedigree.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pedigree {
    /// Components this one was derived from (base models).
    pub ancestors: Vec<Component>,
}

/// A `CycloneDX` model card.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ModelCard {
    /// Task, architecture, datasets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_parameters: Option<ModelParameters>,
    /// Reported evaluation results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantitative_analysis: Option<QuantitativeAnalysis>,
    /// Use cases and limitations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub considerations: Option<Considerations>,
    /// Other card facts (languages, metric names, library).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

impl ModelCard {
    /// True when nothing was filled in.
    pub fn is_empty(&self) -> bool {
        self.model_parameters.is_none()
            && self.quantitative_analysis.is_none()
            && self.considerations.is_none()
            && self.properties.is_empty()
    }
}

/// `modelCard.modelParameters`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ModelParameters {
    /// Task (Hugging Face `pipeline_tag`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Architecture family (`model_type`, GGUF `general.architecture`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_family: Option<String>,
    /// Architecture (`architectures[0]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_architecture: Option<String>,
    /// Training datasets, by reference to `data` components.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<DatasetRef>,
}

impl ModelParameters {
    /// True when nothing was filled in.
    pub fn is_empty(&self) -> bool {
        self.task.is_none()
            && self.architecture_family.is_none()
            && self.model_architecture.is_none()
            && self.datasets.is_empty()
    }
}

/// `{"ref": "<bom-ref>"}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DatasetRef {
    /// `bom-ref` of a `data` component.
    #[serde(rename = "ref")]
    pub reference: String,
}

/// `modelCard.quantitativeAnalysis`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QuantitativeAnalysis {
    /// Metrics with values.
    pub performance_metrics: Vec<PerformanceMetric>,
}

/// One reported metric.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PerformanceMetric {
    /// Metric type (`accuracy`, `f1`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// Value as written.
    pub value: String,
    /// Dataset / split / task the value was measured on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<String>,
}

/// `modelCard.considerations`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Considerations {
    /// Intended uses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub use_cases: Vec<String>,
    /// Known limitations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub technical_limitations: Vec<String>,
}

/// `componentData` of a `data` component.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ComponentData {
    /// `dataset`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Dataset name.
    pub name: String,
}

/// A dependency edge list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The depending component.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it depends on.
    pub depends_on: Vec<String>,
}
