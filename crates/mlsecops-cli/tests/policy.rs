//! End-to-end tests of the Rego policy gate (`scan --policy`) and `mlsecops policy test|eval`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn safe_model() -> PathBuf {
    root().join("examples/safe/tiny.safetensors")
}

fn mlsecops(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlsecops"))
        .args(args)
        .args(paths)
        .env_remove("NO_COLOR")
        .output()
        .expect("runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

/// A temporary directory holding one policy file.
fn policy_dir(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write policy");
    dir
}

const DENY_SAFETENSORS: &str = r#"package main

deny contains msg if {
	some model in input.models
	model.base_format == "safetensors"
	msg := sprintf("no safetensors today: %s", [model.path])
}
"#;

const WARN_EVERY_MODEL: &str = r#"package main

warn_model contains {"msg": sprintf("model %s seen", [model.path]), "format": model.format} if {
	some model in input.models
}
"#;

fn scan(policy: &Path, extra: &[&str], format: &str) -> Output {
    let policy = policy.to_str().expect("utf-8 path");
    let mut args = vec![
        "scan",
        "--no-config",
        "--no-progress",
        "--color",
        "never",
        "-f",
        format,
        "--policy",
        policy,
    ];
    args.extend_from_slice(extra);
    mlsecops(&args, &[&safe_model()])
}

#[test]
fn safe_model_without_policies_passes_and_has_no_policy_key() {
    let out = mlsecops(
        &["scan", "--no-config", "--no-progress", "-f", "json"],
        &[&safe_model()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert!(report.get("policy").is_none(), "{report:#}");
    assert_eq!(report["summary"]["policy_denies"], 0);

    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "--no-default-policy",
        ],
        &[&safe_model()],
    );
    assert_eq!(code(&out), 0);
    assert!(json(&out).get("policy").is_none());
}

#[test]
fn deny_fails_the_run_in_json_and_human_output() {
    let dir = policy_dir("gate.rego", DENY_SAFETENSORS);
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let policy = &report["policy"];
    let results = policy["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{policy:#}");
    assert_eq!(results[0]["level"], "deny");
    assert_eq!(results[0]["package"], "main");
    assert_eq!(results[0]["rule"], "deny");
    let msg = results[0]["msg"].as_str().expect("msg");
    assert!(
        msg.starts_with("no safetensors today: ") && msg.ends_with("tiny.safetensors"),
        "{msg}"
    );
    assert_eq!(report["summary"]["policy_denies"], 1);
    assert_eq!(report["summary"]["exit_code"], 1);
    assert_eq!(policy["fail_on_warn"], false);
    let sources: Vec<&str> = policy["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_eq!(sources[0], "builtin:default");
    assert!(sources[1].ends_with("gate.rego"), "{sources:?}");

    let human = scan(dir.path(), &[], "human");
    assert_eq!(code(&human), 1);
    assert!(
        stdout(&human).contains("no safetensors today: "),
        "{}",
        stdout(&human)
    );
}

#[test]
fn warn_passes_unless_fail_on_warn() {
    let dir = policy_dir("warn.rego", WARN_EVERY_MODEL);
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let result = &report["policy"]["results"][0];
    assert_eq!(result["level"], "warn");
    assert_eq!(result["rule"], "warn_model");
    assert!(
        result["msg"]
            .as_str()
            .is_some_and(|m| m.starts_with("model ") && m.ends_with("tiny.safetensors seen"))
    );
    // Object keys other than `msg` become details.
    assert_eq!(result["details"]["format"], "safetensors");
    assert_eq!(report["summary"]["policy_warnings"], 1);

    let out = scan(dir.path(), &["--fail-on-warn"], "json");
    assert_eq!(code(&out), 1);
    let report = json(&out);
    assert_eq!(report["policy"]["fail_on_warn"], true);
    assert_eq!(report["summary"]["exit_code"], 1);
}

#[test]
fn broken_policy_is_a_fatal_error_with_file_and_line() {
    let dir = policy_dir(
        "broken.rego",
        "package main\n\ndeny contains msg if {\n\tmsg := \n}\n",
    );
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("broken.rego:4:"), "{err}");
    assert!(err.contains("parse error"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no report is written on a policy error"
    );
}

#[test]
fn evaluation_error_and_bad_message_are_fatal() {
    let dir = policy_dir(
        "div.rego",
        "package main\n\ndeny contains msg if {\n\tsome m in input.models\n\tx := 1 / (count(m.path) - count(m.path))\n\tmsg := sprintf(\"%v\", [x])\n}\n",
    );
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("div.rego:5:"), "{}", stderr(&out));

    let dir = policy_dir(
        "obj.rego",
        "package main\n\ndeny contains {\"message\": \"no msg key\"} if { true }\n",
    );
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("`msg`"), "{}", stderr(&out));
}

#[test]
fn missing_or_empty_policy_path_is_an_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = scan(empty.path(), &[], "json");
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no .rego policy files"),
        "{}",
        stderr(&out)
    );
    let out = scan(&empty.path().join("missing"), &[], "json");
    assert_eq!(code(&out), 3);
}

