//! Human-readable terminal report.

use std::fmt::Write as _;
use std::io::{self, Write};

use comfy_table::{CellAlignment, Table, presets};
use mlsecops_core::{
    FileReport, FileStatus, Finding, PolicyLevel, PolicyReport, ScanReport, Severity, WaiverReport,
    WaiverState,
};

use crate::style::{self, paint};

/// Options for [`render_human`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// Emit ANSI colours. When false the output contains no escape sequences.
    pub color: bool,
    /// Also list fully analysed files without findings (and skipped files).
    pub verbose: bool,
}

/// Writes the human report: findings grouped by file (waived ones marked, config severity
/// overrides noted), every file that was not fully analysed with its reason, the expired and
/// unused waivers, the policy-gate results, a summary table and a one-line verdict.
pub fn render_human(
    report: &ScanReport,
    opts: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let color = opts.color;
    let mut listed = 0usize;
    for file in &report.files {
        let shown = !file.findings.is_empty() || file.status.is_incomplete() || opts.verbose;
        if !shown {
            continue;
        }
        if listed > 0 {
            writeln!(out)?;
        }
        listed += 1;
        write_file(file, color, out)?;
    }
    if listed > 0 {
        writeln!(out)?;
    }
    if let Some(waivers) = &report.waivers {
        write_waivers(waivers, color, out)?;
    }
    if let Some(policy) = &report.policy {
        write_policy(policy, color, out)?;
    }
    writeln!(out, "{}", paint(color, style::bold(), "Summary"))?;
    writeln!(out, "{}", summary_table(report))?;
    writeln!(out, "{}", coverage_line(report))?;
    writeln!(out, "{}", verdict(report, color))?;
    Ok(())
}

fn write_file(file: &FileReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} ({}, {})",
        paint(color, style::bold(), &file.path),
        file.format,
        paint(color, style::status(file.status), file.status.as_str()),
    )?;
    if let Some(reason) = &file.reason {
        writeln!(out, "  reason: {reason}")?;
    } else if file.status.is_incomplete() {
        writeln!(out, "  reason: (none given)")?;
    }
    if file.findings.is_empty() {
        let note = match file.status {
            FileStatus::Complete => "no findings",
            FileStatus::Skipped => "not analysed (skipped)",
            FileStatus::Inconclusive => "no findings in the part that was analysed",
            FileStatus::Error | FileStatus::Unsupported => "not analysed",
        };
        writeln!(out, "  {}", paint(color, style::dim(), note))?;
    }
    for finding in &file.findings {
        write_finding(finding, color, out)?;
    }
    Ok(())
}

fn write_finding(finding: &Finding, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let tag = format!("{:<8}", finding.severity.as_str().to_ascii_uppercase());
    let tag_style = if finding.is_waived() {
        style::dim()
    } else {
        style::severity(finding.severity)
    };
    let waived = if finding.is_waived() {
        format!(" {}", paint(color, style::dim(), "[waived]"))
    } else {
        String::new()
    };
    writeln!(
        out,
        "  {} {}{waived}: {}",
        paint(color, tag_style, &tag),
        paint(color, style::bold(), &finding.rule),
        finding.message,
    )?;
    let indent = " ".repeat(11);
    if let Some(waiver) = &finding.waiver {
        writeln!(
            out,
            "{indent}{} {} (owner {}, expires {}; {})",
            paint(color, style::dim(), "waived:"),
            waiver.reason,
            waiver.owner,
            waiver.expires,
            waiver.id
        )?;
    }
    if let Some(default) = finding.default_severity {
        writeln!(
            out,
            "{indent}{} severity set by config, default {default}",
            paint(color, style::dim(), "note:"),
        )?;
    }
    writeln!(
        out,
        "{indent}{} {}",
        paint(color, style::dim(), "at"),
        finding.location.display()
    )?;
    if !finding.evidence.is_empty() {
        let evidence: Vec<String> = finding
            .evidence
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        writeln!(
            out,
            "{indent}{} {}",
            paint(color, style::dim(), "evidence:"),
            evidence.join(" ")
        )?;
    }
    Ok(())
}

/// Expired and unused waivers (active ones show on their findings).
fn write_waivers(waivers: &WaiverReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let count = |state| waivers.in_state(state).count();
    writeln!(
        out,
        "{} ({}; today {}): {} active, {} expired, {} unused",
        paint(color, style::bold(), "Waivers"),
        if waivers.sources.is_empty() {
            "no file".to_owned()
        } else {
            waivers.sources.join(", ")
        },
        waivers.today,
        count(WaiverState::Active),
        count(WaiverState::Expired),
        count(WaiverState::Unused),
    )?;
    for state in [WaiverState::Expired, WaiverState::Unused] {
        for entry in waivers.in_state(state) {
            let label = format!("{:<8}", state.as_str().to_ascii_uppercase());
            let label_style = if state == WaiverState::Expired {
                style::severity(Severity::Medium)
            } else {
                style::dim()
            };
            let matched = if state == WaiverState::Expired {
                format!(
                    ", would match {}",
                    plural(entry.matched, "finding", "findings")
                )
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {} {} rule {} path {}: {} (owner {}, expires {}{matched})",
                paint(color, label_style, &label),
                entry.id,
                entry.rule,
                entry.path,
                entry.reason,
                entry.owner,
                entry.expires,
            )?;
        }
    }
    writeln!(out)
}

