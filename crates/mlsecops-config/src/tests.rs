#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_core::{FileReport, FileStatus, Finding, Location, Severity};

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new("dir/mlsecops.toml"))
}

/// Returns (line, column, message, snippet) of an `Invalid` error.
fn invalid(text: &str) -> (usize, usize, String, String) {
    match parse(text).unwrap_err() {
        ConfigError::Invalid {
            line,
            column,
            message,
            snippet,
            ..
        } => (line, column, message, snippet),
        other @ ConfigError::Io { .. } => panic!("unexpected {other}"),
    }
}

#[test]
fn full_config_parses() {
    let config = parse(
        r#"waivers = "w.toml"
[scan]
fail_on = "medium"
strict = true
exclude = ["vendor", "tests/**/*.pkl"]
max_depth = 3

[rules."pickle-unknown-global"]
severity = "low"

[rules]
"zip-crc-mismatch" = { enabled = false }

[policy]
paths = ["policies"]

[advisories]
source = "osv"
"#,
    )
    .unwrap();
    assert_eq!(config.base_dir, Path::new("dir"));
    assert_eq!(config.scan.fail_on, Some(Severity::Medium));
    assert_eq!(config.scan.strict, Some(true));
    assert_eq!(config.scan.max_depth, Some(3));
    assert_eq!(
        config.rules["pickle-unknown-global"].severity,
        Some(Severity::Low)
    );
    assert!(!config.rule_enabled("zip-crc-mismatch"));
    assert!(config.rule_enabled("pickle-code-execution"));
    assert_eq!(config.policy.paths, vec![PathBuf::from("policies")]);
    assert_eq!(config.advisories.source.as_deref(), Some("osv"));
    assert_eq!(config.waivers, Some(PathBuf::from("w.toml")));
    assert_eq!(config.resolve(Path::new("w.toml")), Path::new("dir/w.toml"));
}

#[test]
fn unknown_key_points_at_the_key() {
    let (line, column, message, snippet) = invalid("[scan]\nstrict = true\n  fial_on = \"high\"\n");
    assert_eq!((line, column), (3, 3), "{message}");
    assert!(message.contains("fial_on"), "{message}");
    assert_eq!(snippet, "  |\n3 |   fial_on = \"high\"\n  |   ^^^^^^^");
    let err = parse("[scan]\nstrict = true\n  fial_on = \"high\"\n").unwrap_err();
    assert!(
        err.to_string().starts_with("dir/mlsecops.toml:3:3: "),
        "{err}"
    );

    let (line, column, message, _) = invalid("\n[sacn]\n");
    assert_eq!((line, column), (2, 2), "{message}");
    assert!(message.contains("sacn"), "{message}");
}

#[test]
fn bad_severity_points_at_the_value() {
    let (line, column, message, snippet) = invalid("[scan]\nfail_on = \"severe\"\n");
    assert_eq!((line, column), (2, 11));
    assert!(message.contains("unknown severity `severe`"), "{message}");
    assert!(snippet.ends_with("          ^^^^^^^^"), "{snippet}");

    let (line, column, message, _) =
        invalid("[rules.\"pickle-code-execution\"]\nseverity = \"hgh\"\n");
    assert_eq!((line, column), (2, 12));
    assert!(message.contains("`hgh`"), "{message}");
}

#[test]
fn wrong_types_are_errors() {
    let (line, column, _, _) = invalid("[scan]\nstrict = \"yes\"\n");
    assert_eq!((line, column), (2, 10));
    let (line, _, _, _) = invalid("[scan]\nmax_depth = -1\n");
    assert_eq!(line, 2);
    let (line, column, _, _) = invalid("[scan]\nfail_on = \n");
    assert_eq!((line, column), (2, 11));
}

#[test]
fn unknown_rule_id_points_at_the_id() {
    let (line, column, message, _) = invalid(
        "[rules]\n\"pickle-code-execution\" = { severity = \"low\" }\n\"no-such-rule\" = { enabled = false }\n",
    );
    assert_eq!((line, column), (3, 1), "{message}");
    assert!(
        message.contains("unknown rule id `no-such-rule`"),
        "{message}"
    );

    let (line, column, message, _) = invalid("[rules.\"bogus\"]\nenabled = false\n");
    assert_eq!((line, column), (1, 8), "{message}");
    let (line, _, message, _) = invalid("[rules.\"pickle-code-execution\"]\nenabld = false\n");
    assert_eq!(line, 2, "{message}");
}

#[test]
fn glob_errors_point_at_the_pattern() {
    let (line, column, message, _) = invalid("[scan]\nexclude = [\"ok/**\", \"bad[\"]\n");
    assert_eq!((line, column), (2, 21), "{message}");
    assert!(message.contains("invalid exclude glob `bad[`"), "{message}");
    let (_, _, message, _) = invalid("[scan]\nexclude = [\"{a,\"]\n");
    assert!(message.contains("invalid exclude glob"), "{message}");
    let (_, _, message, _) = invalid("[scan]\nexclude = [\"/\"]\n");
    assert!(message.contains("empty exclude pattern"), "{message}");
}

