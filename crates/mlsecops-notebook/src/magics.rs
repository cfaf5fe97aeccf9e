//! IPython magics and shell escapes in code cells.

/// Cell magics whose body is Python (only the `%%` line is blanked).
const PYTHON_CELL_MAGICS: &[&str] = &[
    "time",
    "timeit",
    "capture",
    "prun",
    "debug",
    "python",
    "python3",
    "memit",
    "mprun",
    "tensorflow",
    "cython",
];

/// Cell magics whose body is shell script ([`shell_lines`] returns every body line).
const SHELL_CELL_MAGICS: &[&str] = &["bash", "sh", "zsh", "system", "sx", "script"];

/// Line magics [`shell_lines`] returns (package installs, environment, shell).
const SHELL_LINE_MAGICS: &[&str] = &[
    "pip",
    "conda",
    "mamba",
    "micromamba",
    "uv",
    "env",
    "set_env",
    "system",
    "sx",
    "sc",
    "sh",
];

/// Longest source handled line by line (longer sources are returned as they are by
/// [`python_source`] and give no [`shell_lines`]); notebook cells are far smaller.
const MAX_SOURCE: usize = 16 << 20;

/// What one line of a code cell is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Python,
    /// `!cmd`, `x = !cmd`, `%magic`, `x = %magic`, `obj?`; byte index where the command starts.
    Magic(usize),
    /// Continuation (after a trailing backslash) of the magic line before.
    Continuation,
    /// Inside a cell magic's body.
    CellBody,
    /// The `%%magic` line.
    CellMagic,
}

/// Classifies every line of `source` (split on `\n`).
fn classify(source: &str) -> (Vec<(&str, LineKind)>, Option<String>) {
    let lines: Vec<&str> = source.split('\n').collect();
    let mut kinds = Vec::with_capacity(lines.len());
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let mut cell_magic = None;
    let mut body_is_python = true;
    if let Some(first) = first
        && let Some(rest) = lines
            .get(first)
            .and_then(|l| l.trim_start().strip_prefix("%%"))
    {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        body_is_python = PYTHON_CELL_MAGICS.contains(&name.as_str());
        if name == "script" {
            let arg = rest.get(6..).unwrap_or_default().trim();
            cell_magic = Some(format!("script {arg}"));
        } else {
            cell_magic = Some(name);
        }
    }
    let mut py = PyState::default();
    let mut continuing = false;
    for (i, line) in lines.iter().enumerate() {
        let kind = if cell_magic.is_some() && Some(i) == first {
            LineKind::CellMagic
        } else if cell_magic.is_some() && !body_is_python && first.is_some_and(|f| i > f) {
            LineKind::CellBody
        } else if continuing {
            LineKind::Continuation
        } else if py.continues() {
            LineKind::Python
        } else {
            magic_start(line).map_or(LineKind::Python, LineKind::Magic)
        };
        match kind {
            LineKind::Magic(_) | LineKind::Continuation => {
                continuing = line.trim_end().ends_with('\\');
            }
            LineKind::Python => {
                continuing = false;
                py.scan(line);
            }
            _ => continuing = false,
        }
        kinds.push((*line, kind));
    }
    (kinds, cell_magic)
}

/// Byte index of the command when `line` is a shell escape / magic / help line.
fn magic_start(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if trimmed.starts_with('!') || trimmed.starts_with('%') {
        return Some(indent);
    }
    // `files = !ls`, `out = %sx ls`.
    if let Some(eq) = trimmed.find('=') {
        let (lhs, rhs) = trimmed.split_at(eq);
        let rhs = rhs.get(1..).unwrap_or_default();
        let value = rhs.trim_start();
        if !lhs.trim().is_empty()
            && lhs
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ',' | ' ' | '\t'))
            && (value.starts_with('!') || value.starts_with('%'))
            && !value.starts_with("!=")
        {
            return Some(indent + eq + 1 + (rhs.len() - value.len()));
        }
    }
    // `obj?`, `obj??`, `?obj`.
    let t = trimmed.trim_end();
    let core = t.trim_start_matches('?').trim_end_matches('?');
    if (t.starts_with('?') || t.ends_with('?'))
        && !core.is_empty()
        && core
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '*' | '[' | ']'))
    {
        return Some(indent);
    }
    None
}

