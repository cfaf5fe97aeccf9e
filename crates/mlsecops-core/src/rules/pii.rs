//! Personal-data rules (notebook outputs, code, tabular data files).
//!
//! Detectors live in `mlsecops-pii`: deterministic patterns with checksums (Luhn, ISO 13616
//! mod 97), range filters (US SSN) and `std::net` parsing, plus column-header hints for data
//! files. Severity follows what a leak exposes: financial and national identifiers are high,
//! contact data medium, IP addresses low; a whole data column of personal data is high because
//! it is bulk personal data in training or evaluation data.

use super::{Category, Compliance, Rule};
use crate::Severity;

/// Mapping of "PII / special-category data in training data" (grc-trust-monitoring §2.1).
const PII_IN_DATA: Compliance = Compliance {
    cwe: &["CWE-359"],
    owasp_ml: &["ML03:2023", "ML04:2023"],
    owasp_llm: &["LLM02:2025"],
    atlas: &["AML.T0024.000", "AML.T0057", "AML.M0025"],
    eu_ai_act: &["Art. 10(2)(b)", "Art. 10(5)"],
    nist_ai_rmf: &["MEASURE 2.10", "MAP 4.1"],
    iso_42001: &["A.7.3", "A.7.5", "A.7.6", "A.7.4"],
};

const PII_REFS: &[&str] = &[
    "https://cwe.mitre.org/data/definitions/359.html",
    "https://microsoft.github.io/presidio/supported_entities/",
    "https://eur-lex.europa.eu/eli/reg/2024/1689/oj (EU AI Act Art. 10)",
];

const PII_REMEDIATION: &str = "Remove or pseudonymise the value (tokenise, hash with a secret salt, or replace \
    with synthetic data) before the file, notebook output or data set is committed or used for training; \
    clear notebook outputs; record the lawful basis and purpose of any personal data that must stay.";

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "pii-email",
        title: "Email address in text or data",
        severity: Severity::Medium,
        category: Category::Pii,
        description: "An email address (RFC 5322-style local part, dotted domain with a known top-level \
            domain) appears in code, a notebook output or a data file. Addresses at reserved example domains \
            (RFC 2606/6761: example.com, *.test, *.invalid, *.localhost) and non-personal mailbox names \
            (`git@`, `noreply@`) are ignored. Email addresses identify people directly and end up memorised by \
            models trained on the data.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-phone",
        title: "Telephone number in text or data",
        severity: Severity::Medium,
        category: Category::Pii,
        description: "A telephone number in E.164 form (`+<country code>` and 7–14 digits, separators allowed) \
            or a North American Numbering Plan number with separators (`(212) 555-0123`, `212-555-0123`, \
            `212.555.0123`). Bare digit runs, dates, timestamps and version strings are not matched; the \
            fictional 555-01xx block is ignored.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-credit-card",
        title: "Payment card number in text or data",
        severity: Severity::High,
        category: Category::Pii,
        description: "A 13–19 digit number with a known issuer prefix (Visa, Mastercard, American Express, \
            Discover, JCB, Diners Club, UnionPay, Maestro) that passes the Luhn check. Numbers without \
            separators are only reported next to a context word (`card`, `credit`, `visa`…) or in a card \
            column. Documented test numbers (4111 1111 1111 1111, 4242 4242 4242 4242, …) are not personal \
            data and are ignored. Storing primary account numbers outside a PCI DSS environment is a \
            compliance breach.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-iban",
        title: "International bank account number (IBAN) in text or data",
        severity: Severity::High,
        category: Category::Pii,
        description: "An IBAN whose length matches its country (ISO 13616 registry) and whose check digits pass \
            the mod-97 test. Bank account numbers are financial personal data.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-us-ssn",
        title: "US Social Security number in text or data",
        severity: Severity::High,
        category: Category::Pii,
        description: "A number in `AAA-GG-SSSS` form outside the never-issued ranges (area 000, 666, 900–999, \
            group 00, serial 0000) and not a known advertising number (078-05-1120, 219-09-9999). Numbers \
            without dashes are only reported next to a context word (`ssn`, `social security`). A national \
            identifier enables identity theft.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-ip-address",
        title: "Public IP address in text or data",
        severity: Severity::Low,
        category: Category::Pii,
        description: "A public (globally routable) IPv4 or IPv6 address, parsed with the standard library. \
            Loopback, unspecified, multicast, documentation and benchmarking ranges and version-string look-alikes \
            (every octet below 10) are ignored; private and link-local addresses fall below the default \
            confidence threshold. IP addresses of end users are personal data under the GDPR.",
        remediation: PII_REMEDIATION,
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
    Rule {
        id: "pii-data-column",
        title: "Data column holds personal data",
        severity: Severity::High,
        category: Category::Pii,
        description: "A column of a tabular data file (CSV, TSV, JSON Lines, Parquet) or of a table shown in a \
            notebook output holds personal data: validated values (emails, phone numbers, card numbers, IBANs, \
            SSNs, IP addresses) and/or a header that names personal data (`email`, `ssn`, `dob`, `first_name`, \
            `address`, `passport`, special-category words such as `religion` or `ethnicity`). The finding gives \
            the count of matching cells in the sample and at most three masked samples. Personal data in \
            training data must have a purpose and a lawful basis and should be minimised (EU AI Act Art. 10, \
            GDPR Art. 5 and 9); models memorise it and can leak it (membership inference, data extraction).",
        remediation: "Drop or pseudonymise the column before training or publishing the data set, or document \
            why it is needed (purpose, lawful basis, retention) in the data card.",
        references: PII_REFS,
        compliance: PII_IN_DATA,
    },
];
