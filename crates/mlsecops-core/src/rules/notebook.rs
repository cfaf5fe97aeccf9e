//! Jupyter notebook document rules (structure, metadata).

use super::{Category, Compliance, RESOURCE, Rule};
use crate::Severity;

/// A notebook the reader cannot parse: its text was not (fully) scanned.
const NB_MALFORMED: Compliance = Compliance {
    cwe: &["CWE-20"],
    owasp_ml: &[],
    owasp_llm: &[],
    atlas: &[],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

/// Personal data about the notebook's author or the person who ran it.
const NB_PERSONAL: Compliance = Compliance {
    cwe: &["CWE-359"],
    owasp_ml: &[],
    owasp_llm: &["LLM02:2025"],
    atlas: &["AML.T0057"],
    eu_ai_act: &["Art. 10(5)"],
    nist_ai_rmf: &["MEASURE 2.10"],
    iso_42001: &["A.7.4"],
};

/// Local system details (user names in home-directory paths).
const NB_SYSTEM_INFO: Compliance = Compliance {
    cwe: &["CWE-497", "CWE-200"],
    owasp_ml: &[],
    owasp_llm: &["LLM02:2025"],
    atlas: &["AML.T0057"],
    eu_ai_act: &["Art. 10(5)"],
    nist_ai_rmf: &["MEASURE 2.10"],
    iso_42001: &["A.7.4"],
};

const NB_REFS: &[&str] = &[
    "https://nbformat.readthedocs.io/en/latest/format_description.html",
    "https://github.com/jupyter/nbformat/blob/main/nbformat/v4/nbformat.v4.schema.json",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "notebook-malformed",
        title: "Notebook is not a readable Jupyter notebook",
        severity: Severity::Medium,
        category: Category::Notebook,
        description: "The file is not valid JSON, is not a Jupyter notebook object, declares an nbformat version \
            other than 3 or 4, or has a field of the wrong type (a cell without a list of outputs, a source that is \
            neither a string nor a list of strings). Jupyter refuses to open it, and the parts that could not be \
            read were not scanned for secrets or personal data.",
        remediation: "Repair the notebook (`jupyter nbconvert --to notebook` or `nbformat.validate`) and scan it \
            again; until then treat its contents as unreviewed.",
        references: NB_REFS,
        compliance: NB_MALFORMED,
    },
    Rule {
        id: "notebook-limit-exceeded",
        title: "Notebook exceeds a reader limit",
        severity: Severity::Medium,
        category: Category::Notebook,
        description: "The notebook is larger than a configured cap (file size, JSON nesting depth, number of \
            cells or outputs, or total text). Reading stopped at the cap, so the rest of the notebook was not \
            scanned. Deep JSON nesting has no use in a notebook and is a classic parser stack-exhaustion input.",
        remediation: "Clear large outputs (`jupyter nbconvert --clear-output`) or raise the limit, then scan again.",
        references: NB_REFS,
        compliance: RESOURCE,
    },
    Rule {
        id: "notebook-nonstandard-element",
        title: "Notebook contains cell or output types outside the nbformat schema",
        severity: Severity::Info,
        category: Category::Notebook,
        description: "A cell type or output type is not one the nbformat schema defines (code, markdown, raw; \
            stream, execute_result, display_data, error), or a cell or output carries keys the schema does not \
            allow. Jupyter keeps such elements but does not display them, so their content is easy to overlook in \
            review; the scanner reads their JSON text anyway.",
        remediation: "Check where the element comes from; remove it if no tool you use needs it.",
        references: NB_REFS,
        compliance: NB_MALFORMED,
    },
    Rule {
        id: "notebook-personal-metadata",
        title: "Notebook metadata names a person",
        severity: Severity::Medium,
        category: Category::Notebook,
        description: "Cell or notebook metadata carries personal data: Google Colab stores the Google account of \
            whoever ran a cell in `executionInfo.user` (`displayName`, `userId`, `photoUrl`), and notebook-level \
            `authors`/`author` entries name people (sometimes with e-mail addresses). Publishing the notebook \
            publishes this data, which Jupyter and GitHub never display.",
        remediation: "Strip the metadata before publishing (`nbstripout --extra-keys \
            \"cell.metadata.executionInfo cell.metadata.colab metadata.colab\"` or the Colab setting to omit \
            output metadata); keep authorship in a reviewed model or dataset card instead.",
        references: &[
            "https://github.com/kynan/nbstripout",
            "https://nbformat.readthedocs.io/en/latest/format_description.html#cell-metadata",
        ],
        compliance: NB_PERSONAL,
    },
    Rule {
        id: "notebook-local-path-disclosure",
        title: "Notebook discloses local home-directory paths",
        severity: Severity::Low,
        category: Category::Notebook,
        description: "Outputs, tracebacks, sources or metadata contain home-directory paths with a user name \
            (`/home/<user>/`, `/Users/<user>/`, `C:\\Users\\<user>\\`). They reveal account names and the layout \
            of the author's machine; generic accounts of containers and CI runners are not reported.",
        remediation: "Clear outputs before committing (`jupyter nbconvert --clear-output`) and use relative paths \
            or environment variables in code.",
        references: &["https://cwe.mitre.org/data/definitions/497.html"],
        compliance: NB_SYSTEM_INFO,
    },
];