/// Python lexical state carried from line to line: an open triple-quoted string, open
/// brackets, a trailing backslash. While any is set, the next line continues a Python
/// statement and is never taken for a magic (`    % b)` is a modulo, not `%b`).
#[derive(Clone, Copy, Default)]
struct PyState {
    triple: Option<u8>,
    depth: u32,
    backslash: bool,
}

impl PyState {
    fn continues(self) -> bool {
        self.triple.is_some() || self.depth > 0 || self.backslash
    }

    /// Scans one line (strings, comments and brackets; roughly, never panics).
    fn scan(&mut self, line: &str) {
        let b = line.as_bytes();
        let mut single: Option<u8> = None;
        let mut i = 0usize;
        let mut comment = false;
        while let Some(&c) = b.get(i) {
            if let Some(q) = self.triple {
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q && b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    self.triple = None;
                    i += 3;
                    continue;
                }
                i += 1;
                continue;
            }
            if let Some(q) = single {
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    single = None;
                }
                i += 1;
                continue;
            }
            match c {
                b'#' => {
                    comment = true;
                    break;
                }
                b'"' | b'\'' => {
                    if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c) {
                        self.triple = Some(c);
                        i += 3;
                        continue;
                    }
                    single = Some(c);
                }
                b'(' | b'[' | b'{' => self.depth = self.depth.saturating_add(1),
                b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
        self.backslash = !comment
            && self.triple.is_none()
            && single.is_none()
            && line.trim_end().ends_with('\\');
    }
}

/// The cell source with IPython syntax blanked so a Python parser accepts it, keeping every
/// line in place (same line count, other lines byte-identical).
///
/// Blanked: shell escapes (`!cmd`), line magics (`%pip …`), assignments from them
/// (`x = !ls`), help lines (`obj?`), backslash continuations of those, and whole cells whose
/// first line is a non-Python cell magic (`%%bash`, `%%writefile`, `%%html`…); for Python cell
/// magics (`%%time`, `%%capture`…) only the `%%` line is blanked. An indented blanked line
/// becomes `pass` at the same indentation so the enclosing block stays valid.
pub fn python_source(cell_source: &str) -> String {
    if cell_source.len() > MAX_SOURCE {
        return cell_source.to_owned();
    }
    let (lines, _) = classify(cell_source);
    let mut out = String::with_capacity(cell_source.len());
    for (i, (line, kind)) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match kind {
            LineKind::Python => out.push_str(line),
            LineKind::Magic(_) => {
                let trimmed = line.trim_start();
                let indent = line.get(..line.len() - trimmed.len()).unwrap_or_default();
                if !indent.is_empty() {
                    out.push_str(indent);
                    out.push_str("pass");
                }
            }
            LineKind::Continuation | LineKind::CellBody | LineKind::CellMagic => {}
        }
    }
    out
}

