//! Per-column aggregation of personal data in tables (data files, notebook `DataFrame`s).
//!
//! Each column gets a header hint (`email`, `ssn`, `first_name`, `date_of_birth`, `religion`…)
//! and every non-empty cell is scanned with the text detectors, the header acting as a context
//! word. One `pii-data-column` observation is made per (column, kind) with the number of
//! matching cells and at most three masked samples. Header-only kinds (names, addresses, dates of
//! birth, postal codes, passports, special-category data) are reported when at least half of the
//! non-empty cells look like such values (`bert-base` in a `name` column does not look like a
//! person's name).

use std::collections::BTreeMap;

use mlsecops_core::Observation;

use crate::{PiiKind, ScanOptions, mask, text};

/// Most columns analysed per table; further columns are skipped
/// ([`TableScanner::columns_truncated`]).
pub const MAX_COLUMNS: usize = 512;
/// Longest cell prefix scanned, in bytes.
const MAX_CELL_BYTES: usize = 4096;
/// Most masked samples per observation.
const MAX_SAMPLES: usize = 3;
/// Longest column name kept in evidence.
const MAX_NAME_CHARS: usize = 128;

/// A column-header hint.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hint {
    kind: PiiKind,
    /// Generic header (`name`): values must look more clearly like the kind.
    strict: bool,
}

#[derive(Debug, Default)]
struct KindStats {
    cells: usize,
    confidence: f32,
    samples: Vec<String>,
}

#[derive(Debug)]
struct Column {
    name: String,
    hint: Option<Hint>,
    non_empty: usize,
    values: BTreeMap<PiiKind, KindStats>,
    /// Cells that look like the hinted kind without a validated match.
    shaped: KindStats,
}

/// Streaming per-column scanner: feed rows, then [`TableScanner::finish`].
#[derive(Debug, Default)]
pub struct TableScanner {
    columns: Vec<Column>,
    truncated: bool,
    rows: usize,
    opts: ScanOptions,
}

impl TableScanner {
    /// Scanner with the given column names (more columns are added on demand as
    /// `column_<n>`).
    pub fn new(header: &[String]) -> Self {
        let mut scanner = TableScanner::default();
        for name in header {
            scanner.add_column(name);
        }
        scanner
    }

    /// Adds a column; returns its index, or `None` past [`MAX_COLUMNS`].
    pub fn add_column(&mut self, name: &str) -> Option<usize> {
        if self.columns.len() >= MAX_COLUMNS {
            self.truncated = true;
            return None;
        }
        let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
        self.columns.push(Column {
            hint: header_hint(&name),
            name,
            non_empty: 0,
            values: BTreeMap::new(),
            shaped: KindStats::default(),
        });
        Some(self.columns.len() - 1)
    }

    /// Index of the column named `name`, added when new.
    pub fn column_named(&mut self, name: &str) -> Option<usize> {
        let trimmed: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
        match self.columns.iter().position(|c| c.name == trimmed) {
            Some(i) => Some(i),
            None => self.add_column(name),
        }
    }

    /// Scans one row (cell `i` belongs to column `i`).
    pub fn push_row<S: AsRef<str>>(&mut self, row: &[S]) {
        self.rows = self.rows.saturating_add(1);
        for (i, cell) in row.iter().enumerate() {
            let index = if i < self.columns.len() {
                Some(i)
            } else {
                self.add_column(&format!("column_{}", i + 1))
            };
            let Some(index) = index else { break };
            self.push_cell(index, cell.as_ref());
        }
    }

    /// Counts one more row (for callers that use [`TableScanner::push_cell`]).
    pub fn count_row(&mut self) {
        self.rows = self.rows.saturating_add(1);
    }

