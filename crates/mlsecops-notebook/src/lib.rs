//! Jupyter notebook (nbformat v4/v3) reader that yields every text fragment with its cell/output location.
//!
//! [`parse`] reads nbformat v4 (every minor) and v3 (`worksheets[].cells`, `input`, `pyout` /
//! `pyerr` outputs with short mime keys) into a [`Notebook`] with `serde_json`, under [`Limits`]:
//! file size, JSON nesting depth (checked by a linear pre-scan before `serde_json` recurses),
//! cells, outputs and total text. Every multiline field may be a string or a list of strings;
//! fields of the wrong type are kept as their JSON text and reported, unknown cell / output types
//! and keys are kept and reported, so nothing in the file escapes the text scan.
//!
//! [`fragments`] turns a notebook into [`Fragment`]s: each piece of scannable text with its cell,
//! output, mime type and kind. HTML outputs become plain text with table cells separated by tabs
//! and rows by newlines ([`html_to_text`]); error tracebacks and streams lose their ANSI escape
//! codes ([`strip_ansi`]); images and other binary mime types are skipped, and long base64 strings
//! inside JSON are replaced by a short marker, so base64 is never scanned as text.
//!
//! [`analyze`] adds the document rules (`notebook-*`): malformed input, limits, non-standard
//! elements, personal data in metadata (Colab `executionInfo.user`, `authors`) and home-directory
//! paths naming a user. Each observation carries its place in evidence keys `cell`, `output`
//! (0-based) and `line` (1-based, inside the fragment text), plus `fragment` and `mime`; use
//! [`take_location`] to move them out of the evidence before fingerprinting.
//!
//! [`python_source`] and [`shell_lines`] split code-cell sources into the Python a linter can
//! parse (same line numbers) and the shell / magic lines (`!pip install …`, `%pip`, `%env`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mlsecops_core::Observation;
use serde_json::{Map, Value};

mod ansi;
mod checks;
mod fragments;
mod html;
mod magics;
mod parse;

pub use ansi::strip_ansi;
pub use checks::{analyze, analyze_with, analyze_with_fragments, take_location};
pub use fragments::{Fragment, FragmentKind, MimeClass, fragments, fragments_bounded, mime_class};
pub use html::html_to_text;
pub use magics::{python_source, shell_lines};
pub use parse::{NotebookError, parse};

/// Format label used in [`mlsecops_core::FormatAnalysis::format`].
pub const FORMAT: &str = "jupyter-notebook";

/// Caps on what the reader accepts (each documented on its field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes (notebooks with big image outputs reach tens of MiB).
    pub max_file_size: u64,
    /// Deepest JSON nesting (objects and arrays) accepted. nbformat itself needs 6 levels;
    /// widget state and JSON outputs add some. Values above 128 are clamped to 128, the
    /// recursion limit of `serde_json`.
    pub max_depth: u32,
    /// Most cells read (over all v3 worksheets).
    pub max_cells: u32,
    /// Most outputs read over the whole notebook.
    pub max_outputs: u32,
    /// Most bytes of fragment text produced by [`fragments`] over the whole notebook (also caps
    /// each serialised metadata object).
    pub max_text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 128 << 20,
            max_depth: 64,
            max_cells: 100_000,
            max_outputs: 500_000,
            max_text_bytes: 256 << 20,
        }
    }
}

/// Cell type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellType {
    /// `code`.
    Code,
    /// `markdown`.
    Markdown,
    /// `raw`.
    Raw,
    /// nbformat v3 `heading` (markdown with a level).
    Heading,
    /// Anything else (named in [`Cell::type_name`]).
    Unknown,
}

/// One mime-bundle entry value.
#[derive(Debug, Clone, PartialEq)]
pub enum MimeData {
    /// A text value (multiline strings joined). Binary mime types hold base64 here.
    Text(String),
    /// A JSON value (`application/json`, `application/*+json`).
    Json(Value),
}

/// `(mime type, value)` pairs in file order.
pub type MimeBundle = Vec<(String, MimeData)>;