#[test]
fn default_policy_warns_on_incomplete_files_and_can_be_replaced() {
    // A real Keras .h5 cut after its superblock: inconclusive.
    let full = std::fs::read(
        root().join("crates/mlsecops-keras/tests/fixtures/benign/functional_nested.h5"),
    )
    .expect("fixture");
    let tmp = tempfile::tempdir().expect("tempdir");
    let cut = tmp.path().join("cut.h5");
    std::fs::write(&cut, &full[..200]).expect("write");

    let out = mlsecops(
        &["scan", "--no-config", "--no-progress", "-f", "json"],
        &[&cut],
    );
    assert_eq!(code(&out), 2, "a warning does not change the exit code");
    let report = json(&out);
    let results = report["policy"]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{report:#}");
    assert_eq!(results[0]["package"], "mlsecops.default");
    assert_eq!(results[0]["rule"], "warn_incomplete");
    assert!(
        results[0]["msg"]
            .as_str()
            .is_some_and(|m| m.contains("cut.h5 was not fully analysed (inconclusive"))
    );
    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "--fail-on-warn",
        ],
        &[&cut],
    );
    assert_eq!(code(&out), 1);

    // --no-default-policy: only the user's policy runs.
    let dir = policy_dir("warn.rego", WARN_EVERY_MODEL);
    let policy = dir.path().to_str().expect("utf-8");
    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "--no-default-policy",
            "--policy",
            policy,
        ],
        &[&cut],
    );
    let report = json(&out);
    let results = report["policy"]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{report:#}");
    assert_eq!(results[0]["rule"], "warn_model");
    assert!(
        !report["policy"]["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .any(|s| s == "builtin:default")
    );
    // Without the default policy and without user policies there is no policy key.
    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "--no-default-policy",
        ],
        &[&cut],
    );
    assert!(json(&out).get("policy").is_none());
}

#[test]
fn config_policy_paths_and_policy_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("pol")).expect("mkdir");
    std::fs::write(
        tmp.path().join("pol/formats.rego"),
        "package mlsecops.team\n\ndeny_format contains msg if {\n\tsome m in input.models\n\tnot m.base_format in data.allowed_formats\n\tmsg := sprintf(\"format %s not allowed\", [m.base_format])\n}\n",
    )
    .expect("write");
    std::fs::write(
        tmp.path().join("mlsecops.toml"),
        "[policy]\npaths = [\"pol\"]\n",
    )
    .expect("write");
    std::fs::write(
        tmp.path().join("ok.json"),
        r#"{"allowed_formats": ["safetensors"]}"#,
    )
    .expect("write");
    std::fs::write(
        tmp.path().join("no.json"),
        r#"{"allowed_formats": ["gguf"]}"#,
    )
    .expect("write");
    let config = tmp.path().join("mlsecops.toml");
    let run = |data: &str| {
        mlsecops(
            &[
                "scan",
                "--no-progress",
                "-f",
                "json",
                "--config",
                config.to_str().expect("utf-8"),
                "--policy-data",
                tmp.path().join(data).to_str().expect("utf-8"),
            ],
            &[&safe_model()],
        )
    };
    let out = run("ok.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["policy"]["results"], Value::Array(vec![]));
    assert!(
        report["policy"]["sources"][1]
            .as_str()
            .is_some_and(|s| s.ends_with("formats.rego"))
    );
    let out = run("no.json");
    assert_eq!(code(&out), 1);
    assert_eq!(
        json(&out)["policy"]["results"][0]["msg"],
        "format safetensors not allowed"
    );

    std::fs::write(tmp.path().join("bad.json"), "[1, 2]").expect("write");
    assert_eq!(code(&run("bad.json")), 3);
}

fn count_test_rules(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with("_test.rego") {
            let text = std::fs::read_to_string(&path).expect("read");
            n += text.lines().filter(|l| l.starts_with("test_")).count();
        }
    }
    n
}

