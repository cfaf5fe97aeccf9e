//! Rule listings and documentation generated from the registry: `mlsecops rules`,
//! `mlsecops explain ID` and `docs/rules.md`.

use std::fmt::Write as _;

use mlsecops_core::{Compliance, RULES, RULESET_VERSION, Rule};

use crate::rule_help_uri;
use crate::style::{self, paint};

/// Compliance frameworks in display order, with their labels.
fn compliance_rows(c: &Compliance) -> [(&'static str, &'static [&'static str]); 7] {
    [
        ("CWE", c.cwe),
        ("OWASP ML Top 10 (2023)", c.owasp_ml),
        ("OWASP LLM Top 10 (2025)", c.owasp_llm),
        ("MITRE ATLAS", c.atlas),
        ("EU AI Act", c.eu_ai_act),
        ("NIST AI RMF 1.0", c.nist_ai_rmf),
        ("ISO/IEC 42001:2023", c.iso_42001),
    ]
}

/// Table of every rule (id, severity, category, title) for `mlsecops rules`.
/// Column widths are computed on the plain text, so colour never misaligns columns.
pub fn render_rules_table(color: bool) -> String {
    let header = ["ID", "SEVERITY", "CATEGORY", "TITLE"];
    let rows: Vec<[&str; 4]> = RULES
        .iter()
        .map(|r| [r.id, r.severity.as_str(), r.category.as_str(), r.title])
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let head = format!(
        "{:<w0$}  {:<w1$}  {:<w2$}  {}",
        header[0],
        header[1],
        header[2],
        header[3],
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2],
    );
    out.push_str(&paint(color, style::bold(), &head));
    out.push('\n');
    for (rule, row) in RULES.iter().zip(&rows) {
        let severity = format!("{:<w$}", row[1], w = widths[1]);
        let _ = writeln!(
            out,
            "{:<w0$}  {}  {:<w2$}  {}",
            row[0],
            paint(color, style::severity(rule.severity), &severity),
            row[2],
            row[3],
            w0 = widths[0],
            w2 = widths[2],
        );
    }
    let _ = writeln!(
        out,
        "\n{} rules (ruleset {RULESET_VERSION}); `mlsecops explain <ID>` shows one in full.",
        RULES.len()
    );
    out
}

/// Greedy word wrap of `text` to `width` columns, each line prefixed with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// Full plain-text documentation of one rule for `mlsecops explain ID`, including its
/// compliance mappings.
pub fn render_rule_explain(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", rule.id, rule.title);
    let _ = writeln!(
        out,
        "Severity: {} (security-severity {}, SARIF level {})",
        rule.severity,
        rule.severity.security_severity(),
        rule.severity.sarif_level()
    );
    let _ = writeln!(out, "Category: {}", rule.category.as_str());
    out.push_str("\nDescription:\n");
    out.push_str(&wrap(rule.description, 88, "  "));
    out.push_str("\nRemediation:\n");
    out.push_str(&wrap(rule.remediation, 88, "  "));
    if !rule.references.is_empty() {
        out.push_str("\nReferences:\n");
        for reference in rule.references {
            let _ = writeln!(out, "  - {reference}");
        }
    }
    out.push_str("\nCompliance:\n");
    let rows = compliance_rows(&rule.compliance);
    let label_width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    for (label, ids) in rows {
        let value = if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.join(", ")
        };
        let _ = writeln!(out, "  {label:<label_width$}  {value}");
    }
    let _ = writeln!(out, "\nDocs: {}", rule_help_uri(rule.id));
    out
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `docs/rules.md`: title, table of contents and one section per rule with severity,
/// category, description, remediation, references and a compliance table. Deterministic.
pub fn render_rules_markdown() -> String {
    let mut out = String::new();
    out.push_str("# mlsecops rules\n\n");
    out.push_str(
        "<!-- Generated from the rule registry by `mlsecops_report::render_rules_markdown`; do not edit.\n     \
         Regenerate with: MLSECOPS_UPDATE_DOCS=1 cargo test -p mlsecops-report docs_rules_md_is_up_to_date -->\n\n",
    );
    let _ = writeln!(
        out,
        "Ruleset version `{RULESET_VERSION}`: {} rules. Every finding names one of these ids; \
         `mlsecops explain <id>` prints the same text in the terminal, and SARIF output links \
         each result here.\n",
        RULES.len()
    );
    out.push_str(
        "Severities map to SARIF levels and GitHub `security-severity` scores: \
         critical = error / 9.8, high = error / 8.0, medium = warning / 5.5, \
         low = note / 3.0, info = note / 0.0.\n\n",
    );
    out.push_str("## Contents\n\n");
    out.push_str("| Rule | Severity | Category | Title |\n|---|---|---|---|\n");
    for rule in RULES.iter() {
        let _ = writeln!(
            out,
            "| [`{id}`](#{id}) | {} | {} | {} |",
            rule.severity,
            rule.category.as_str(),
            cell(rule.title),
            id = rule.id,
        );
    }
    for rule in RULES.iter() {
        out.push('\n');
        let _ = writeln!(out, "## {}\n", rule.id);
        let _ = writeln!(out, "**{}**\n", rule.title);
        let _ = writeln!(
            out,
            "- Severity: **{}** (SARIF level `{}`, security-severity {})",
            rule.severity,
            rule.severity.sarif_level(),
            rule.severity.security_severity()
        );
        let _ = writeln!(out, "- Category: `{}`\n", rule.category.as_str());
        let _ = writeln!(out, "**Description.** {}\n", rule.description);
        let _ = writeln!(out, "**Remediation.** {}\n", rule.remediation);
        if !rule.references.is_empty() {
            out.push_str("**References.**\n\n");
            for reference in rule.references {
                let _ = writeln!(out, "- {reference}");
            }
            out.push('\n');
        }
        out.push_str("**Compliance.**\n\n| Framework | Ids |\n|---|---|\n");
        for (label, ids) in compliance_rows(&rule.compliance) {
            let value = if ids.is_empty() {
                "—".to_owned()
            } else {
                ids.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(out, "| {label} | {} |", cell(&value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width() {
        let text = "a ".repeat(100);
        for line in wrap(&text, 20, "  ").lines() {
            assert!(line.len() <= 20, "{line:?}");
            assert!(line.starts_with("  a"));
        }
    }

    #[test]
    fn rules_table_lists_every_rule_and_colour_is_optional() {
        let plain = render_rules_table(false);
        assert!(!plain.contains('\x1b'));
        for rule in RULES.iter() {
            assert!(
                plain
                    .lines()
                    .any(|l| l.starts_with(rule.id) && l.contains(rule.title))
            );
        }
        assert!(render_rules_table(true).contains('\x1b'));
    }

    #[test]
    fn explain_has_every_framework() {
        let rule = mlsecops_core::rule("pickle-code-execution").expect("registered");
        let text = render_rule_explain(rule);
        for needle in [
            "CWE-502",
            "ML06:2023",
            "LLM03:2025",
            "AML.T0011.000",
            "Art. 15(5)",
            "MEASURE 2.7",
            "A.10.3",
            "docs/rules.md#pickle-code-execution",
        ] {
            assert!(text.contains(needle), "missing {needle}");
        }
    }
}
