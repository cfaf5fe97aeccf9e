//! Every scannable piece of text in a notebook, with its location.

use serde_json::Value;

use crate::{Cell, CellType, MimeBundle, MimeData, Notebook, OutputKind, html_to_text, strip_ansi};

/// What a [`Fragment`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FragmentKind {
    /// Source of a code cell (v3: `input`).
    CodeSource,
    /// Source of a markdown cell (and v3 heading cells).
    MarkdownSource,
    /// Source of a raw cell.
    RawSource,
    /// Source of a cell of unknown type.
    OtherSource,
    /// `stream` output named `stdout` (ANSI codes stripped).
    Stdout,
    /// `stream` output named `stderr` (ANSI codes stripped).
    Stderr,
    /// `stream` output with another name.
    OtherStream,
    /// One mime entry of an `execute_result` (v3 `pyout`); see [`Fragment::mime`].
    ExecuteResult,
    /// One mime entry of a `display_data` output; see [`Fragment::mime`].
    DisplayData,
    /// `error` output: `ename: evalue` on line 1, then the traceback entries joined with
    /// newlines, ANSI codes stripped.
    Error,
    /// An output of unknown type, as pretty-printed JSON.
    UnknownOutput,
    /// An output's `metadata`, as pretty-printed JSON.
    OutputMetadata,
    /// One text mime entry of a cell attachment; see [`Fragment::mime`].
    Attachment,
    /// A cell's `metadata`, as pretty-printed JSON (Colab `executionInfo`, tags…).
    CellMetadata,
    /// The notebook `metadata`, as pretty-printed JSON (kernelspec, widget state, Colab…).
    NotebookMetadata,
    /// Keys outside the nbformat schema (top level, cell or output), as pretty-printed JSON.
    Extra,
}

impl FragmentKind {
    /// Kebab-case name (used in evidence).
    pub fn as_str(self) -> &'static str {
        match self {
            FragmentKind::CodeSource => "code-source",
            FragmentKind::MarkdownSource => "markdown-source",
            FragmentKind::RawSource => "raw-source",
            FragmentKind::OtherSource => "other-source",
            FragmentKind::Stdout => "stdout",
            FragmentKind::Stderr => "stderr",
            FragmentKind::OtherStream => "other-stream",
            FragmentKind::ExecuteResult => "execute-result",
            FragmentKind::DisplayData => "display-data",
            FragmentKind::Error => "error",
            FragmentKind::UnknownOutput => "unknown-output",
            FragmentKind::OutputMetadata => "output-metadata",
            FragmentKind::Attachment => "attachment",
            FragmentKind::CellMetadata => "cell-metadata",
            FragmentKind::NotebookMetadata => "notebook-metadata",
            FragmentKind::Extra => "extra",
        }
    }

    /// True for cell sources (what the author wrote).
    pub fn is_source(self) -> bool {
        matches!(
            self,
            FragmentKind::CodeSource
                | FragmentKind::MarkdownSource
                | FragmentKind::RawSource
                | FragmentKind::OtherSource
        )
    }

    /// True for output content (what running the notebook produced).
    pub fn is_output(self) -> bool {
        matches!(
            self,
            FragmentKind::Stdout
                | FragmentKind::Stderr
                | FragmentKind::OtherStream
                | FragmentKind::ExecuteResult
                | FragmentKind::DisplayData
                | FragmentKind::Error
                | FragmentKind::UnknownOutput
        )
    }
}

/// One piece of text and where it is. Lines are 1-based from the start of [`Fragment::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// 0-based cell index; `None` for notebook-level fragments.
    pub cell: Option<u32>,
    /// 0-based output index inside the cell; `None` for sources, cell metadata, attachments.
    pub output: Option<u32>,
    /// What the text is.
    pub kind: FragmentKind,
    /// Mime type of mime-bundle and attachment entries.
    pub mime: Option<String>,
    /// The text (HTML converted, ANSI stripped, JSON pretty-printed, base64 omitted).
    pub text: String,
}

