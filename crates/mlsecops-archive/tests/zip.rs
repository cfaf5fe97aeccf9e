//! ZIP reader: one crafted archive per published bypass, each asserting the exact anomaly.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use common::{Member, ZipBuilder, evil_pickle, read_data, torch_like};
use mlsecops_archive::AnomalyKind;
use mlsecops_archive::zip::{self, EntryError, Limits, ZipArchive, ZipError};

fn parse(data: &[u8]) -> ZipArchive {
    zip::parse(data, &Limits::default()).unwrap()
}

fn kinds(ar: &ZipArchive) -> Vec<AnomalyKind> {
    ar.anomalies.iter().map(|a| a.kind).collect()
}

fn has(ar: &ZipArchive, kind: AnomalyKind) -> bool {
    ar.anomalies.iter().any(|a| a.kind == kind)
}

#[test]
fn clean_builder_archive_has_no_anomalies() {
    let data = torch_like().build();
    assert!(zip::looks_like_zip(&data));
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![]);
    assert_eq!(ar.entries.len(), 3);
    assert_eq!(ar.prefix_len, 0);
    let e = &ar.entries[0];
    assert_eq!(e.name, "archive/data.pkl");
    assert_eq!(e.local_name.as_deref(), Some("archive/data.pkl"));
    let got = ar.read(&data, e, 1 << 20).unwrap();
    assert!(matches!(got.data, std::borrow::Cow::Borrowed(_)));
    assert_eq!(&*got.data, evil_pickle().as_slice());
    assert!(got.crc.is_none());
    assert!(got.anomalies.is_empty());
    assert_eq!(&*ar.read_prefix(&data, e, 2).unwrap(), b"\x80\x02");
}

#[test]
fn python_zipfile_stored() {
    let data = read_data("pyzip_stored.zip");
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![]);
    let names: Vec<_> = ar.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["archive/data.pkl", "archive/version", "archive/data/0"]
    );
    for e in &ar.entries {
        let d = ar.read(&data, e, 1 << 20).unwrap();
        assert!(d.crc.is_none(), "{}", e.name);
    }
    let v = ar.by_name("archive/version").next().unwrap();
    assert_eq!(&*ar.read(&data, v, 100).unwrap().data, b"3\n");
}

#[test]
fn python_zipfile_deflate() {
    let data = read_data("pyzip_deflate.zip");
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![]);
    let cfg = &ar.entries[0];
    assert_eq!(cfg.method, zip::METHOD_DEFLATE);
    let d = ar.read(&data, cfg, 1 << 20).unwrap();
    assert_eq!(&*d.data, b"{\"a\": 1}".repeat(20).as_slice());
    assert!(d.crc.is_none());
    assert_eq!(&*ar.read_prefix(&data, cfg, 4).unwrap(), b"{\"a\"");
    // max_out smaller than the member: error, not truncation.
    assert_eq!(
        ar.read(&data, cfg, 10).unwrap_err(),
        EntryError::OutputLimit { limit: 10 }
    );
}

#[test]
fn python_zipfile_bzip2_and_lzma() {
    let data = read_data("pyzip_bzip2_lzma.zip");
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![]);
    let b = &ar.entries[0];
    assert_eq!(b.method, zip::METHOD_BZIP2);
    assert_eq!(
        &*ar.read(&data, b, 1000).unwrap().data,
        b"hello bzip2 ".repeat(10).as_slice()
    );
    let l = &ar.entries[1];
    assert_eq!(l.method, zip::METHOD_LZMA);
    let d = ar.read(&data, l, 1000).unwrap();
    assert_eq!(&*d.data, b"hello lzma ".repeat(10).as_slice());
    assert!(d.crc.is_none());
    assert_eq!(&*ar.read_prefix(&data, l, 5).unwrap(), b"hello");
}

