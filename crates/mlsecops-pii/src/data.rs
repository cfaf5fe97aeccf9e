//! Tabular data files: CSV, TSV, JSON Lines (optionally gzip-compressed) and Parquet.
//!
//! Files are **sampled**: at most [`MAX_SAMPLE_ROWS`] rows from the first [`MAX_SAMPLE_BYTES`]
//! (decompressed) bytes. Sampling is by design and does not make the analysis incomplete; a
//! parse error, an invalid JSON line, a corrupt gzip stream, an unsupported compression, skipped
//! columns, or a Parquet file in a build without the `parquet` feature does.

use std::io::Read;

use mlsecops_core::FormatAnalysis;

use crate::table::TableScanner;

/// Most data rows sampled per file.
pub const MAX_SAMPLE_ROWS: usize = 10_000;
/// Most (decompressed) bytes sampled per file.
pub const MAX_SAMPLE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest JSON nesting flattened into `a.b.c` columns.
const MAX_JSON_DEPTH: usize = 8;
/// Most array elements of one JSON value scanned.
const MAX_JSON_ARRAY: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Tsv,
    Jsonl,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Other(&'static str),
}

fn classify(name: &str) -> Option<(Kind, Compression)> {
    let lower = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let (stem, compression) = [
        (".gz", Compression::Gzip),
        (".gzip", Compression::Gzip),
        (".bz2", Compression::Other("bzip2")),
        (".xz", Compression::Other("xz")),
        (".zst", Compression::Other("zstd")),
        (".zstd", Compression::Other("zstd")),
        (".lz4", Compression::Other("lz4")),
    ]
    .iter()
    .find_map(|(ext, c)| lower.strip_suffix(ext).map(|s| (s, *c)))
    .unwrap_or((lower.as_str(), Compression::None));
    let kind = match stem.rsplit_once('.').map(|(_, ext)| ext) {
        Some("csv") => Kind::Csv,
        Some("tsv" | "tab") => Kind::Tsv,
        Some("jsonl" | "ndjson") => Kind::Jsonl,
        Some("parquet" | "pq") if compression == Compression::None => Kind::Parquet,
        _ => return None,
    };
    Some((kind, compression))
}

/// True for names of tabular data files this crate analyses: `.csv`, `.tsv`, `.tab`,
/// `.jsonl`, `.ndjson` (each also with `.gz`, `.bz2`, `.xz`, `.zst`, `.lz4`), `.parquet`, `.pq`.
pub fn is_data_file_name(name: &str) -> bool {
    classify(name).is_some()
}

/// Analyses a data file for personal data; `None` when `name` is not a data-file name.
///
/// Format labels: `csv`, `tsv`, `jsonl`, `parquet`. Observations are `pii-data-column`, one
/// per (column, kind), with evidence `column`, `kind`, `count`, `rows_sampled`, `samples`
/// (masked), `basis`, `confidence`.
pub fn analyze_data_file(name: &str, data: &[u8]) -> Option<FormatAnalysis> {
    let (kind, compression) = classify(name)?;
    let label = match kind {
        Kind::Csv => "csv",
        Kind::Tsv => "tsv",
        Kind::Jsonl => "jsonl",
        Kind::Parquet => "parquet",
    };
    let mut analysis = FormatAnalysis::new(label);
    let decoded;
    let bytes: &[u8] = match compression {
        Compression::None => data,
        Compression::Gzip => {
            let mut out = Vec::new();
            let mut reader = flate2::read::MultiGzDecoder::new(data)
                .take(u64::try_from(MAX_SAMPLE_BYTES).unwrap_or(u64::MAX));
            if let Err(e) = reader.read_to_end(&mut out) {
                analysis.mark_incomplete(format!(
                    "gzip stream is corrupt or truncated after {} bytes: {e}",
                    out.len()
                ));
            }
            decoded = out;
            &decoded
        }
        Compression::Other(method) => {
            analysis.mark_incomplete(format!(
                "{method}-compressed data file: decompression not supported, not analysed"
            ));
            return Some(analysis);
        }
    };
    match kind {
        Kind::Csv => delimited(sample(bytes), None, &mut analysis),
        Kind::Tsv => delimited(sample(bytes), Some(b'\t'), &mut analysis),
        Kind::Jsonl => json_lines(sample(bytes), &mut analysis),
        Kind::Parquet => parquet(bytes, &mut analysis),
    }
    Some(analysis)
}

/// The first [`MAX_SAMPLE_BYTES`], cut after the last complete line.
fn sample(bytes: &[u8]) -> &[u8] {
    if bytes.len() <= MAX_SAMPLE_BYTES {
        return bytes;
    }
    let head = bytes.get(..MAX_SAMPLE_BYTES).unwrap_or(bytes);
    match head.iter().rposition(|&b| b == b'\n') {
        Some(i) => head.get(..=i).unwrap_or(head),
        None => head,
    }
}

