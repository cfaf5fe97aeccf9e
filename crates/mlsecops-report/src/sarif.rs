//! SARIF 2.1.0 output (the subset GitHub code scanning and other consumers read).

use std::fmt::Write as _;

use mlsecops_core::{
    FileStatus, Finding, PolicyLevel, PolicyMessage, RULES, Rule, ScanReport, Severity,
};
use serde_json::{Map, Value, json};

use crate::{REPOSITORY_URL, rule_help_uri};

/// `$schema` written into every log.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Base id that relative artifact URIs are resolved against.
const SRCROOT: &str = "%SRCROOT%";

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, trailing newline) with one run.
/// `rules[]` lists every rule in the registry, not only the ones that fired, so consumers
/// can show documentation for all of them, followed by one synthetic rule per policy rule
/// that produced a message (`policy/<package>/<rule>`). Waived findings carry an accepted
/// external suppression with the waiver's reason.
pub fn render_sarif(report: &ScanReport) -> String {
    let mut rules: Vec<Value> = RULES.iter().map(rule_descriptor).collect();
    let mut results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .map(result)
        .collect();
    if let Some(policy) = &report.policy {
        let mut ids: Vec<String> = Vec::new();
        for msg in &policy.results {
            let id = policy_rule_id(msg);
            let index = if let Some(i) = ids.iter().position(|known| *known == id) {
                i
            } else {
                ids.push(id.clone());
                rules.push(json!({
                    "id": id,
                    "name": pascal_case(&id.replace(['/', '.', '_'], "-")),
                    "shortDescription": { "text": format!("Policy rule {}.{}", msg.package, msg.rule) },
                    "defaultConfiguration": { "level": policy_level(msg.level) },
                    "properties": { "tags": ["policy", "security"] },
                }));
                ids.len() - 1
            };
            results.push(policy_result(msg, &id, RULES.len() + index));
        }
    }
    let notifications: Vec<Value> = report
        .files
        .iter()
        .filter(|f| f.status.is_incomplete())
        .map(|f| {
            let level = if f.status == FileStatus::Error {
                "error"
            } else {
                "warning"
            };
            let reason = f.reason.as_deref().unwrap_or("no reason given");
            json!({
                "level": level,
                "message": {
                    "text": format!("{} was not fully analysed ({}): {reason}", f.path, f.status.as_str()),
                },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&f.path) } }],
                "properties": { "status": f.status.as_str(), "format": f.format },
            })
        })
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": REPOSITORY_URL,
                    "rules": rules,
                    "properties": { "ruleset": report.tool.ruleset },
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "exitCode": report.summary.exit_code,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": { "text": "The directory mlsecops was run from; relative result paths are resolved against it." }
                }
            },
            "results": results,
        }]
    });
    let mut out =
        serde_json::to_string_pretty(&log).expect("a serde_json::Value always serialises");
    out.push('\n');
    out
}

/// `policy/<package>/<rule>`.
fn policy_rule_id(msg: &PolicyMessage) -> String {
    format!("policy/{}/{}", msg.package, msg.rule)
}

fn policy_level(level: PolicyLevel) -> &'static str {
    match level {
        PolicyLevel::Deny => "error",
        PolicyLevel::Warn => "warning",
    }
}

fn policy_result(msg: &PolicyMessage, id: &str, rule_index: usize) -> Value {
    let mut properties = Map::new();
    properties.insert("policyPackage".into(), json!(msg.package));
    properties.insert("policyRule".into(), json!(msg.rule));
    properties.insert(
        "policyLevel".into(),
        json!(match msg.level {
            PolicyLevel::Deny => "deny",
            PolicyLevel::Warn => "warn",
        }),
    );
    if let Some(details) = &msg.details {
        properties.insert("details".into(), details.clone());
    }
    let mut value = json!({
        "ruleId": id,
        "ruleIndex": rule_index,
        "level": policy_level(msg.level),
        "message": { "text": msg.msg },
        "properties": properties,
    });
    if let Some(path) = msg
        .details
        .as_ref()
        .and_then(|d| d.get("path"))
        .and_then(Value::as_str)
    {
        value["locations"] = json!([{
            "physicalLocation": { "artifactLocation": artifact_location(path) }
        }]);
    }
    value
}

/// SARIF `problem.severity` (GitHub): error, warning or recommendation.
fn problem_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "recommendation",
    }
}