/// Policy-gate results, denies first.
fn write_policy(policy: &PolicyReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let denies = policy.count(PolicyLevel::Deny);
    let warns = policy.count(PolicyLevel::Warn);
    writeln!(
        out,
        "{} ({}): {}, {}{}",
        paint(color, style::bold(), "Policy"),
        if policy.sources.is_empty() {
            "no source".to_owned()
        } else {
            policy.sources.join(", ")
        },
        plural(denies, "deny", "denies"),
        plural(warns, "warning", "warnings"),
        if policy.fail_on_warn {
            " (warnings fail the run)"
        } else {
            ""
        },
    )?;
    for level in [PolicyLevel::Deny, PolicyLevel::Warn] {
        for msg in policy.results.iter().filter(|m| m.level == level) {
            let (label, label_style) = match level {
                PolicyLevel::Deny => ("DENY    ", style::severity(Severity::High)),
                PolicyLevel::Warn => ("WARN    ", style::severity(Severity::Medium)),
            };
            writeln!(
                out,
                "  {} {}: {}",
                paint(color, label_style, label),
                paint(
                    color,
                    style::bold(),
                    &format!("{}/{}", msg.package, msg.rule)
                ),
                msg.msg
            )?;
        }
    }
    writeln!(out)
}

fn summary_table(report: &ScanReport) -> Table {
    let count = |map: &std::collections::BTreeMap<String, usize>, key: &str| {
        map.get(key).copied().unwrap_or(0)
    };
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["Files", "", "Findings", ""]);
    // Severities highest first, next to the statuses.
    let severities = Severity::ALL.iter().rev();
    for (status, sev) in FileStatus::ALL.iter().zip(severities) {
        table.add_row(vec![
            status.as_str().to_owned(),
            count(&report.summary.status, status.as_str()).to_string(),
            sev.as_str().to_owned(),
            count(&report.summary.severity, sev.as_str()).to_string(),
        ]);
    }
    table.add_row(vec![
        "total".to_owned(),
        report.summary.files.to_string(),
        "total".to_owned(),
        report.summary.findings.to_string(),
    ]);
    for idx in [1, 3] {
        if let Some(column) = table.column_mut(idx) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// `Formats: gguf 2, pytorch-zip 1 (1 inconclusive), unknown 3 (3 skipped)`: what was
/// detected, with every status other than `complete` spelled out.
fn coverage_line(report: &ScanReport) -> String {
    let parts: Vec<String> = report
        .summary
        .formats
        .iter()
        .map(|(format, by_status)| {
            let total: usize = by_status.values().sum();
            let others: Vec<String> = by_status
                .iter()
                .filter(|(status, n)| status.as_str() != "complete" && **n > 0)
                .map(|(status, n)| format!("{n} {status}"))
                .collect();
            if others.is_empty() {
                format!("{format} {total}")
            } else {
                format!("{format} {total} ({})", others.join(", "))
            }
        })
        .collect();
    if parts.is_empty() {
        "Formats: none".to_owned()
    } else {
        format!("Formats: {}", parts.join(", "))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One-line verdict. Says "clean" only when every analysed file is complete and no finding
/// is at or above `fail_on`.
pub(crate) fn verdict(report: &ScanReport, color: bool) -> String {
    let fail_on = report.summary.fail_on;
    let exit = report.summary.exit_code;
    let analysed: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Skipped)
        .collect();
    let skipped = report.files.len() - analysed.len();
    let incomplete: Vec<&FileReport> = analysed
        .iter()
        .copied()
        .filter(|f| f.status.is_incomplete())
        .collect();
    let findings: Vec<&Finding> = report.files.iter().flat_map(|f| &f.findings).collect();
    let failing = findings
        .iter()
        .filter(|f| f.severity >= fail_on && !f.is_waived())
        .count();
    let waived = findings.iter().filter(|f| f.is_waived()).count();
    let policy_fails = report.policy.as_ref().is_some_and(PolicyReport::fails);
    let files_with_findings = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .count();

    let mut parts = Vec::new();
    if findings.is_empty() {
        parts.push(format!(
            "0 findings in {}",
            plural(analysed.len(), "analysed file", "analysed files")
        ));
    } else {
        let by_severity: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|sev| {
                let n = findings.iter().filter(|f| f.severity == *sev).count();
                (n > 0).then(|| format!("{n} {sev}"))
            })
            .collect();
        let noun = if findings.len() == 1 {
            "finding"
        } else {
            "findings"
        };
        let mut text = format!(
            "{} {noun} in {files_with_findings} of {}",
            by_severity.join(", "),
            plural(analysed.len(), "file", "files")
        );
        if waived > 0 {
            let _ = write!(text, " ({waived} waived)");
        }
        if failing == 0 && waived == 0 {
            let _ = write!(text, " (none at or above --fail-on {fail_on})");
        }
        parts.push(text);
    }
    if let Some(policy) = &report.policy {
        parts.push(format!(
            "policy: {}, {}",
            plural(policy.count(PolicyLevel::Deny), "deny", "denies"),
            plural(policy.count(PolicyLevel::Warn), "warning", "warnings")
        ));
    }
    if !incomplete.is_empty() {
        let kinds: Vec<String> = [
            FileStatus::Inconclusive,
            FileStatus::Error,
            FileStatus::Unsupported,
        ]
        .iter()
        .filter_map(|status| {
            let n = incomplete.iter().filter(|f| f.status == *status).count();
            (n > 0).then(|| format!("{n} {}", status.as_str()))
        })
        .collect();
        parts.push(format!(
            "{} not fully analysed ({})",
            plural(incomplete.len(), "file", "files"),
            kinds.join(", ")
        ));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }

    let clean = !analysed.is_empty() && incomplete.is_empty() && failing == 0 && !policy_fails;
    let (label, label_style) = if clean {
        ("clean", style::status(FileStatus::Complete))
    } else if failing > 0 || policy_fails {
        ("FAIL", style::severity(Severity::Critical))
    } else if analysed.is_empty() {
        ("nothing analysed", style::status(FileStatus::Inconclusive))
    } else {
        ("INCOMPLETE", style::status(FileStatus::Inconclusive))
    };
    format!(
        "{}: {} — exit {exit}",
        paint(color, label_style, label),
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use mlsecops_core::{Location, ToolInfo};

    use super::*;

    fn file(path: &str, status: FileStatus, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: path.into(),
            format: "pickle".into(),
            status,
            reason: status.is_incomplete().then(|| "why".to_owned()),
            size: 1,
            findings,
        }
    }

    fn finding(path: &str, sev: Severity) -> Finding {
        Finding::new("pickle-code-execution", "m", Location::file(path)).with_severity(sev)
    }

    fn verdict_of(files: Vec<FileReport>) -> String {
        let report = ScanReport::new(ToolInfo::new("0"), files, Severity::High, false);
        verdict(&report, false)
    }

    #[test]
    fn clean_only_when_complete_and_nothing_failing() {
        let v = verdict_of(vec![file("a", FileStatus::Complete, vec![])]);
        assert_eq!(v, "clean: 0 findings in 1 analysed file — exit 0");

        let v = verdict_of(vec![file(
            "a",
            FileStatus::Complete,
            vec![finding("a", Severity::Low)],
        )]);
        assert!(v.starts_with("clean: 1 low finding in 1 of 1 file"), "{v}");
        assert!(v.contains("none at or above --fail-on high"), "{v}");
    }

    #[test]
    fn incomplete_is_never_clean() {
        for status in [
            FileStatus::Inconclusive,
            FileStatus::Error,
            FileStatus::Unsupported,
        ] {
            let v = verdict_of(vec![
                file("a", FileStatus::Complete, vec![]),
                file("b", status, vec![]),
            ]);
            assert!(!v.contains("clean"), "{v}");
            assert!(!v.to_lowercase().contains("no issues"), "{v}");
            assert!(v.starts_with("INCOMPLETE: "), "{v}");
            assert!(
                v.contains(&format!(
                    "1 file not fully analysed (1 {})",
                    status.as_str()
                )),
                "{v}"
            );
            assert!(v.ends_with("exit 2"), "{v}");
        }
    }

    #[test]
    fn failing_findings_and_counts() {
        let v = verdict_of(vec![
            file(
                "a",
                FileStatus::Complete,
                vec![
                    finding("a", Severity::Critical),
                    finding("a", Severity::Critical),
                ],
            ),
            file(
                "b",
                FileStatus::Complete,
                vec![finding("b", Severity::High)],
            ),
            file("c", FileStatus::Complete, vec![]),
            file("d", FileStatus::Inconclusive, vec![]),
            file("e", FileStatus::Skipped, vec![]),
        ]);
        assert_eq!(
            v,
            "FAIL: 2 critical, 1 high findings in 2 of 4 files; \
             1 file not fully analysed (1 inconclusive); 1 skipped — exit 1"
        );
    }

    #[test]
    fn nothing_analysed_is_not_clean() {
        let v = verdict_of(vec![file("e", FileStatus::Skipped, vec![])]);
        assert!(v.starts_with("nothing analysed: "), "{v}");
        let v = verdict_of(vec![]);
        assert!(!v.contains("clean"), "{v}");
    }
}