#[test]
fn zstd_member() {
    let payload = b"zstd payload ".repeat(50);
    let mut m = Member::stored("z.bin", &payload);
    m.raw = ruzstd::encoding::compress_to_vec(
        payload.as_slice(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    m.method = zip::METHOD_ZSTD;
    let data = ZipBuilder::new().member(m).build();
    let ar = parse(&data);
    let d = ar.read(&data, &ar.entries[0], 10_000).unwrap();
    assert_eq!(&*d.data, payload.as_slice());
    assert!(d.crc.is_none());
}

/// A1 (CVE-2025-1945): flag bits 0x1 / 0x20 / 0x40 in both headers are read anyway.
#[test]
fn flag_bits_are_reported_and_ignored() {
    for bits in [0x1u16, 0x20, 0x40, 0x61] {
        let mut b = torch_like();
        b.members[0] = b.members[0].clone().flags(bits);
        let data = b.build();
        let ar = parse(&data);
        let flags: Vec<_> = ar
            .anomalies
            .iter()
            .filter(|a| a.kind == AnomalyKind::FlagBits)
            .collect();
        assert_eq!(flags.len(), 2, "central + local for {bits:#x}");
        assert_eq!(flags[0].entry.as_deref(), Some("archive/data.pkl"));
        assert!(flags[0].message.contains(&format!("{bits:#06x}")));
        assert_eq!(
            kinds(&ar),
            vec![AnomalyKind::FlagBits, AnomalyKind::FlagBits]
        );
        // Still readable, as PyTorch reads it.
        let d = ar.read(&data, &ar.entries[0], 1 << 20).unwrap();
        assert_eq!(&*d.data, evil_pickle().as_slice());
    }
}

#[test]
fn encrypted_deflate_that_does_not_inflate_is_encrypted_error() {
    let mut m = Member::stored("data.pkl", b"x");
    m.method = 8;
    m.raw = vec![0xFF; 40]; // not a valid deflate stream (reserved block type)
    let data = ZipBuilder::new().member(m.flags(0x1)).build();
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::FlagBits));
    assert_eq!(
        ar.read(&data, &ar.entries[0], 100).unwrap_err(),
        EntryError::Encrypted
    );
}

#[test]
fn aes_method_is_encrypted_unreadable() {
    let mut m = Member::stored("data.pkl", b"x");
    m.method = zip::METHOD_AES;
    let data = ZipBuilder::new().member(m.flags(0x1)).build();
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::EncryptedUnreadable));
    assert_eq!(
        ar.read(&data, &ar.entries[0], 100).unwrap_err(),
        EntryError::Encrypted
    );
}

/// A2 (CVE-2025-1944): central `data.pkl`, local `datap.kl`.
#[test]
fn name_mismatch() {
    let mut b = torch_like();
    b.members[0].local_name = Some(b"archive/datap.kl".to_vec());
    let data = b.build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::NameMismatch]);
    let e = &ar.entries[0];
    assert_eq!(e.name, "archive/data.pkl");
    assert_eq!(e.local_name.as_deref(), Some("archive/datap.kl"));
    assert_eq!(
        &*ar.read(&data, e, 1 << 20).unwrap().data,
        evil_pickle().as_slice()
    );
}

/// A name mismatch with a *longer* local name still finds the data (miniz uses the local length).
#[test]
fn name_mismatch_different_length() {
    let mut b = torch_like();
    b.members[0].local_name = Some(b"a/much/longer/local/name.pkl".to_vec());
    let data = b.build();
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::NameMismatch));
    assert_eq!(
        &*ar.read(&data, &ar.entries[0], 1 << 20).unwrap().data,
        evil_pickle().as_slice()
    );
}

/// A3 (CVE-2025-10156): payload edited after zipping.
#[test]
fn crc_mismatch_is_lazy() {
    let mut data = torch_like().build();
    let ar = parse(&data);
    let off = ar.entries[0].data_offset as usize;
    data[off + 5] = b'X'; // patch the payload
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![], "CRC is not checked while parsing");
    let d = ar.read(&data, &ar.entries[0], 1 << 20).unwrap();
    let crc = d.crc.expect("crc anomaly");
    assert_eq!(crc.kind, AnomalyKind::CrcMismatch);
    assert_eq!(crc.entry.as_deref(), Some("archive/data.pkl"));
}

#[test]
fn duplicate_names() {
    let data = torch_like()
        .member(Member::stored("archive/data.pkl", b"\x80\x02N."))
        .build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::DuplicateName]);
    assert_eq!(ar.by_name("archive/data.pkl").count(), 2);
}

#[test]
fn path_traversal_relative_and_absolute() {
    for name in [
        "../../x",
        "a/../../x",
        "/etc/x",
        "\\evil",
        "C:/evil",
        "..\\..\\x",
    ] {
        let data = ZipBuilder::new().member(Member::stored(name, b"x")).build();
        let ar = parse(&data);
        assert_eq!(kinds(&ar), vec![AnomalyKind::PathTraversal], "{name}");
        assert_eq!(ar.anomalies[0].entry.as_deref(), Some(name));
    }
    let data = ZipBuilder::new()
        .member(Member::stored("a/../b", b"x"))
        .build();
    assert_eq!(kinds(&parse(&data)), vec![]);
}

#[test]
fn symlink_member() {
    let mut m = Member::stored("link", b"/etc/passwd");
    m.external_attr = 0o120_777 << 16;
    let data = ZipBuilder::new().member(m).build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::Symlink]);
    assert!(ar.entries[0].is_symlink);
}