impl Fragment {
    /// 1-based line of byte `offset` in [`Fragment::text`].
    pub fn line_at(&self, offset: usize) -> u32 {
        let upto = self
            .text
            .get(..offset.min(self.text.len()))
            .unwrap_or(&self.text);
        let n = upto.bytes().filter(|&b| b == b'\n').count();
        u32::try_from(n.saturating_add(1)).unwrap_or(u32::MAX)
    }

    /// Text of 1-based `line` (without the newline), if it exists.
    pub fn line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line.checked_sub(1)?).ok()?;
        self.text.split('\n').nth(index)
    }
}

/// How a mime type's value is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MimeClass {
    /// `text/html`: converted with [`html_to_text`].
    Html,
    /// Other text (`text/*`, JavaScript, XML, LaTeX): scanned as is (ANSI stripped).
    Text,
    /// `application/json`, `*/*+json`: pretty-printed JSON.
    Json,
    /// Images, audio, video, PDF and other binary types: never scanned as text.
    Skip,
}

/// Classifies a mime type (parameters after `;` ignored, case-insensitive).
pub fn mime_class(mime: &str) -> MimeClass {
    let base = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (top, sub) = base.split_once('/').unwrap_or((base.as_str(), ""));
    match (top, sub) {
        ("text", "html") => MimeClass::Html,
        ("text", _) => MimeClass::Text,
        ("image" | "audio" | "video" | "font" | "model", _) => MimeClass::Skip,
        (_, "json") => MimeClass::Json,
        (_, s) if s.ends_with("+json") => MimeClass::Json,
        (
            "application",
            "javascript" | "x-javascript" | "ecmascript" | "xml" | "x-latex" | "x-tex" | "sql"
            | "x-sh" | "x-python" | "x-python-code" | "yaml" | "x-yaml" | "toml" | "xhtml+xml",
        ) => MimeClass::Text,
        (_, s) if s.ends_with("+xml") => MimeClass::Text,
        _ => MimeClass::Skip,
    }
}

/// Every fragment of `nb`, in document order: notebook metadata, top-level extra keys, then
/// per cell its source, metadata, text attachments, extra keys and outputs (content, output
/// metadata, extra keys). Empty texts are left out. Stops at [`Notebook::max_text_bytes`]
/// (see [`fragments_bounded`] to learn whether it did).
pub fn fragments(nb: &Notebook) -> Vec<Fragment> {
    fragments_bounded(nb).0
}

/// [`fragments`] plus `true` when the text budget [`Notebook::max_text_bytes`] cut it short.
pub fn fragments_bounded(nb: &Notebook) -> (Vec<Fragment>, bool) {
    let mut sink = Sink {
        out: Vec::new(),
        left: usize::try_from(nb.max_text_bytes).unwrap_or(usize::MAX),
        truncated: false,
    };
    if !is_empty(&nb.metadata) {
        let text = sink.json(&nb.metadata);
        sink.push(None, None, FragmentKind::NotebookMetadata, None, text);
    }
    if !nb.extra.is_empty() {
        let text = sink.json(&Value::Object(nb.extra.clone()));
        sink.push(None, None, FragmentKind::Extra, None, text);
    }
    for cell in &nb.cells {
        if sink.truncated {
            break;
        }
        cell_fragments(&mut sink, cell);
    }
    (sink.out, sink.truncated)
}

