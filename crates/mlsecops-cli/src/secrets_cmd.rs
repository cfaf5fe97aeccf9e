//! `mlsecops secrets …` (baselines) and `--secrets-baseline` for `mlsecops scan`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mlsecops_core::{ExitCode, FileReport};
use mlsecops_scan::Scanner;
use mlsecops_secrets::Baseline;

/// Secret-baseline flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct BaselineArgs {
    /// Secrets baseline: secrets recorded there (by SHA-256, per file) are not reported, and
    /// entries that match nothing in the scanned files are [default:
    /// .mlsecops-secrets-baseline.json in the current directory, if present].
    #[arg(long, value_name = "FILE", conflicts_with = "no_secrets_baseline")]
    secrets_baseline: Option<PathBuf>,
    /// Apply no secrets baseline.
    #[arg(long)]
    no_secrets_baseline: bool,
}

/// `mlsecops secrets` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SecretsCommand {
    /// Scan PATHs and write a baseline that accepts every secret found (SHA-256 only, never
    /// the secret). Scan later with the same PATH arguments so the file paths match.
    Baseline(BaselineCreateArgs),
}

/// `mlsecops secrets baseline PATH… [-o FILE]`.
#[derive(Debug, clap::Args)]
pub(crate) struct BaselineCreateArgs {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Where to write the baseline.
    #[arg(short, long, value_name = "FILE", default_value = Baseline::DEFAULT_FILE)]
    output: PathBuf,
}

/// Runs `mlsecops secrets …`.
pub(crate) fn run(command: &SecretsCommand) -> Result<ExitCode> {
    match command {
        SecretsCommand::Baseline(args) => {
            let files = Scanner::default().scan_paths(&args.paths, &|_| {});
            let mut baseline = Baseline::from_files(&files);
            baseline.path = args.output.display().to_string();
            write_baseline(&baseline, &args.output)?;
            let files_with_secrets = baseline.results.len();
            writeln!(
                std::io::stderr().lock(),
                "wrote {} ({} secrets in {files_with_secrets} files)",
                args.output.display(),
                baseline.len()
            )
            .ok();
            Ok(ExitCode::Clean)
        }
    }
}

fn write_baseline(baseline: &Baseline, path: &Path) -> Result<()> {
    std::fs::write(path, baseline.to_json())
        .with_context(|| format!("writing secrets baseline {}", path.display()))
}

/// The baseline file to apply: `--secrets-baseline`, else the default file in the current
/// directory if it exists.
fn baseline_file(args: &BaselineArgs) -> Option<PathBuf> {
    if args.no_secrets_baseline {
        return None;
    }
    if let Some(explicit) = &args.secrets_baseline {
        return Some(explicit.clone());
    }
    let default = PathBuf::from(Baseline::DEFAULT_FILE);
    default.is_file().then_some(default)
}

/// Applies the secrets baseline to the scanned files (known secrets are suppressed, unused
/// baseline entries reported).
pub(crate) fn apply_baseline(args: &BaselineArgs, files: &mut Vec<FileReport>) -> Result<()> {
    let Some(path) = baseline_file(args) else {
        return Ok(());
    };
    let baseline = Baseline::load(&path)?;
    let outcome = baseline.apply(files);
    if outcome.suppressed > 0 {
        writeln!(
            std::io::stderr().lock(),
            "secrets baseline {}: {} known secret(s) not reported",
            path.display(),
            outcome.suppressed
        )
        .ok();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsecops_core::{FileStatus, Location};

    fn report(path: &str, text: &str) -> FileReport {
        let findings = mlsecops_secrets::scan(text.as_bytes())
            .iter()
            .map(|m| m.to_observation().into_finding(Location::file(path)))
            .collect();
        FileReport {
            path: path.to_owned(),
            format: "text".to_owned(),
            status: FileStatus::Complete,
            reason: None,
            size: 0,
            findings,
        }
    }

    #[test]
    fn explicit_baseline_suppresses_and_reports_unused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("baseline.json");
        let token = "ghp_k3J9mN2pQ7rS5tV8wX1yZ4aB6cD0eF2gH5iJ";
        let scanned = vec![report("a.py", &format!("t = \"{token}\"\n"))];
        assert_eq!(scanned[0].findings.len(), 1);
        write_baseline(&Baseline::from_files(&scanned), &file).expect("write");

        let args = BaselineArgs {
            secrets_baseline: Some(file.clone()),
            no_secrets_baseline: false,
        };
        let mut again = scanned.clone();
        apply_baseline(&args, &mut again).expect("apply");
        assert!(again[0].findings.is_empty());
        assert_eq!(again.len(), 1);

        let mut cleaned = vec![report("a.py", "t = os.environ['GITHUB_TOKEN']\n")];
        apply_baseline(&args, &mut cleaned).expect("apply");
        assert_eq!(cleaned.len(), 2);
        assert_eq!(cleaned[1].findings[0].rule, "secret-baseline-unused");

        let off = BaselineArgs {
            secrets_baseline: None,
            no_secrets_baseline: true,
        };
        let mut untouched = scanned.clone();
        apply_baseline(&off, &mut untouched).expect("apply");
        assert_eq!(untouched, scanned);
    }

    #[test]
    fn malformed_baseline_is_an_error_with_position() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("baseline.json");
        std::fs::write(&file, "{\"version\": 1,\n \"results\": [}").expect("write");
        let args = BaselineArgs {
            secrets_baseline: Some(file),
            no_secrets_baseline: false,
        };
        let err = apply_baseline(&args, &mut Vec::new()).expect_err("must fail");
        assert!(err.to_string().contains(":2:"), "{err}");
    }
}
