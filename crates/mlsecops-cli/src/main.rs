//! `mlsecops`: security for the machine-learning lifecycle.
//!
//! This binary is deliberately thin: argument parsing, progress, rendering and exit codes.
//! Everything else lives in the library crates.
#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode as ProcessExit;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use mlsecops_core::{ExitCode, RULES, ScanReport, Severity, ToolInfo, rule};
use mlsecops_report::HumanOptions;
use mlsecops_scan::{ScanOptions, Scanner, collect_targets};

mod bom;
mod config_cmd;
mod db_cmd;
mod policy_cmd;
mod provenance;
mod report_cmd;
mod secrets_cmd;
mod waivers_cmd;

/// Finds code execution and tampering in ML model files without ever loading them.
#[derive(Debug, Parser)]
#[command(name = "mlsecops", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan model files and directories (content-sniffed, walked in parallel).
    #[command(after_help = EXIT_CODES_HELP)]
    Scan(ScanArgs),
    /// List every rule with its id, default severity and title.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show the full documentation of one rule.
    Explain {
        /// Rule id, e.g. `pickle-code-execution`.
        rule: String,
    },
    #[command(
        about = "Write a CycloneDX 1.6 ML-BOM (JSON) of a model file or directory",
        after_help = bom::BOM_HELP
    )]
    Bom(bom::BomArgs),
    /// Sign a model (OMS v1.0 bundle, interoperable with the Python model-signing tool).
    #[command(after_help = provenance::SIGN_HELP)]
    Sign(provenance::SignArgs),
    /// Verify a model signature (and optionally a scan attestation: the deploy gate).
    #[command(after_help = provenance::VERIFY_HELP)]
    Verify(provenance::VerifyArgs),
    /// Generate an ECDSA key pair (P-256, P-384 or P-521) for signing.
    #[command(after_help = provenance::KEYGEN_HELP)]
    Keygen(provenance::KeygenArgs),
    /// Write a commented default project config (mlsecops.toml).
    Init(config_cmd::InitArgs),
    /// Rego policy gates: `policy test [DIR…]`, `policy eval --input report.json [DIR…]`.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCommand),
    /// Render a compliance report (HTML, Markdown, JSON) from JSON run reports.
    Report(report_cmd::ReportArgs),
    /// Offline OSV advisory database (update, import, info).
    #[command(subcommand)]
    Db(db_cmd::DbCommand),
    /// Secret baselines (accept known secrets so only new ones fail).
    #[command(subcommand)]
    Secrets(secrets_cmd::SecretsCommand),
}

const EXIT_CODES_HELP: &str = "Exit codes:
  0  every file fully analysed (or skipped), nothing at or above --fail-on that no active
     waiver covers, no policy deny
  1  findings at or above --fail-on not covered by an active waiver (even if some files also
     failed to analyse), a policy deny/violation (or a warn with --fail-on-warn);
     with --strict also any file not fully analysed
  2  nothing at or above --fail-on, but some file is inconclusive, unreadable or in an
     unsupported model format, or nothing at all was analysed
  3  usage error or fatal error (bad arguments, invalid mlsecops.toml, waiver file or
     policy, output not writable)";

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that fails the run (exit 1) [default: `fail_on` from the config, else high].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Treat files that could not be fully analysed as failures (exit 1); also turned on by
    /// `strict = true` in the config.
    #[arg(long)]
    strict: bool,
    /// Project config file [default: the first mlsecops.toml found walking up from the first
    /// PATH, stopping at the repository root].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any mlsecops.toml.
    #[arg(long)]
    no_config: bool,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also list fully analysed files without findings.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Worker threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Write a signed scan attestation (DSSE in-toto statement about the OMS root digest of
    /// the single scanned PATH) to FILE; needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    attest: Option<PathBuf>,
    /// ECDSA private key (PEM) that signs the --attest statement.
    #[arg(long, value_name = "PEM", requires = "attest")]
    key: Option<PathBuf>,
    #[command(flatten)]
    policy: policy_cmd::PolicyArgs,
    #[command(flatten)]
    waivers: waivers_cmd::WaiverArgs,
    #[command(flatten)]
    advisories: db_cmd::AdvisoryArgs,
    #[command(flatten)]
    baseline: secrets_cmd::BaselineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Stack of each scan worker thread: the Python analysis needs 64 MiB to run inline.
const WORKER_STACK_BYTES: usize = 80 << 20;

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse::<Severity>().map_err(|e| e.to_string())
}

