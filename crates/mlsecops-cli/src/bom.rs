//! `mlsecops bom`: `CycloneDX` ML-BOM (or SPDX 3.0.1 JSON-LD) of a model file or directory.
// Doc comments here are `--help` text, where backticks around product names would show.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mlsecops_bom::{BomOptions, SpecVersion};
use mlsecops_core::ExitCode;

pub(crate) const BOM_HELP: &str = "Exit codes:
  0  BOM written
  3  usage error or fatal error (input unreadable, output not writable)

Examples:
  mlsecops bom ./my-model > bom.cdx.json
  mlsecops bom model.gguf --output model.cdx.json
  mlsecops bom ./repo --spec 1.7 --deterministic
  mlsecops bom ./my-model --format spdx3 --deterministic > model.spdx3.json

With --format spdx3 --deterministic, CreationInfo.created is SOURCE_DATE_EPOCH when set,
else 1970-01-01T00:00:00Z.";

/// Arguments of `mlsecops bom`.
#[derive(Debug, clap::Args)]
pub(crate) struct BomArgs {
    /// Model file or directory (Hugging Face repository, MLflow model, folder of models).
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Write the BOM to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format: CycloneDX JSON, or SPDX 3.0.1 JSON-LD with the AI and Dataset profiles.
    #[arg(long, value_enum, default_value_t = Format::Cyclonedx)]
    format: Format,
    /// CycloneDX specification version.
    #[arg(long, value_enum, default_value_t = Spec::V1_6)]
    spec: Spec,
    /// Reproducible output: no timestamp, serial number derived from the content.
    #[arg(long)]
    deterministic: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// CycloneDX JSON (`--spec` picks the version).
    Cyclonedx,
    /// SPDX 3.0.1 JSON-LD.
    Spdx3,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Spec {
    #[value(name = "1.6")]
    V1_6,
    #[value(name = "1.7")]
    V1_7,
}

pub(crate) fn run(args: &BomArgs) -> Result<ExitCode> {
    let opts = BomOptions {
        spec: match args.spec {
            Spec::V1_6 => SpecVersion::V1_6,
            Spec::V1_7 => SpecVersion::V1_7,
        },
        deterministic: args.deterministic,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let bom = mlsecops_bom::generate(&args.path, &opts)
        .with_context(|| format!("building the BOM of {}", args.path.display()))?;
    let text = match args.format {
        Format::Cyclonedx => mlsecops_bom::to_json(&bom)?,
        Format::Spdx3 => {
            let created = std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            mlsecops_bom::spdx3::to_json(&bom, &mlsecops_bom::spdx3::Spdx3Options { created })?
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("writing the BOM to {}", path.display()))?,
        None => crate::write_stdout(&text)?,
    }
    Ok(ExitCode::Clean)
}
