#![no_main]
//! Fuzz every dependency-manifest parser (requirements, pyproject, poetry/uv/Pipfile/pylock
//! lockfiles, conda environment files, notebook shell lines) and the OSV record parser with
//! the same bytes. The first byte picks nothing: every parser sees every input.
use libfuzzer_sys::fuzz_target;
use mlsecops_deps::{AdvisoryDb, analyze_manifest, analyze_shell_lines, osv::parse_record};

const NAMES: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pylock.toml",
    "environment.yml",
];

static DB: std::sync::OnceLock<AdvisoryDb> = std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let db = DB.get_or_init(AdvisoryDb::seed);
    for name in NAMES {
        let _ = analyze_manifest(name, data, None, db);
    }
    let _ = parse_record(data);
    let _ = AdvisoryDb::from_bytes("fuzz", data);
    let text = String::from_utf8_lossy(data);
    let lines: Vec<(u32, String)> = text
        .lines()
        .take(256)
        .enumerate()
        .map(|(i, l)| (u32::try_from(i).unwrap_or(0), l.to_owned()))
        .collect();
    let _ = analyze_shell_lines(&lines, db);
    for line in text.lines().take(64) {
        let _ = mlsecops_deps::pep::parse_requirement(line);
        let _ = mlsecops_deps::pep::spec_info(line);
        let _ = mlsecops_deps::conda::parse_matchspec(line);
        let _ = mlsecops_deps::typosquat::typosquat_target(line);
    }
});
