//! Snapshot and contract tests of the human, JSON and SARIF renderers on one hand-built
//! report covering every file status that must be shown.

use mlsecops_core::{
    AppliedWaiver, FileReport, FileStatus, Finding, Location, PolicyLevel, PolicyMessage,
    PolicyReport, RULES, ScanReport, Severity, ToolInfo, WaiverEntry, WaiverReport, WaiverState,
};
use mlsecops_report::{HumanOptions, render_human, render_json, render_sarif};
use serde_json::Value;

/// A malicious `PyTorch` checkpoint, a clean file, a truncated pickle, an unreadable file and
/// an unsupported format.
fn sample_report() -> ScanReport {
    let evil = Finding::new(
        "pickle-code-execution",
        "pickle calls posix.system with a shell command",
        Location {
            path: "models/evil model.pt".into(),
            member: Some("archive/data.pkl".into()),
            offset: Some(58),
            opcode_index: Some(7),
            ..Location::default()
        },
    )
    .with_evidence("global", "posix.system")
    .with_evidence("opcode", "REDUCE")
    .with_evidence("args", "('echo pwned',)");
    let malformed = Finding::new(
        "pickle-malformed",
        "pickle stream ends before STOP",
        Location {
            path: "models/truncated.pkl".into(),
            member: None,
            offset: Some(120),
            opcode_index: Some(31),
            ..Location::default()
        },
    )
    .with_evidence("error", "unexpected end of input");
    let files = vec![
        FileReport {
            path: "models/evil model.pt".into(),
            format: "pytorch-zip".into(),
            status: FileStatus::Complete,
            reason: None,
            size: 1_234,
            findings: vec![evil],
        },
        FileReport {
            path: "models/clean.safetensors".into(),
            format: "safetensors".into(),
            status: FileStatus::Complete,
            reason: None,
            size: 4_096,
            findings: vec![],
        },
        FileReport {
            path: "models/truncated.pkl".into(),
            format: "pickle".into(),
            status: FileStatus::Inconclusive,
            reason: Some("stream truncated at offset 120 before STOP".into()),
            size: 120,
            findings: vec![malformed],
        },
        FileReport {
            path: "models/unreadable.bin".into(),
            format: "unknown".into(),
            status: FileStatus::Error,
            reason: Some("permission denied (os error 13)".into()),
            size: 0,
            findings: vec![],
        },
        FileReport {
            path: "models/model.h5".into(),
            format: "hdf5".into(),
            status: FileStatus::Unsupported,
            reason: Some("HDF5/Keras models are not analysed by this version".into()),
            size: 2_048,
            findings: vec![],
        },
    ];
    ScanReport::new(
        ToolInfo::new(env!("CARGO_PKG_VERSION")),
        files,
        Severity::High,
        false,
    )
}

fn human(report: &ScanReport, color: bool, verbose: bool) -> String {
    let mut buf = Vec::new();
    render_human(report, &HumanOptions { color, verbose }, &mut buf).expect("write to Vec");
    String::from_utf8(buf).expect("human output is UTF-8")
}

fn sarif_value(report: &ScanReport) -> Value {
    serde_json::from_str(&render_sarif(report)).expect("SARIF is JSON")
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!("human", human(&sample_report(), false, false));
}

#[test]
fn human_verbose_snapshot() {
    insta::assert_snapshot!("human_verbose", human(&sample_report(), false, true));
}

