//! End-to-end tests of waivers (`.mlsecops-waivers.toml`, `--waivers`, `[[waiver]]` in the
//! config) through the built binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A temporary project holding `os_system.pkl` (a critical finding) and, if given, a
/// `.mlsecops-waivers.toml`.
fn project(waivers: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("examples/unsafe/os_system.pkl"),
        dir.path().join("os_system.pkl"),
    )
    .expect("copy fixture");
    if let Some(text) = waivers {
        std::fs::write(dir.path().join(".mlsecops-waivers.toml"), text).expect("write waivers");
    }
    dir
}

fn waiver(rule: &str, path: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\nrule = \"{rule}\"\npath = \"{path}\"\nreason = \"red-team sample\"\nowner = \"sec@example.com\"\nexpires = \"{expires}\"\n"
    )
}

/// Runs `mlsecops scan <args>` in `cwd` with `MLSECOPS_TODAY=today`:
/// (exit code, stdout, stderr).
fn run(args: &[&str], cwd: &Path, today: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlsecops"))
        .current_dir(cwd)
        .env("MLSECOPS_TODAY", today)
        .env_remove("NO_COLOR")
        .arg("scan")
        .arg("--no-progress")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str], cwd: &Path, today: &str) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(&all, cwd, today);
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}); stderr: {stderr}"));
    (code, value)
}

fn finding(report: &Value) -> &Value {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| f["findings"].as_array().expect("findings"))
        .find(|f| f["rule"] == "pickle-code-execution")
        .expect("the os.system finding")
}

#[test]
fn without_waivers_the_finding_fails_the_run() {
    let dir = project(None);
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    assert!(report.get("waivers").is_none());
    assert!(finding(&report).get("waiver").is_none());
}

#[test]
fn active_waiver_turns_exit_1_into_0_and_keeps_the_finding() {
    let dir = project(Some(&waiver(
        "pickle-code-execution",
        "*.pkl",
        "2026-12-31",
    )));
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-12-31");
    assert_eq!(code, 0, "{report:#}");
    let found = finding(&report);
    assert_eq!(found["severity"], "critical");
    assert_eq!(found["waiver"]["owner"], "sec@example.com");
    assert_eq!(found["waiver"]["reason"], "red-team sample");
    assert_eq!(found["waiver"]["expires"], "2026-12-31");
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["exit_code"], 0);
    let entry = &report["waivers"]["entries"][0];
    assert_eq!(entry["state"], "active");
    assert_eq!(entry["matched"], 1);
    assert_eq!(report["waivers"]["today"], "2026-12-31");

    // Human output marks it waived; SARIF suppresses it.
    let (code, text, _) = run(&["os_system.pkl"], dir.path(), "2026-12-31");
    assert_eq!(code, 0);
    assert!(text.contains("pickle-code-execution [waived]"), "{text}");
    assert!(
        text.contains("owner sec@example.com, expires 2026-12-31"),
        "{text}"
    );
    let (_, sarif, _) = run(&["os_system.pkl", "-f", "sarif"], dir.path(), "2026-12-31");
    let sarif: Value = serde_json::from_str(&sarif).expect("SARIF");
    let suppression = &sarif["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(suppression["justification"], "red-team sample");
}

#[test]
fn expired_waiver_waives_nothing_and_is_reported() {
    let dir = project(Some(&waiver("*", "os_system.pkl", "2026-05-31")));
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    assert!(finding(&report).get("waiver").is_none());
    let entry = &report["waivers"]["entries"][0];
    assert_eq!(entry["state"], "expired");
    assert_eq!(entry["matched"], 1);
    let (_, text, _) = run(&["os_system.pkl"], dir.path(), "2026-06-01");
    assert!(text.contains("EXPIRED"), "{text}");
    assert!(text.contains("would match 1 finding"), "{text}");
}

