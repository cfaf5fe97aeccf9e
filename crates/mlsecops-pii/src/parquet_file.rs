//! Sampled Parquet reading (feature `parquet`): the first [`MAX_SAMPLE_ROWS`] rows through
//! the `parquet` crate's row API, every leaf value rendered as text and fed to the column
//! scanner. Nested groups and lists become `a.b` columns like JSON Lines.

use mlsecops_core::FormatAnalysis;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};

use crate::data::MAX_SAMPLE_ROWS;
use crate::table::TableScanner;

/// Largest Parquet file read (the reader needs an owned copy of the bytes).
const MAX_PARQUET_BYTES: usize = 1024 * 1024 * 1024;
/// Deepest nesting flattened.
const MAX_DEPTH: usize = 8;
/// Most list elements scanned per value.
const MAX_LIST: usize = 64;

pub(crate) fn analyse(bytes: &[u8], analysis: &mut FormatAnalysis) {
    if !(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")) {
        analysis.mark_incomplete("not a Parquet file (PAR1 magic missing)");
        return;
    }
    if bytes.len() > MAX_PARQUET_BYTES {
        analysis.mark_incomplete(format!(
            "Parquet file larger than {MAX_PARQUET_BYTES} bytes: not analysed"
        ));
        return;
    }
    let owned = bytes::Bytes::copy_from_slice(bytes);
    // The reader is third-party code over hostile bytes: a panic becomes an inconclusive file.
    let outcome = std::panic::catch_unwind(move || read(owned));
    match outcome {
        Ok((scanner, error)) => {
            if let Some(e) = error {
                analysis.mark_incomplete(format!("Parquet read error: {e}"));
            }
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
        Err(_) => analysis.mark_incomplete("Parquet reader failed on malformed input"),
    }
}

fn read(bytes: bytes::Bytes) -> (TableScanner, Option<String>) {
    let mut scanner = TableScanner::new(&[]);
    let reader = match SerializedFileReader::new(bytes) {
        Ok(r) => r,
        Err(e) => return (scanner, Some(e.to_string())),
    };
    let rows = match reader.get_row_iter(None) {
        Ok(r) => r,
        Err(e) => return (scanner, Some(e.to_string())),
    };
    for row in rows.take(MAX_SAMPLE_ROWS) {
        match row {
            Ok(row) => {
                scanner.count_row();
                flatten_row(&mut scanner, "", &row, 0);
            }
            Err(e) => return (scanner, Some(e.to_string())),
        }
    }
    (scanner, None)
}

fn flatten_row(scanner: &mut TableScanner, prefix: &str, row: &Row, depth: usize) {
    for (name, field) in row.get_column_iter() {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        flatten_field(scanner, &path, field, depth);
    }
}

fn flatten_field(scanner: &mut TableScanner, path: &str, field: &Field, depth: usize) {
    if depth >= MAX_DEPTH {
        return;
    }
    match field {
        Field::Null | Field::Bool(_) => {}
        Field::Group(row) => flatten_row(scanner, path, row, depth + 1),
        Field::ListInternal(list) => {
            for item in list.elements().iter().take(MAX_LIST) {
                flatten_field(scanner, path, item, depth + 1);
            }
        }
        Field::MapInternal(map) => {
            for (_, value) in map.entries().iter().take(MAX_LIST) {
                flatten_field(scanner, path, value, depth + 1);
            }
        }
        Field::Str(s) => push(scanner, path, s),
        Field::Bytes(b) => push(scanner, path, &String::from_utf8_lossy(b.data())),
        other => push(scanner, path, &other.to_string()),
    }
}

fn push(scanner: &mut TableScanner, path: &str, value: &str) {
    if let Some(col) = scanner.column_named(path) {
        scanner.push_cell(col, value);
    }
}