#[test]
fn template_parses_to_the_defaults() {
    let config = Config::from_str(DEFAULT_TEMPLATE, Path::new(FILE_NAME)).unwrap();
    assert_eq!(config, Config::default());
    // Every commented setting is valid once uncommented.
    let uncommented: String = DEFAULT_TEMPLATE
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::from_str(&uncommented, Path::new(FILE_NAME)).unwrap();
    assert_eq!(config.scan.fail_on, Some(Severity::High));
    assert_eq!(config.scan.strict, Some(false));
    assert_eq!(config.scan.max_depth, Some(5));
    assert_eq!(config.rules.len(), 2);
    assert!(config.waivers.is_some());
    assert!(!config.policy.paths.is_empty());
    assert!(config.advisories.source.is_some());
}

#[test]
fn excludes_are_gitignore_like() {
    let config = parse(
        "[scan]\nexclude = [\"vendor\", \"*.bak\", \"tests/*.pkl\", \"/top.pt\", \"data/\"]\n",
    )
    .unwrap();
    let excluded = |p: &str| config.is_excluded(Path::new(p));
    // Relative to the config's directory (`dir`).
    assert!(excluded("dir/vendor/a.pkl"));
    assert!(excluded("dir/a/vendor/b/c.pkl"));
    assert!(excluded("dir/x/y.bak"));
    assert!(excluded("dir/tests/a.pkl"));
    assert!(!excluded("dir/tests/sub/a.pkl"));
    assert!(excluded("dir/top.pt"));
    assert!(!excluded("dir/sub/top.pt"));
    assert!(excluded("./dir/data/x.npy"));
    assert!(!excluded("dir/model.pkl"));
    assert!(!excluded("dir/vendored.pkl"));
    // Outside the config's directory: the path as given.
    assert!(excluded("elsewhere/vendor/a.pkl"));
    assert!(!excluded("elsewhere/a.pkl"));
    assert!(!Config::default().is_excluded(Path::new("x.bak")));
}

fn file(findings: &[(&str, Severity)]) -> FileReport {
    FileReport {
        path: "m.pkl".to_owned(),
        format: "pickle".to_owned(),
        status: FileStatus::Complete,
        reason: None,
        size: 1,
        findings: findings
            .iter()
            .map(|(rule, sev)| Finding::new(rule, "m", Location::file("m.pkl")).with_severity(*sev))
            .collect(),
    }
}

#[test]
fn apply_overrides_and_disables() {
    let config = parse(
        "[rules]\n\"pickle-code-execution\" = { severity = \"low\" }\n\"pickle-unknown-global\" = { enabled = false }\n",
    )
    .unwrap();
    let mut files = vec![file(&[
        ("pickle-code-execution", Severity::Critical),
        ("pickle-unknown-global", Severity::High),
        ("pickle-dynamic-call", Severity::High),
    ])];
    config.apply(&mut files);
    let got: Vec<(&str, Severity)> = files[0]
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity))
        .collect();
    assert_eq!(
        got,
        vec![
            ("pickle-code-execution", Severity::Low),
            ("pickle-dynamic-call", Severity::High)
        ]
    );
    // The replaced severity is kept so reports can say the config decided it.
    let defaults: Vec<Option<Severity>> = files[0]
        .findings
        .iter()
        .map(|f| f.default_severity)
        .collect();
    assert_eq!(defaults, [Some(Severity::Critical), None]);
}

#[test]
fn inline_waivers_in_the_config() {
    let config = parse(
        "waivers = \"w.toml\"\n[[waiver]]\nrule = \"*\"\npath = \"a/**\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2030-01-01\"\n",
    )
    .unwrap();
    assert_eq!(config.inline_waivers.len(), 1);
    assert!(config.inline_waivers[0].id.ends_with("mlsecops.toml:2"));
    let err = parse("[[waiver]]\nrule = \"*\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"tomorrow\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mlsecops.toml:6:11: invalid date `tomorrow`"),
        "{err}"
    );
}

#[test]
fn discovery_walks_up_and_stops_at_git() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let deep = repo.join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::write(deep.join("m.pkl"), b"x").unwrap();
    // Above the repository root: never found.
    std::fs::write(tmp.path().join(FILE_NAME), "").unwrap();
    assert_eq!(discover(&deep.join("m.pkl")), None);
    assert_eq!(discover(&deep), None);
    // At the repository root (checked before stopping).
    std::fs::write(repo.join(FILE_NAME), "").unwrap();
    assert_eq!(discover(&deep.join("m.pkl")), Some(repo.join(FILE_NAME)));
    // Nearest wins; a file's own directory is searched.
    std::fs::write(deep.join(FILE_NAME), "").unwrap();
    assert_eq!(discover(&deep.join("m.pkl")), Some(deep.join(FILE_NAME)));
    assert_eq!(discover(&deep), Some(deep.join(FILE_NAME)));
    // Without a .git boundary the walk continues upward.
    let plain = tmp.path().join("plain/x");
    std::fs::create_dir_all(&plain).unwrap();
    assert_eq!(discover(&plain), Some(tmp.path().join(FILE_NAME)));
}

#[test]
fn load_reports_io_errors_and_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    assert!(matches!(Config::load(&path), Err(ConfigError::Io { .. })));
    std::fs::write(&path, "[scan]\nfail_on = \"nope\"\n").unwrap();
    let err = Config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("mlsecops.toml:2:11: unknown severity"),
        "{err}"
    );
}
