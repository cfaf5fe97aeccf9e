//! End-to-end tests of the `mlsecops` binary: exit codes, output formats, rule commands.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("crates/mlsecops-scan/tests/fixtures").join(rel)
}

fn mlsecops() -> Command {
    let mut cmd = Command::cargo_bin("mlsecops").expect("binary built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Runs a scan with JSON output and returns (exit code, parsed report).
fn scan_json(args: &[&str], paths: &[PathBuf]) -> (i32, Value) {
    let out = mlsecops()
        .arg("scan")
        .args(paths)
        .args(["--format", "json", "--no-progress"])
        .args(args)
        .output()
        .expect("runs");
    let code = out.status.code().expect("exit code");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, report)
}

fn rules_of(report: &Value) -> Vec<String> {
    report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["findings"].as_array().into_iter().flatten())
        .filter_map(|f| f["rule"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn malicious_pickle_exits_1_with_critical_finding() {
    let (code, report) = scan_json(&[], &[root().join("examples/unsafe/os_system.pkl")]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["exit_code"], 1);
    let file = &report["files"][0];
    assert_eq!(file["status"], "complete");
    let finding = &file["findings"][0];
    assert_eq!(finding["rule"], "pickle-code-execution");
    assert_eq!(finding["severity"], "critical");
    assert!(
        finding["evidence"]["global"]
            .as_str()
            .is_some_and(|g| g.ends_with("system"))
    );
    assert!(finding["location"]["offset"].is_u64());
}

#[test]
fn safe_examples_exit_0() {
    let (code, report) = scan_json(&[], &[root().join("examples/safe")]);
    assert_eq!(code, 0, "{report:#}");
    for file in report["files"].as_array().expect("files") {
        assert_eq!(file["status"], "complete", "{file:#}");
    }
    assert_eq!(report["summary"]["max_severity"], Value::Null);
}

#[test]
fn truncated_stream_exits_2_and_strict_exits_1() {
    let path = fixture("malicious/C4_truncated_after_reduce.pkl");
    // The payload before the truncation is still reported: exit 1.
    let (code, report) = scan_json(&[], std::slice::from_ref(&path));
    assert_eq!(code, 1);
    assert_eq!(report["files"][0]["status"], "inconclusive");
    assert!(rules_of(&report).contains(&"pickle-code-execution".to_owned()));
    // Only critical fails, and the file is inconclusive → still 1 because the finding is critical.
    let (code, _) = scan_json(&["--fail-on", "critical"], &[path]);
    assert_eq!(code, 1);
}

#[test]
fn inconclusive_without_findings_exits_2_or_1_with_strict() {
    // A benign pickle cut in half: no finding at or above high, but not fully analysed.
    let full = std::fs::read(fixture("benign/pickle_proto2.pkl")).expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.pkl");
    std::fs::write(&cut, &full[..full.len() / 2]).expect("write");
    let (code, report) = scan_json(&[], std::slice::from_ref(&cut));
    assert_eq!(report["files"][0]["status"], "inconclusive", "{report:#}");
    assert_eq!(code, 2);
    let (code, _) = scan_json(&["--strict"], &[cut]);
    assert_eq!(code, 1);
}

#[test]
fn finding_and_unreadable_file_together_exit_1_and_list_both() {
    let dir = fixture("malicious/D11_mixed");
    let (code, report) = scan_json(&[], &[dir]);
    assert_eq!(code, 1);
    let statuses: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["status"].as_str())
        .collect();
    assert!(statuses.contains(&"complete"));
    assert!(statuses.iter().any(|s| *s != "complete"), "{statuses:?}");
    assert!(rules_of(&report).contains(&"pickle-code-execution".to_owned()));
}

#[test]
fn nothing_analysed_exits_2() {
    // Only an image: nothing a model loader or the text passes read.
    let images = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        fixture("malicious/D11_unsupported_only/image.png"),
        images.path().join("image.png"),
    )
    .expect("copy");
    let (code, report) = scan_json(&[], &[images.path().to_path_buf()]);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["status"]["skipped"], 1);
    // Release notes next to it are text: read by the secrets and PII passes.
    let (code, report) = scan_json(&[], &[fixture("malicious/D11_unsupported_only")]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["status"]["skipped"], 1);
    assert_eq!(report["summary"]["status"]["complete"], 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, report) = scan_json(&[], &[dir.path().to_path_buf()]);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["files"], 0);
}

#[test]
fn missing_path_is_an_error_not_an_abort() {
    let (code, report) = scan_json(
        &[],
        &[
            root().join("does/not/exist.pt"),
            root().join("examples/safe/embedding.npy"),
        ],
    );
    assert_eq!(code, 2);
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .any(|f| f["status"] == "error" && f["reason"].is_string())
    );
    assert!(files.iter().any(|f| f["status"] == "complete"));
}

