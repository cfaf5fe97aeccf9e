//! Replays the fuzz corpus and regressions for the `deps_manifests` target as ordinary tests.

use mlsecops_deps::{AdvisoryDb, analyze_manifest, analyze_shell_lines, osv::parse_record};

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let db = AdvisoryDb::seed();
    let corpus = mlsecops_testkit::replay_fuzz_target("deps_manifests", |data| {
        for name in [
            "requirements.txt",
            "pyproject.toml",
            "poetry.lock",
            "uv.lock",
            "Pipfile.lock",
            "pylock.toml",
            "environment.yml",
        ] {
            let _ = analyze_manifest(name, data, None, &db);
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
        let _ = analyze_shell_lines(&lines, &db);
        for line in text.lines().take(64) {
            let _ = mlsecops_deps::pep::parse_requirement(line);
            let _ = mlsecops_deps::pep::spec_info(line);
            let _ = mlsecops_deps::conda::parse_matchspec(line);
            let _ = mlsecops_deps::typosquat::typosquat_target(line);
        }
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
