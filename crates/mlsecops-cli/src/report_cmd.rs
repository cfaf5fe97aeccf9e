//! `mlsecops report`: compliance reports from JSON run reports.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mlsecops_core::ExitCode;
use mlsecops_report::compliance::{self, Input};

/// Largest input document read (JSON reports and BOMs are far smaller).
const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Arguments of `mlsecops report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// JSON documents written by mlsecops: scan reports (`scan -f json`), `CycloneDX` or SPDX 3
    /// BOMs (`bom`), signature bundles (`sign`) and scan attestations (`scan --attest`);
    /// each is recognised by its content.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Framework to assess against: eu-ai-act, nist-ai-rmf, iso-42001, owasp-ml, owasp-llm,
    /// atlas, or all (repeatable).
    #[arg(long, value_name = "ID", default_value = "eu-ai-act")]
    framework: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Html)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Md,
    Json,
}

/// Runs `mlsecops report`.
pub(crate) fn run(args: &ReportArgs) -> Result<ExitCode> {
    let frameworks = compliance::resolve_frameworks(&args.framework)?;
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(MAX_INPUT_BYTES.saturating_add(1))
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_INPUT_BYTES {
            anyhow::bail!(
                "{}: larger than {} MiB",
                path.display(),
                MAX_INPUT_BYTES / 1024 / 1024
            );
        }
        inputs.push(Input::parse(&path.display().to_string(), &bytes)?);
    }
    let date = crate::waivers_cmd::today()?;
    let report = compliance::build(
        &frameworks,
        &inputs,
        env!("CARGO_PKG_VERSION"),
        &date.to_string(),
    );
    let rendered = match args.format {
        ReportFormat::Html => compliance::render_html(&report),
        ReportFormat::Md => compliance::render_markdown(&report),
        ReportFormat::Json => compliance::render_json(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .with_context(|| format!("writing report to {}", path.display()))?,
        None => crate::write_stdout(&rendered)?,
    }
    Ok(ExitCode::Clean)
}