#[test]
fn unused_waiver_is_reported() {
    let text = waiver("pickle-code-execution", "*.pkl", "2027-01-01")
        + "\n"
        + &waiver("keras-lambda-bytecode", "models/**", "2027-01-01");
    let dir = project(Some(&text));
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-06-01");
    assert_eq!(code, 0);
    let states: Vec<(&str, u64)> = report["waivers"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["state"].as_str().unwrap_or_default(),
                e["matched"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(states, [("active", 1), ("unused", 0)]);
    let id = report["waivers"]["entries"][1]["id"].as_str().expect("id");
    assert!(id.ends_with(".mlsecops-waivers.toml:8"), "{id}");
}

#[test]
fn malformed_waiver_file_exits_3_with_position() {
    let bad = "[[waiver]]\nrule = \"pickle-code-execution\"\npath = \"*.pkl\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-02-30\"\n";
    let dir = project(Some(bad));
    let (code, _, stderr) = run(&["os_system.pkl"], dir.path(), "2026-01-01");
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(".mlsecops-waivers.toml:6:11: invalid date `2026-02-30`"),
        "{stderr}"
    );

    let dir = project(Some("[[waiver]]\nrule = \"*\"\nwho = \"me\"\n"));
    let (code, _, stderr) = run(&["os_system.pkl"], dir.path(), "2026-01-01");
    assert_eq!(code, 3);
    assert!(
        stderr.contains(".mlsecops-waivers.toml:3:1: unknown field `who`"),
        "{stderr}"
    );
}

#[test]
fn explicit_file_no_waivers_and_bad_today() {
    let dir = project(None);
    let file = dir.path().join("accepted.toml");
    std::fs::write(&file, waiver("*", "*.pkl", "2030-01-01")).expect("write");
    let file = file.to_str().expect("utf-8 path");
    let (code, report) = json(
        &["os_system.pkl", "--waivers", file],
        dir.path(),
        "2026-01-01",
    );
    assert_eq!(code, 0);
    assert_eq!(report["waivers"]["sources"][0], file);
    let (code, _, stderr) = run(
        &["os_system.pkl", "--waivers", file, "--no-waivers"],
        dir.path(),
        "2026-01-01",
    );
    assert_eq!(code, 3, "--waivers conflicts with --no-waivers: {stderr}");

    let dir = project(Some(&waiver("*", "*.pkl", "2030-01-01")));
    let (code, report) = json(&["os_system.pkl", "--no-waivers"], dir.path(), "2026-01-01");
    assert_eq!(code, 1);
    assert!(report.get("waivers").is_none());
    let (code, _, stderr) = run(&["os_system.pkl"], dir.path(), "yesterday");
    assert_eq!(code, 3);
    assert!(stderr.contains("MLSECOPS_TODAY"), "{stderr}");
}

#[test]
fn waivers_in_the_config_and_next_to_it() {
    let dir = project(None);
    let config = format!(
        "[scan]\nfail_on = \"high\"\n\n{}",
        waiver("*", "*.pkl", "2030-01-01")
    );
    std::fs::write(dir.path().join("mlsecops.toml"), config).expect("config");
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-01-01");
    assert_eq!(code, 0);
    let id = finding(&report)["waiver"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(id.ends_with("mlsecops.toml:4"), "{id}");
}

/// A waiver file shipped inside a scanned directory outside the current project is not
/// trusted: a downloaded model must not waive its own findings.
#[test]
fn untrusted_waiver_file_is_ignored() {
    let dir = project(Some(&waiver("*", "*.pkl", "2030-01-01")));
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let target = dir.path().to_str().expect("utf-8");
    let (code, report) = json(&[target], elsewhere.path(), "2026-01-01");
    assert_eq!(code, 1);
    assert!(report.get("waivers").is_none());
}

/// Severity overrides in the config are shown with the rule's default.
#[test]
fn config_severity_override_is_shown() {
    let dir = project(None);
    std::fs::write(
        dir.path().join("mlsecops.toml"),
        "[rules]\n\"pickle-code-execution\" = { severity = \"low\" }\n",
    )
    .expect("config");
    let (code, report) = json(&["os_system.pkl"], dir.path(), "2026-01-01");
    assert_eq!(code, 0);
    assert_eq!(finding(&report)["default_severity"], "critical");
    let (_, text, _) = run(&["os_system.pkl"], dir.path(), "2026-01-01");
    assert!(
        text.contains("severity set by config, default critical"),
        "{text}"
    );
}