/// Incomplete files are listed even without findings; clean complete files only when verbose.
#[test]
fn human_lists_incomplete_files_and_hides_clean_ones() {
    let report = sample_report();
    let text = human(&report, false, false);
    for path in [
        "models/truncated.pkl",
        "models/unreadable.bin",
        "models/model.h5",
    ] {
        assert!(text.contains(&format!("{path} (")), "{path} not listed");
    }
    for reason in [
        "permission denied (os error 13)",
        "HDF5/Keras models are not analysed by this version",
    ] {
        assert!(text.contains(reason), "reason {reason:?} missing");
    }
    assert!(!text.contains("models/clean.safetensors"));
    assert!(
        human(&report, false, true).contains("models/clean.safetensors (safetensors, complete)")
    );
    let verdict = text.lines().last().expect("verdict line");
    assert!(verdict.starts_with("FAIL: 1 critical, 1 medium findings in 2 of 5 files"));
    assert!(verdict.ends_with("exit 1"));
    assert!(!verdict.contains("clean"));
}

#[test]
fn human_colour_is_optional() {
    let report = sample_report();
    assert!(!human(&report, false, false).contains('\x1b'));
    assert!(!human(&report, false, true).contains('\x1b'));
    assert!(human(&report, true, false).contains('\x1b'));
}

#[test]
fn json_snapshot() {
    let value: Value = serde_json::from_str(&render_json(&sample_report())).expect("JSON");
    insta::assert_json_snapshot!("json", value, { ".tool.version" => "[version]" });
}

#[test]
fn json_round_trips_and_has_the_documented_shape() {
    let report = sample_report();
    let text = render_json(&report);
    assert!(text.ends_with("}\n"));
    let back: ScanReport = serde_json::from_str(&text).expect("parses back");
    assert_eq!(back, report);

    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert!(value["summary"].is_object());
    let files = value["files"].as_array().expect("files[]");
    assert_eq!(files.len(), 5);
    for file in files {
        for key in ["path", "format", "status", "findings"] {
            assert!(file.get(key).is_some(), "file lacks {key}");
        }
        for finding in file["findings"].as_array().expect("findings[]") {
            for key in ["rule", "severity", "message", "location", "evidence"] {
                assert!(finding.get(key).is_some(), "finding lacks {key}");
            }
        }
    }
}

#[test]
fn sarif_snapshot() {
    insta::assert_json_snapshot!("sarif", sarif_value(&sample_report()), {
        ".runs[0].tool.driver.version" => "[version]",
        ".runs[0].tool.driver.semanticVersion" => "[version]",
    });
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).expect("vendored SARIF schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// The rendered log validates against the official OASIS SARIF 2.1.0 schema, and the
/// validator is shown to reject broken logs.
#[test]
fn sarif_validates_against_the_oasis_schema() {
    let validator = sarif_validator();
    let log = sarif_value(&sample_report());
    let errors = schema_errors(&validator, &log);
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");

    let mut broken = log.clone();
    broken["version"] = Value::from("9");
    assert!(!validator.is_valid(&broken), "version 9 accepted");

    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken), "level fatal accepted");

    let mut broken = log;
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!validator.is_valid(&broken), "startLine 0 accepted");
}

/// An empty report is still a valid SARIF log with every rule.
#[test]
fn empty_report_sarif_is_valid() {
    let report = ScanReport::new(ToolInfo::new("0.0.0"), vec![], Severity::High, false);
    let log = sarif_value(&report);
    let errors = schema_errors(&sarif_validator(), &log);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
}

#[test]
fn sarif_lists_every_rule_with_numeric_security_severity() {
    let log = sarif_value(&sample_report());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules[]");
    assert_eq!(rules.len(), RULES.len());
    for (descriptor, rule) in rules.iter().zip(RULES.iter()) {
        assert_eq!(descriptor["id"], rule.id);
        let score = descriptor["properties"]["security-severity"]
            .as_str()
            .expect("security-severity is a string");
        let score: f64 = score.parse().expect("security-severity is numeric");
        assert!((0.0..=10.0).contains(&score));
        let tags: Vec<&str> = descriptor["properties"]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(tags.contains(&"security"));
        for cwe in rule.compliance.cwe {
            assert!(tags.contains(cwe));
            assert!(tags.contains(&format!("external/cwe/{}", cwe.to_lowercase()).as_str()));
        }
        assert!(
            descriptor["helpUri"]
                .as_str()
                .expect("helpUri")
                .ends_with(&format!("docs/rules.md#{}", rule.id))
        );
    }
}

