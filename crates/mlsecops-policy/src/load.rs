//! Finding and reading `.rego` files (bounded, sorted, no symbolic links below a directory).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{PolicyError, PolicyOptions};

/// `path` itself when it is a file, else every `*.rego` file below it (sorted; hidden
/// entries, symbolic links and, unless `include_tests`, `*_test.rego` skipped). `already` counts files loaded before, for the
/// total cap.
pub(crate) fn collect(
    path: &Path,
    options: &PolicyOptions,
    already: usize,
) -> Result<Vec<PathBuf>, PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    walk(path, 0, options, already, &mut out)?;
    Ok(out)
}

fn walk(
    dir: &Path,
    depth: usize,
    options: &PolicyOptions,
    already: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), PolicyError> {
    if depth > options.max_depth {
        return Err(PolicyError::Limit {
            path: dir.to_path_buf(),
            message: format!(
                "policy directories nested deeper than {}",
                options.max_depth
            ),
        });
    }
    let io = |source| PolicyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(io)?;
        if file_type.is_symlink() {
            continue;
        }
        entries.push((entry.path(), file_type.is_dir()));
        if entries.len() > options.max_files.saturating_mul(8) {
            return Err(PolicyError::Limit {
                path: dir.to_path_buf(),
                message: "too many directory entries".to_owned(),
            });
        }
    }
    entries.sort();
    for (path, is_dir) in entries {
        if is_dir {
            walk(&path, depth.saturating_add(1), options, already, out)?;
        } else if path.extension().is_some_and(|e| e == "rego")
            && (options.include_tests
                || !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with("_test.rego")))
        {
            out.push(path);
            if out.len().saturating_add(already) > options.max_files {
                return Err(PolicyError::Limit {
                    path: dir.to_path_buf(),
                    message: format!("more than {} policy files", options.max_files),
                });
            }
        }
    }
    Ok(())
}

/// Reads a UTF-8 text file of at most `max` bytes.
pub(crate) fn read(path: &Path, max: u64) -> Result<String, PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
        return Err(PolicyError::Limit {
            path: path.to_path_buf(),
            message: format!("larger than {max} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| PolicyError::Limit {
        path: path.to_path_buf(),
        message: "not UTF-8 text".to_owned(),
    })
}