#[test]
fn overlapping_entries() {
    let mut b = torch_like();
    b.aliases.push(("archive/other.pkl".into(), 0));
    let data = b.build();
    let ar = parse(&data);
    // The alias points at `archive/data.pkl`'s local header, so its local name differs too.
    assert_eq!(
        kinds(&ar),
        vec![AnomalyKind::NameMismatch, AnomalyKind::OverlappingEntries]
    );
    assert_eq!(ar.anomalies[1].entry.as_deref(), Some("archive/other.pkl"));
    assert_eq!(ar.entries.len(), 4);
}

#[test]
fn count_mismatch_hidden_entry() {
    let mut b = torch_like();
    b.eocd_count = Some(2); // miniz would see 2, the directory holds 3
    let data = b.build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::CountMismatch]);
    assert_eq!(ar.entries.len(), 3, "every directory entry is listed");
}

#[test]
fn truncated_central_directory() {
    let b = torch_like();
    let mut data = b.build();
    // Cut the last central entry (46 + 14 bytes) out, keeping the EOCD.
    let eocd = data.len() - 22;
    let cut = 46 + "archive/data/0".len();
    data.drain(eocd - cut..eocd);
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::CountMismatch));
    assert_eq!(ar.entries.len(), 2);
    // Cut into the middle of an entry: truncated + count mismatch.
    let mut data = b.build();
    let eocd = data.len() - 22;
    data.drain(eocd - 20..eocd);
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::Truncated), "{:?}", kinds(&ar));
    assert!(has(&ar, AnomalyKind::CountMismatch));
    // Without an EOCD it is not a ZIP at all.
    let data = b.build();
    let cut = &data[..data.len() - 30];
    assert_eq!(
        zip::parse(cut, &Limits::default()).unwrap_err(),
        ZipError::NotZip
    );
    assert!(zip::looks_like_zip(cut), "local header magic at 0");
    assert_eq!(zip::find_eocd(cut), None);
}

/// A10: pickle + ZIP appended with `cat` (offsets relative to the ZIP start).
#[test]
fn prepended_pickle_relative_offsets() {
    let mut b = torch_like();
    b.prefix = evil_pickle();
    b.relative_offsets = true;
    let data = b.build();
    assert!(zip::find_eocd(&data).is_some());
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::PrependedData]);
    assert_eq!(ar.prefix_len, evil_pickle().len() as u64);
    let d = ar.read(&data, &ar.entries[0], 1 << 20).unwrap();
    assert_eq!(&*d.data, evil_pickle().as_slice());
    assert!(d.crc.is_none());
}

/// A10 variant: offsets absolute (zipfile append mode on a non-ZIP file, SFX stubs).
#[test]
fn prepended_pickle_absolute_offsets() {
    let mut b = torch_like();
    b.prefix = evil_pickle();
    let data = b.build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::PrependedData]);
    assert_eq!(ar.prefix_len, evil_pickle().len() as u64);
    assert!(ar.read(&data, &ar.entries[1], 100).unwrap().crc.is_none());
}

#[test]
fn trailing_data_and_comment() {
    let mut b = torch_like();
    b.comment = b"a comment with PK\x05\x06 inside".to_vec();
    b.trailing = b"junk after the archive".to_vec();
    let data = b.build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::TrailingData]);
    assert_eq!(ar.comment_len, 26);
}

#[test]
fn local_header_missing() {
    let mut data = torch_like().build();
    data[0] = b'X';
    let ar = parse(&data);
    assert_eq!(
        kinds(&ar),
        vec![AnomalyKind::LocalHeaderMissing, AnomalyKind::PrependedData]
    );
    assert_eq!(ar.entries[0].local_name, None);
    assert_eq!(
        ar.read(&data, &ar.entries[0], 100).unwrap_err(),
        EntryError::LocalHeaderMissing
    );
    // The other members are still readable.
    assert_eq!(&*ar.read(&data, &ar.entries[1], 100).unwrap().data, b"3\n");
}

#[test]
fn zip64_fields() {
    let mut b = torch_like();
    for m in &mut b.members {
        m.zip64 = true;
    }
    b.zip64_eocd = true;
    let data = b.build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![]);
    assert_eq!(ar.entries.len(), 3);
    assert_eq!(ar.entries[2].uncompressed_size, 256);
    let d = ar.read(&data, &ar.entries[0], 1 << 20).unwrap();
    assert_eq!(&*d.data, evil_pickle().as_slice());
}

#[test]
fn zip64_inconsistent() {
    // Saturated central sizes without a ZIP64 extra field.
    let mut b = torch_like();
    b.members[1].uncompressed_size = u64::from(u32::MAX);
    let data = b.build();
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::Zip64Inconsistent), "{:?}", kinds(&ar));
    // Saturated EOCD without a locator.
    let mut data = torch_like().build();
    let n = data.len();
    data[n - 12..n - 8].copy_from_slice(&[0xFF; 4]); // cd size
    assert!(zip::find_eocd(&data).is_none() || has(&parse(&data), AnomalyKind::Zip64Inconsistent));
}

