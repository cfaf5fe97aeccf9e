#![allow(clippy::unwrap_used)]

use std::time::Duration;

use mlsecops_core::{FileReport, FileStatus, Finding, Location, PolicyLevel, Severity, ToolInfo};
use serde_json::json;

use super::*;

fn set() -> PolicySet {
    PolicySet::new(PolicyOptions::default())
}

fn report(files: Vec<FileReport>) -> ScanReport {
    ScanReport::new(ToolInfo::new("0"), files, Severity::High, false)
}

fn file(path: &str, format: &str, status: FileStatus, findings: Vec<Finding>) -> FileReport {
    FileReport {
        path: path.to_owned(),
        format: format.to_owned(),
        status,
        reason: None,
        size: 3,
        findings,
    }
}

#[test]
fn rule_names_follow_conftest() {
    for name in ["deny", "deny_x", "deny_a_b1", "violation", "violation_Z9"] {
        assert_eq!(rule_level(name), Some(PolicyLevel::Deny), "{name}");
    }
    for name in ["warn", "warn_licence", "warn_a_b"] {
        assert_eq!(rule_level(name), Some(PolicyLevel::Warn), "{name}");
    }
    for name in [
        "denyx",
        "deny_",
        "deny__x",
        "warning",
        "allow",
        "test_deny",
        "violations",
    ] {
        assert_eq!(rule_level(name), None, "{name}");
    }
}

#[test]
fn gate_packages() {
    assert!(is_gate_package("main"));
    assert!(is_gate_package("mlsecops.default"));
    assert!(is_gate_package("mlsecops.examples.signing"));
    assert!(!is_gate_package("mlsecops"));
    assert!(!is_gate_package("mainx"));
    assert!(!is_gate_package("lib.helpers"));
}

#[test]
fn strings_objects_and_booleans_become_messages() {
    let mut set = set();
    set.add_module(
        "p.rego",
        r#"package main
deny contains msg if { some f in input.files; f.bad; msg := sprintf("%s is bad", [f.name]) }
violation_obj contains {"msg": "structured", "rule_id": "x", "severity": "high"} if { input.v }
warn_x contains "careful" if { true }
deny_bool if { input.flag }
allow if { true }
"#,
    )
    .unwrap();
    let msgs = set
        .evaluate(&json!({"files": [{"name": "a", "bad": true}, {"name": "b", "bad": false}], "v": true, "flag": true}))
        .unwrap();
    let summary: Vec<(PolicyLevel, &str, &str)> = msgs
        .iter()
        .map(|m| (m.level, m.rule.as_str(), m.msg.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (PolicyLevel::Deny, "deny", "a is bad"),
            (
                PolicyLevel::Deny,
                "deny_bool",
                "data.main.deny_bool is true"
            ),
            (PolicyLevel::Deny, "violation_obj", "structured"),
            (PolicyLevel::Warn, "warn_x", "careful"),
        ]
    );
    let obj = msgs.iter().find(|m| m.rule == "violation_obj").unwrap();
    assert_eq!(
        obj.details,
        Some(json!({"rule_id": "x", "severity": "high"}))
    );
    assert!(
        msgs.iter()
            .all(|m| m.details.is_none() || m.rule == "violation_obj")
    );

    // Nothing fires: no messages.
    let msgs = set.evaluate(&json!({"files": []})).unwrap();
    assert_eq!(msgs.len(), 1, "only warn_x fires: {msgs:?}");
}

#[test]
fn packages_outside_the_gate_are_not_evaluated() {
    let mut set = set();
    set.add_module("a.rego", "package lib\ndeny contains \"x\" if { true }\n")
        .unwrap();
    set.add_module(
        "b.rego",
        "package mlsecops.team\ndeny contains \"y\" if { true }\n",
    )
    .unwrap();
    let msgs = set.evaluate(&json!({})).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].package, "mlsecops.team");
    assert_eq!(msgs[0].msg, "y");
}

#[test]
fn object_without_msg_is_an_error() {
    let mut set = set();
    set.add_module(
        "p.rego",
        "package main\ndeny contains {\"message\": \"x\"} if { true }\n",
    )
    .unwrap();
    let err = set.evaluate(&json!({})).unwrap_err();
    assert!(matches!(err, PolicyError::BadResult { .. }), "{err}");
    assert!(err.to_string().contains("p.rego:2"), "{err}");
    assert!(err.to_string().contains("`msg`"), "{err}");
}

#[test]
fn non_message_value_is_an_error() {
    let mut set = set();
    set.add_module("p.rego", "package main\ndeny := 3\n")
        .unwrap();
    let err = set.evaluate(&json!({})).unwrap_err();
    assert!(err.to_string().contains("set of messages"), "{err}");
    let mut set2 = PolicySet::new(PolicyOptions::default());
    set2.add_module("q.rego", "package main\ndeny contains 7 if { true }\n")
        .unwrap();
    assert!(set2.evaluate(&json!({})).is_err());
}

