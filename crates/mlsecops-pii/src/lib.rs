//! Personal-data detectors (checksummed) for text and tabular data files.
//!
//! Deterministic recognisers, no NER: every candidate found by an ASCII-mode regex (no
//! lookarounds) is post-validated before it is reported:
//!
//! | Kind | Validation | Base confidence |
//! |---|---|---|
//! | email | local part rules, domain labels, known TLD; reserved domains (RFC 2606/6761) and `git@`/`noreply@` dropped | 0.8 (0.3 for TLDs that are file extensions: `.py`, `.pt`, `.md`…) |
//! | phone | E.164 `+<cc>` with a known country code and 8–15 digits; NANP with separators and valid area code/exchange; fictional 555-01xx dropped; national non-NANP formats are out of scope | 0.6 E.164 / 0.55 NANP (0.3 NANP-shaped with invalid numbering, 0.2 ten bare digits) |
//! | credit card | 13–19 digits, issuer prefix + length table, Luhn; documented test numbers dropped | 0.85 grouped (`4539 5787 6362 1486`), 0.45 without separators |
//! | IBAN | country length table + ISO 7064 mod 97 | 0.9 spaced, 0.8 compact |
//! | US SSN | `AAA-GG-SSSS` outside never-issued ranges and advertising numbers | 0.6 dashed, 0.35 spaced, 0.2 bare 9 digits |
//! | IP address | `std::net` parsing; loopback, documentation, multicast, reserved and all-octets-below-10 (version strings) dropped | 0.6 public, 0.1 private / link-local / ULA / shared (never reported at the default threshold) |
//!
//! **Context words** (`email`, `phone`, `card`, `iban`, `ssn`, `social security`, `ip`, …) in
//! the 64 bytes before a match on the same line (or in a table column's header) add 0.35 with a floor of 0.4
//! (Presidio's `LemmaContextAwareEnhancer` values). Matches below
//! [`ScanOptions::min_confidence`] (default 0.5) are dropped, so weak shapes (bare 9-digit
//! numbers, unseparated card numbers, private IPs) need context to be reported.
//!
//! Values are never returned whole: [`PiiMatch::masked`] is `j***@example.org`,
//! `**** **** **** 1111`, `***-**-6789`, `DE** **** **** 3000`, `+** ** **** **58`, `81.2.*.*`.
//!
//! Tabular data ([`scan_table`], [`analyze_data_file`]) is aggregated per column: counts of
//! matching cells and at most three masked samples, with column-header hints that raise
//! confidence and report name-only columns (names, addresses, dates of birth, passports,
//! special-category data).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mlsecops_core::Observation;

mod data;
mod mask;
#[cfg(feature = "parquet")]
mod parquet_file;
mod table;
mod text;
mod validate;

pub use data::{MAX_SAMPLE_BYTES, MAX_SAMPLE_ROWS, analyze_data_file, is_data_file_name};
pub use table::{MAX_COLUMNS, TableScanner, scan_table};
pub use text::MAX_TEXT_MATCHES;

/// What kind of personal data a match or a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// Email address.
    Email,
    /// Telephone number.
    Phone,
    /// Payment card number.
    CreditCard,
    /// International bank account number.
    Iban,
    /// US Social Security number.
    UsSsn,
    /// Public IPv4 / IPv6 address.
    IpAddress,
    /// Person name (column header hint only).
    Name,
    /// Postal address (column header hint only).
    PostalAddress,
    /// Date of birth (column header hint only).
    DateOfBirth,
    /// Postal / ZIP code (column header hint only).
    PostalCode,
    /// Passport, national id or driving licence number (column header hint only).
    NationalId,
    /// GDPR Art. 9 special-category data: health, ethnicity, religion… (header hint only).
    SpecialCategory,
}

impl PiiKind {
    /// Kinds detected from values (the others only from column headers).
    pub const VALUE_KINDS: [PiiKind; 6] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::CreditCard,
        PiiKind::Iban,
        PiiKind::UsSsn,
        PiiKind::IpAddress,
    ];

    /// Stable snake-case name used in evidence (`kind = email`).
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::CreditCard => "credit_card",
            PiiKind::Iban => "iban",
            PiiKind::UsSsn => "us_ssn",
            PiiKind::IpAddress => "ip_address",
            PiiKind::Name => "name",
            PiiKind::PostalAddress => "postal_address",
            PiiKind::DateOfBirth => "date_of_birth",
            PiiKind::PostalCode => "postal_code",
            PiiKind::NationalId => "national_id",
            PiiKind::SpecialCategory => "special_category",
        }
    }

    /// Human label (`email address`).
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Email => "email address",
            PiiKind::Phone => "phone number",
            PiiKind::CreditCard => "payment card number",
            PiiKind::Iban => "IBAN",
            PiiKind::UsSsn => "US Social Security number",
            PiiKind::IpAddress => "IP address",
            PiiKind::Name => "person name",
            PiiKind::PostalAddress => "postal address",
            PiiKind::DateOfBirth => "date of birth",
            PiiKind::PostalCode => "postal code",
            PiiKind::NationalId => "passport / national id number",
            PiiKind::SpecialCategory => "special-category personal data",
        }
    }

    /// Registry rule a single match of this kind is reported under (`pii-data-column` for
    /// header-only kinds).
    pub fn rule(self) -> &'static str {
        match self {
            PiiKind::Email => "pii-email",
            PiiKind::Phone => "pii-phone",
            PiiKind::CreditCard => "pii-credit-card",
            PiiKind::Iban => "pii-iban",
            PiiKind::UsSsn => "pii-us-ssn",
            PiiKind::IpAddress => "pii-ip-address",
            _ => "pii-data-column",
        }
    }
}

/// Tuning of [`scan_text_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    /// Matches scored below this are dropped (0.0–1.0; default 0.5).
    pub min_confidence: f32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            min_confidence: 0.5,
        }
    }
}

/// One personal-data value found in text.
#[derive(Debug, Clone, PartialEq)]
pub struct PiiMatch {
    /// Registry rule id (`pii-email`, …).
    pub rule: &'static str,
    /// What was found.
    pub kind: PiiKind,
    /// Byte offset of the value in the scanned text.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`, in characters.
    pub column: u32,
    /// Masked value (never the value itself).
    pub masked: String,
    /// Score in 0.0–1.0 after validation and context boost.
    pub confidence: f32,
}

impl PiiMatch {
    /// The match as an observation: offset = `start`; evidence `kind`, `masked`, `line`,
    /// `column`, `confidence`. The raw value is never included.
    pub fn to_observation(&self) -> Observation {
        Observation::new(
            self.rule,
            format!(
                "{} {} at line {}, column {}",
                capitalise(self.kind.label()),
                self.masked,
                self.line,
                self.column
            ),
        )
        .at(self.start as u64)
        .with_evidence("kind", self.kind.as_str())
        .with_evidence("masked", self.masked.clone())
        .with_evidence("line", self.line.to_string())
        .with_evidence("column", self.column.to_string())
        .with_evidence("confidence", format!("{:.2}", self.confidence))
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Scans text for personal data with the default options (threshold 0.5). At most
/// [`MAX_TEXT_MATCHES`] matches are returned, sorted by position, without overlaps.
pub fn scan_text(text: &str) -> Vec<PiiMatch> {
    scan_text_with(text, &ScanOptions::default())
}

/// [`scan_text`] with explicit options.
pub fn scan_text_with(text: &str, opts: &ScanOptions) -> Vec<PiiMatch> {
    text::scan(text, &[], opts)
}