#[test]
fn fail_on_threshold_controls_exit_code() {
    // Only a high-severity resolver call, nothing critical.
    let path = fixture("malicious/D3_importlib_import_module.pkl");
    let (code, report) = scan_json(&[], std::slice::from_ref(&path));
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["max_severity"], "high", "{report:#}");
    let (code, _) = scan_json(&["--fail-on", "critical"], &[path]);
    assert_eq!(code, 0);
}

#[test]
fn usage_errors_exit_3() {
    mlsecops().args(["scan"]).assert().code(3);
    mlsecops()
        .args(["scan", "x", "--fail-on", "severe"])
        .assert()
        .code(3);
    mlsecops().args(["frobnicate"]).assert().code(3);
    mlsecops()
        .args(["explain", "no-such-rule"])
        .assert()
        .code(3);
    mlsecops().args(["--version"]).assert().code(0);
}

#[test]
fn output_file_and_sarif_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.sarif");
    mlsecops()
        .args(["scan", "--format", "sarif", "--no-progress", "--output"])
        .arg(&out)
        .arg(root().join("examples"))
        .assert()
        .code(1)
        .stdout("");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("json");
    let schema: Value = serde_json::from_slice(
        &std::fs::read(root().join("crates/mlsecops-report/tests/data/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "pickle-code-execution" && r["level"] == "error")
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), mlsecops_core::RULES.len());
}

#[test]
fn human_output_has_no_colour_when_piped() {
    let out = mlsecops()
        .args(["scan", "--no-progress"])
        .arg(root().join("examples/unsafe/os_system.pkl"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("pickle-code-execution"));
    let coloured = mlsecops()
        .args(["scan", "--no-progress", "--color", "always"])
        .arg(root().join("examples/unsafe/os_system.pkl"))
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&coloured.stdout).contains('\u{1b}'));
}

#[test]
fn rules_and_explain() {
    let out = mlsecops().arg("rules").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    for rule in mlsecops_core::RULES.iter() {
        assert!(text.contains(rule.id), "{} missing from `rules`", rule.id);
    }
    let out = mlsecops()
        .args(["rules", "--format", "json"])
        .output()
        .expect("runs");
    let rules: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        rules.as_array().map(Vec::len),
        Some(mlsecops_core::RULES.len())
    );
    let out = mlsecops()
        .args(["explain", "zip-name-mismatch"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.contains("CVE-2025-1944"));
    assert!(text.contains("CWE-436"));
}

#[test]
fn model_repository_reports_remote_code_and_coverage() {
    let (code, report) = scan_json(&[], &[root().join("examples/unsafe/hf_remote_code")]);
    assert_eq!(code, 1, "{report:#}");
    let rules = rules_of(&report);
    assert!(
        rules.iter().any(|r| r == "hf-auto-map-remote-code"),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|r| r == "python-process-execution"),
        "{rules:?}"
    );
    // Coverage: every file is listed with its detected format and status.
    let formats = &report["summary"]["formats"];
    assert_eq!(formats["hf-config"]["complete"], 1, "{formats:#}");
    assert_eq!(formats["python"]["complete"], 2, "{formats:#}");
}

#[test]
fn header_formats_are_analysed_not_unsupported() {
    let (code, report) = scan_json(
        &[],
        &[
            root().join("examples/safe/tiny.safetensors"),
            root().join("examples/safe/tiny_chatml.gguf"),
            root().join("examples/safe/sequential.keras"),
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    let formats: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["format"].as_str())
        .collect();
    // Files are sorted by path.
    assert_eq!(formats, ["keras", "safetensors", "gguf"]);
}

#[test]
fn malformed_header_is_inconclusive_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.h5");
    // A real Keras .h5 cut after its superblock: the model config cannot be read.
    let full = std::fs::read(
        root().join("crates/mlsecops-keras/tests/fixtures/benign/functional_nested.h5"),
    )
    .expect("fixture");
    std::fs::write(&path, &full[..200]).expect("write");
    let (code, report) = scan_json(&[], std::slice::from_ref(&path));
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["files"][0]["status"], "inconclusive");
    assert!(report["files"][0]["reason"].is_string());
    let (code, _) = scan_json(&["--strict"], &[path]);
    assert_eq!(code, 1);
}

#[test]
fn chat_template_in_gguf_is_flagged() {
    let (code, report) = scan_json(
        &[],
        &[root().join("examples/unsafe/chat_template_ssti.gguf")],
    );
    assert_eq!(code, 1);
    let finding = report["files"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "template-ssti-dunder")
        .expect("dunder finding");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["evidence"]["key"], "tokenizer.chat_template");
}