fn cell_fragments(sink: &mut Sink, cell: &Cell) {
    let c = Some(cell.index);
    let kind = match cell.cell_type {
        CellType::Code => FragmentKind::CodeSource,
        CellType::Markdown | CellType::Heading => FragmentKind::MarkdownSource,
        CellType::Raw => FragmentKind::RawSource,
        CellType::Unknown => FragmentKind::OtherSource,
    };
    sink.push(c, None, kind, None, cell.source.clone());
    if !is_empty(&cell.metadata) {
        let text = sink.json(&cell.metadata);
        sink.push(c, None, FragmentKind::CellMetadata, None, text);
    }
    for (_, bundle) in &cell.attachments {
        bundle_fragments(sink, c, None, FragmentKind::Attachment, bundle);
    }
    if !cell.extra.is_empty() {
        let text = sink.json(&Value::Object(cell.extra.clone()));
        sink.push(c, None, FragmentKind::Extra, None, text);
    }
    for output in &cell.outputs {
        let o = Some(output.index);
        match &output.kind {
            OutputKind::Stream { name, text } => {
                let kind = match name.as_str() {
                    "stdout" => FragmentKind::Stdout,
                    "stderr" => FragmentKind::Stderr,
                    _ => FragmentKind::OtherStream,
                };
                sink.push(c, o, kind, None, strip_ansi(text));
            }
            OutputKind::ExecuteResult { data } => {
                bundle_fragments(sink, c, o, FragmentKind::ExecuteResult, data);
            }
            OutputKind::DisplayData { data } => {
                bundle_fragments(sink, c, o, FragmentKind::DisplayData, data);
            }
            OutputKind::Error {
                ename,
                evalue,
                traceback,
            } => {
                let mut text = format!("{ename}: {evalue}");
                for entry in traceback {
                    text.push('\n');
                    text.push_str(entry);
                }
                sink.push(c, o, FragmentKind::Error, None, strip_ansi(&text));
            }
            OutputKind::Unknown(value) => {
                let text = sink.json(value);
                sink.push(c, o, FragmentKind::UnknownOutput, None, text);
            }
        }
        if !is_empty(&output.metadata) {
            let text = sink.json(&output.metadata);
            sink.push(c, o, FragmentKind::OutputMetadata, None, text);
        }
        if !output.extra.is_empty() {
            let text = sink.json(&Value::Object(output.extra.clone()));
            sink.push(c, o, FragmentKind::Extra, None, text);
        }
    }
}

fn bundle_fragments(
    sink: &mut Sink,
    cell: Option<u32>,
    output: Option<u32>,
    kind: FragmentKind,
    bundle: &MimeBundle,
) {
    for (mime, data) in bundle {
        let class = mime_class(mime);
        let text = match (class, data) {
            (MimeClass::Skip, _) => continue,
            (MimeClass::Html, MimeData::Text(t)) => html_to_text(t),
            (_, MimeData::Text(t)) | (_, MimeData::Json(Value::String(t))) => strip_ansi(t),
            (_, MimeData::Json(v)) => sink.json(v),
        };
        sink.push(cell, output, kind, Some(mime.clone()), text);
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

struct Sink {
    out: Vec<Fragment>,
    left: usize,
    truncated: bool,
}

impl Sink {
    fn push(
        &mut self,
        cell: Option<u32>,
        output: Option<u32>,
        kind: FragmentKind,
        mime: Option<String>,
        mut text: String,
    ) {
        if self.truncated || text.trim().is_empty() {
            return;
        }
        if text.len() > self.left {
            let mut cut = self.left;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            self.truncated = true;
        }
        self.left -= text.len();
        if !text.is_empty() {
            self.out.push(Fragment {
                cell,
                output,
                kind,
                mime,
                text,
            });
        }
    }

    /// Pretty JSON of `value` within the remaining budget (sets `truncated` when cut).
    fn json(&mut self, value: &Value) -> String {
        let mut w = JsonWriter {
            out: String::new(),
            cap: self.left,
        };
        if w.value(value, 0).is_err() {
            self.truncated = true;
        }
        w.out
    }
}

/// Strings at least this long that are pure base64 are replaced by a marker.
const BASE64_MIN: usize = 256;

/// Replacement text for long base64 strings and base64 data URIs in JSON.
pub(crate) fn base64_marker(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix("data:")
        && let Some(comma) = rest.find(";base64,")
        && s.len() >= 64
    {
        let head = rest.get(..comma).unwrap_or_default();
        return Some(format!("data:{head};base64,<{} bytes omitted>", s.len()));
    }
    if s.len() >= BASE64_MIN
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'\n' | b'\r')
        })
    {
        return Some(format!("<base64, {} bytes omitted>", s.len()));
    }
    None
}