/// What an output holds.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputKind {
    /// `stream` (v3: `stream` key) with its name (`stdout`, `stderr`) and text.
    Stream {
        /// Stream name.
        name: String,
        /// Joined text (ANSI codes kept; [`fragments`] strips them).
        text: String,
    },
    /// `execute_result` (v3 `pyout`).
    ExecuteResult {
        /// Mime bundle (v3 short keys mapped to mime types).
        data: MimeBundle,
    },
    /// `display_data`.
    DisplayData {
        /// Mime bundle (v3 short keys mapped to mime types).
        data: MimeBundle,
    },
    /// `error` (v3 `pyerr`).
    Error {
        /// Exception class name.
        ename: String,
        /// Exception message.
        evalue: String,
        /// Traceback entries (with ANSI escape codes, as stored).
        traceback: Vec<String>,
    },
    /// An output type outside the schema: the whole output object.
    Unknown(Value),
}

/// One output of a code cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// 0-based index inside its cell.
    pub index: u32,
    /// `output_type` as written.
    pub output_type: String,
    /// Content.
    pub kind: OutputKind,
    /// Output `metadata` (`Value::Null` when absent).
    pub metadata: Value,
    /// Keys the schema does not define for this output type.
    pub extra: Map<String, Value>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// 0-based index in document order (over all v3 worksheets).
    pub index: u32,
    /// Cell type.
    pub cell_type: CellType,
    /// `cell_type` as written.
    pub type_name: String,
    /// Cell `id` (nbformat 4.5+).
    pub id: Option<String>,
    /// Joined source (v3 code cells: `input`).
    pub source: String,
    /// Cell `metadata` (`Value::Null` when absent).
    pub metadata: Value,
    /// Attachments: `(file name, mime bundle)`.
    pub attachments: Vec<(String, MimeBundle)>,
    /// Outputs of a code cell.
    pub outputs: Vec<Output>,
    /// Keys the schema does not define for this cell type.
    pub extra: Map<String, Value>,
}

/// A parsed notebook.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    /// `nbformat` (3 or 4).
    pub nbformat: u32,
    /// `nbformat_minor` (0 when absent).
    pub nbformat_minor: u32,
    /// Notebook `metadata` (`Value::Null` when absent).
    pub metadata: Value,
    /// Cells in document order.
    pub cells: Vec<Cell>,
    /// Top-level keys the schema does not define (and v3 worksheet metadata, as
    /// `worksheets[i].metadata`).
    pub extra: Map<String, Value>,
    /// Problems that did not stop reading, in file order.
    pub issues: Vec<Issue>,
    /// Copy of [`Limits::max_text_bytes`] used by [`fragments`].
    pub max_text_bytes: u64,
}

/// What kind of problem an [`Issue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// A field of the wrong type or a missing required field (`notebook-malformed`).
    Malformed,
    /// A cap was reached; content after it was not read (`notebook-limit-exceeded`).
    Limit,
    /// Unknown cell / output type or key (`notebook-nonstandard-element`).
    Nonstandard,
}

/// A problem found while reading that did not stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Kind.
    pub kind: IssueKind,
    /// One sentence.
    pub message: String,
    /// Cell index, when inside a cell.
    pub cell: Option<u32>,
    /// Output index, when inside an output.
    pub output: Option<u32>,
    /// True when content was skipped (the analysis is then incomplete).
    pub lost_content: bool,
}

/// Where inside a notebook an observation of [`analyze`] lies (taken from its evidence).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotebookLocation {
    /// 0-based cell index.
    pub cell: Option<u32>,
    /// 0-based output index inside the cell.
    pub output: Option<u32>,
    /// 1-based line inside the fragment text (or the file, for parse errors).
    pub line: Option<u32>,
    /// 1-based column (parse errors only).
    pub column: Option<u32>,
}

impl Issue {
    fn rule(&self) -> &'static str {
        match self.kind {
            IssueKind::Malformed => "notebook-malformed",
            IssueKind::Limit => "notebook-limit-exceeded",
            IssueKind::Nonstandard => "notebook-nonstandard-element",
        }
    }

    fn to_observation(&self) -> Observation {
        let mut obs = Observation::new(self.rule(), self.message.clone());
        if let Some(cell) = self.cell {
            obs = obs.with_evidence("cell", cell.to_string());
        }
        if let Some(output) = self.output {
            obs = obs.with_evidence("output", output.to_string());
        }
        obs
    }
}