#[test]
fn sarif_results_and_notifications() {
    let log = sarif_value(&sample_report());
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results[]");
    assert_eq!(results.len(), 2);

    let evil = &results[0];
    assert_eq!(evil["ruleId"], "pickle-code-execution");
    let index = usize::try_from(evil["ruleIndex"].as_u64().expect("ruleIndex")).expect("usize");
    assert_eq!(RULES[index].id, "pickle-code-execution");
    assert_eq!(evil["level"], "error");
    let loc = &evil["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        "models/evil%20model.pt"
    );
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "archive/data.pkl"
    );
    assert_eq!(evil["properties"]["offset"], 58);
    assert_eq!(evil["properties"]["opcodeIndex"], 7);
    assert_eq!(evil["properties"]["evidence"]["global"], "posix.system");
    assert_eq!(
        evil["partialFingerprints"]["mlsecops/v1"]
            .as_str()
            .map(str::len),
        Some(32)
    );

    // An offset into the file itself is a SARIF byte offset.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["byteOffset"],
        120
    );

    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let summary: Vec<(String, String)> = notes
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap_or_default().to_owned(),
                n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("warning".to_owned(), "models/model.h5".to_owned()),
            ("warning".to_owned(), "models/truncated.pkl".to_owned()),
            ("error".to_owned(), "models/unreadable.bin".to_owned()),
        ]
    );
    assert!(
        notes[2]["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("permission denied"))
    );
}

/// The sample report with governance results: the critical finding waived, the medium one's
/// severity set by the config, an expired and an unused waiver, a policy deny and a warning.
fn governance_report() -> ScanReport {
    let mut report = sample_report();
    let index = |report: &ScanReport, path: &str| {
        report
            .files
            .iter()
            .position(|f| f.path == path)
            .expect("sample file")
    };
    let (evil_at, malformed_at) = (
        index(&report, "models/evil model.pt"),
        index(&report, "models/truncated.pkl"),
    );
    let evil = &mut report.files[evil_at].findings[0];
    evil.waiver = Some(AppliedWaiver {
        id: ".mlsecops-waivers.toml:1".into(),
        reason: "red-team sample kept for detection tests".into(),
        owner: "sec@example.com".into(),
        expires: "2027-01-31".into(),
    });
    let malformed = &mut report.files[malformed_at].findings[0];
    malformed.default_severity = Some(malformed.severity);
    malformed.severity = Severity::High;
    let entry = |line: u32, rule: &str, state, matched| WaiverEntry {
        id: format!(".mlsecops-waivers.toml:{line}"),
        rule: rule.into(),
        path: "models/**".into(),
        fingerprint: None,
        reason: format!("reason {line}"),
        owner: "ml-platform".into(),
        expires: if state == WaiverState::Expired {
            "2026-01-31".into()
        } else {
            "2027-01-31".into()
        },
        state,
        matched,
    };
    report.waivers = Some(WaiverReport {
        sources: vec![".mlsecops-waivers.toml".into()],
        today: "2026-11-26".into(),
        entries: vec![
            entry(1, "pickle-code-execution", WaiverState::Active, 1),
            entry(8, "pickle-malformed", WaiverState::Expired, 1),
            entry(15, "*", WaiverState::Unused, 0),
        ],
    });
    report.policy = Some(PolicyReport {
        sources: vec!["builtin:default".into()],
        fail_on_warn: false,
        results: vec![
            PolicyMessage {
                level: PolicyLevel::Deny,
                package: "mlsecops.default".into(),
                rule: "deny_unsigned".into(),
                msg: "model is not signed".into(),
                details: Some(serde_json::json!({ "path": "models/evil model.pt" })),
            },
            PolicyMessage {
                level: PolicyLevel::Warn,
                package: "main".into(),
                rule: "warn_licence".into(),
                msg: "licence unknown".into(),
                details: None,
            },
        ],
    });
    report.refresh_summary();
    report
}