    /// Scans one cell of column `index` (ignored when out of range).
    pub fn push_cell(&mut self, index: usize, cell: &str) {
        let opts = self.opts.clone();
        let Some(col) = self.columns.get_mut(index) else {
            return;
        };
        let cell = truncate(cell.trim(), MAX_CELL_BYTES);
        if cell.is_empty() {
            return;
        }
        col.non_empty += 1;
        let boost: Vec<PiiKind> = col
            .hint
            .map(|h| h.kind)
            .filter(|k| PiiKind::VALUE_KINDS.contains(k))
            .into_iter()
            .collect();
        let matches = text::scan(cell, &boost, &opts);
        let mut seen: Vec<PiiKind> = Vec::new();
        for m in &matches {
            let stats = col.values.entry(m.kind).or_default();
            if !seen.contains(&m.kind) {
                seen.push(m.kind);
                stats.cells += 1;
            }
            stats.confidence = stats.confidence.max(m.confidence);
            if stats.samples.len() < MAX_SAMPLES && !stats.samples.contains(&m.masked) {
                stats.samples.push(m.masked.clone());
            }
        }
        if let Some(hint) = col.hint
            && !seen.contains(&hint.kind)
            && looks_like(hint, cell)
        {
            col.shaped.cells += 1;
            let masked = match hint.kind {
                PiiKind::Phone | PiiKind::CreditCard | PiiKind::UsSsn | PiiKind::Iban => {
                    mask::phone(cell)
                }
                PiiKind::Email => mask::email(cell),
                _ => mask::generic(cell),
            };
            if col.shaped.samples.len() < MAX_SAMPLES && !col.shaped.samples.contains(&masked) {
                col.shaped.samples.push(masked);
            }
        }
    }

