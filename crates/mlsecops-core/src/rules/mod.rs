//! The rule registry: every rule mlsecops can report, declared once.
//!
//! Docs (`docs/rules.md`), `mlsecops rules`, `mlsecops explain` and SARIF `rules[]` are all
//! generated from [`RULES`]. Ids are stable kebab-case and never reused.

use std::sync::LazyLock;

use serde::Serialize;

use crate::Severity;

mod archive;
mod code;
mod dependency;
mod format;
mod gguf;
mod governance;
mod keras;
mod notebook;
mod onnx;
mod pickle;
mod pii;
mod posture;
mod repository;
mod safetensors;
mod secrets;
mod template;
mod tensorflow;

/// Version of the rule set; bump when rules are added, removed or change severity.
pub const RULESET_VERSION: &str = "2026.11.2";

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Pickle-family deserialisation (`PyTorch`, joblib, `NumPy` object arrays, dill…).
    Pickle,
    /// ZIP, tar, 7z and compression containers around model files.
    Archive,
    /// File-level format checks (sniffing, polyglots, disguised content, executables).
    Format,
    /// Keras v3 `.keras` archives and Keras 2 / TF HDF5 `.h5` models.
    Keras,
    /// TensorFlow `SavedModel`, frozen graphs and `TFLite` flatbuffers.
    Tensorflow,
    /// ONNX models.
    Onnx,
    /// GGUF files (headers and metadata).
    Gguf,
    /// Jinja chat templates (GGUF metadata, `tokenizer_config.json`, `chat_template.jinja`).
    Template,
    /// safetensors headers.
    Safetensors,
    /// Whole model repositories: Hugging Face configs and code, `MLflow`, skops, `TorchServe`, `NeMo`.
    Repository,
    /// Jupyter notebooks as documents (structure, metadata).
    Notebook,
    /// Credentials and tokens in code, notebooks, configs and text.
    Secrets,
    /// Personal data in notebook outputs, code and tabular data files.
    Pii,
    /// Unsafe use of ML APIs in Python code and notebook cells.
    Code,
    /// Python dependencies: known vulnerabilities, malicious and typo-squatted packages.
    Dependency,
    /// ML infrastructure posture: exposed servers, disabled auth, public buckets.
    Posture,
    /// Governance: model cards and documentation required by the frameworks.
    Governance,
}

impl Category {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pickle => "pickle",
            Category::Archive => "archive",
            Category::Format => "format",
            Category::Keras => "keras",
            Category::Tensorflow => "tensorflow",
            Category::Onnx => "onnx",
            Category::Gguf => "gguf",
            Category::Template => "template",
            Category::Safetensors => "safetensors",
            Category::Repository => "repository",
            Category::Notebook => "notebook",
            Category::Secrets => "secrets",
            Category::Pii => "pii",
            Category::Code => "code",
            Category::Dependency => "dependency",
            Category::Posture => "posture",
            Category::Governance => "governance",
        }
    }

    /// Every category, in report order.
    pub const ALL: [Category; 17] = [
        Category::Pickle,
        Category::Archive,
        Category::Format,
        Category::Keras,
        Category::Tensorflow,
        Category::Onnx,
        Category::Gguf,
        Category::Template,
        Category::Safetensors,
        Category::Repository,
        Category::Notebook,
        Category::Secrets,
        Category::Pii,
        Category::Code,
        Category::Dependency,
        Category::Posture,
        Category::Governance,
    ];

    /// Id prefix every rule of this category carries (`None`: no fixed prefix).
    pub fn id_prefix(self) -> Option<&'static str> {
        match self {
            Category::Pickle => Some("pickle-"),
            Category::Keras => Some("keras-"),
            Category::Tensorflow => Some("tf-"),
            Category::Onnx => Some("onnx-"),
            Category::Gguf => Some("gguf-"),
            Category::Template => Some("template-"),
            Category::Safetensors => Some("safetensors-"),
            Category::Notebook => Some("notebook-"),
            Category::Secrets => Some("secret-"),
            Category::Pii => Some("pii-"),
            Category::Code => Some("code-"),
            Category::Dependency => Some("dep-"),
            Category::Posture => Some("posture-"),
            Category::Archive | Category::Format | Category::Repository | Category::Governance => {
                None
            }
        }
    }
}

