//! Compression wrappers, including streams written by real joblib (`tests/data/joblib_*.bin`,
//! produced with `joblib.dump({'a': [1, 2]}, f, compress=(name, 3))`, joblib 1.6.0).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use std::io::Write;

use common::read_data;
use mlsecops_archive::compress::{
    Codec, DecompressError, DecompressLimits, decompress, decompress_prefix, sniff,
};

#[test]
fn joblib_streams_sniff_and_decompress() {
    // joblib pickles with protocol 4/5 for this object; compare with the uncompressed pickle.
    let cases = [
        ("joblib_zlib.bin", Codec::Zlib),
        ("joblib_gzip.bin", Codec::Gzip),
        ("joblib_bz2.bin", Codec::Bzip2),
        ("joblib_lzma.bin", Codec::Lzma),
        ("joblib_xz.bin", Codec::Xz),
        ("joblib_lz4.bin", Codec::Lz4Frame),
    ];
    let mut outputs = Vec::new();
    for (file, codec) in cases {
        let data = read_data(file);
        assert_eq!(sniff(&data), Some(codec), "{file}");
        let out = decompress(codec, &data, &DecompressLimits::default()).unwrap();
        assert_eq!(out.first(), Some(&0x80), "{file}: pickle PROTO");
        assert_eq!(out.last(), Some(&b'.'), "{file}: pickle STOP");
        let prefix = decompress_prefix(codec, &data, 2).unwrap();
        assert_eq!(prefix, out[..2], "{file}");
        outputs.push(out);
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "same pickle in every wrapper"
    );
    assert_eq!(sniff(&read_data("joblib_plain.pkl")), None);
}

#[test]
fn zstd_and_multi_member_gzip() {
    let z = ruzstd::encoding::compress_to_vec(
        &b"hello zstd"[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut two = z.clone();
    two.extend_from_slice(&z);
    assert_eq!(sniff(&two), Some(Codec::Zstd));
    assert_eq!(
        decompress(Codec::Zstd, &two, &DecompressLimits::default()).unwrap(),
        b"hello zstdhello zstd"
    );

    let gz = |d: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(d).unwrap();
        e.finish().unwrap()
    };
    let mut g = gz(b"first ");
    g.extend_from_slice(&gz(b"second"));
    assert_eq!(
        decompress(Codec::Gzip, &g, &DecompressLimits::default()).unwrap(),
        b"first second"
    );
}

#[test]
fn sniff_rejects_lookalikes() {
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b"\x78\x00"), None, "bad zlib header checksum");
    assert_eq!(sniff(b"BZh9garbage"), None, "no bzip2 block magic");
    assert_eq!(sniff(b"\x5d\x00\x00\x01"), None, "lzma header too short");
    let mut lz = vec![0x5D, 0x01, 0x02, 0x03, 0x04];
    lz.extend_from_slice(&[0xFF; 8]);
    assert_eq!(sniff(&lz), None, "implausible dictionary size");
    assert_eq!(sniff(b"\x80\x04\x95"), None, "pickle");
}

#[test]
fn output_cap_and_bomb() {
    // Deflate tops out near 1032:1, so use a 500:1 cap from 16 MiB for this stream.
    let zeros = vec![0u8; 40 << 20];
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&zeros).unwrap();
    let z = e.finish().unwrap();
    assert_eq!(sniff(&z), Some(Codec::Zlib));
    let limits = DecompressLimits {
        max_ratio: 500,
        ratio_min_output: 16 << 20,
        ..DecompressLimits::default()
    };
    match decompress(Codec::Zlib, &z, &limits) {
        Err(DecompressError::Bomb { produced, input }) => {
            assert!(produced > 16 << 20 && produced <= 40 << 20, "{produced}");
            assert_eq!(input, z.len() as u64);
        }
        Err(other) => panic!("expected Bomb, got {other:?}"),
        Ok(out) => panic!("expected Bomb, got {} bytes", out.len()),
    }
    // Default limits: the ratio cap only applies from 64 MiB of output.
    assert_eq!(
        decompress(Codec::Zlib, &z, &DecompressLimits::default())
            .unwrap()
            .len(),
        40 << 20
    );
    let small = DecompressLimits {
        max_output: 1000,
        ..DecompressLimits::default()
    };
    assert_eq!(
        decompress(Codec::Zlib, &z, &small).unwrap_err(),
        DecompressError::OutputLimit { limit: 1000 }
    );
    assert_eq!(
        decompress_prefix(Codec::Zlib, &z, 10).unwrap(),
        vec![0u8; 10]
    );
}

#[test]
fn corrupt_stream_is_error_truncated_prefix_is_partial() {
    let data = read_data("joblib_gzip.bin");
    assert!(matches!(
        decompress(
            Codec::Gzip,
            &data[..data.len() - 10],
            &DecompressLimits::default()
        ),
        Err(DecompressError::Corrupt { codec: "gzip", .. })
    ));
    assert!(
        decompress(
            Codec::Xz,
            b"\xFD7zXZ\x00garbage",
            &DecompressLimits::default()
        )
        .is_err()
    );
    assert!(decompress_prefix(Codec::Bzip2, b"BZh91AY&SYgarbage", 4).is_err());
}
