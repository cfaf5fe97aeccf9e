//! `mlsecops policy …` and the policy gate of `mlsecops scan` (`--policy DIR`).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use mlsecops_config::Config;
use mlsecops_core::{ExitCode, ScanReport};
use mlsecops_policy::{PolicyOptions, PolicySet, TestStatus};

/// Policy flags of `mlsecops scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyArgs {
    /// Rego policy file or directory (recursive; repeatable). Added to the built-in default
    /// policy and to `[policy] paths` of the config. Rules `deny*`/`violation*` fail the run,
    /// `warn*` warn (packages `main` and `mlsecops.*`; see docs/policy.md).
    #[arg(long = "policy", value_name = "DIR")]
    policy: Vec<PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

/// How a policy gate is evaluated: shared by `mlsecops scan` and `mlsecops policy eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct GateArgs {
    /// Do not evaluate the built-in default policy (only the given / config policies).
    #[arg(long)]
    no_default_policy: bool,
    /// Policy warnings fail the run too (exit 1).
    #[arg(long)]
    fail_on_warn: bool,
    /// JSON object merged into the policies' `data` (repeatable).
    #[arg(long, value_name = "FILE")]
    policy_data: Vec<PathBuf>,
    /// Accept Rego v0 syntax (pre-OPA-1.0 policies).
    #[arg(long)]
    rego_v0: bool,
}

impl GateArgs {
    /// The policies of `dirs`, with the built-in default policy unless switched off.
    fn load(&self, dirs: &[PathBuf]) -> Result<PolicySet> {
        load(
            dirs,
            !self.no_default_policy,
            false,
            &self.policy_data,
            self.rego_v0,
        )
    }
}

/// `mlsecops policy` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum PolicyCommand {
    /// Run every `test_*` rule of the policies (like `opa test`); without DIR, the tests of
    /// the built-in default policy.
    #[command(after_help = TEST_HELP)]
    Test(TestArgs),
    /// Evaluate policies over a JSON run report (`mlsecops scan -f json`) and print the
    /// policy results as JSON.
    #[command(after_help = EVAL_HELP)]
    Eval(EvalArgs),
}

const TEST_HELP: &str = "Exit codes:
  0  every test passed
  1  a test failed (false, undefined or an evaluation error)
  3  a policy did not parse, or no test was found";

const EVAL_HELP: &str = "Exit codes:
  0  no deny (and no warn with --fail-on-warn)
  1  a deny/violation (or a warn with --fail-on-warn)
  3  a policy did not parse or evaluate, or the report is unreadable";

#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// Policy files or directories (recursive).
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// JSON object merged into `data` (repeatable).
    #[arg(long, value_name = "FILE")]
    policy_data: Vec<PathBuf>,
    /// Accept Rego v0 syntax.
    #[arg(long)]
    rego_v0: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// JSON run report written by `mlsecops scan -f json`.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Policy files or directories (recursive), evaluated with the built-in default policy.
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

/// Runs `mlsecops policy …`.
pub(crate) fn run(command: &PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::Test(args) => test(args),
        PolicyCommand::Eval(args) => eval(args),
    }
}

fn load(
    dirs: &[PathBuf],
    default: bool,
    tests: bool,
    data: &[PathBuf],
    rego_v0: bool,
) -> Result<PolicySet> {
    let mut set = PolicySet::new(PolicyOptions {
        rego_v0,
        include_tests: tests,
        ..PolicyOptions::default()
    });
    if default {
        set.add_default(tests)?;
    }
    for dir in dirs {
        set.add_path(dir)?;
    }
    for file in data {
        set.add_data_file(file)?;
    }
    Ok(set)
}

fn test(args: &TestArgs) -> Result<ExitCode> {
    let builtin = args.dirs.is_empty();
    let mut set = load(&args.dirs, builtin, true, &args.policy_data, args.rego_v0)?;
    let outcomes = set.run_tests();
    if outcomes.is_empty() {
        anyhow::bail!("no test_* rules found in the policies");
    }
    let mut out = String::new();
    let mut failed = 0usize;
    for outcome in &outcomes {
        let name = format!("data.{}.{}", outcome.package, outcome.name);
        let _ = match &outcome.status {
            TestStatus::Pass => writeln!(out, "PASS  {name} ({})", outcome.location),
            TestStatus::Fail(value) => {
                failed += 1;
                writeln!(out, "FAIL  {name} ({}): got {value}", outcome.location)
            }
            TestStatus::Error(message) => {
                failed += 1;
                writeln!(out, "ERROR {name} ({}): {message}", outcome.location)
            }
        };
    }
    let passed = outcomes.len().saturating_sub(failed);
    let _ = writeln!(
        out,
        "{}\n{passed} passed, {failed} failed ({} tests)",
        "-".repeat(40),
        outcomes.len()
    );
    crate::write_stdout(&out)?;
    Ok(if failed == 0 {
        ExitCode::Clean
    } else {
        ExitCode::Findings
    })
}

fn eval(args: &EvalArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let report: ScanReport = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an mlsecops JSON run report",
            args.input.display()
        )
    })?;
    let mut set = args.gate.load(&args.dirs)?;
    if set.sources().is_empty() {
        anyhow::bail!("no policies to evaluate (give DIR or drop --no-default-policy)");
    }
    let policy = set.gate(&report, args.gate.fail_on_warn)?;
    let mut json = serde_json::to_string_pretty(&policy).context("serialising results")?;
    json.push('\n');
    crate::write_stdout(&json)?;
    Ok(if policy.fails() {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}

/// Evaluates the policy gate over a finished scan report and stores the outcome in it.
///
/// The built-in default policy runs unless `--no-default-policy`; `--policy` and the
/// config's `[policy] paths` (relative to the config file) are added. `report.policy` is
/// set when user policies were evaluated or any policy produced a message, so a plain scan
/// whose default policy found nothing keeps its report unchanged.
pub(crate) fn apply(
    args: &PolicyArgs,
    config: Option<&Config>,
    report: &mut ScanReport,
) -> Result<()> {
    let mut dirs: Vec<PathBuf> = config
        .map(|c| c.policy.paths.iter().map(|p| c.base_dir.join(p)).collect())
        .unwrap_or_default();
    dirs.extend(args.policy.iter().cloned());
    let gate = &args.gate;
    if gate.no_default_policy && dirs.is_empty() {
        if gate.fail_on_warn || !gate.policy_data.is_empty() {
            anyhow::bail!("--no-default-policy without --policy leaves no policy to evaluate");
        }
        return Ok(());
    }
    let mut set = gate.load(&dirs)?;
    let policy = set.gate(report, gate.fail_on_warn)?;
    if !dirs.is_empty() || !policy.results.is_empty() || gate.fail_on_warn {
        report.policy = Some(policy);
    }
    Ok(())
}