#[test]
fn parse_error_names_file_and_line() {
    let mut set = set();
    let err = set
        .add_module(
            "dir/broken.rego",
            "package main\n\ndeny contains msg if {\n  msg := \n}\n",
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PolicyError::Parse { .. }), "{text}");
    assert!(text.contains("dir/broken.rego:4:"), "{text}");
}

#[test]
fn v0_syntax_needs_the_flag() {
    let v0 = "package main\ndeny[msg] { input.x; msg := \"old\" }\n";
    assert!(set().add_module("v0.rego", v0).is_err());
    let mut set = PolicySet::new(PolicyOptions {
        rego_v0: true,
        ..PolicyOptions::default()
    });
    set.add_module("v0.rego", v0).unwrap();
    // The built-in policy still loads as v1 when v0 is on.
    set.add_default(false).unwrap();
    let msgs = set.evaluate(&json!({"x": true, "files": []})).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].msg, "old");
}

#[test]
fn evaluation_error_is_an_error_with_location() {
    let mut set = set();
    set.add_module(
        "div.rego",
        "package main\n\ndeny contains msg if {\n  x := 1 / input.zero\n  msg := sprintf(\"%v\", [x])\n}\n",
    )
    .unwrap();
    let err = set.evaluate(&json!({"zero": 0})).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PolicyError::Eval { .. }), "{text}");
    assert!(text.contains("div.rego:4:"), "{text}");
    assert!(text.contains("data.main.deny"), "{text}");
}

#[test]
fn conflicting_complete_rule_is_an_error() {
    let mut set = set();
    set.add_module(
        "c.rego",
        "package main\nwarn_c := \"a\" if { true }\nwarn_c := \"b\" if { true }\n",
    )
    .unwrap();
    assert!(set.evaluate(&json!({})).is_err());
}

