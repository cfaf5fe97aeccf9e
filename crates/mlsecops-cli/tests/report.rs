//! End-to-end tests of `mlsecops report` (compliance reports) through the built binary,
//! on outputs the binary itself writes.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mlsecops(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlsecops"));
    cmd.current_dir(cwd).env("MLSECOPS_TODAY", "2026-11-26");
    cmd
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

/// A scan report of `examples/unsafe` and a BOM of `examples/safe`, written into a temp dir.
fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mlsecops(&root())
        .args([
            "scan",
            "examples/unsafe",
            "--no-progress",
            "--no-config",
            "-f",
            "json",
            "-o",
        ])
        .arg(dir.path().join("scan.json"))
        .output()
        .expect("scan runs");
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlsecops(&root())
        .args(["bom", "examples/safe", "-o"])
        .arg(dir.path().join("bom.json"))
        .output()
        .expect("bom runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn report(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = mlsecops(dir)
        .arg("report")
        .args(["scan.json", "bom.json"])
        .args(args)
        .output()
        .expect("report runs");
    (
        code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_report() {
    let dir = inputs();
    let (code, stdout, stderr) =
        report(dir.path(), &["--framework", "owasp-ml", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["date"], "2026-11-26");
    assert_eq!(value["inputs"][0]["kind"], "scan-report");
    assert_eq!(value["inputs"][1]["kind"], "cyclone-dx");
    let f = &value["frameworks"][0];
    assert_eq!(f["id"], "owasp-ml");
    let ml06 = f["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "ML06:2023")
        .expect("ML06");
    // Unsafe pickles are an AI supply-chain gap, with the findings as evidence.
    assert_eq!(ml06["status"], "gap");
    assert!(
        ml06["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e["kind"] == "finding" && e["rule"] == "pickle-code-execution")
    );
}

#[test]
fn markdown_and_html_reports_to_files() {
    let dir = inputs();
    let (code, _, stderr) = report(dir.path(), &["--format", "md", "-o", "r.md"]);
    assert_eq!(code, 0, "{stderr}");
    let md = std::fs::read_to_string(dir.path().join("r.md")).expect("r.md");
    assert!(md.starts_with("# mlsecops compliance report"));
    assert!(md.contains(
        "| `Art. 15(5)` | Resilience against attacks by unauthorised third parties | gap |"
    ));
    assert!(md.contains("### Annex IV documentation checklist"));

    let (code, _, stderr) = report(
        dir.path(),
        &[
            "--framework",
            "eu-ai-act",
            "--framework",
            "atlas",
            "-o",
            "r.html",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).expect("r.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("data-framework=\"eu-ai-act\""));
    assert!(html.contains("data-framework=\"atlas\""));
    assert!(html.contains("data-control=\"Art. 15(5)\" data-status=\"gap\""));
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

#[test]
fn signatures_and_attestations_are_recognised() {
    let dir = inputs();
    let key = dir.path().join("signer");
    let out = mlsecops(dir.path())
        .args(["keygen", "--out"])
        .arg(&key)
        .output()
        .expect("keygen");
    assert_eq!(code(&out), 0);
    let safe = root().join("examples/safe");
    let out = mlsecops(dir.path())
        .arg("sign")
        .arg(&safe)
        .args(["--key", "signer.key", "--signature", "model.sig"])
        .output()
        .expect("sign");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlsecops(dir.path())
        .arg("scan")
        .arg(&safe)
        .args([
            "--no-progress",
            "--no-config",
            "-f",
            "json",
            "-o",
            "safe.json",
        ])
        .args(["--attest", "scan.att.json", "--key", "signer.key"])
        .output()
        .expect("attest");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlsecops(dir.path())
        .args([
            "report",
            "safe.json",
            "model.sig",
            "scan.att.json",
            "--format",
            "json",
        ])
        .output()
        .expect("report");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kinds: Vec<&str> = value["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["scan-report", "signature", "scan-attestation"]);
    let control = |id: &str| {
        value["frameworks"][0]["controls"]
            .as_array()
            .expect("controls")
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .expect("control")
    };
    // A clean, fully analysed scan plus a signature: conformity evidence for Art. 15(5).
    let art15 = control("Art. 15(5)");
    assert_eq!(art15["status"], "conformity", "{art15:#}");
    assert!(
        art15["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e["kind"] == "signature")
    );
    assert_eq!(control("Annex IV 2(g)")["status"], "conformity");
}

#[test]
fn unknown_input_and_framework_exit_3() {
    let dir = inputs();
    std::fs::write(
        dir.path().join("other.json"),
        "{\"name\": \"something else\"}",
    )
    .expect("write");
    let out = mlsecops(dir.path())
        .args(["report", "scan.json", "other.json"])
        .output()
        .expect("runs");
    assert_eq!(code(&out), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("other.json: unrecognised input"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let out = mlsecops(dir.path())
        .args(["report", "scan.json", "--framework", "cwe"])
        .output()
        .expect("runs");
    assert_eq!(code(&out), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown framework `cwe`"));

    let out = mlsecops(dir.path())
        .args(["report", "missing.json"])
        .output()
        .expect("runs");
    assert_eq!(code(&out), 3);
}

#[test]
fn spdx3_bom_is_recognised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mlsecops(&root())
        .args(["bom", "examples/safe", "--format", "spdx3", "-o"])
        .arg(dir.path().join("bom.spdx3.json"))
        .output()
        .expect("bom runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlsecops(dir.path())
        .args([
            "report",
            "bom.spdx3.json",
            "--format",
            "json",
            "--framework",
            "owasp-llm",
        ])
        .output()
        .expect("report runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["inputs"][0]["kind"], "spdx3");
    let llm03 = &value["frameworks"][0]["controls"][2];
    assert_eq!(llm03["id"], "LLM03:2025");
    assert_eq!(llm03["status"], "conformity");
    assert_eq!(llm03["evidence"][0]["kind"], "bom");
}
