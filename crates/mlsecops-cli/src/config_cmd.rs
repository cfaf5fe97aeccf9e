//! `mlsecops init` and the project config (`mlsecops.toml`) for `mlsecops scan`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mlsecops_config::{Config, DEFAULT_TEMPLATE, FILE_NAME, discover};
use mlsecops_core::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// Overwrite an existing mlsecops.toml.
    #[arg(long)]
    force: bool,
    /// Directory to write mlsecops.toml into.
    #[arg(value_name = "PATH", default_value = ".")]
    dir: PathBuf,
}

/// `mlsecops init`: writes the commented default config.
pub(crate) fn init(args: &InitArgs) -> Result<ExitCode> {
    let path = args.dir.join(FILE_NAME);
    if path.exists() && !args.force {
        anyhow::bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, DEFAULT_TEMPLATE)
        .with_context(|| format!("writing {}", path.display()))?;
    crate::write_stdout(&format!("wrote {}\n", path.display()))?;
    Ok(ExitCode::Clean)
}

/// The config for a scan: `--config FILE`, else discovered from the first scanned path,
/// unless `--no-config`. Errors carry `file:line:column` and a snippet.
///
/// A discovered config is trusted only when it belongs to the project the command runs in
/// (its directory is the current directory or one of its ancestors): a downloaded model
/// repository must not be able to ship an `mlsecops.toml` that disables the rules it
/// would trip. Such a file is ignored with a note on stderr; `--config` uses it explicitly.
pub(crate) fn for_scan(
    explicit: Option<&Path>,
    no_config: bool,
    paths: &[PathBuf],
) -> Result<Option<Config>> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None if no_config => None,
        None => paths
            .first()
            .and_then(|p| discover(p))
            .filter(|found| trusted(found)),
    };
    path.map(|p| Config::load(&p))
        .transpose()
        .map_err(anyhow::Error::from)
}

fn trusted(config: &Path) -> bool {
    trusted_in_project(config, "--config")
}

/// Whether a discovered project file (config, waivers) belongs to the project the command
/// runs in: its directory is the current directory or one of its ancestors. A file inside a
/// scanned download is ignored with a note on stderr naming `flag`, which uses it explicitly.
pub(crate) fn trusted_in_project(file: &Path, flag: &str) -> bool {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::path::absolute(d).ok());
    let dir = file.parent().and_then(|d| {
        let d = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        std::path::absolute(d).ok()
    });
    let ok = matches!((&cwd, &dir), (Some(cwd), Some(dir)) if cwd.starts_with(dir));
    if !ok {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "note: ignoring {} (inside the scanned path, outside the current project); \
                 pass {flag} to use it",
                file.display()
            );
        }
    }
    ok
}
