//! Runs every fixture in `tests/fixtures/manifest.toml` through [`mlsecops_onnx::analyze`]
//! and checks the manifest's expectations (rules present, severity, completeness).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use mlsecops_core::{FormatAnalysis, Severity};
use mlsecops_onnx::{OnnxContext, analyze};

fn analyse(path: &Path) -> FormatAnalysis {
    let data = std::fs::read(path).unwrap();
    let ctx = OnnxContext {
        model_dir: path.parent(),
    };
    let (fa, _) = analyze(&data, &ctx);
    fa
}

fn max_severity(fa: &FormatAnalysis) -> Option<Severity> {
    fa.observations
        .iter()
        .map(|o| mlsecops_core::rule(o.rule).unwrap().severity)
        .max()
}

fn check(path: &Path, verdict: &str, rules: &[String], min: Option<&str>, status: &str) {
    let fa = analyse(path);
    let got: Vec<&str> = fa.observations.iter().map(|o| o.rule).collect();
    for r in rules {
        assert!(
            got.contains(&r.as_str()),
            "{}: missing {r}; got {got:?}",
            path.display()
        );
    }
    let max = max_severity(&fa);
    if verdict == "malicious" {
        let min = min.unwrap_or("high").parse::<Severity>().unwrap();
        assert!(
            max >= Some(min),
            "{}: max {max:?} < {min:?}; {got:?}",
            path.display()
        );
    } else {
        assert!(
            max < Some(Severity::High),
            "{}: benign but {got:?}",
            path.display()
        );
    }
    match status {
        "complete" => assert!(
            fa.incomplete.is_none(),
            "{}: {:?}",
            path.display(),
            fa.incomplete
        ),
        "inconclusive" => assert!(fa.incomplete.is_some(), "{}", path.display()),
        other => panic!("unexpected status {other}"),
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn manifest_expectations_hold() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let manifest: toml::Table = std::fs::read_to_string(root.join("manifest.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let fixtures = manifest["fixture"].as_array().unwrap();
    let mut n = 0;
    for f in fixtures {
        let path = root.join(f["path"].as_str().unwrap());
        let verdict = f["verdict"].as_str().unwrap();
        if let Some(files) = f.get("files").and_then(|v| v.as_array()) {
            for file in files {
                check(
                    &path.join(file["path"].as_str().unwrap()),
                    file.get("verdict")
                        .and_then(|v| v.as_str())
                        .unwrap_or(verdict),
                    &strings(file.get("rules")),
                    file.get("min_severity").and_then(|v| v.as_str()),
                    file["status"].as_str().unwrap(),
                );
                n += 1;
            }
        } else {
            check(
                &path,
                verdict,
                &strings(f.get("rules")),
                f.get("min_severity").and_then(|v| v.as_str()),
                f["status"].as_str().unwrap(),
            );
            n += 1;
        }
    }
    assert!(n >= 15, "{n} fixtures checked");
}
