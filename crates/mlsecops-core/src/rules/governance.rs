//! Governance rules: model cards and the documentation the frameworks ask for.

use super::{Category, Compliance, Rule};
use crate::Severity;

/// "Missing/incomplete model card" row of the mapping table.
const MODEL_CARD: Compliance = Compliance {
    cwe: &["CWE-1059"],
    owasp_ml: &[],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.M0023"],
    eu_ai_act: &["Art. 11", "Annex IV 1", "Art. 13(3)"],
    nist_ai_rmf: &["MAP 2.2", "MEASURE 2.8", "MEASURE 2.9", "GOVERN 4.2"],
    iso_42001: &["A.6.2.7", "A.8.2", "A.6.2.3"],
};

const CARD_REFS: &[&str] = &[
    "https://huggingface.co/docs/hub/model-cards",
    "https://github.com/huggingface/huggingface_hub/blob/main/src/huggingface_hub/templates/modelcard_template.md",
    "https://arxiv.org/abs/1810.03993 (Mitchell et al., Model Cards for Model Reporting)",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "model-card-missing",
        title: "Model directory has no model card",
        severity: Severity::Medium,
        category: Category::Governance,
        description: "A model directory (Hugging Face `config.json` with `model_type`/`architectures` or \
            weights, or an MLflow `MLmodel`) has no model card (`README.md`, `MODEL_CARD.md`, \
            `model_card.md`). Users cannot tell the intended use, limitations, training data, evaluation \
            or licence; the EU AI Act (Art. 11, Annex IV 1, Art. 13(3)) and NIST AI RMF MAP 2.2 expect that \
            documentation.",
        remediation: "Add a model card (Hugging Face template: Model Details, Uses, Bias/Risks/Limitations, \
            Training Details, Evaluation) with `license`, `datasets` and `model-index` metadata.",
        references: CARD_REFS,
        compliance: MODEL_CARD,
    },
    Rule {
        id: "model-card-incomplete",
        title: "Model card lacks required sections",
        severity: Severity::Low,
        category: Category::Governance,
        description: "The model card misses one or more of: intended use, limitations/bias/risks, training data, \
            evaluation/metrics, licence (front matter `license:` or a Licence section). Sections that only \
            contain the template text `[More Information Needed]` count as missing. The evidence lists the \
            missing items.",
        remediation: "Fill in the missing sections (map them to Annex IV 1(a) purpose, 2(d) data, 2(g) metrics \
            incl. discriminatory impact, 3 limitations) and set `license:` in the YAML front matter.",
        references: CARD_REFS,
        compliance: MODEL_CARD,
    },
];
