//! End-to-end recall over the labelled notebook corpus of `mlsecops-notebook`
//! (`tests/fixtures/labels.toml`, written by `gen_notebooks.py` with the real `nbformat`):
//! every labelled secret, personal datum, unsafe call, vulnerable pin and document issue
//! must be reported at its cell / output / line, every look-alike must stay silent, and no
//! secret may appear unmasked anywhere in the JSON report.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::PathBuf;

use mlsecops_core::{Finding, ScanReport, Severity, ToolInfo};
use mlsecops_scan::Scanner;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labels {
    notebook: Vec<Notebook>,
}

#[derive(Deserialize)]
struct Notebook {
    file: String,
    #[serde(default)]
    expect: Vec<Label>,
    #[serde(default)]
    negative: Vec<Label>,
}

#[derive(Deserialize, Debug)]
struct Label {
    kind: String,
    what: String,
    cell: Option<u32>,
    output: Option<u32>,
    line: Option<u32>,
    text: Option<String>,
    #[serde(default)]
    absent: bool,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mlsecops-notebook/tests/fixtures")
}

fn prefix(kind: &str) -> &'static str {
    match kind {
        "secret" => "secret-",
        "pii" => "pii-",
        "code" => "code-",
        "dependency" => "dep-",
        "notebook" => "notebook-",
        other => panic!("unknown label kind {other}"),
    }
}

/// A finding of the label's kind at the label's place. Column-level PII findings of a
/// table carry no line; dependency findings must name the package.
fn matches(f: &Finding, label: &Label, positive: bool) -> bool {
    if !f.rule.starts_with(prefix(&label.kind)) {
        return false;
    }
    let loc = &f.location;
    if loc.cell != label.cell {
        return false;
    }
    if label.output.is_some() && loc.output != label.output {
        return false;
    }
    // A column finding is an aggregate: it stands for its positive cells, and a look-alike
    // cell inside a personal-data column does not make it wrong.
    let line_ok =
        loc.line == label.line || (positive && f.rule == "pii-data-column" && loc.line.is_none());
    if !line_ok {
        return false;
    }
    if label.kind == "dependency"
        && let Some((package, _)) = label.what.split_once("==")
    {
        return f.evidence.get("package").map(String::as_str) == Some(package);
    }
    true
}

#[test]
fn labelled_notebooks_recall_and_silence() {
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(fixtures().join("labels.toml")).unwrap()).unwrap();
    let scanner = Scanner::default();
    let mut expected = 0;
    let mut found = 0;
    let mut missed = Vec::new();
    let mut noisy = Vec::new();
    for nb in &labels.notebook {
        let report = scanner.scan_file(&fixtures().join(&nb.file), true);
        assert_eq!(report.format, "jupyter-notebook", "{}", nb.file);
        for label in &nb.expect {
            expected += 1;
            if report.findings.iter().any(|f| matches(f, label, true)) {
                found += 1;
            } else {
                missed.push(format!("{}: {label:?}", nb.file));
            }
        }
        for label in nb.negative.iter().filter(|l| !l.absent) {
            // A negative is silent when no finding of its kind sits on its line.
            if let Some(f) = report.findings.iter().find(|f| matches(f, label, false)) {
                noisy.push(format!(
                    "{}: {label:?} -> {} {}",
                    nb.file, f.rule, f.message
                ));
            }
        }
    }
    assert!(expected >= 50, "corpus has {expected} labelled detections");
    assert!(
        missed.is_empty(),
        "recall {found}/{expected}; missed:\n{}",
        missed.join("\n")
    );
    assert!(
        noisy.is_empty(),
        "negatives reported:\n{}",
        noisy.join("\n")
    );
}

#[test]
fn secrets_never_appear_unmasked_in_any_report_format() {
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(fixtures().join("labels.toml")).unwrap()).unwrap();
    let scanner = Scanner::default();
    let paths: Vec<PathBuf> = labels
        .notebook
        .iter()
        .map(|nb| fixtures().join(&nb.file))
        .collect();
    let files = scanner.scan_paths(&paths, &|_| {});
    let report = ScanReport::new(ToolInfo::new("0"), files, Severity::High, false);
    let json = mlsecops_report::render_json(&report);
    let sarif = mlsecops_report::render_sarif(&report);
    let mut human = Vec::new();
    mlsecops_report::render_human(
        &report,
        &mlsecops_report::HumanOptions {
            color: false,
            verbose: true,
        },
        &mut human,
    )
    .unwrap();
    let human = String::from_utf8(human).unwrap();
    let mut checked = 0;
    for label in labels
        .notebook
        .iter()
        .flat_map(|nb| &nb.expect)
        .filter(|l| l.kind == "secret")
    {
        let secret = label.text.as_deref().unwrap();
        // The secret part of a `key=value` label is what must never be printed.
        let secret = secret.rsplit(['=', ' ', ':', '@']).next().unwrap_or(secret);
        if secret.len() < 12 {
            continue;
        }
        checked += 1;
        for (name, out) in [("json", &json), ("sarif", &sarif), ("human", &human)] {
            assert!(
                !out.contains(secret),
                "{name} report prints the secret of {label:?}"
            );
        }
    }
    assert!(checked >= 20, "checked {checked} secrets");
    // SARIF names the notebook cell (and output) of each finding as a logical location.
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let names: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["logicalLocations"][0]["name"].as_str())
        .collect();
    assert!(names.contains(&"cell[0]"), "{names:?}");
    assert!(names.iter().any(|n| n.contains("].outputs[")), "{names:?}");
}
