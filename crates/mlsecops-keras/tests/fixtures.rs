//! Runs every fixture of `tests/fixtures/manifest.toml` through the analysers the way the
//! scan engine routes them and checks the manifest's expectations.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use mlsecops_core::Severity;
use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    fixture: Vec<Fixture>,
}

#[derive(Deserialize)]
struct Fixture {
    path: String,
    verdict: String,
    min_severity: Option<String>,
    #[serde(default)]
    rules: Vec<String>,
    status: String,
}

fn severity(rule: &str) -> Severity {
    mlsecops_core::rule(rule)
        .unwrap_or_else(|| panic!("unknown rule {rule}"))
        .severity
}

#[test]
fn manifest_expectations_hold() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for f in &manifest.fixture {
        let data = std::fs::read(dir.join(&f.path)).unwrap();
        let a = common::analyze(&data);
        let max = a.observations.iter().map(|o| severity(o.rule)).max();
        let found: Vec<&str> = a.observations.iter().map(|o| o.rule).collect();
        for r in &f.rules {
            if !found.contains(&r.as_str()) {
                failures.push(format!("{}: missing rule {r} (found {found:?})", f.path));
            }
        }
        match f.status.as_str() {
            "complete" if a.incomplete.is_some() => {
                failures.push(format!("{}: incomplete: {:?}", f.path, a.incomplete));
            }
            "inconclusive" if a.incomplete.is_none() => {
                failures.push(format!("{}: expected inconclusive", f.path));
            }
            _ => {}
        }
        if f.verdict == "benign" {
            if max.is_some_and(|m| m >= Severity::High) {
                failures.push(format!("{}: benign but {:?}", f.path, a.observations));
            }
        } else {
            let min: Severity = f.min_severity.as_deref().unwrap().parse().unwrap();
            if max.is_none_or(|m| m < min) {
                failures.push(format!(
                    "{}: max {max:?} < {min:?}: {:?}",
                    f.path, a.observations
                ));
            }
        }
        for o in &a.observations {
            assert!(
                mlsecops_core::rule(o.rule).is_some(),
                "{}: unknown rule {}",
                f.path,
                o.rule
            );
        }
    }
    assert!(manifest.fixture.len() >= 25, "fixture count");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lambda_evidence_names_os_system() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malicious");
    for name in [
        "E1_lambda_os_system.keras",
        "E1_lambda_os_system.h5",
        "E1_lambda_keras2_style.h5",
        "E1_lambda_nested_submodel.h5",
    ] {
        let a = common::analyze(&std::fs::read(dir.join(name)).unwrap());
        let o = a
            .observations
            .iter()
            .find(|o| o.rule == "keras-lambda-bytecode")
            .unwrap_or_else(|| panic!("{name}: no lambda finding"));
        let names = &o.evidence["co_names"];
        assert!(
            names.contains("system") && names.contains("__import__"),
            "{name}: {names}"
        );
        assert!(o.evidence["co_consts_strings"].contains("os"), "{name}");
        assert!(
            o.evidence["json_path"].ends_with("config.function"),
            "{name}"
        );
        if Path::new(name).extension().is_some_and(|e| e == "h5") {
            assert!(o.message.contains("CVE-2025-9905"), "{name}: {}", o.message);
        }
    }
    let a = common::analyze(&std::fs::read(dir.join("E1_lambda_nested_submodel.keras")).unwrap());
    let o = a
        .observations
        .iter()
        .find(|o| o.rule == "keras-lambda-bytecode")
        .unwrap();
    assert_eq!(
        o.evidence["json_path"],
        "config.layers[2].config.layers[1].config.function"
    );
}
