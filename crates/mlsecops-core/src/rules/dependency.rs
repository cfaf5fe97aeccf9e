//! Python dependency rules: OSV advisories, malicious and typo-squatted packages, manifests.
//!
//! Findings of `dep-vulnerable`, `dep-range-admits-vulnerable` and `dep-malicious-package`
//! carry an evidence key `severity` (from the advisory's GHSA rating or CVSS vector) that
//! overrides the registry default below.

use super::{Category, Compliance, Rule};
use crate::Severity;

/// Vulnerable third-party component (mapping row "Vulnerable dependency").
const VULNERABLE: Compliance = Compliance {
    cwe: &["CWE-1395", "CWE-1104"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MANAGE 3.1", "GOVERN 6.1", "MAP 4.2"],
    iso_42001: &["A.4.4", "A.10.3"],
};

/// Malicious or impersonating packages: supply-chain compromise of the ML software.
const MALICIOUS: Compliance = Compliance {
    cwe: &["CWE-506", "CWE-1395"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.001", "AML.T0011.001", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MANAGE 3.1", "GOVERN 6.1", "MAP 4.2"],
    iso_42001: &["A.4.4", "A.10.3"],
};

/// Package-source configuration: leaked index credentials, extra indexes.
const SOURCES: Compliance = Compliance {
    cwe: &["CWE-829", "CWE-200"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.001", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["GOVERN 6.1", "MAP 4.2"],
    iso_42001: &["A.10.3"],
};

/// Manifests that could not be (fully) evaluated.
const UNEVALUATED: Compliance = Compliance {
    cwe: &["CWE-1395", "CWE-20"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.M0016"],
    eu_ai_act: &["Annex IV 2(h)"],
    nist_ai_rmf: &["MAP 4.2"],
    iso_42001: &["A.4.4"],
};

const OSV_REFS: &[&str] = &[
    "https://ossf.github.io/osv-schema/",
    "https://osv.dev/list?ecosystem=PyPI",
    "https://peps.python.org/pep-0440/",
];

const MAL_REFS: &[&str] = &[
    "https://github.com/ossf/malicious-packages",
    "https://osv.dev/list?ecosystem=PyPI&q=MAL-",
];

const PIP_REFS: &[&str] = &[
    "https://pip.pypa.io/en/stable/reference/requirements-file-format/",
    "https://pip.pypa.io/en/stable/topics/authentication/",
    "https://peps.python.org/pep-0708/",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "dep-vulnerable",
        title: "Pinned dependency has a known vulnerability",
        severity: Severity::High,
        category: Category::Dependency,
        description: "A dependency pinned to an exact version (`==`, a lockfile, a conda `=V=build` spec or a \
            notebook `!pip install pkg==V`) falls inside an OSV advisory's affected ranges or versions, evaluated \
            with PEP 440 ordering (epochs, pre/post/dev releases; local labels such as `+cu121` are stripped first). \
            Aliases (GHSA, PYSEC, CVE) are merged into one finding. The evidence `severity` comes from the GitHub \
            rating or CVSS vector and overrides this default; `fixed` lists the first fixed versions.",
        remediation: "Upgrade to a fixed version (evidence `fixed`) and regenerate the lockfile; if no fix exists, \
            remove the package or isolate the affected feature.",
        references: OSV_REFS,
        compliance: VULNERABLE,
    },
    Rule {
        id: "dep-range-admits-vulnerable",
        title: "Dependency specifier admits vulnerable versions",
        severity: Severity::Low,
        category: Category::Dependency,
        description: "A version range (`>=`, `~=`, `<`, Poetry `^`/`~`, conda `=1.2`) overlaps the affected versions \
            of one or more advisories. The installed version is unknown, so this is not reported as vulnerable: the \
            lower bound is not assumed to be installed. When every admitted version is affected the evidence \
            `severity` equals the advisory's, otherwise it is one step lower. Bare names (no specifier) are not \
            reported.",
        remediation: "Raise the lower bound above the newest fix (evidence `fixed`) or pin versions with a lockfile \
            and scan the lockfile.",
        references: OSV_REFS,
        compliance: VULNERABLE,
    },
    Rule {
        id: "dep-malicious-package",
        title: "Dependency is a known malicious package",
        severity: Severity::Critical,
        category: Category::Dependency,
        description: "The package name has an OpenSSF malicious-packages record (`MAL-…`) in the advisory database. \
            Every version is treated as malicious: such packages run code at install or import time (credential \
            theft, backdoors, crypto miners).",
        remediation: "Remove the dependency, rotate every credential reachable from machines that installed it, and \
            check for the intended (legitimate) package name.",
        references: MAL_REFS,
        compliance: MALICIOUS,
    },
    Rule {
        id: "dep-typosquat",
        title: "Dependency name imitates a popular ML package",
        severity: Severity::High,
        category: Category::Dependency,
        description: "The name is one edit (insertion, deletion, substitution or transposition), a separator change \
            or a visual confusable (`0`/`o`, `1`/`l`, `rn`/`m`) away from a popular ML or data package, and is not \
            a known legitimate look-alike. Typo-squats are the most common way malicious packages reach ML \
            environments.",
        remediation: "Check the spelling against the intended package (evidence `imitates`) and its PyPI page; \
            replace the dependency if it is not the project you meant.",
        references: MAL_REFS,
        compliance: MALICIOUS,
    },
    Rule {
        id: "dep-index-credentials",
        title: "Package index or VCS URL embeds credentials",
        severity: Severity::High,
        category: Category::Dependency,
        description: "An index URL (`--index-url`, `--extra-index-url`, `--find-links`, Poetry/uv sources, conda \
            channels, lockfile sources) or a VCS/URL requirement (`git+https://TOKEN@host/…`) carries a user name \
            and password, an access token in the user-info part, or a secret query parameter. Anyone who can read \
            the manifest (repository, image layer, notebook) gets the credential. Evidence shows the URL redacted; \
            `${VAR}` references are not reported.",
        remediation: "Revoke the credential, remove it from history, and pass it through an environment variable \
            (`${PIP_TOKEN}`), keyring or netrc instead.",
        references: PIP_REFS,
        compliance: SOURCES,
    },
    Rule {
        id: "dep-extra-index-url",
        title: "Extra package index enables dependency confusion",
        severity: Severity::Medium,
        category: Category::Dependency,
        description: "`--extra-index-url` (or `pip install --index`) adds a second index next to PyPI. pip merges \
            candidates from all indexes and installs the highest version, so an attacker who registers a private \
            package's name on PyPI with a higher version gets code execution (dependency confusion; the PyTorch \
            nightly `torchtriton` compromise of December 2022 used exactly this). Reported for a non-PyPI extra \
            index, and for a PyPI extra index next to a private `--index-url`.",
        remediation: "Use a single index that proxies PyPI (`--index-url`), or an installer with an explicit \
            per-package index (uv `[[tool.uv.index]]` with `explicit = true`, Poetry `priority = \"explicit\"`), \
            and pin hashes (`--require-hashes`).",
        references: PIP_REFS,
        compliance: SOURCES,
    },
    Rule {
        id: "dep-unparseable-version",
        title: "Dependency version is not PEP 440",
        severity: Severity::Medium,
        category: Category::Dependency,
        description: "A pinned version or specifier is not valid PEP 440 (legacy versions such as `2004d`, typos, \
            unsupported Poetry syntax). Advisory ranges cannot be evaluated for it, so it is reported rather than \
            passed silently; only exact entries of advisory `versions` lists are compared.",
        remediation: "Use a PEP 440 version or specifier.",
        references: OSV_REFS,
        compliance: UNEVALUATED,
    },
    Rule {
        id: "dep-manifest-malformed",
        title: "Dependency manifest is malformed",
        severity: Severity::Low,
        category: Category::Dependency,
        description: "A requirements line is not a valid PEP 508 requirement, or a TOML/JSON/YAML manifest does not \
            parse (the evidence `line` points at the error). Tools disagree on malformed input, so what gets \
            installed may differ from what was reviewed; dependencies after a fatal error are not checked.",
        remediation: "Fix the manifest so pip, uv, Poetry or conda parse it unambiguously.",
        references: PIP_REFS,
        compliance: UNEVALUATED,
    },
    Rule {
        id: "dep-include-error",
        title: "Requirements include could not be followed",
        severity: Severity::Low,
        category: Category::Dependency,
        description: "A `-r`/`-c` include is missing, remote (`-r https://…` is never fetched), absolute, loops back \
            to an including file, or exceeds the depth/count/size limits. Dependencies inside it were not checked \
            (the file is marked incomplete, except for loops, which add nothing new).",
        remediation: "Commit the included file next to the manifest and use relative paths without cycles.",
        references: PIP_REFS,
        compliance: UNEVALUATED,
    },
];
