//! End-to-end tests of the project config (`mlsecops.toml`) and `mlsecops init`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mlsecops() -> Command {
    let mut cmd = Command::cargo_bin("mlsecops").expect("binary built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// A temporary project holding `os_system.pkl` and the given `mlsecops.toml`.
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("examples/unsafe/os_system.pkl"),
        dir.path().join("os_system.pkl"),
    )
    .expect("copy fixture");
    std::fs::write(dir.path().join("mlsecops.toml"), config).expect("write config");
    dir
}

/// Runs `mlsecops scan` with JSON output: (exit code, report, stderr).
fn scan(args: &[&str], cwd: &Path) -> (i32, Value, String) {
    let out = mlsecops()
        .current_dir(cwd)
        .arg("scan")
        .args(["--format", "json", "--no-progress"])
        .args(args)
        .output()
        .expect("runs");
    let code = out.status.code().expect("exit code");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        code,
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules(report: &Value) -> Vec<(String, String)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn init_writes_the_template_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mlsecops.toml");
    mlsecops().arg("init").arg(dir.path()).assert().code(0);
    let written = std::fs::read_to_string(&path).expect("written");
    assert_eq!(written, mlsecops_config::DEFAULT_TEMPLATE);
    assert!(written.contains("[scan]") && written.contains("[rules]"));

    std::fs::write(&path, "# mine\n").expect("write");
    let out = mlsecops()
        .arg("init")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), "# mine\n");

    mlsecops()
        .args(["init", "--force"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&path).expect("written"),
        mlsecops_config::DEFAULT_TEMPLATE
    );

    // The written default changes nothing: the unsafe pickle still fails the run.
    std::fs::copy(
        root().join("examples/unsafe/os_system.pkl"),
        dir.path().join("os_system.pkl"),
    )
    .expect("copy");
    let (code, _, _) = scan(&["os_system.pkl"], dir.path());
    assert_eq!(code, 1);
}

#[test]
fn downgrading_a_rule_passes_the_gate() {
    let dir = project("[rules.\"pickle-code-execution\"]\nseverity = \"low\"\n");
    // Discovered from the scanned path.
    let (code, report, stderr) = scan(&["os_system.pkl"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        rules(&report).contains(&("pickle-code-execution".to_owned(), "low".to_owned())),
        "{report}"
    );
    // --fail-on on the command line still wins over the config default.
    let (code, _, _) = scan(&["os_system.pkl", "--fail-on", "low"], dir.path());
    assert_eq!(code, 1);
    // --no-config ignores it.
    let (code, _, _) = scan(&["os_system.pkl", "--no-config"], dir.path());
    assert_eq!(code, 1);
    // --config FILE applies to a path outside the config's directory.
    let config = dir.path().join("mlsecops.toml");
    let (code, _, _) = scan(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "examples/unsafe/os_system.pkl",
        ],
        &root(),
    );
    assert_eq!(code, 0);
}

#[test]
fn config_fail_on_applies() {
    let dir = project("[scan]\nfail_on = \"critical\"\n");
    let (code, report, _) = scan(&["os_system.pkl"], dir.path());
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["fail_on"], "critical");
}

#[test]
fn disabling_a_rule_removes_its_findings() {
    let (code, report, _) = scan(&["os_system.pkl"], project("").path());
    assert_eq!(code, 1);
    assert!(
        rules(&report)
            .iter()
            .any(|(r, _)| r == "pickle-code-execution")
    );

    let dir = project("[rules]\n\"pickle-code-execution\" = { enabled = false }\n");
    let (_, report, _) = scan(&["os_system.pkl"], dir.path());
    assert!(
        !rules(&report)
            .iter()
            .any(|(r, _)| r == "pickle-code-execution"),
        "{report}"
    );
}

#[test]
fn exclude_glob_skips_a_file() {
    let dir = project("[scan]\nexclude = [\"vendor\"]\n");
    let vendor = dir.path().join("vendor");
    std::fs::create_dir(&vendor).expect("mkdir");
    std::fs::copy(dir.path().join("os_system.pkl"), vendor.join("evil.pkl")).expect("copy");
    let (code, report, _) = scan(&["."], dir.path());
    assert_eq!(code, 1);
    let paths: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("os_system.pkl")),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("evil.pkl")), "{paths:?}");

    std::fs::write(
        dir.path().join("mlsecops.toml"),
        "[scan]\nexclude = [\"vendor\", \"os_system.pkl\"]\n",
    )
    .expect("write");
    let (_, report, _) = scan(&["."], dir.path());
    assert_eq!(report["summary"]["files"], 1, "{report}");
    assert_eq!(report["files"][0]["path"], "./mlsecops.toml");
}

#[test]
fn bad_config_is_a_usage_error_with_position() {
    let dir = project("[scan]\nstrict = true\nfial_on = \"high\"\n");
    let (code, _, stderr) = scan(&["os_system.pkl"], dir.path());
    assert_eq!(code, 3);
    assert!(stderr.contains("mlsecops.toml:3:1: "), "{stderr}");
    assert!(stderr.contains("fial_on"), "{stderr}");
    assert!(stderr.contains("^^^^^^^"), "{stderr}");

    let dir = project("[rules.\"no-such-rule\"]\nenabled = false\n");
    let (code, _, stderr) = scan(&["os_system.pkl"], dir.path());
    assert_eq!(code, 3);
    assert!(
        stderr.contains("mlsecops.toml:1:8: unknown rule id"),
        "{stderr}"
    );

    let (code, _, stderr) = scan(&["--config", "missing.toml", "os_system.pkl"], dir.path());
    assert_eq!(code, 3);
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn config_shipped_inside_a_scanned_repository_is_not_trusted() {
    // A downloaded repository that disables the rule its payload trips.
    let repo = project("[rules.\"pickle-code-execution\"]\nenabled = false\n");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let target = repo.path().to_str().expect("utf-8").to_owned();
    let (code, report, stderr) = scan(&[&target], elsewhere.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        rules(&report)
            .iter()
            .any(|(rule, _)| rule == "pickle-code-execution"),
        "{report}"
    );
    assert!(stderr.contains("ignoring"), "{stderr}");
    // Explicitly naming it is the user's choice.
    let config = repo.path().join("mlsecops.toml");
    let (code, _, _) = scan(
        &["--config", config.to_str().expect("utf-8"), &target],
        elsewhere.path(),
    );
    assert_eq!(code, 0);
}
