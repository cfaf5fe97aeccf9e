//! `docs/rules.md` is generated from the registry and must be kept in sync.

use mlsecops_core::RULES;
use mlsecops_report::render_rules_markdown;

/// Fails when `docs/rules.md` differs from the generated text; with
/// `MLSECOPS_UPDATE_DOCS=1` it rewrites the file instead.
#[test]
fn docs_rules_md_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = render_rules_markdown();
    if std::env::var_os("MLSECOPS_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("write docs/rules.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is out of date with the rule registry; regenerate it with\n    \
         MLSECOPS_UPDATE_DOCS=1 cargo test -p mlsecops-report docs_rules_md_is_up_to_date"
    );
}

#[test]
fn markdown_documents_every_rule() {
    let md = render_rules_markdown();
    assert_eq!(md, render_rules_markdown(), "not deterministic");
    for rule in RULES.iter() {
        assert!(
            md.contains(&format!("\n## {}\n", rule.id)),
            "{} has no section",
            rule.id
        );
        assert!(
            md.contains(&format!("](#{})", rule.id)),
            "{} not in contents",
            rule.id
        );
        assert!(
            md.contains(rule.remediation),
            "{} remediation missing",
            rule.id
        );
        for cwe in rule.compliance.cwe {
            assert!(md.contains(cwe));
        }
    }
    for framework in [
        "| CWE |",
        "| OWASP ML Top 10 (2023) |",
        "| OWASP LLM Top 10 (2025) |",
        "| MITRE ATLAS |",
        "| EU AI Act |",
        "| NIST AI RMF 1.0 |",
        "| ISO/IEC 42001:2023 |",
    ] {
        assert_eq!(md.matches(framework).count(), RULES.len(), "{framework}");
    }
}