/// Picks the delimiter that occurs most often in the first line (`,` `;` `\t` `|`).
#[allow(clippy::naive_bytecount)] // one short line; not worth a dependency
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|d| (first.iter().filter(|&&b| b == d).count(), d))
        .max_by_key(|&(n, d)| (n, d == b','))
        .map_or(b',', |(_, d)| d)
}

fn delimited(bytes: &[u8], delimiter: Option<u8>, analysis: &mut FormatAnalysis) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header: Vec<String> = match records.next() {
        None => return,
        Some(Err(e)) => {
            analysis.mark_incomplete(format!("CSV header row is malformed: {e}"));
            return;
        }
        Some(Ok(rec)) => rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
    };
    // A first row holding personal data is data, not a header.
    let header_is_data = header.iter().any(|h| !crate::scan_text(h).is_empty());
    let mut scanner = if header_is_data {
        let mut s = TableScanner::new(&[]);
        s.push_row(&header);
        s
    } else {
        TableScanner::new(&header)
    };
    for (n, record) in records.enumerate() {
        if n >= MAX_SAMPLE_ROWS {
            break;
        }
        match record {
            Ok(rec) => {
                let row: Vec<std::borrow::Cow<'_, str>> =
                    rec.iter().map(String::from_utf8_lossy).collect();
                scanner.push_row(&row);
            }
            Err(e) => {
                analysis.mark_incomplete(format!("CSV parse error after {n} rows: {e}"));
                break;
            }
        }
    }
    finish(scanner, analysis);
}

fn finish(scanner: TableScanner, analysis: &mut FormatAnalysis) {
    if scanner.columns_truncated() {
        analysis.mark_incomplete(format!(
            "more than {} columns: further columns not analysed",
            crate::MAX_COLUMNS
        ));
    }
    for obs in scanner.finish() {
        analysis.push(obs);
    }
}

fn json_lines(bytes: &[u8], analysis: &mut FormatAnalysis) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut scanner = TableScanner::new(&[]);
    let mut rows = 0usize;
    let mut invalid = 0usize;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if rows >= MAX_SAMPLE_ROWS {
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows += 1;
        scanner.count_row();
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(value) => flatten(&mut scanner, "", &value, 0),
            Err(e) => {
                if invalid == 0 {
                    analysis.mark_incomplete(format!("line {} is not valid JSON: {e}", i + 1));
                }
                invalid += 1;
                // Still look at the raw text.
                if let Some(col) = scanner.column_named("(unparsed line)") {
                    scanner.push_cell(col, &String::from_utf8_lossy(line));
                }
            }
        }
    }
    finish(scanner, analysis);
}

fn flatten(scanner: &mut TableScanner, path: &str, value: &serde_json::Value, depth: usize) {
    use serde_json::Value;
    let column =
        |s: &mut TableScanner| s.column_named(if path.is_empty() { "(value)" } else { path });
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::Number(n) => {
            if let Some(c) = column(scanner) {
                scanner.push_cell(c, &n.to_string());
            }
        }
        Value::String(s) => {
            if let Some(c) = column(scanner) {
                scanner.push_cell(c, s);
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(MAX_JSON_ARRAY) {
                if depth < MAX_JSON_DEPTH {
                    flatten(scanner, path, item, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            if depth >= MAX_JSON_DEPTH {
                if let Some(c) = column(scanner) {
                    scanner.push_cell(c, &value.to_string());
                }
                return;
            }
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(scanner, &child, item, depth + 1);
            }
        }
    }
}

#[cfg(not(feature = "parquet"))]
fn parquet(bytes: &[u8], analysis: &mut FormatAnalysis) {
    if !(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")) {
        analysis.mark_incomplete("not a Parquet file (PAR1 magic missing)");
        return;
    }
    analysis.mark_incomplete(
        "Parquet data file not analysed: mlsecops was built without the `parquet` feature",
    );
}

#[cfg(feature = "parquet")]
fn parquet(bytes: &[u8], analysis: &mut FormatAnalysis) {
    crate::parquet_file::analyse(bytes, analysis);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_data_file_name("data/train.csv"));
        assert!(is_data_file_name("X.TSV"));
        assert!(is_data_file_name("a.jsonl.gz"));
        assert!(is_data_file_name("a.csv.zst"));
        assert!(is_data_file_name("part-0.parquet"));
        assert!(!is_data_file_name("model.safetensors"));
        assert!(!is_data_file_name("config.json"));
        assert!(!is_data_file_name("a.parquet.gz"));
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a,b\n"), b',');
        assert_eq!(sniff_delimiter(b"abc\n"), b',');
    }
}