#[test]
fn unsupported_method() {
    let mut m = Member::stored("x.bin", b"abc");
    m.method = 6; // implode
    let data = ZipBuilder::new().member(m).build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::UnsupportedMethod]);
    assert_eq!(
        ar.read(&data, &ar.entries[0], 100).unwrap_err(),
        EntryError::UnsupportedMethod(6)
    );
}

#[test]
fn ratio_bomb_declared_and_actual() {
    let zeros = vec![0u8; 16 << 20];
    let data = ZipBuilder::new()
        .member(Member::deflated("bomb.bin", &zeros))
        .build();
    let ar = parse(&data);
    assert_eq!(kinds(&ar), vec![AnomalyKind::CompressionRatio]);
    // Reading it under a small cap fails; with room, the actual ratio is reported.
    assert_eq!(
        ar.read(&data, &ar.entries[0], 1 << 20).unwrap_err(),
        EntryError::OutputLimit { limit: 1 << 20 }
    );
    let d = ar.read(&data, &ar.entries[0], 32 << 20).unwrap();
    assert_eq!(d.data.len(), 16 << 20);
    assert!(
        d.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::CompressionRatio)
    );
    // The prefix is cheap.
    assert_eq!(ar.read_prefix(&data, &ar.entries[0], 8).unwrap().len(), 8);
}

#[test]
fn lying_declared_size_is_reported_after_read() {
    let mut m = Member::deflated("x.bin", b"hello hello hello");
    m.uncompressed_size = 5;
    let data = ZipBuilder::new().member(m).build();
    let ar = parse(&data);
    let d = ar.read(&data, &ar.entries[0], 100).unwrap();
    assert_eq!(d.anomalies[0].kind, AnomalyKind::SizeMismatch);
}

#[test]
fn size_limit() {
    let mut m = Member::stored("big.bin", b"x");
    m.uncompressed_size = 1 << 40;
    m.zip64 = true;
    let data = ZipBuilder::new().member(m).build();
    let ar = parse(&data);
    assert!(has(&ar, AnomalyKind::SizeLimit), "{:?}", kinds(&ar));
}

#[test]
fn entry_count_validated_before_allocating() {
    let mut b = torch_like();
    b.eocd_count = Some(60_000);
    let data = b.build();
    let limits = Limits {
        max_entries: 100,
        ..Limits::default()
    };
    assert_eq!(
        zip::parse(&data, &limits).unwrap_err(),
        ZipError::TooManyEntries {
            count: 60_000,
            limit: 100
        }
    );
    // Found entries over the limit, declared under it.
    let limits = Limits {
        max_entries: 2,
        ..Limits::default()
    };
    let mut b = torch_like();
    b.eocd_count = Some(1);
    assert!(matches!(
        zip::parse(&b.build(), &limits),
        Err(ZipError::TooManyEntries { limit: 2, .. })
    ));
}

#[test]
fn random_data_with_eocd_signature_is_not_zip() {
    let mut data = vec![0x41u8; 4096];
    data[2000..2004].copy_from_slice(b"PK\x05\x06");
    data[2010..2012].copy_from_slice(&5u16.to_le_bytes());
    assert!(!zip::looks_like_zip(&data));
    assert_eq!(zip::find_eocd(&data), None);
    assert_eq!(
        zip::parse(&data, &Limits::default()).unwrap_err(),
        ZipError::NotZip
    );
    assert!(!zip::looks_like_zip(b""));
    assert!(!zip::looks_like_zip(b"PK\x05\x06"));
}

#[test]
fn empty_zip() {
    let data = ZipBuilder::new().build();
    assert_eq!(data.len(), 22);
    assert_eq!(zip::find_eocd(&data), Some(0));
    let ar = parse(&data);
    assert!(ar.is_empty());
    assert_eq!(kinds(&ar), vec![]);
}

#[test]
fn many_stored_members_parse_fast() {
    let mut b = ZipBuilder::new();
    let blob = vec![7u8; 64 << 10];
    for i in 0..500 {
        b = b.member(Member::stored(&format!("archive/data/{i}"), &blob));
    }
    let data = b.build();
    let t = std::time::Instant::now();
    let ar = parse(&data);
    assert_eq!(ar.entries.len(), 500);
    assert_eq!(kinds(&ar), vec![]);
    // Generous bound for debug builds on a loaded 2-core machine.
    assert!(t.elapsed().as_millis() < 500, "{:?}", t.elapsed());
}