#[test]
fn example_policies_pass_their_tests() {
    let dir = root().join("examples/policies");
    let out = mlsecops(&["policy", "test"], &[&dir]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    let expected = count_test_rules(&dir);
    assert!(expected >= 10, "{expected}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("PASS ")).count(),
        expected,
        "{text}"
    );
    assert!(!text.contains("FAIL"), "{text}");
    assert!(
        text.contains(&format!("{expected} passed, 0 failed")),
        "{text}"
    );
    // One test per example family at least.
    for package in ["signing", "formats", "model_card", "licences", "residency"] {
        assert!(
            text.contains(&format!("data.mlsecops.examples.{package}.test_")),
            "{package}: {text}"
        );
    }
}

#[test]
fn example_policies_gate_a_real_scan() {
    let dir = root().join("examples/policies");
    let data = dir.join("data.json");
    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "--policy",
            dir.to_str().expect("utf-8"),
            "--policy-data",
            data.to_str().expect("utf-8"),
        ],
        &[&root().join("examples/safe")],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let results = report["policy"]["results"].as_array().expect("results");
    let rules: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["package"].as_str().unwrap_or_default(),
                r["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    // The safe examples are unsigned, and two of them are pickle-family files.
    assert!(
        rules.contains(&("mlsecops.examples.signing", "deny_unsigned")),
        "{rules:?}"
    );
    let pickle: Vec<&str> = results
        .iter()
        .filter(|r| r["rule"] == "deny_pickle_in_production")
        .filter_map(|r| r["msg"].as_str())
        .collect();
    assert_eq!(pickle.len(), 2, "{pickle:?}");
    assert!(pickle.iter().any(|m| m.contains("sklearn_pipeline.joblib")));
    assert!(pickle.iter().any(|m| m.contains("tiny_state_dict.pt")));
    // Test files are not part of the gate.
    assert!(
        !report["policy"]["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.ends_with("_test.rego")))
    );
}

#[test]
fn policy_test_exit_codes() {
    // No directory: the built-in default policy's own tests.
    let out = mlsecops(&["policy", "test"], &[]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("PASS  data.mlsecops.default.test_"));

    let dir = policy_dir(
        "t_test.rego",
        "package team\n\ntest_ok if { 1 + 1 == 2 }\n\ntest_wrong if { 1 + 1 == 3 }\n",
    );
    let out = mlsecops(&["policy", "test"], &[dir.path()]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("PASS  data.team.test_ok"), "{text}");
    assert!(text.contains("FAIL  data.team.test_wrong"), "{text}");
    assert!(text.contains("t_test.rego:5"), "{text}");
    assert!(text.contains("1 passed, 1 failed"), "{text}");

    let broken = policy_dir("b_test.rego", "package team\n\ntest_x if {\n");
    let out = mlsecops(&["policy", "test"], &[broken.path()]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("b_test.rego:"), "{}", stderr(&out));

    let no_tests = policy_dir(
        "p.rego",
        "package main\n\ndeny contains \"x\" if { false }\n",
    );
    let out = mlsecops(&["policy", "test"], &[no_tests.path()]);
    assert_eq!(code(&out), 3);
}

#[test]
fn rego_v0_needs_the_flag() {
    let dir = policy_dir(
        "old.rego",
        "package main\n\ndeny[msg] {\n\tcount(input.models) > 0\n\tmsg := \"v0 says no\"\n}\n",
    );
    let out = scan(dir.path(), &[], "json");
    assert_eq!(code(&out), 3);
    let out = scan(dir.path(), &["--rego-v0"], "json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(json(&out)["policy"]["results"][0]["msg"], "v0 says no");
}

#[test]
fn policy_eval_over_a_saved_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = tmp.path().join("report.json");
    let out = mlsecops(
        &[
            "scan",
            "--no-config",
            "--no-progress",
            "-f",
            "json",
            "-o",
            report.to_str().expect("utf-8"),
        ],
        &[&safe_model()],
    );
    assert_eq!(code(&out), 0);
    let dir = policy_dir("gate.rego", DENY_SAFETENSORS);
    let out = mlsecops(
        &["policy", "eval", "--input", report.to_str().expect("utf-8")],
        &[dir.path()],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let result = json(&out);
    assert_eq!(result["results"][0]["level"], "deny");
    assert_eq!(result["sources"][0], "builtin:default");

    let warn = policy_dir("warn.rego", WARN_EVERY_MODEL);
    let eval_warn = |extra: &[&str]| {
        let mut args = vec!["policy", "eval", "--input", report.to_str().expect("utf-8")];
        args.extend_from_slice(extra);
        mlsecops(&args, &[warn.path()])
    };
    assert_eq!(code(&eval_warn(&[])), 0);
    assert_eq!(code(&eval_warn(&["--fail-on-warn"])), 1);

    std::fs::write(&report, "{\"not\": \"a report\"}").expect("write");
    assert_eq!(code(&eval_warn(&[])), 3);
}