#[test]
fn human_governance_snapshot() {
    let text = human(&governance_report(), false, false);
    insta::assert_snapshot!("human_governance", text);
}

/// Waived findings are marked and do not fail the run; the verdict still fails because the
/// malformed pickle is now high (set by the config) and the policy denies.
#[test]
fn human_shows_waivers_overrides_and_policy() {
    let report = governance_report();
    let text = human(&report, false, false);
    assert!(text.contains("pickle-code-execution [waived]:"), "{text}");
    assert!(text.contains("waived: red-team sample kept for detection tests (owner sec@example.com, expires 2027-01-31"));
    assert!(text.contains("severity set by config, default medium"));
    assert!(text.contains("EXPIRED  .mlsecops-waivers.toml:8 rule pickle-malformed"));
    assert!(text.contains("would match 1 finding"));
    assert!(text.contains("UNUSED   .mlsecops-waivers.toml:15 rule *"));
    assert!(text.contains("DENY     mlsecops.default/deny_unsigned: model is not signed"));
    assert!(text.contains("WARN     main/warn_licence: licence unknown"));
    let verdict = text.lines().last().expect("verdict");
    assert!(verdict.contains("(1 waived)"), "{verdict}");
    assert!(verdict.contains("policy: 1 deny, 1 warning"), "{verdict}");
    assert!(verdict.starts_with("FAIL"), "{verdict}");
    assert!(!human(&report, false, true).contains("note: severity set by config, default high"));

    // Only the waived finding at or above --fail-on, no policy: not failing.
    let mut only_waived = report.clone();
    only_waived.policy = None;
    for finding in only_waived.files.iter_mut().flat_map(|f| &mut f.findings) {
        if finding.rule == "pickle-malformed" {
            finding.severity = Severity::Medium;
        }
    }
    only_waived.refresh_summary();
    let text = human(&only_waived, false, false);
    let verdict = text.lines().last().expect("verdict");
    assert!(verdict.starts_with("INCOMPLETE"), "{verdict}");
    assert_eq!(only_waived.summary.exit_code, 2);
}

#[test]
fn sarif_governance_snapshot_and_schema() {
    let log = sarif_value(&governance_report());
    let errors = schema_errors(&sarif_validator(), &log);
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    let results = log["runs"][0]["results"].as_array().expect("results");
    // Rule indexes move whenever the registry grows; the test below checks them.
    insta::assert_json_snapshot!("sarif_governance_results", results, {
        "[].ruleIndex" => "[index]",
    });
}

#[test]
fn sarif_suppressions_and_policy_results() {
    let log = sarif_value(&governance_report());
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    let suppression = &results[0]["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(
        suppression["justification"],
        "red-team sample kept for detection tests"
    );
    assert!(results[1].get("suppressions").is_none());
    assert_eq!(results[1]["properties"]["defaultSeverity"], "medium");
    let deny = &results[2];
    assert_eq!(deny["ruleId"], "policy/mlsecops.default/deny_unsigned");
    assert_eq!(deny["level"], "error");
    assert_eq!(results[3]["level"], "warning");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), RULES.len() + 2);
    for result in &results[2..] {
        let index = usize::try_from(result["ruleIndex"].as_u64().expect("index")).expect("usize");
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn json_governance_round_trips() {
    let report = governance_report();
    let text = render_json(&report);
    let back: ScanReport = serde_json::from_str(&text).expect("parses back");
    assert_eq!(back, report);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["summary"]["waived"], 1);
    assert_eq!(value["summary"]["policy_denies"], 1);
    assert_eq!(value["waivers"]["entries"][1]["state"], "expired");
    assert_eq!(
        value["files"][1]["findings"][0]["waiver"]["owner"],
        "sec@example.com"
    );
}
