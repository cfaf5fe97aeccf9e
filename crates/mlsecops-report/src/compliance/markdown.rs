//! Markdown rendering of a compliance report.

use std::fmt::Write as _;

use super::{ComplianceReport, FrameworkReport, ItemStatus, evidence_line, shown_rules};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn text(s: &str) -> String {
    // Keep free text from opening HTML or emphasis accidentally.
    s.replace('<', "&lt;").replace(['\n', '\r'], " ")
}

/// Renders the report as Markdown (GitHub flavour): header, inputs, then per framework a
/// summary table, one section per control with its evidence, and the Annex IV checklist.
pub fn render_markdown(report: &ComplianceReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# mlsecops compliance report\n");
    let _ = writeln!(
        md,
        "- Date: {}\n- Tool: {} {} (ruleset {})",
        report.date, report.tool.name, report.tool.version, report.tool.ruleset
    );
    if !report.scan_tools.is_empty() {
        let _ = writeln!(md, "- Scans by: {}", report.scan_tools.join("; "));
    }
    let frameworks: Vec<String> = report
        .frameworks
        .iter()
        .map(|f| format!("{} ({})", f.title, f.version))
        .collect();
    let _ = writeln!(md, "- Frameworks: {}", frameworks.join("; "));
    md.push_str(
        "- Statuses: **gap** = an unwaived finding of a mapped rule or a policy deny; \
         **evidence of conformity** = mapped rules ran over fully analysed files and found \
         nothing unwaived, or an artifact the control asks for is present; **not assessed** = \
         nothing in the inputs speaks to the control. Signatures and attestations are decoded, \
         not verified: run `mlsecops verify`.\n\n## Inputs\n\n| Input | Kind | Contents |\n|---|---|---|\n",
    );
    for input in &report.inputs {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} |",
            cell(&input.name),
            input.kind.label(),
            cell(&input.description)
        );
    }
    for framework in &report.frameworks {
        write_framework(&mut md, framework);
    }
    md
}

fn write_framework(md: &mut String, f: &FrameworkReport) {
    let s = &f.summary;
    let _ = write!(
        md,
        "\n## {} — version {}\n\nSource: <{}>\n\nCoverage: {}\n\n\
         | Status | Controls |\n|---|---|\n| gap | {} |\n| evidence of conformity | {} |\n\
         | not assessed | {} |\n| total | {} |\n\n",
        text(&f.title),
        text(&f.version),
        f.url,
        text(&f.coverage),
        s.gap,
        s.conformity,
        s.not_assessed,
        s.controls
    );
    md.push_str("| Control | Title | Status | Why |\n|---|---|---|---|\n");
    for c in &f.controls {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} |",
            cell(&c.id),
            cell(&c.title),
            c.status.label(),
            cell(&c.reason)
        );
    }
    md.push_str("\n### Controls\n");
    for c in &f.controls {
        let _ = write!(
            md,
            "\n#### `{}` {}\n\n**Status: {}** — {}\n\n{}\n",
            c.id,
            text(&c.title),
            c.status.label(),
            text(&c.reason),
            text(&c.description)
        );
        if !c.rules.is_empty() {
            let (shown, more) = shown_rules(&c.rules);
            let rules: Vec<String> = shown.iter().map(|r| format!("`{r}`")).collect();
            let _ = write!(md, "\nRules: {}", rules.join(", "));
            if more > 0 {
                let _ = write!(md, " (+{more} more)");
            }
            md.push('\n');
        }
        if !c.evidence.is_empty() {
            md.push_str("\nEvidence:\n\n");
            for e in &c.evidence {
                let _ = writeln!(md, "- {}", text(&evidence_line(e)));
            }
            if c.omitted_findings > 0 {
                let _ = writeln!(md, "- … and {} more findings", c.omitted_findings);
            }
        }
    }
    if !f.checklist.is_empty() {
        let _ = write!(
            md,
            "\n### Annex IV documentation checklist\n\n{} present, {} missing.\n\n\
             | Item | Title | Reference | Status | Evidence |\n|---|---|---|---|---|\n",
            s.checklist_present, s.checklist_missing
        );
        for item in &f.checklist {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                item.id,
                cell(&item.title),
                cell(&item.reference),
                match item.status {
                    ItemStatus::Present => "present",
                    ItemStatus::Missing => "**missing**",
                },
                cell(&item.evidence.join("; "))
            );
        }
    }
}
