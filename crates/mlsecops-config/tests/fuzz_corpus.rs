//! Replays the fuzz corpus and regressions for the `waivers` target as ordinary tests.

use std::path::Path;

use mlsecops_config::{Config, Date, Waivers};
use mlsecops_core::{FileReport, FileStatus, Finding, Location, ScanReport, Severity, ToolInfo};

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("waivers", |data| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = text.trim().parse::<Date>();
        let _ = Config::from_str(text, Path::new("dir/mlsecops.toml"));
        if let Ok(waivers) = Waivers::from_str(text, Path::new("dir/.mlsecops-waivers.toml")) {
            let files = vec![FileReport {
                path: "dir/models/a.pkl".to_owned(),
                format: "pickle".into(),
                status: FileStatus::Complete,
                reason: None,
                size: 1,
                findings: vec![Finding::new(
                    "pickle-code-execution",
                    "m",
                    Location::file("dir/models/a.pkl"),
                )],
            }];
            let mut report = ScanReport::new(ToolInfo::new("0"), files, Severity::High, false);
            waivers.apply(&mut report, "2026-11-26".parse().expect("date"));
        }
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