    /// True when columns past [`MAX_COLUMNS`] were skipped.
    pub fn columns_truncated(&self) -> bool {
        self.truncated
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// One `pii-data-column` observation per (column, kind), in column order.
    pub fn finish(self) -> Vec<Observation> {
        let mut out = Vec::new();
        for (index, col) in self.columns.iter().enumerate() {
            let hint_kind = col.hint.map(|h| h.kind);
            for (&kind, stats) in &col.values {
                let agrees = hint_kind == Some(kind);
                let confidence = if agrees {
                    (stats.confidence + 0.1).min(1.0)
                } else {
                    stats.confidence
                };
                let basis = if agrees { "header+values" } else { "values" };
                out.push(observation(index, col, kind, stats, basis, confidence));
            }
            // Header hint backed by value shapes (names, addresses, dates of birth, or contact
            // values in formats the validators do not accept).
            if let Some(kind) = hint_kind
                && !col.values.contains_key(&kind)
                && col.shaped.cells > 0
                && col.shaped.cells.saturating_mul(2) >= col.non_empty
            {
                let confidence = if PiiKind::VALUE_KINDS.contains(&kind) {
                    0.5
                } else {
                    0.6
                };
                out.push(observation(
                    index,
                    col,
                    kind,
                    &col.shaped,
                    "header",
                    confidence,
                ));
            }
        }
        out
    }
}

fn observation(
    index: usize,
    col: &Column,
    kind: PiiKind,
    stats: &KindStats,
    basis: &str,
    confidence: f32,
) -> Observation {
    Observation::new(
        "pii-data-column",
        format!(
            "Column `{}` holds {} data: {} of {} sampled non-empty values (e.g. {})",
            col.name,
            kind.label(),
            stats.cells,
            col.non_empty,
            stats.samples.join(", ")
        ),
    )
    .with_evidence("column", col.name.clone())
    .with_evidence("column_index", index.to_string())
    .with_evidence("kind", kind.as_str())
    .with_evidence("count", stats.cells.to_string())
    .with_evidence("rows_sampled", col.non_empty.to_string())
    .with_evidence("samples", stats.samples.join("; "))
    .with_evidence("basis", basis)
    .with_evidence("confidence", format!("{confidence:.2}"))
}

/// Scans a whole table (header + rows; rows may be ragged). Used for data files and for
/// notebook `DataFrame` / HTML tables.
pub fn scan_table(header: &[String], rows: &[Vec<String>]) -> Vec<Observation> {
    let mut scanner = TableScanner::new(header);
    for row in rows {
        scanner.push_row(row);
    }
    scanner.finish()
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Splits a header into lowercase tokens (`DateOfBirth` → `date of birth`, `e-mail` → `e mail`).
fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            cur.extend(c.to_lowercase());
        } else {
            prev_lower = false;
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Header hint of a column name.
fn header_hint(name: &str) -> Option<Hint> {
    let toks = tokens(name);
    let compact: String = toks.concat();
    let has = |words: &[&str]| toks.iter().any(|t| words.contains(&t.as_str()));
    let contains = |parts: &[&str]| parts.iter().any(|p| compact.contains(p));
    let hint = |kind| {
        Some(Hint {
            kind,
            strict: false,
        })
    };
    if has(&["email", "mail", "emailaddress"]) || contains(&["email"]) {
        return hint(PiiKind::Email);
    }
    if has(&["ip", "ipv4", "ipv6", "ipaddr"]) || contains(&["ipaddress"]) {
        return hint(PiiKind::IpAddress);
    }
    if has(&[
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cellphone",
        "fax",
        "msisdn",
    ]) || contains(&["phone"])
    {
        return hint(PiiKind::Phone);
    }
    if has(&["ssn"]) || contains(&["socialsecurity"]) {
        return hint(PiiKind::UsSsn);
    }
    if has(&["iban"]) {
        return hint(PiiKind::Iban);
    }
    if has(&["dob", "birthday", "birthdate", "birth"]) || contains(&["dateofbirth", "birthdate"]) {
        return hint(PiiKind::DateOfBirth);
    }
    if has(&["passport", "nino"])
        || contains(&[
            "passport",
            "nationalid",
            "driverlicense",
            "driverslicense",
            "drivinglicence",
            "drivinglicense",
            "taxid",
            "idcardnumber",
        ])
    {
        return hint(PiiKind::NationalId);
    }
    if has(&["zip", "zipcode", "postcode", "postal", "postalcode"])
        || contains(&["zipcode", "postcode", "postalcode"])
    {
        return hint(PiiKind::PostalCode);
    }
    if let Some(h) = name_hint(&toks, &compact) {
        return Some(h);
    }
    if has(&["card", "cc", "ccnum", "pan"]) || contains(&["creditcard", "cardnumber", "ccnumber"]) {
        return hint(PiiKind::CreditCard);
    }
    let not_postal = [
        "mac", "wallet", "contract", "memory", "mem", "web", "url", "server", "host", "base",
        "return", "ip",
    ];
    if (has(&["address", "addr", "street", "streetaddress", "addressline"])
        || contains(&[
            "streetaddress",
            "homeaddress",
            "mailingaddress",
            "billingaddress",
        ]))
        && !has(&not_postal)
    {
        return hint(PiiKind::PostalAddress);
    }
    if has(&[
        "religion",
        "religious",
        "ethnicity",
        "ethnic",
        "race",
        "diagnosis",
        "disability",
        "disabilities",
        "biometric",
        "genetic",
        "hiv",
        "pregnancy",
        "pregnant",
    ]) || contains(&[
        "sexualorientation",
        "medicalcondition",
        "healthcondition",
        "healthstatus",
        "tradeunion",
        "politicalaffiliation",
        "politicalopinion",
        "politicalparty",
    ]) {
        return hint(PiiKind::SpecialCategory);
    }
    None
}

fn name_hint(toks: &[String], compact: &str) -> Option<Hint> {
    const SPECIFIC: &[&str] = &[
        "firstname",
        "lastname",
        "fullname",
        "surname",
        "givenname",
        "familyname",
        "forename",
        "middlename",
        "maidenname",
        "cardholdername",
        "holdername",
        "accountholder",
        "cardholder",
    ];
    const OWNERS: &[&str] = &[
        "customer",
        "user",
        "person",
        "patient",
        "employee",
        "contact",
        "client",
        "member",
        "owner",
        "student",
        "applicant",
        "passenger",
        "guest",
        "buyer",
        "seller",
    ];
    if SPECIFIC.contains(&compact) || toks.iter().any(|t| t == "surname") {
        return Some(Hint {
            kind: PiiKind::Name,
            strict: false,
        });
    }
    match toks {
        [only] if only == "name" => Some(Hint {
            kind: PiiKind::Name,
            strict: true,
        }),
        [owner, last] if last == "name" && OWNERS.contains(&owner.as_str()) => Some(Hint {
            kind: PiiKind::Name,
            strict: false,
        }),
        _ => None,
    }
}

/// Whether a cell has the shape of the hinted kind (used when no validator matched it, and
/// for header-only kinds).
fn looks_like(hint: Hint, cell: &str) -> bool {
    let digits = cell.bytes().filter(u8::is_ascii_digit).count();
    let letters = cell.chars().filter(|c| c.is_alphabetic()).count();
    let only = |extra: &str| {
        cell.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    match hint.kind {
        PiiKind::Email => {
            cell.contains('@') && !cell.contains(char::is_whitespace) && cell.len() <= 254
        }
        PiiKind::Phone => (7..=15).contains(&digits) && letters <= 1 && only(" +-.()x"),
        PiiKind::CreditCard => (13..=19).contains(&digits) && letters == 0 && only(" -"),
        PiiKind::UsSsn => digits == 9 && letters == 0 && only(" -"),
        PiiKind::Iban => (15..=34).contains(&cell.len()) && digits >= 8 && only(" "),
        PiiKind::IpAddress => cell.parse::<std::net::IpAddr>().is_ok(),
        PiiKind::Name => {
            let words = cell.split_whitespace().count();
            let first_ok = cell
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || (c.is_alphabetic() && !c.is_ascii()));
            first_ok
                && letters > 0
                && cell.len() <= 80
                && cell
                    .chars()
                    .all(|c| c.is_alphabetic() || " .'-".contains(c))
                && (1..=6).contains(&words)
                && (!hint.strict || words >= 2)
        }
        PiiKind::PostalAddress => {
            // At least two words, one of them a word of letters (`12 Main St`, not `0x7ffd…`).
            cell.len() <= 200
                && cell.split_whitespace().count() >= 2
                && cell
                    .split_whitespace()
                    .any(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphabetic))
        }
        PiiKind::DateOfBirth => (4..=14).contains(&digits) && cell.len() <= 40,
        PiiKind::PostalCode => (3..=10).contains(&cell.len()) && digits > 0 && only(" -"),
        PiiKind::NationalId => (5..=20).contains(&cell.len()) && digits > 0 && only(" -"),
        PiiKind::SpecialCategory => cell.len() <= 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str) -> Option<PiiKind> {
        header_hint(name).map(|h| h.kind)
    }

    #[test]
    fn header_hints() {
        assert_eq!(kind("email"), Some(PiiKind::Email));
        assert_eq!(kind("E-Mail"), Some(PiiKind::Email));
        assert_eq!(kind("email_address"), Some(PiiKind::Email));
        assert_eq!(kind("ip_address"), Some(PiiKind::IpAddress));
        assert_eq!(kind("DateOfBirth"), Some(PiiKind::DateOfBirth));
        assert_eq!(kind("date_of_birth"), Some(PiiKind::DateOfBirth));
        assert_eq!(kind("social_security"), Some(PiiKind::UsSsn));
        assert_eq!(kind("first_name"), Some(PiiKind::Name));
        assert_eq!(kind("customer name"), Some(PiiKind::Name));
        assert_eq!(kind("card_holder_name"), Some(PiiKind::Name));
        assert_eq!(kind("credit_card_number"), Some(PiiKind::CreditCard));
        assert_eq!(kind("street_address"), Some(PiiKind::PostalAddress));
        assert_eq!(kind("mac_address"), None);
        assert_eq!(kind("postcode"), Some(PiiKind::PostalCode));
        assert_eq!(kind("race"), Some(PiiKind::SpecialCategory));
        assert_eq!(kind("model_name"), None);
        assert_eq!(kind("feature_3"), None);
        assert_eq!(kind("trace_id"), None);
        assert_eq!(header_hint("name").map(|h| h.strict), Some(true));
    }

    #[test]
    fn generic_name_column_needs_person_like_values() {
        let header = vec!["name".to_owned()];
        let models: Vec<Vec<String>> = ["bert-base-uncased", "resnet50", "gpt2"]
            .iter()
            .map(|s| vec![(*s).to_owned()])
            .collect();
        assert!(scan_table(&header, &models).is_empty());
        let people: Vec<Vec<String>> = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
            .iter()
            .map(|s| vec![(*s).to_owned()])
            .collect();
        let obs = scan_table(&header, &people);
        assert_eq!(obs.len(), 1);
        assert_eq!(
            obs[0].evidence.get("kind").map(String::as_str),
            Some("name")
        );
        assert_eq!(
            obs[0].evidence.get("basis").map(String::as_str),
            Some("header")
        );
        assert!(!obs[0].message.contains("Lovelace"));
    }
}