/// Compliance and weakness mappings of a rule. Ids carry their edition
/// (`ML06:2023`, `LLM03:2025`); ATLAS ids refer to ATLAS v5.6.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// CWE ids, e.g. `CWE-502`.
    pub cwe: &'static [&'static str],
    /// OWASP Machine Learning Security Top 10 (2023 draft).
    pub owasp_ml: &'static [&'static str],
    /// OWASP Top 10 for LLM Applications 2025.
    pub owasp_llm: &'static [&'static str],
    /// MITRE ATLAS technique and mitigation ids (v5.6.0).
    pub atlas: &'static [&'static str],
    /// EU AI Act (Regulation (EU) 2024/1689) articles / Annex IV items.
    pub eu_ai_act: &'static [&'static str],
    /// NIST AI RMF 1.0 subcategories.
    pub nist_ai_rmf: &'static [&'static str],
    /// ISO/IEC 42001:2023 Annex A controls.
    pub iso_42001: &'static [&'static str],
}

impl Compliance {
    /// True when the rule maps to at least one governance framework (not counting CWE).
    pub fn has_framework(&self) -> bool {
        !(self.owasp_ml.is_empty()
            && self.owasp_llm.is_empty()
            && self.atlas.is_empty()
            && self.eu_ai_act.is_empty()
            && self.nist_ai_rmf.is_empty()
            && self.iso_42001.is_empty())
    }
}

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Area.
    pub category: Category,
    /// What it detects and why it matters.
    pub description: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
    /// Advisories, CVEs, papers.
    pub references: &'static [&'static str],
    /// Compliance mappings.
    pub compliance: Compliance,
}

/// Every rule, sorted by category then id. Each area declares its rules in its own module
/// (`rules/<area>.rs`); this is the one list everything else reads.
pub static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut all: Vec<Rule> = [
        pickle::RULES,
        archive::RULES,
        format::RULES,
        keras::RULES,
        tensorflow::RULES,
        onnx::RULES,
        gguf::RULES,
        template::RULES,
        safetensors::RULES,
        repository::RULES,
        notebook::RULES,
        secrets::RULES,
        pii::RULES,
        code::RULES,
        dependency::RULES,
        posture::RULES,
        governance::RULES,
    ]
    .concat();
    // Stable order: category, then declaration order within it.
    all.sort_by_key(|r| r.category);
    all
});

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
pub(crate) const DESERIALIZATION: Compliance = Compliance {
    cwe: &["CWE-502"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM04:2025"],
    atlas: &["AML.T0011.000", "AML.T0010.003", "AML.M0011", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2", "GOVERN 6.1"],
    iso_42001: &["A.10.3", "A.6.2.4"],
};

/// Code that ships with a model repository or dataset script and runs when it is loaded (or
/// code that asks for it: `trust_remote_code=True`).
pub(crate) const REMOTE_CODE: Compliance = Compliance {
    cwe: &["CWE-94", "CWE-829"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2", "GOVERN 6.1"],
    iso_42001: &["A.10.3", "A.4.4", "A.6.2.4"],
};

pub(crate) const CORRUPT_MODEL: Compliance = Compliance {
    cwe: &["CWE-20"],
    owasp_ml: &["ML06:2023", "ML10:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0076", "AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

pub(crate) const PARSER_DIFFERENTIAL: Compliance = Compliance {
    cwe: &["CWE-436"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.10.3"],
};

pub(crate) const RESOURCE: Compliance = Compliance {
    cwe: &["CWE-409", "CWE-400"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM10:2025"],
    atlas: &["AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

/// Operators or ops whose implementation lives outside the model and its framework (ONNX
/// custom domains, TensorFlow ops outside the registry).
pub(crate) const EXTERNAL_CODE: Compliance = Compliance {
    cwe: &["CWE-829"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.M0016"],
    eu_ai_act: &["Annex IV 2(h)"],
    nist_ai_rmf: &["MAP 4.1", "GOVERN 6.1"],
    iso_42001: &["A.10.3"],
};

pub(crate) const PICKLE_REFS: &[&str] = &[
    "https://docs.python.org/3/library/pickle.html (\"Warning: the pickle module is not secure\")",
    "https://huggingface.co/docs/hub/security-pickle",
];
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_kebab_and_mapped() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES.iter() {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.id
            );
            assert!(
                rule.compliance.has_framework(),
                "{} maps to no framework",
                rule.id
            );
            assert!(!rule.compliance.cwe.is_empty(), "{} has no CWE", rule.id);
            assert!(!rule.description.is_empty() && !rule.remediation.is_empty());
            if let Some(prefix) = rule.category.id_prefix() {
                assert!(rule.id.starts_with(prefix), "{} lacks {prefix}", rule.id);
            }
        }
    }

    #[test]
    fn framework_ids_carry_their_edition() {
        for rule in RULES.iter() {
            for id in rule.compliance.owasp_ml {
                assert!(id.ends_with(":2023"), "{id}");
            }
            for id in rule.compliance.owasp_llm {
                assert!(id.ends_with(":2025"), "{id}");
            }
            for id in rule.compliance.atlas {
                assert!(id.starts_with("AML.T") || id.starts_with("AML.M"), "{id}");
            }
        }
    }
}