/// `pickle-code-execution` -> `PickleCodeExecution`.
pub(crate) fn pascal_case(id: &str) -> String {
    id.split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn rule_descriptor(rule: &Rule) -> Value {
    let mut tags: Vec<String> = vec![rule.category.as_str().to_owned(), "security".to_owned()];
    for cwe in rule.compliance.cwe {
        tags.push((*cwe).to_owned());
        tags.push(format!("external/cwe/{}", cwe.to_ascii_lowercase()));
    }
    let mut unique = std::collections::BTreeSet::new();
    tags.retain(|t| unique.insert(t.clone()));
    let help_uri = rule_help_uri(rule.id);
    let mut markdown = format!("**Remediation:** {}\n", rule.remediation);
    if !rule.references.is_empty() {
        markdown.push_str("\n**References:**\n\n");
        for reference in rule.references {
            let _ = writeln!(markdown, "- {reference}");
        }
    }
    let _ = writeln!(markdown, "\n[Rule documentation]({help_uri})");
    json!({
        "id": rule.id,
        "name": pascal_case(rule.id),
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": rule.description },
        "help": { "text": rule.remediation, "markdown": markdown },
        "helpUri": help_uri,
        "defaultConfiguration": { "level": rule.severity.sarif_level() },
        "properties": {
            "tags": tags,
            "security-severity": rule.severity.security_severity(),
            "precision": "high",
            "problem.severity": problem_severity(rule.severity),
        },
    })
}

fn result(finding: &Finding) -> Value {
    let loc = &finding.location;
    let mut region = Map::new();
    // Line/column address the file itself only outside archives and notebook cells (a
    // cell's lines are counted inside the cell, not in the notebook's JSON).
    let physical_line = loc.member.is_none() && loc.cell.is_none();
    match loc.line.filter(|_| physical_line) {
        Some(line) => {
            region.insert("startLine".into(), json!(line));
            if let Some(column) = loc.column {
                region.insert("startColumn".into(), json!(column));
            }
        }
        None => {
            region.insert("startLine".into(), json!(1));
        }
    }
    // The offset is relative to the innermost member when there is one; only an offset
    // into the file itself is a byte offset of the SARIF artifact.
    if let (Some(offset), None) = (loc.offset, &loc.member) {
        region.insert("byteOffset".into(), json!(offset));
    }
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(&loc.path),
            "region": region,
        }
    });
    if let Some(member) = &loc.member {
        location["logicalLocations"] = json!([{
            "name": member.rsplit('/').next().unwrap_or(member),
            "fullyQualifiedName": member,
            "kind": "member",
        }]);
    } else if let Some(cell) = loc.cell {
        let name = match loc.output {
            Some(output) => format!("cell[{cell}].outputs[{output}]"),
            None => format!("cell[{cell}]"),
        };
        location["logicalLocations"] = json!([{
            "name": name,
            "fullyQualifiedName": name,
            "kind": "element",
        }]);
    }
    let mut properties = Map::new();
    properties.insert("severity".into(), json!(finding.severity));
    if let Some(default) = finding.default_severity {
        properties.insert("defaultSeverity".into(), json!(default));
        properties.insert("severitySource".into(), json!("config"));
    }
    if let Some(member) = &loc.member {
        properties.insert("member".into(), json!(member));
    }
    if let Some(offset) = loc.offset {
        properties.insert("offset".into(), json!(offset));
    }
    if let Some(index) = loc.opcode_index {
        properties.insert("opcodeIndex".into(), json!(index));
    }
    for (key, value) in [
        ("cell", loc.cell),
        ("output", loc.output),
        ("line", loc.line),
        ("column", loc.column),
    ] {
        if let Some(value) = value {
            properties.insert(key.into(), json!(value));
        }
    }
    if !finding.evidence.is_empty() {
        properties.insert("evidence".into(), json!(finding.evidence));
    }
    let mut value = json!({
        "ruleId": finding.rule,
        "level": finding.severity.sarif_level(),
        "message": { "text": finding.message },
        "locations": [location],
        "partialFingerprints": { "mlsecops/v1": finding.fingerprint },
        "properties": properties,
    });
    if let Some(index) = RULES.iter().position(|r| r.id == finding.rule) {
        value["ruleIndex"] = json!(index);
    }
    if let Some(waiver) = &finding.waiver {
        value["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": waiver.reason,
            "properties": {
                "owner": waiver.owner,
                "expires": waiver.expires,
                "waiver": waiver.id,
            },
        }]);
    }
    value
}

/// `artifactLocation` for a path: relative paths become a percent-encoded relative URI
/// against `%SRCROOT%`; absolute paths become `file://` URIs.
fn artifact_location(path: &str) -> Value {
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if slashed.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(&slashed, false)) })
    } else if drive {
        json!({ "uri": format!("file:///{}", percent_encode(&slashed, true)) })
    } else {
        let mut rel = slashed.as_str();
        while let Some(rest) = rel.strip_prefix("./") {
            rel = rest;
        }
        json!({ "uri": percent_encode(rel, false), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/` (and `:` when
/// `keep_colon`, for Windows drive letters).
pub(crate) fn percent_encode(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (keep_colon && byte == b':');
        if keep {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_ids() {
        assert_eq!(pascal_case("pickle-code-execution"), "PickleCodeExecution");
        assert_eq!(pascal_case("zip-crc-mismatch"), "ZipCrcMismatch");
    }

    #[test]
    fn uris() {
        assert_eq!(
            artifact_location("./models/my model#1.pt"),
            json!({ "uri": "models/my%20model%231.pt", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("dir\\a:b.pkl"),
            json!({ "uri": "dir/a%3Ab.pkl", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("/abs/ü.pkl"),
            json!({ "uri": "file:///abs/%C3%BC.pkl" })
        );
        assert_eq!(
            artifact_location("C:\\m\\x.pt"),
            json!({ "uri": "file:///C:/m/x.pt" })
        );
    }
}