struct Full;

/// Pretty printer matching `serde_json::to_string_pretty` and Python
/// `json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)`, with a byte cap and long
/// base64 strings replaced by a marker.
struct JsonWriter {
    out: String,
    cap: usize,
}

impl JsonWriter {
    fn put(&mut self, s: &str) -> Result<(), Full> {
        if self.out.len().saturating_add(s.len()) > self.cap {
            let mut cut = self.cap.saturating_sub(self.out.len()).min(s.len());
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(s.get(..cut).unwrap_or_default());
            return Err(Full);
        }
        self.out.push_str(s);
        Ok(())
    }

    fn indent(&mut self, depth: usize) -> Result<(), Full> {
        self.put("\n")?;
        for _ in 0..depth {
            self.put("  ")?;
        }
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<(), Full> {
        let marker = base64_marker(s);
        let s = marker.as_deref().unwrap_or(s);
        let quoted = serde_json::to_string(s).unwrap_or_default();
        self.put(&quoted)
    }

    fn value(&mut self, value: &Value, depth: usize) -> Result<(), Full> {
        match value {
            Value::Null => self.put("null"),
            Value::Bool(b) => self.put(if *b { "true" } else { "false" }),
            Value::Number(n) => self.put(&n.to_string()),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                if items.is_empty() {
                    return self.put("[]");
                }
                self.put("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.put(",")?;
                    }
                    self.indent(depth + 1)?;
                    self.value(item, depth + 1)?;
                }
                self.indent(depth)?;
                self.put("]")
            }
            Value::Object(map) => {
                if map.is_empty() {
                    return self.put("{}");
                }
                self.put("{")?;
                // Sorted keys whatever serde_json's map order is (`preserve_order` may be on).
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        self.put(",")?;
                    }
                    self.indent(depth + 1)?;
                    self.string(key)?;
                    self.put(": ")?;
                    self.value(item, depth + 1)?;
                }
                self.indent(depth)?;
                self.put("}")
            }
        }
    }
}

/// Pretty JSON of `value` (no cap beyond `cap` bytes), as in metadata fragments.
pub(crate) fn pretty_json(value: &Value, cap: usize) -> String {
    let mut w = JsonWriter {
        out: String::new(),
        cap,
    };
    let _ = w.value(value, 0);
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_matches_serde_json() {
        let v: Value = serde_json::from_str(
            r#"{"b": [1, {"x": null}, [], {}], "a": "é\n\"", "c": 1.5, "d": true}"#,
        )
        .unwrap();
        assert_eq!(
            pretty_json(&v, usize::MAX),
            serde_json::to_string_pretty(&v).unwrap()
        );
        let cut = pretty_json(&v, 10);
        assert_eq!(cut.len(), 10);
    }

    #[test]
    fn base64_is_replaced() {
        let png = "iVBORw0KGgo".repeat(40);
        assert!(base64_marker(&png).is_some());
        assert!(base64_marker("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH").is_none());
        assert!(base64_marker(&format!("data:image/png;base64,{png}")).is_some());
        assert!(base64_marker(&"word ".repeat(100)).is_none());
    }

    #[test]
    fn mime_classes() {
        assert_eq!(mime_class("text/html"), MimeClass::Html);
        assert_eq!(mime_class("text/plain; charset=utf-8"), MimeClass::Text);
        assert_eq!(
            mime_class("application/vnd.jupyter.widget-view+json"),
            MimeClass::Json
        );
        assert_eq!(mime_class("application/json"), MimeClass::Json);
        assert_eq!(mime_class("image/png"), MimeClass::Skip);
        assert_eq!(mime_class("image/svg+xml"), MimeClass::Skip);
        assert_eq!(mime_class("application/pdf"), MimeClass::Skip);
        assert_eq!(mime_class("application/javascript"), MimeClass::Text);
    }
}
