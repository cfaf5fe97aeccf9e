//! Self-contained HTML rendering of a compliance report: inline CSS, no scripts, no
//! external resources; readable on screen and printable.

use std::fmt::Write as _;

use super::{
    ComplianceReport, ControlStatus, FrameworkReport, ItemStatus, evidence_line, shown_rules,
};

const CSS: &str = r#"
:root { --gap: #b42318; --ok: #067647; --na: #667085; --line: #d0d5dd; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828;
  max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.7em; margin: 0 0 .3em; }
h2 { font-size: 1.35em; border-bottom: 2px solid var(--line); padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.1em; margin: 1.4em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .92em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 1em; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: .85em;
  font-weight: 600; color: #fff; white-space: nowrap; }
.badge.gap, .badge.missing { background: var(--gap); }
.badge.conformity, .badge.present { background: var(--ok); }
.badge.not-assessed { background: var(--na); }
section.control { border: 1px solid var(--line); border-left: 6px solid var(--na);
  border-radius: 4px; padding: 4px 14px 8px; margin: 12px 0; }
section.control.gap { border-left-color: var(--gap); }
section.control.conformity { border-left-color: var(--ok); }
section.control h4 { margin: .5em 0 .2em; font-size: 1.02em; }
.reason { font-weight: 600; }
.description { color: #475467; }
ul.evidence { margin: .3em 0; padding-left: 1.3em; }
ul.evidence li { margin: .15em 0; word-break: break-word; }
.note { color: #475467; font-size: .9em; }
footer { margin-top: 3em; color: #475467; font-size: .85em; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  h2 { break-before: page; }
  header h2 { break-before: auto; }
  section.control, tr { break-inside: avoid; }
  .badge { color: #000; border: 1px solid #000; background: none !important; }
}
"#;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `eu-ai-act`, `Art. 15(5)` -> `eu-ai-act--art-15-5`.
fn anchor(framework: &str, id: &str) -> String {
    let mut slug = String::new();
    for ch in id.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("{framework}--{}", slug.trim_matches('-'))
}

fn badge(status: ControlStatus) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        status.key(),
        status.label()
    )
}

/// Renders the report as one self-contained HTML document.
pub fn render_html(report: &ComplianceReport) -> String {
    let mut h = String::new();
    let titles: Vec<&str> = report.frameworks.iter().map(|f| f.title.as_str()).collect();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"mlsecops {}\">\n\
         <title>mlsecops compliance report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&report.tool.version),
        esc(&titles.join(", "))
    );
    let _ = write!(
        h,
        "<header>\n<h1>mlsecops compliance report</h1>\n<dl class=\"meta\">\n\
         <dt>Date</dt><dd>{}</dd>\n<dt>Tool</dt><dd>{} {} (ruleset {})</dd>\n",
        esc(&report.date),
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.tool.ruleset)
    );
    if !report.scan_tools.is_empty() {
        let _ = writeln!(
            h,
            "<dt>Scans by</dt><dd>{}</dd>",
            esc(&report.scan_tools.join("; "))
        );
    }
    let fw_links: Vec<String> = report
        .frameworks
        .iter()
        .map(|f| {
            format!(
                "<a href=\"#{}\">{}</a> ({})",
                esc(&f.id),
                esc(&f.title),
                esc(&f.version)
            )
        })
        .collect();
    let _ = write!(
        h,
        "<dt>Frameworks</dt><dd>{}</dd>\n</dl>\n\
         <p class=\"note\">Statuses: <strong>gap</strong> = an unwaived finding of a mapped rule or a \
         policy deny; <strong>evidence of conformity</strong> = the mapped rules ran over fully \
         analysed files and found nothing unwaived, or an artifact the control asks for is present; \
         <strong>not assessed</strong> = nothing in the inputs speaks to the control. Signatures and \
         attestations are decoded, not verified: run <code>mlsecops verify</code>.</p>\n\
         <h2>Inputs</h2>\n<table class=\"inputs\">\n<thead><tr><th>Input</th><th>Kind</th>\
         <th>Contents</th></tr></thead>\n<tbody>\n",
        fw_links.join("; ")
    );
    for input in &report.inputs {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&input.name),
            esc(input.kind.label()),
            esc(&input.description)
        );
    }
    h.push_str("</tbody>\n</table>\n</header>\n<main>\n");
    for f in &report.frameworks {
        write_framework(&mut h, f);
    }
    let _ = write!(
        h,
        "</main>\n<footer>Generated by {} {} on {}. Control descriptions are mlsecops summaries, \
         not the frameworks' own text.</footer>\n</body>\n</html>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.date)
    );
    h
}