/// Shell and package-manager lines of a code cell: `(1-based line, command)`.
///
/// Returns `!…` escapes (also `x = !…`, from the `!`), `%pip`, `%conda`, `%mamba`, `%uv`,
/// `%env`, `%set_env`, `%system`, `%sx`, `%sc` line magics (with their `%`/`!` prefix, trimmed),
/// and every non-empty body line of `%%bash` / `%%sh` / `%%script <shell>` / `%%system` cells (as
/// written, trimmed). Backslash continuations are joined onto their first line with a space.
pub fn shell_lines(cell_source: &str) -> Vec<(u32, String)> {
    if cell_source.len() > MAX_SOURCE {
        return Vec::new();
    }
    let (lines, cell_magic) = classify(cell_source);
    let shell_cell = cell_magic.as_deref().is_some_and(|m| {
        let name = m.split_whitespace().next().unwrap_or_default();
        SHELL_CELL_MAGICS.contains(&name)
    });
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut joining = false;
    for (i, (line, kind)) in lines.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        match kind {
            LineKind::Magic(start) => {
                let command = line.get(*start..).unwrap_or_default().trim();
                let keep = command.starts_with('!')
                    || command.strip_prefix('%').is_some_and(|m| {
                        let name: String = m
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        SHELL_LINE_MAGICS.contains(&name.as_str())
                    });
                joining = keep && command.ends_with('\\');
                if keep {
                    out.push((number, strip_backslash(command).to_owned()));
                }
            }
            LineKind::Continuation => {
                if joining && let Some((_, text)) = out.last_mut() {
                    text.push(' ');
                    text.push_str(strip_backslash(trimmed));
                }
                joining = joining && trimmed.ends_with('\\');
            }
            LineKind::CellBody if shell_cell => {
                if joining && let Some((_, text)) = out.last_mut() {
                    text.push(' ');
                    text.push_str(strip_backslash(trimmed));
                } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    out.push((number, strip_backslash(trimmed).to_owned()));
                }
                joining = trimmed.ends_with('\\');
            }
            _ => joining = false,
        }
    }
    out
}

fn strip_backslash(s: &str) -> &str {
    s.strip_suffix('\\').map_or(s, str::trim_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_magics_and_keeps_line_numbers() {
        let src = "import os\n!pip install torch==2.5.1 \\\n    numpy\n%env KEY=1\nfiles = !ls\nif x:\n    !echo hi\ndf.head?\nx = a != b\ny = 5 % 3\n";
        let py = python_source(src);
        assert_eq!(py.split('\n').count(), src.split('\n').count());
        assert_eq!(
            py,
            "import os\n\n\n\n\nif x:\n    pass\n\nx = a != b\ny = 5 % 3\n"
        );
    }

    #[test]
    fn cell_magics() {
        assert_eq!(python_source("%%bash\necho $HOME\nls"), "\n\n");
        assert_eq!(python_source("\n%%time\nx = 1\n!ls"), "\n\nx = 1\n");
        let sh = shell_lines("%%bash\npip install a \\\n  b\n# comment\n\necho done\n");
        assert_eq!(
            sh,
            [
                (2, "pip install a b".to_owned()),
                (6, "echo done".to_owned())
            ]
        );
        assert!(shell_lines("%%html\n<b>!x</b>").is_empty());
        assert_eq!(
            shell_lines("%%capture\n!pip install x"),
            [(2, "!pip install x".to_owned())]
        );
    }

    #[test]
    fn shell_lines_found() {
        let src = "%pip install torch==2.5.1 transformers==4.30.0\n%matplotlib inline\nout = !ls -la\n  !pip install \\\n  --index-url https://u:t@h/simple x\n%env HF_TOKEN=abc";
        let sh = shell_lines(src);
        assert_eq!(
            sh,
            [
                (
                    1,
                    "%pip install torch==2.5.1 transformers==4.30.0".to_owned()
                ),
                (3, "!ls -la".to_owned()),
                (
                    4,
                    "!pip install --index-url https://u:t@h/simple x".to_owned()
                ),
                (6, "%env HF_TOKEN=abc".to_owned()),
            ]
        );
    }

    #[test]
    fn continuation_lines_are_python() {
        let src = "x = (a\n     % b)\ny = [1,\n  !2]\nz = 1 + \\\n%3\nw = '(' # )\n!ls";
        assert_eq!(
            python_source(src),
            "x = (a\n     % b)\ny = [1,\n  !2]\nz = 1 + \\\n%3\nw = '(' # )\n"
        );
        assert_eq!(shell_lines(src), [(8, "!ls".to_owned())]);
    }

    #[test]
    fn magics_inside_strings_are_python() {
        let src = "s = \"\"\"\n%s and !x\n\"\"\" % y\n!ls";
        assert_eq!(python_source(src), "s = \"\"\"\n%s and !x\n\"\"\" % y\n");
        assert_eq!(shell_lines(src), [(4, "!ls".to_owned())]);
    }
}