fn main() -> ProcessExit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                ExitCode::Usage as u8
            } else {
                0
            };
            let _ = err.print();
            return ProcessExit::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ProcessExit::from(code as u8),
        Err(err) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ProcessExit::from(ExitCode::Usage as u8)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Sign(args) => provenance::sign(&args),
        Command::Verify(args) => provenance::verify(&args),
        Command::Keygen(args) => provenance::keygen(&args),
        Command::Bom(args) => bom::run(&args),
        Command::Init(args) => config_cmd::init(&args),
        Command::Policy(command) => policy_cmd::run(&command),
        Command::Report(args) => report_cmd::run(&args),
        Command::Db(command) => db_cmd::run(&command),
        Command::Secrets(command) => secrets_cmd::run(&command),
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Table => {
                    mlsecops_report::render_rules_table(std::io::stdout().is_terminal())
                }
                ListFormat::Json => {
                    let mut s =
                        serde_json::to_string_pretty(&*RULES).context("serialising rules")?;
                    s.push('\n');
                    s
                }
            };
            write_stdout(&text)?;
            Ok(ExitCode::Clean)
        }
        Command::Explain { rule: id } => {
            let Some(found) = rule(&id) else {
                let known: Vec<&str> = RULES.iter().map(|r| r.id).collect();
                anyhow::bail!("unknown rule `{id}`; known rules: {}", known.join(", "));
            };
            write_stdout(&mlsecops_report::render_rule_explain(found))?;
            Ok(ExitCode::Clean)
        }
    }
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    // Worker threads get a large (virtual, lazily committed) stack so the recursive parsers
    // (Python, templates) run inline on them instead of on a helper thread.
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES);
    if let Some(threads) = args.threads {
        pool = pool.num_threads(threads.max(1));
    }
    pool.build_global().context("configuring the worker pool")?;
    let config = config_cmd::for_scan(args.config.as_deref(), args.no_config, &args.paths)?;
    let mut options = ScanOptions::default();
    if let Some(depth) = config.as_ref().and_then(|c| c.scan.max_depth) {
        options.max_depth = depth;
    }
    let configured = db_cmd::AdvisoryArgs {
        advisories: args.advisories.advisories.clone().or_else(|| {
            config
                .as_ref()
                .and_then(mlsecops_config::Config::advisories_path)
        }),
        no_advisories: args.advisories.no_advisories,
    };
    options.advisories = Some(db_cmd::load_for_scan(&configured)?);
    if let Some(config) = &config {
        options.disabled.clone_from(&config.scan.disable);
    }
    let scanner = Scanner::new(options);
    let (mut targets, mut files) = collect_targets(&args.paths);
    if let Some(config) = &config {
        targets.retain(|t| !config.is_excluded(&t.path));
    }
    let progress = if !args.no_progress && std::io::stderr().is_terminal() && targets.len() > 1 {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(targets.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} files {elapsed} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    files.extend(scanner.scan_targets(&targets, &|report| {
        progress.set_message(report.path.clone());
        progress.inc(1);
    }));
    progress.finish_and_clear();

    if let Some(config) = &config {
        config.apply(&mut files);
    }
    secrets_cmd::apply_baseline(&args.baseline, &mut files)?;
    let fail_on = args
        .fail_on
        .or(config.as_ref().and_then(|c| c.scan.fail_on))
        .unwrap_or(Severity::High);
    let strict = args.strict || config.as_ref().and_then(|c| c.scan.strict) == Some(true);
    let mut report = ScanReport::new(
        ToolInfo::new(env!("CARGO_PKG_VERSION")),
        files,
        fail_on,
        strict,
    );
    waivers_cmd::apply(&args.waivers, config.as_ref(), &args.paths, &mut report)?;
    policy_cmd::apply(&args.policy, config.as_ref(), &mut report)?;
    report.refresh_summary();
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = match args.format {
        Format::Json => mlsecops_report::render_json(&report),
        Format::Sarif => mlsecops_report::render_sarif(&report),
        Format::Human => {
            let mut buf = Vec::new();
            mlsecops_report::render_human(
                &report,
                &HumanOptions {
                    color,
                    verbose: args.verbose,
                },
                &mut buf,
            )
            .context("rendering the report")?;
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    if let (Some(out), Some(key)) = (&args.attest, &args.key) {
        let [model] = args.paths.as_slice() else {
            anyhow::bail!("--attest needs exactly one PATH (the model file or directory)");
        };
        provenance::write_scan_attestation(model, &report, out, key)?;
    }
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .with_context(|| format!("writing report to {}", path.display()))?,
        None => write_stdout(&rendered)?,
    }
    Ok(report.exit_code())
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`mlsecops rules | head`) is not an error worth reporting.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