fn write_framework(h: &mut String, f: &FrameworkReport) {
    let s = &f.summary;
    let _ = write!(
        h,
        "<section class=\"framework\" id=\"{id}\" data-framework=\"{id}\">\n\
         <h2>{} <small>version {}</small></h2>\n\
         <p class=\"note\">Source: <a href=\"{url}\">{url}</a>. Coverage: {}</p>\n\
         <table class=\"counts\">\n<thead><tr><th>Status</th><th>Controls</th></tr></thead>\n<tbody>\n\
         <tr><td>{}</td><td>{}</td></tr>\n<tr><td>{}</td><td>{}</td></tr>\n\
         <tr><td>{}</td><td>{}</td></tr>\n<tr><th>total</th><th>{}</th></tr>\n</tbody>\n</table>\n\
         <h3>Summary</h3>\n<table class=\"summary\">\n<thead><tr><th>Control</th><th>Title</th>\
         <th>Status</th><th>Why</th></tr></thead>\n<tbody>\n",
        esc(&f.title),
        esc(&f.version),
        esc(&f.coverage),
        badge(ControlStatus::Gap),
        s.gap,
        badge(ControlStatus::Conformity),
        s.conformity,
        badge(ControlStatus::NotAssessed),
        s.not_assessed,
        s.controls,
        id = esc(&f.id),
        url = esc(&f.url),
    );
    for c in &f.controls {
        let _ = writeln!(
            h,
            "<tr class=\"{}\"><td><a href=\"#{}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.status.key(),
            esc(&anchor(&f.id, &c.id)),
            esc(&c.id),
            esc(&c.title),
            badge(c.status),
            esc(&c.reason)
        );
    }
    h.push_str("</tbody>\n</table>\n<h3>Controls</h3>\n");
    for c in &f.controls {
        let _ = write!(
            h,
            "<section class=\"control {status}\" id=\"{}\" data-control=\"{}\" data-status=\"{status}\">\n\
             <h4><code>{}</code> {} {}</h4>\n<p class=\"reason\">{}</p>\n<p class=\"description\">{}</p>\n",
            esc(&anchor(&f.id, &c.id)),
            esc(&c.id),
            esc(&c.id),
            esc(&c.title),
            badge(c.status),
            esc(&c.reason),
            esc(&c.description),
            status = c.status.key(),
        );
        if !c.rules.is_empty() {
            let (shown, more) = shown_rules(&c.rules);
            let rules: Vec<String> = shown
                .iter()
                .map(|r| format!("<code>{}</code>", esc(r)))
                .collect();
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<p class=\"rules\">Rules: {}{more}</p>",
                rules.join(", ")
            );
        }
        if !c.evidence.is_empty() {
            h.push_str("<ul class=\"evidence\">\n");
            for e in &c.evidence {
                let _ = writeln!(h, "<li>{}</li>", esc(&evidence_line(e)));
            }
            if c.omitted_findings > 0 {
                let _ = writeln!(h, "<li>… and {} more findings</li>", c.omitted_findings);
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</section>\n");
    }
    if !f.checklist.is_empty() {
        let _ = write!(
            h,
            "<section class=\"checklist\" id=\"{}-checklist\">\n<h3>Annex IV documentation checklist</h3>\n\
             <p>{} present, {} missing.</p>\n<table>\n<thead><tr><th>Item</th><th>Title</th>\
             <th>Reference</th><th>Status</th><th>Evidence</th></tr></thead>\n<tbody>\n",
            esc(&f.id),
            s.checklist_present,
            s.checklist_missing
        );
        for item in &f.checklist {
            let status = match item.status {
                ItemStatus::Present => "present",
                ItemStatus::Missing => "missing",
            };
            let _ = writeln!(
                h,
                "<tr data-item=\"{}\" data-status=\"{status}\"><td><code>{}</code></td><td>{}</td>\
                 <td>{}</td><td><span class=\"badge {status}\">{status}</span></td><td>{}</td></tr>",
                esc(&item.id),
                esc(&item.id),
                esc(&item.title),
                esc(&item.reference),
                esc(&item.evidence.join("; "))
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_anchors() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(anchor("eu-ai-act", "Art. 15(5)"), "eu-ai-act--art-15-5");
        assert_eq!(anchor("atlas", "AML.T0010.003"), "atlas--aml-t0010-003");
    }
}
