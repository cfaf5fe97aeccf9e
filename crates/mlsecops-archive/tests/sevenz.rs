//! 7z extraction over archives written by py7zr 1.1.4.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use common::read_data;
use mlsecops_archive::sevenz::{SevenZError, SevenZLimits, extract, looks_like_7z};

#[test]
fn extracts_py7zr_archive() {
    let data = read_data("py7z.7z");
    assert!(looks_like_7z(&data));
    let entries = extract(&data, &SevenZLimits::default()).unwrap();
    let pkl = entries
        .iter()
        .find(|e| e.name == "archive/data.pkl")
        .unwrap();
    assert_eq!(pkl.data[0], 0x80);
    let v = entries
        .iter()
        .find(|e| e.name == "archive/version")
        .unwrap();
    assert_eq!(v.data, b"3\n");
}

#[test]
fn encrypted_is_distinct_error() {
    for f in ["py7z_enc.7z", "py7z_enc_header.7z"] {
        let data = read_data(f);
        assert_eq!(
            extract(&data, &SevenZLimits::default()).unwrap_err(),
            SevenZError::Encrypted,
            "{f}"
        );
    }
}

#[test]
fn limits_checked_before_extraction() {
    let data = read_data("py7z.7z");
    let l = SevenZLimits {
        max_entries: 1,
        ..SevenZLimits::default()
    };
    assert!(matches!(
        extract(&data, &l),
        Err(SevenZError::TooManyEntries { count: 2, limit: 1 })
    ));
    let l = SevenZLimits {
        max_entry_size: 4,
        ..SevenZLimits::default()
    };
    assert!(matches!(
        extract(&data, &l),
        Err(SevenZError::EntryTooLarge { .. })
    ));
    let l = SevenZLimits {
        max_total_size: 10,
        ..SevenZLimits::default()
    };
    assert!(matches!(
        extract(&data, &l),
        Err(SevenZError::TotalTooLarge { limit: 10 })
    ));
}

#[test]
fn bad_inputs() {
    assert_eq!(
        extract(b"not 7z", &SevenZLimits::default()).unwrap_err(),
        SevenZError::NotSevenZ
    );
    let data = read_data("py7z.7z");
    assert!(matches!(
        extract(&data[..20], &SevenZLimits::default()),
        Err(SevenZError::BadHeader(_))
    ));
    assert!(matches!(
        extract(&data[..data.len() - 10], &SevenZLimits::default()),
        Err(SevenZError::BadHeader(_))
    ));
}
