#![no_main]
//! Fuzz the waiver-file parser (`.mlsecops-waivers.toml`), the `[[waiver]]` tables of
//! `mlsecops.toml`, date parsing, and applying parsed waivers to a small report.
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mlsecops_config::{Config, Date, Waivers};
use mlsecops_core::{FileReport, FileStatus, Finding, Location, ScanReport, Severity, ToolInfo};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = text.trim().parse::<Date>();
    let _ = Config::from_str(text, Path::new("dir/mlsecops.toml"));
    if let Ok(waivers) = Waivers::from_str(text, Path::new("dir/.mlsecops-waivers.toml")) {
        let files = ["dir/models/a.pkl", "other/b.pkl", "./dir/c/d.pt"]
            .iter()
            .map(|p| FileReport {
                path: (*p).to_owned(),
                format: "pickle".into(),
                status: FileStatus::Complete,
                reason: None,
                size: 1,
                findings: vec![Finding::new(
                    "pickle-code-execution",
                    "m",
                    Location::file(*p),
                )],
            })
            .collect();
        let mut report = ScanReport::new(ToolInfo::new("0"), files, Severity::High, false);
        for today in ["1970-01-01", "2026-11-26", "9999-12-31"] {
            if let Ok(day) = today.parse::<Date>() {
                waivers.apply(&mut report, day);
            }
        }
        report.refresh_summary();
    }
});
