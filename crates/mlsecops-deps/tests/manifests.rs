//! Manifests × the synthetic OSV fixtures: one fixture per format, hostile cases, and the
//! `all.zip` loader.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mlsecops_core::{FormatAnalysis, Observation};
use mlsecops_deps::{
    AdvisoryDb, analyze_manifest, analyze_shell_lines, is_manifest_name, parse_manifest,
};
use sha2::Digest as _;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture_db() -> AdvisoryDb {
    AdvisoryDb::load(&fixtures().join("osv")).unwrap()
}

fn analyze(name: &str, db: &AdvisoryDb, with_dir: bool) -> FormatAnalysis {
    let dir = fixtures().join("manifests");
    let data = std::fs::read(dir.join(name)).unwrap();
    analyze_manifest(name, &data, with_dir.then_some(dir.as_path()), db).unwrap()
}

fn ev<'a>(o: &'a Observation, key: &str) -> &'a str {
    o.evidence.get(key).map_or("", String::as_str)
}

/// (rule, package, line, file) of every observation.
fn summary(a: &FormatAnalysis) -> BTreeSet<(String, String, String, String)> {
    a.observations
        .iter()
        .map(|o| {
            (
                o.rule.to_owned(),
                ev(o, "package").to_owned(),
                ev(o, "line").to_owned(),
                ev(o, "file").to_owned(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, &str, &str)]) -> BTreeSet<(String, String, String, String)> {
    items
        .iter()
        .map(|(a, b, c, d)| {
            (
                (*a).to_owned(),
                (*b).to_owned(),
                (*c).to_owned(),
                (*d).to_owned(),
            )
        })
        .collect()
}

fn find<'a>(a: &'a FormatAnalysis, rule: &str, package: &str) -> &'a Observation {
    a.observations
        .iter()
        .find(|o| o.rule == rule && ev(o, "package") == package)
        .unwrap_or_else(|| panic!("no {rule} for {package}: {:#?}", a.observations))
}

#[test]
fn every_rule_is_registered() {
    let db = fixture_db();
    let mut seen = BTreeSet::new();
    for name in [
        "requirements.txt",
        "hostile-requirements.txt",
        "pyproject.toml",
        "environment.yml",
        "pylock.toml",
    ] {
        for o in analyze(name, &db, true).observations {
            assert!(
                mlsecops_core::rule(o.rule).is_some(),
                "{} not in the registry",
                o.rule
            );
            seen.insert(o.rule);
        }
    }
    assert!(seen.len() >= 9, "{seen:?}");
}

#[test]
fn db_from_directory_counts_records() {
    let db = fixture_db();
    let info = db.info();
    assert_eq!(info.records, 14);
    assert_eq!(info.withdrawn, 1);
    assert_eq!(info.indexed, 13);
    assert_eq!(info.errors, 0);
    assert_eq!(info.modified.as_deref(), Some("2099-03-04T05:06:07Z"));
    assert_eq!(
        info.skipped_ranges, 1,
        "PYSEC-2099-11's range has a non-PEP 440 event"
    );
    assert_eq!(info.sha256.len(), 64);
    assert!(db.for_package("withdrawn-pkg").next().is_none());
    assert!(
        db.for_package("npm-only-pkg").next().is_none(),
        "npm entries are not PyPI"
    );
    assert_eq!(
        db.for_package("fix-pkg").count(),
        2,
        "fix_pkg normalised to fix-pkg"
    );
}