#[test]
fn runaway_policy_hits_the_time_limit() {
    let mut set = PolicySet::new(PolicyOptions {
        time_limit: Duration::from_millis(200),
        ..PolicyOptions::default()
    });
    set.add_module(
        "slow.rego",
        "package main\ndeny contains \"n\" if { count([x | some a in numbers.range(1, 3000); some b in numbers.range(1, 3000); x := a * b]) > 0 }\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = set.evaluate(&json!({})).unwrap_err();
    assert!(err.to_string().contains("time limit"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn data_is_merged_and_visible() {
    let mut set = set();
    set.add_module(
        "d.rego",
        "package main\ndeny contains msg if { some l in input.licences; not l in data.allowed; msg := l }\n",
    )
    .unwrap();
    set.add_data("a.json", json!({"allowed": ["mit"]})).unwrap();
    let msgs = set
        .evaluate(&json!({"licences": ["mit", "gpl-3.0"]}))
        .unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].msg, "gpl-3.0");
    assert!(set.add_data("b.json", json!([1])).is_err());
}

#[test]
fn default_policy_tests_pass() {
    let mut set = set();
    set.add_default(true).unwrap();
    let outcomes = set.run_tests();
    assert!(outcomes.len() >= 8, "{outcomes:?}");
    for outcome in &outcomes {
        assert!(outcome.passed(), "{outcome:?}");
        assert_eq!(outcome.package, DEFAULT_POLICY_PACKAGE);
        assert!(outcome.location.starts_with("builtin:default_test.rego:"));
    }
}

#[test]
fn failing_undefined_and_erroring_tests_are_reported() {
    let mut set = set();
    set.add_module(
        "t_test.rego",
        "package t\ntest_ok if { true }\ntest_false := false\ntest_undef if { input.nothing }\ntest_err if { 1 / 0 == 1 }\nhelper if { true }\n",
    )
    .unwrap();
    let outcomes = set.run_tests();
    let by_name: BTreeMap<&str, &TestStatus> = outcomes
        .iter()
        .map(|o| (o.name.as_str(), &o.status))
        .collect();
    assert_eq!(by_name.len(), 4, "{outcomes:?}");
    assert_eq!(by_name["test_ok"], &TestStatus::Pass);
    assert_eq!(by_name["test_false"], &TestStatus::Fail("false".to_owned()));
    assert_eq!(
        by_name["test_undef"],
        &TestStatus::Fail("undefined".to_owned())
    );
    assert!(matches!(by_name["test_err"], TestStatus::Error(m) if m.contains("t_test.rego:5")));
    // Sorted by line.
    assert_eq!(outcomes[0].name, "test_ok");
    assert_eq!(outcomes[0].location, "t_test.rego:2");
}

use std::collections::BTreeMap;

#[test]
fn default_policy_on_a_real_report() {
    let mut evasion = Finding::new("pickle-scanner-evasion", "hidden", Location::file("a.pkl"));
    evasion.severity = Severity::Critical;
    let files = vec![
        file("a.pkl", "pickle", FileStatus::Complete, vec![evasion]),
        file("b.pt", "pytorch-zip", FileStatus::Inconclusive, vec![]),
        file("c.md", "unknown", FileStatus::Skipped, vec![]),
    ];
    let report = report(files);
    let mut set = set();
    set.add_default(false).unwrap();
    let policy = set.gate(&report, false).unwrap();
    assert_eq!(policy.sources, vec!["builtin:default".to_owned()]);
    assert_eq!(policy.count(PolicyLevel::Deny), 1, "{policy:?}");
    assert_eq!(policy.count(PolicyLevel::Warn), 1, "{policy:?}");
    assert_eq!(policy.results[0].rule, "deny_unwaivable");
    assert!(
        policy.results[0]
            .msg
            .starts_with("a.pkl: pickle-scanner-evasion")
    );
    assert_eq!(policy.results[1].rule, "warn_incomplete");
    assert!(policy.fails());
}

#[test]
fn input_has_models_and_no_policy_key() {
    let dir = tempfile::tempdir().unwrap();
    let signed = dir.path().join("signed");
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(signed.join("sub")).unwrap();
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(signed.join("model.sig"), "{}").unwrap();
    std::fs::write(
        signed.join("README.md"),
        "---\nlicense: apache-2.0\ntags:\n  - vision\n  - 'demo'\ndatasets: [imagenet-1k, \"coco\"]\nmodel-index:\n  - name: x\n    results: []\n---\n# Model\n## Intended uses & limitations\ntext\n",
    )
    .unwrap();
    let path = |p: &std::path::Path| p.display().to_string();
    let mut report = report(vec![
        file(
            &path(&signed.join("sub/w.safetensors")),
            "safetensors",
            FileStatus::Complete,
            vec![],
        ),
        file(
            &path(&plain.join("m.pkl.gz")),
            "gzip:pickle",
            FileStatus::Complete,
            vec![],
        ),
        file(
            &path(&plain.join("x.py")),
            "python",
            FileStatus::Complete,
            vec![],
        ),
        file(
            &path(&plain.join("notes.txt")),
            "unknown",
            FileStatus::Skipped,
            vec![],
        ),
    ]);
    report.policy = Some(PolicyReport::default());
    let input = policy_input(&report);
    assert!(input.get("policy").is_none());
    assert_eq!(input["input_version"], json!(1));
    assert_eq!(input["files"].as_array().unwrap().len(), 4);
    let models = input["models"].as_array().unwrap();
    assert_eq!(models.len(), 2, "{models:?}");
    let (plain_model, signed_model) = if models[0]["path"].as_str().unwrap().contains("plain") {
        (&models[0], &models[1])
    } else {
        (&models[1], &models[0])
    };
    assert_eq!(signed_model["signed"], json!(true));
    assert_eq!(
        signed_model["signature"],
        json!(path(&signed.join("model.sig")))
    );
    let card = &signed_model["card"];
    assert_eq!(card["license"], json!("apache-2.0"));
    assert_eq!(card["tags"], json!(["vision", "demo"]));
    assert_eq!(card["datasets"], json!(["imagenet-1k", "coco"]));
    assert_eq!(card["intended_use"], json!(true));
    assert_eq!(card["has_front_matter"], json!(true));
    assert_eq!(
        card["sections"],
        json!(["Model", "Intended uses & limitations"])
    );
    assert_eq!(plain_model["signed"], json!(false));
    assert_eq!(plain_model["card"], json!(null));
    assert_eq!(plain_model["base_format"], json!("pickle"));
    assert_eq!(plain_model["format"], json!("gzip:pickle"));
}

#[test]
fn card_without_front_matter_or_intended_use() {
    let card = input::card_from_text("R.md", "# Title\nSome text\n---\nnot: front\n");
    assert_eq!(card["has_front_matter"], json!(false));
    assert_eq!(card["license"], json!(null));
    assert_eq!(card["intended_use"], json!(false));
    let card = input::card_from_text(
        "R.md",
        "---\nlicense: [mit]\nintended_use: research only\n---\n",
    );
    assert_eq!(card["license"], json!("mit"));
    assert_eq!(card["intended_use"], json!(true));
    // An unterminated front matter is body text.
    let card = input::card_from_text("R.md", "---\nlicense: mit\n# Uses\n");
    assert_eq!(card["has_front_matter"], json!(false));
    assert_eq!(card["intended_use"], json!(true));
}

#[test]
fn directories_load_sorted_recursively_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b/nested")).unwrap();
    std::fs::create_dir_all(dir.path().join(".hidden")).unwrap();
    std::fs::write(
        dir.path().join("b/nested/z.rego"),
        "package main\nwarn contains \"z\" if { true }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.rego"),
        "package main\nwarn contains \"a\" if { true }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not rego").unwrap();
    std::fs::write(
        dir.path().join("a_test.rego"),
        "package main\ntest_a if { true }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".hidden/h.rego"),
        "package main\ndeny contains \"h\" if { true }\n",
    )
    .unwrap();
    let mut set = set();
    assert_eq!(set.add_path(dir.path()).unwrap(), 2);
    let names: Vec<String> = set
        .sources()
        .iter()
        .map(|s| s.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["a.rego", "z.rego"]);
    let msgs = set.evaluate(&json!({})).unwrap();
    assert_eq!(msgs.len(), 2);
    assert!(msgs.iter().all(|m| m.level == PolicyLevel::Warn));

    assert!(set.run_tests().is_empty());
    let mut with_tests = PolicySet::new(PolicyOptions {
        include_tests: true,
        ..PolicyOptions::default()
    });
    assert_eq!(with_tests.add_path(dir.path()).unwrap(), 3);
    assert_eq!(with_tests.run_tests().len(), 1);

    let mut small = PolicySet::new(PolicyOptions {
        max_files: 1,
        ..PolicyOptions::default()
    });
    assert!(matches!(
        small.add_path(dir.path()),
        Err(PolicyError::Limit { .. })
    ));

    let mut tiny = PolicySet::new(PolicyOptions {
        max_file_bytes: 10,
        ..PolicyOptions::default()
    });
    assert!(matches!(
        tiny.add_path(dir.path()),
        Err(PolicyError::Limit { .. })
    ));

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        set.add_path(empty.path()),
        Err(PolicyError::NoPolicies(_))
    ));
    assert!(matches!(
        set.add_path(&empty.path().join("missing")),
        Err(PolicyError::Io { .. })
    ));
}

