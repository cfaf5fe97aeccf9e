//! Tar listing over archives written by Python's `tarfile` (pax and GNU formats).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use common::read_data;
use mlsecops_archive::AnomalyKind;
use mlsecops_archive::tar::{TarError, TarKind, TarLimits, list, looks_like_tar};

#[test]
fn pax_archive() {
    let data = read_data("pytar_pax.tar");
    assert!(looks_like_tar(&data));
    let ar = list(&data, &TarLimits::default()).unwrap();
    assert_eq!(ar.error, None);
    let names: Vec<_> = ar.entries.iter().map(|e| e.name.as_str()).collect();
    let long = format!("{}/long_name.bin", "d".repeat(150));
    assert_eq!(
        names,
        ["sys_info", "pickle", long.as_str(), "link", "../../evil"]
    );
    assert_eq!(ar.entries[0].data, b"xxxxxxxxxx");
    assert_eq!(ar.entries[1].data[0], 0x80);
    assert_eq!(ar.entries[2].data, b"long");
    assert_eq!(ar.entries[3].kind, TarKind::Symlink);
    assert_eq!(ar.entries[3].link_name.as_deref(), Some("/etc/passwd"));
    let kinds: Vec<_> = ar.anomalies.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AnomalyKind::Symlink,
            AnomalyKind::PathTraversal,
            AnomalyKind::PathTraversal
        ]
    );
    // Data is borrowed, at the stated offset.
    let e = &ar.entries[1];
    assert_eq!(&data[e.data_offset as usize..][..e.size as usize], e.data);
}

#[test]
fn gnu_long_names_and_hardlink() {
    let data = read_data("pytar_gnu.tar");
    assert!(looks_like_tar(&data));
    let ar = list(&data, &TarLimits::default()).unwrap();
    let long = format!("{}/x", "g".repeat(120));
    assert_eq!(ar.entries[0].name, long);
    assert_eq!(ar.entries[0].data, b"gnu long");
    assert_eq!(ar.entries[1].kind, TarKind::Hardlink);
    assert_eq!(ar.entries[1].link_name.as_deref(), Some(long.as_str()));
    assert_eq!(ar.anomalies[0].kind, AnomalyKind::Hardlink);
}

#[test]
fn truncated_keeps_earlier_entries() {
    let data = read_data("pytar_pax.tar");
    let ar = list(&data, &TarLimits::default()).unwrap();
    let cut = ar.entries[1].data_offset as usize + 3;
    let ar = list(&data[..cut], &TarLimits::default()).unwrap();
    assert_eq!(ar.entries.len(), 1);
    assert!(matches!(ar.error, Some(TarError::Truncated { .. })));
    assert!(
        ar.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::Truncated)
    );
}

#[test]
fn limits_and_non_tar() {
    let data = read_data("pytar_pax.tar");
    let ar = list(
        &data,
        &TarLimits {
            max_entries: 2,
            ..TarLimits::default()
        },
    )
    .unwrap();
    assert_eq!(ar.entries.len(), 2);
    assert_eq!(ar.error, Some(TarError::TooManyEntries { limit: 2 }));
    let ar = list(
        &data,
        &TarLimits {
            max_name_len: 10,
            ..TarLimits::default()
        },
    )
    .unwrap();
    assert!(matches!(ar.error, Some(TarError::NameTooLong { .. })));
    assert!(!looks_like_tar(&[0u8; 1024]));
    assert!(!looks_like_tar(b"PK\x03\x04"));
    assert_eq!(
        list(&[0u8; 1024], &TarLimits::default()).unwrap_err(),
        TarError::NotTar
    );
}

#[test]
fn bad_checksum_in_second_header() {
    let mut data = read_data("pytar_gnu.tar");
    let ar = list(&data, &TarLimits::default()).unwrap();
    let second = ar.entries[1].header_offset as usize;
    data[second + 1] ^= 0x01;
    let ar = list(&data, &TarLimits::default()).unwrap();
    assert_eq!(ar.entries.len(), 1);
    assert!(
        ar.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::BadChecksum)
    );
}