/// A stored (uncompressed) ZIP of the fixture records, like the OSV `all.zip` export.
fn build_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = u32::try_from(out.len()).unwrap();
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).unwrap();
        let name_len = u16::try_from(name.len()).unwrap();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).unwrap();
    let count = u16::try_from(files.len()).unwrap();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&u32::try_from(central.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn all_zip_loads_like_the_directory() {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixtures().join("osv"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let zip = build_zip(&files);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("all.zip");
    std::fs::write(&path, &zip).unwrap();
    let db = AdvisoryDb::load(&path).unwrap();
    let dir_db = fixture_db();
    assert_eq!(db.info().indexed, dir_db.info().indexed);
    assert_eq!(db.info().withdrawn, 1);
    assert_eq!(db.info().modified, dir_db.info().modified);
    let expected = sha2::Sha256::digest(&zip)
        .iter()
        .fold(String::new(), |mut acc, b| {
            let _ = write!(acc, "{b:02x}");
            acc
        });
    assert_eq!(db.info().sha256, expected);
    assert!(db.info().label().contains(&expected));
    // Same findings through the ZIP as through the directory.
    assert_eq!(
        summary(&analyze("requirements.txt", &db, true)),
        summary(&analyze("requirements.txt", &dir_db, true))
    );
    // A corrupt record is counted, not fatal.
    files.push(("broken.json".into(), b"{not json".to_vec()));
    let db = AdvisoryDb::from_bytes("x.zip", &build_zip(&files)).unwrap();
    assert_eq!(db.info().errors, 1);
    assert!(db.info().error_samples[0].starts_with("broken.json"));
}

#[test]
fn requirements_pins_ranges_includes() {
    let db = fixture_db();
    let a = analyze("requirements.txt", &db, true);
    let base = "base-requirements.txt";
    assert_eq!(
        summary(&a),
        set(&[
            ("dep-vulnerable", "cvss-pkg", "1", base),
            ("dep-include-error", "", "4", base),
            ("dep-vulnerable", "fix-pkg", "3", ""),
            ("dep-vulnerable", "last-pkg", "4", ""),
            ("dep-vulnerable", "local-pkg", "5", ""),
            ("dep-vulnerable", "pre-pkg", "6", ""),
            ("dep-vulnerable", "versions-pkg", "7", ""),
            ("dep-unparseable-version", "legacy-pkg", "8", ""),
            ("dep-vulnerable", "legacy-pkg", "8", ""),
            ("dep-range-admits-vulnerable", "semver-pkg", "12", ""),
            ("dep-malicious-package", "evil-pkg", "15", ""),
            ("dep-typosquat", "trasnformers", "16", ""),
        ])
    );
    assert_eq!(a.incomplete, None, "a loop adds nothing: still complete");
    // Aliases merged into one finding, GHSA preferred, fixed version and severity reported.
    let fix = find(&a, "dep-vulnerable", "fix-pkg");
    assert_eq!(ev(fix, "advisory"), "GHSA-aaaa-0001-0001");
    assert_eq!(ev(fix, "aliases"), "CVE-2099-0001, PYSEC-2099-1");
    assert_eq!(ev(fix, "fixed"), "1.5");
    assert_eq!(ev(fix, "severity"), "high");
    assert_eq!(fix.offset, Some(u64::try_from("# Pins and ranges against the synthetic OSV fixtures (tests/fixtures/osv).\n-r base-requirements.txt\n".len()).unwrap()));
    let last = find(&a, "dep-vulnerable", "last-pkg");
    assert_eq!(ev(last, "severity"), "critical");
    assert!(last.message.contains("no fixed version"));
    assert_eq!(
        ev(find(&a, "dep-vulnerable", "pre-pkg"), "fixed"),
        "2.0.0rc2"
    );
    assert_eq!(
        ev(find(&a, "dep-vulnerable", "cvss-pkg"), "severity"),
        "medium",
        "from the CVSS vector"
    );
    let range = find(&a, "dep-range-admits-vulnerable", "semver-pkg");
    assert_eq!(
        ev(range, "severity"),
        "low",
        "range finding is one step below the advisory"
    );
    assert_eq!(ev(range, "fixed"), "1.2.0");
    assert!(ev(find(&a, "dep-vulnerable", "cvss-pkg"), "db").contains("records"));
    assert_eq!(
        ev(find(&a, "dep-typosquat", "trasnformers"), "imitates"),
        "transformers"
    );
}

#[test]
fn without_a_directory_includes_make_the_file_incomplete() {
    let db = fixture_db();
    let a = analyze("requirements.txt", &db, false);
    assert!(a.incomplete.is_some());
    assert!(summary(&a).contains(&(
        "dep-include-error".into(),
        String::new(),
        "2".into(),
        String::new()
    )));
    assert!(!summary(&a).iter().any(|s| s.1 == "cvss-pkg"));
}

#[test]
fn hostile_requirements_crlf_bom_credentials() {
    let db = fixture_db();
    let a = analyze("hostile-requirements.txt", &db, true);
    assert_eq!(
        summary(&a),
        set(&[
            ("dep-index-credentials", "", "2", ""),
            ("dep-extra-index-url", "", "2", ""),
            ("dep-index-credentials", "", "3", ""),
            ("dep-index-credentials", "", "4", ""),
            ("dep-vulnerable", "window-pkg", "5", ""),
            ("dep-include-error", "", "7", ""),
            ("dep-include-error", "", "8", ""),
            ("dep-manifest-malformed", "", "9", ""),
        ])
    );
    assert!(a.incomplete.is_some());
    for o in &a.observations {
        let text = format!("{} {:?}", o.message, o.evidence);
        for secret in ["hunter2", "ghp_0123456789", "glpat-", "PIP_TOKEN}:"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    // Offsets count the BOM and CRLF bytes of the file.
    let data = std::fs::read(fixtures().join("manifests/hostile-requirements.txt")).unwrap();
    let line2 = data.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let extra = find_rule(&a, "dep-extra-index-url");
    assert_eq!(extra.offset, Some(u64::try_from(line2).unwrap()));
    assert!(data[line2..].starts_with(b"--extra-index-url"));
}

fn find_rule<'a>(a: &'a FormatAnalysis, rule: &str) -> &'a Observation {
    a.observations.iter().find(|o| o.rule == rule).unwrap()
}

#[test]
fn pyproject_pep621_groups_poetry() {
    let db = fixture_db();
    let a = analyze("pyproject.toml", &db, false);
    assert_eq!(
        summary(&a),
        set(&[
            ("dep-range-admits-vulnerable", "fix-pkg", "5", ""),
            ("dep-vulnerable", "window-pkg", "6", ""),
            ("dep-typosquat", "numpyy", "7", ""),
            ("dep-vulnerable", "local-pkg", "11", ""),
            ("dep-vulnerable", "epoch-pkg", "14", ""),
            ("dep-range-admits-vulnerable", "last-pkg", "19", ""),
            ("dep-range-admits-vulnerable", "semver-pkg", "20", ""),
            ("dep-index-credentials", "", "21", ""),
            ("dep-vulnerable", "cvss-pkg", "24", ""),
        ])
    );
    // `>=1.0,<1.3` only admits affected versions: full advisory severity.
    let fix = find(&a, "dep-range-admits-vulnerable", "fix-pkg");
    assert_eq!(ev(fix, "severity"), "high");
    assert!(
        fix.message
            .contains("every version the specifier allows is affected")
    );
    // Poetry `^0.2.40` = `>=0.2.40,<0.3` admits safe 0.2.72+: one step lower.
    assert_eq!(
        ev(
            find(&a, "dep-range-admits-vulnerable", "last-pkg"),
            "severity"
        ),
        "high"
    );
    assert_eq!(
        ev(
            find(&a, "dep-range-admits-vulnerable", "last-pkg"),
            "specifier"
        ),
        ">=0.2.40,<0.3"
    );
    let parsed = parse_manifest(
        "pyproject.toml",
        &std::fs::read(fixtures().join("manifests/pyproject.toml")).unwrap(),
        None,
    )
    .unwrap();
    let groups: BTreeSet<_> = parsed
        .dependencies
        .iter()
        .filter_map(|d| d.group.clone())
        .collect();
    assert_eq!(
        groups,
        ["dev", "lint", "optional:gpu", "test"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    );
}

#[test]
fn lockfiles() {
    let db = fixture_db();
    assert_eq!(
        summary(&analyze("poetry.lock", &db, false)),
        set(&[
            ("dep-vulnerable", "fix-pkg", "4", ""),
            ("dep-index-credentials", "", "22", "")
        ])
    );
    assert_eq!(
        summary(&analyze("uv.lock", &db, false)),
        set(&[("dep-vulnerable", "window-pkg", "21", "")])
    );
    assert_eq!(
        summary(&analyze("Pipfile.lock", &db, false)),
        set(&[
            ("dep-vulnerable", "versions-pkg", "11", ""),
            ("dep-vulnerable", "epoch-pkg", "16", "")
        ])
    );
    assert_eq!(
        summary(&analyze("pylock.toml", &db, false)),
        set(&[
            ("dep-vulnerable", "semver-pkg", "7", ""),
            ("dep-vulnerable", "limit-pkg", "13", ""),
            ("dep-index-credentials", "", "19", ""),
        ])
    );
}

#[test]
fn conda_environment_maps_names() {
    let a = analyze("environment.yml", &fixture_db(), true);
    assert_eq!(
        summary(&a),
        set(&[
            ("dep-index-credentials", "", "4", ""),
            ("dep-vulnerable", "fix-pkg", "14", ""),
            ("dep-extra-index-url", "", "15", ""),
        ])
    );
    // Against the seed set: conda `pytorch` is matched as PyPI `torch`, labelled as mapped.
    let seed = analyze("environment.yml", &AdvisoryDb::seed(), true);
    let torch: Vec<_> = seed
        .observations
        .iter()
        .filter(|o| ev(o, "package") == "torch")
        .collect();
    // CVE-2025-32434 (< 2.6.0) applies; CVE-2022-45907 (fixed in 1.13.1) does not.
    assert_eq!(torch.len(), 1, "{torch:#?}");
    assert_eq!(ev(torch[0], "advisory"), "GHSA-53q9-r3pm-6pq6");
    assert!(
        torch
            .iter()
            .all(|o| ev(o, "ecosystem") == "conda (mapped)" && ev(o, "conda_package") == "pytorch")
    );
    assert!(torch.iter().all(|o| ev(o, "line") == "8"));
    let mlflow = find(&seed, "dep-vulnerable", "mlflow");
    assert_eq!(ev(mlflow, "advisory"), "PYSEC-2023-28");
    assert!(ev(mlflow, "db").contains("seed"));
}

#[test]
fn notebook_shell_lines() {
    let db = fixture_db();
    let lines = vec![
        (
            3,
            "!pip install -q fix-pkg==1.2.0 'semver-pkg>=1.0'".to_owned(),
        ),
        (4, "x = 1".to_owned()),
        (
            9,
            "%pip install --extra-index-url https://u:p@idx.example/simple evil-pkg".to_owned(),
        ),
        (
            12,
            "!conda install -y -c conda-forge pytorch=2.1.0=py3.10_0".to_owned(),
        ),
    ];
    let obs = analyze_shell_lines(&lines, &db);
    let got: BTreeSet<_> = obs
        .iter()
        .map(|o| {
            (
                o.rule,
                ev(o, "package").to_owned(),
                ev(o, "line").to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<_> = [
        ("dep-vulnerable", "fix-pkg", "3"),
        ("dep-range-admits-vulnerable", "semver-pkg", "3"),
        ("dep-index-credentials", "", "9"),
        ("dep-extra-index-url", "", "9"),
        ("dep-malicious-package", "evil-pkg", "9"),
    ]
    .iter()
    .map(|(r, p, l)| (*r, (*p).to_owned(), (*l).to_owned()))
    .collect();
    assert_eq!(got, want);
    let seed = analyze_shell_lines(&lines, &AdvisoryDb::seed());
    assert!(seed.iter().any(|o| o.rule == "dep-vulnerable"
        && ev(o, "package") == "torch"
        && ev(o, "line") == "12"));
}

#[test]
fn names_and_malformed_files() {
    assert!(is_manifest_name("requirements-dev.txt"));
    assert!(is_manifest_name("uv.lock"));
    assert!(!is_manifest_name("model.safetensors"));
    assert!(analyze_manifest("model.bin", b"", None, &AdvisoryDb::empty()).is_none());
    let bad = analyze_manifest(
        "pyproject.toml",
        b"[project]\ndependencies = [\n  \"a\",\n  oops\n]\n",
        None,
        &AdvisoryDb::empty(),
    )
    .unwrap();
    assert!(bad.incomplete.is_some());
    assert_eq!(bad.observations[0].rule, "dep-manifest-malformed");
    assert_eq!(ev(&bad.observations[0], "line"), "4");
    let json = analyze_manifest(
        "Pipfile.lock",
        b"{\n\"default\": [\n",
        None,
        &AdvisoryDb::empty(),
    )
    .unwrap();
    assert!(json.incomplete.is_some());
    let yaml = analyze_manifest(
        "environment.yml",
        b"dependencies:\n  - [a\n",
        None,
        &AdvisoryDb::empty(),
    )
    .unwrap();
    assert!(yaml.incomplete.is_some());
    let binary = analyze_manifest(
        "requirements.txt",
        &[0xff, 0xfe, 0x00],
        None,
        &AdvisoryDb::empty(),
    )
    .unwrap();
    assert!(binary.incomplete.is_some());
}

#[test]
fn seed_set_flags_known_ml_cves() {
    let db = AdvisoryDb::seed();
    let req = b"torch==2.5.1+cu121\nllama-cpp-python==0.2.71\nllama_cpp_python==0.2.72\ntorch==2.6.0\ngradio==3.13.0\npillow>=9,<10\n";
    let a = analyze_manifest("requirements.txt", req, None, &db).unwrap();
    let got: BTreeSet<_> = a
        .observations
        .iter()
        .map(|o| {
            (
                o.rule,
                ev(o, "package").to_owned(),
                ev(o, "line").to_owned(),
                ev(o, "advisory").to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<_> = [
        ("dep-vulnerable", "torch", "1", "GHSA-53q9-r3pm-6pq6"),
        (
            "dep-vulnerable",
            "llama-cpp-python",
            "2",
            "GHSA-56xg-wfcc-g829",
        ),
        ("dep-vulnerable", "gradio", "5", "GHSA-3x5j-9vwr-8rr5"),
        (
            "dep-range-admits-vulnerable",
            "pillow",
            "6",
            "PYSEC-2023-227",
        ),
    ]
    .iter()
    .map(|(r, p, l, i)| (*r, (*p).to_owned(), (*l).to_owned(), (*i).to_owned()))
    .collect();
    assert_eq!(got, want);
    let llama = find(&a, "dep-vulnerable", "llama-cpp-python");
    assert_eq!(ev(llama, "severity"), "critical");
    assert_eq!(ev(llama, "aliases"), "CVE-2024-34359");
    assert!(ev(llama, "db").starts_with("built-in seed set"));
}

/// Real `uv lock` / `uv export` outputs (tests/fixtures/real-uv/generate.sh, uv 0.13.9).
#[test]
fn real_uv_outputs() {
    let dir = fixtures().join("real-uv");
    let db = AdvisoryDb::seed();
    for name in ["uv.lock", "pylock.toml", "requirements.txt"] {
        let data = std::fs::read(dir.join(name)).unwrap();
        let parsed = parse_manifest(name, &data, Some(&dir)).unwrap();
        let names: Vec<_> = parsed
            .dependencies
            .iter()
            .map(|d| d.normalized_name.as_str())
            .collect();
        assert_eq!(
            names,
            ["pillow"],
            "{name}: the project itself is not a dependency"
        );
        assert_eq!(
            parsed.dependencies[0].version.as_deref(),
            Some("9.5.0"),
            "{name}"
        );
        assert!(parsed.dependencies[0].hashes > 10, "{name}");
        let a = analyze_manifest(name, &data, Some(&dir), &db).unwrap();
        assert_eq!(a.incomplete, None, "{name}");
        let v = find(&a, "dep-vulnerable", "pillow");
        assert_eq!(ev(v, "advisory"), "PYSEC-2023-227", "{name}");
        assert_eq!(ev(v, "fixed"), "10.0.0", "{name}");
        let line: usize = ev(v, "line").parse().unwrap();
        let text = String::from_utf8(data).unwrap();
        assert!(
            text.lines().nth(line - 1).unwrap().contains("pillow"),
            "{name} line {line}"
        );
    }
}

#[test]
fn includes_stay_inside_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("a").join("project");
    let reqs = project.join("requirements");
    std::fs::create_dir_all(&reqs).unwrap();
    std::fs::write(tmp.path().join("outside.txt"), "secret-line-content\n").unwrap();
    std::fs::write(project.join("base.txt"), "fix-pkg==1.2.0\n").unwrap();
    let top = "-r ../base.txt\n-r ../../../outside.txt\n-r sub/deep.txt\n";
    std::fs::create_dir_all(reqs.join("sub")).unwrap();
    std::fs::write(
        reqs.join("sub/deep.txt"),
        "-r ../dev-requirements.txt\nwindow-pkg==2.0.0\n",
    )
    .unwrap();
    std::fs::write(reqs.join("dev-requirements.txt"), top).unwrap();
    let a = analyze_manifest(
        "dev-requirements.txt",
        top.as_bytes(),
        Some(&reqs),
        &fixture_db(),
    )
    .unwrap();
    let got = summary(&a);
    assert!(
        got.contains(&(
            "dep-vulnerable".into(),
            "fix-pkg".into(),
            "1".into(),
            "../base.txt".into()
        )),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|s| s.1 == "window-pkg" && s.3 == "sub/deep.txt"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|s| s.0 == "dep-include-error" && s.2 == "2" && s.3.is_empty()),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|s| s.0 == "dep-include-error" && s.2 == "1" && s.3 == "sub/deep.txt"),
        "loop back to the top file: {got:?}"
    );
    assert!(
        a.observations
            .iter()
            .all(|o| !o.message.contains("secret-line-content"))
    );
}

#[test]
fn unparseable_versions_are_reported_without_advisories() {
    let a = analyze_manifest(
        "requirements.txt",
        b"oldpkg==2004d\nbadspec>=banana\nfine==1.0\n",
        None,
        &AdvisoryDb::empty(),
    )
    .unwrap();
    assert_eq!(
        summary(&a),
        set(&[
            ("dep-unparseable-version", "oldpkg", "1", ""),
            ("dep-unparseable-version", "badspec", "2", ""),
        ])
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let deep_toml = format!("x = {}", "[".repeat(200_000));
    let deep_json = "[".repeat(200_000);
    let deep_yaml = format!("dependencies: {}", "[".repeat(200_000));
    for (name, data) in [
        ("pyproject.toml", deep_toml.as_bytes()),
        ("uv.lock", deep_toml.as_bytes()),
        ("Pipfile.lock", deep_json.as_bytes()),
        ("environment.yml", deep_yaml.as_bytes()),
    ] {
        let a = analyze_manifest(name, data, None, &AdvisoryDb::empty()).unwrap();
        assert!(a.incomplete.is_some(), "{name}");
    }
}