#[test]
fn default_policy_tests_catch_a_broken_policy() {
    // Honesty check: the embedded tests fail when the policy stops checking something.
    let broken = DEFAULT_POLICY.replace("\"pickle-scanner-evasion\",", "");
    assert_ne!(broken, DEFAULT_POLICY);
    let mut set = set();
    set.add_module("default.rego", &broken).unwrap();
    set.add_module("default_test.rego", DEFAULT_POLICY_TESTS)
        .unwrap();
    let failed: Vec<String> = set
        .run_tests()
        .into_iter()
        .filter(|o| !o.passed())
        .map(|o| o.name)
        .collect();
    assert_eq!(failed, vec!["test_waived_evasion_still_denied".to_owned()]);
}

#[test]
fn card_parser_survives_arbitrary_text() {
    let sample = "---\nlicense: mit\ntags:\n  - a\n- b\n  c: d\n'x': [\"y\", 'z']\n: empty\n---\n## Uses\n#\n####### deep\n";
    let bytes = sample.as_bytes();
    for end in 0..=bytes.len() {
        let text = String::from_utf8_lossy(&bytes[..end]);
        let card = input::card_from_text("R.md", &text);
        assert!(card["sections"].is_array());
    }
    let card = input::card_from_text("R.md", sample);
    assert_eq!(card["license"], json!("mit"));
    assert_eq!(card["tags"], json!(["a", "b"]));
    assert_eq!(card["front_matter"]["x"], json!(["y", "z"]));
    assert_eq!(card["sections"], json!(["Uses"]));
    let mut state = 0x2545_f491_u32;
    for _ in 0..2_000 {
        let text: String = (0..64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                [
                    '-', '\n', ':', ' ', '#', '[', ']', '"', '\'', 'a', ',', '\r',
                ][(state % 12) as usize]
            })
            .collect();
        let _ = input::card_from_text("R.md", &format!("---\n{text}"));
    }
}

#[cfg(unix)]
#[test]
fn symlinked_card_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.md");
    std::fs::write(&secret, "---\nlicense: leaked\n---\n").unwrap();
    let model_dir = dir.path().join("m");
    std::fs::create_dir(&model_dir).unwrap();
    std::os::unix::fs::symlink(&secret, model_dir.join("README.md")).unwrap();
    let report = report(vec![file(
        &model_dir.join("w.gguf").display().to_string(),
        "gguf",
        FileStatus::Complete,
        vec![],
    )]);
    let input = policy_input(&report);
    let card = &input["models"][0]["card"];
    assert_eq!(card["readable"], json!(false), "{card}");
    assert!(card.get("license").is_none());
}
