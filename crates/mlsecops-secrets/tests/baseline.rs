//! Secrets baseline: create from findings, round-trip, suppress known secrets, report unused
//! entries, reject malformed files with positions.

use mlsecops_core::{FileReport, FileStatus, Location};
use mlsecops_secrets::{Baseline, BaselineError};

const HF: &str = "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";
const GH: &str = "ghp_k3J9mN2pQ7rS5tV8wX1yZ4aB6cD0eF2gH5iJ";

/// A file report built the way the scan engine does: scan text, place observations.
fn report(path: &str, text: &str) -> FileReport {
    let findings = mlsecops_secrets::scan(text.as_bytes())
        .iter()
        .map(|m| {
            let mut location = Location::file(path);
            location.line = Some(m.line);
            location.column = Some(m.column);
            m.to_observation().into_finding(location)
        })
        .collect();
    FileReport {
        path: path.to_owned(),
        format: "text".to_owned(),
        status: FileStatus::Complete,
        reason: None,
        size: text.len() as u64,
        findings,
    }
}

#[test]
fn baseline_suppresses_known_secrets_and_keeps_new_ones() {
    let before = vec![report("./train.py", &format!("HF_TOKEN = \"{HF}\"\n"))];
    assert_eq!(before[0].findings.len(), 1);
    let baseline = Baseline::from_files(&before);
    assert_eq!(baseline.len(), 1);
    let json = baseline.to_json();
    assert!(!json.contains(HF), "baseline must not store the secret");
    assert!(json.contains(&mlsecops_secrets::sha256_hex(HF.as_bytes())));

    let reloaded = Baseline::parse(&json, ".mlsecops-secrets-baseline.json").expect("round trip");
    assert_eq!(reloaded.results, baseline.results);

    // The known secret moved two lines down and a new one appeared.
    let mut after = vec![report(
        "train.py",
        &format!("import os\n\nHF_TOKEN = \"{HF}\"\nGITHUB_TOKEN = \"{GH}\"\n"),
    )];
    let outcome = reloaded.apply(&mut after);
    assert_eq!(outcome.suppressed, 1);
    assert!(outcome.unused.is_empty());
    assert_eq!(after.len(), 1);
    let rules: Vec<_> = after[0].findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["secret-vcs-token"]);
}

#[test]
fn unused_entries_are_reported_at_the_baseline_file() {
    let before = vec![
        report("a.py", &format!("token = \"{HF}\"\n")),
        report("b.py", &format!("token = \"{GH}\"\n")),
    ];
    let mut baseline = Baseline::from_files(&before);
    baseline.path = "ci/.mlsecops-secrets-baseline.json".to_owned();
    // a.py no longer holds the secret; b.py was not scanned this time.
    let mut after = vec![report("a.py", "token = os.environ[\"HF_TOKEN\"]\n")];
    let outcome = baseline.apply(&mut after);
    assert_eq!(outcome.suppressed, 0);
    assert_eq!(outcome.not_scanned, 1);
    assert_eq!(outcome.unused.len(), 1);
    assert_eq!(outcome.unused[0].0, "a.py");
    let unused = after
        .iter()
        .find(|f| f.path == "ci/.mlsecops-secrets-baseline.json")
        .expect("report for the baseline file");
    assert_eq!(unused.findings.len(), 1);
    assert_eq!(unused.findings[0].rule, "secret-baseline-unused");
    assert_eq!(
        unused.findings[0]
            .evidence
            .get("baselined_path")
            .map(String::as_str),
        Some("a.py")
    );
}

#[test]
fn load_reads_files_and_reports_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("baseline.json");
    std::fs::write(
        &path,
        "{\n  \"version\": 1,\n  \"results\": {\n    \"x.py\": [\n      {\"rule\": \"secret-api-key\", \"secret_sha256\": \"abc\"}\n    ]\n  }\n}\n",
    )
    .expect("write");
    match Baseline::load(&path) {
        Err(BaselineError::Parse { line, message, .. }) => {
            assert_eq!(line, 5, "{message}");
            assert!(message.contains("64 hex digits"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    std::fs::write(&path, "{\"version\": 1, \"results\": {}, \"extra\": 1}").expect("write");
    assert!(matches!(
        Baseline::load(&path),
        Err(BaselineError::Parse { .. })
    ));
    std::fs::write(&path, "{\"version\": 2, \"results\": {}}").expect("write");
    assert!(matches!(
        Baseline::load(&path),
        Err(BaselineError::Parse { .. })
    ));
    assert!(matches!(
        Baseline::load(&dir.path().join("missing.json")),
        Err(BaselineError::Io { .. })
    ));
    std::fs::write(&path, "{\"version\": 1, \"results\": {}}").expect("write");
    assert!(Baseline::load(&path).expect("empty baseline").is_empty());
}
