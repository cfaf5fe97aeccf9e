//! Hostile-input tests: truncation at every byte, bit flips, caps.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_hdf5::{Hdf5, Hdf5Error, Limits};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn exercise(data: &[u8], limits: &Limits) -> Result<usize, Hdf5Error> {
    let f = Hdf5::open(data, limits)?;
    let _ = f.root_attributes();
    Ok(f.walk()?.len())
}

#[test]
fn truncation_at_every_byte_never_panics_and_is_detected() {
    for name in ["attrs_earliest.h5", "attrs_latest.h5", "attrs_dense.h5"] {
        let data = fixture(name);
        let step = (data.len() / 4_000).max(1);
        for i in (0..data.len()).step_by(step) {
            let prefix = &data[..i];
            let r = exercise(prefix, &Limits::default());
            if let Ok(f) = Hdf5::open(prefix, &Limits::default()) {
                assert!(f.is_truncated(), "{name}: prefix {i} not seen as truncated");
            }
            let _ = r;
        }
    }
}

#[test]
fn single_byte_corruption_never_panics() {
    for name in ["attrs_earliest.h5", "attrs_latest.h5", "attrs_dense.h5"] {
        let data = fixture(name);
        for i in (0..data.len().min(4096)).step_by(2) {
            for v in [0x00u8, 0xFF, 0x7F, 0x80] {
                let mut d = data.clone();
                if let Some(b) = d.get_mut(i) {
                    *b = v;
                }
                let _ = exercise(&d, &Limits::default());
            }
        }
    }
}

#[test]
fn user_block_prefix_is_found() {
    let data = fixture("attrs_earliest.h5");
    let mut shifted = vec![0u8; 512];
    shifted.extend_from_slice(&data);
    let f = Hdf5::open(&shifted, &Limits::default()).unwrap();
    assert_eq!(f.superblock_offset(), 512);
    assert_eq!(
        f.walk().unwrap().len(),
        exercise(&data, &Limits::default()).unwrap()
    );
}

#[test]
fn limits_are_enforced() {
    let data = fixture("attrs_earliest.h5");
    let tiny = Limits {
        max_objects: 2,
        ..Limits::default()
    };
    assert!(matches!(
        exercise(&data, &tiny),
        Err(Hdf5Error::Limit { .. })
    ));
    let small_attr = Limits {
        max_attribute_size: 4,
        ..Limits::default()
    };
    let f = Hdf5::open(&data, &small_attr).unwrap();
    assert!(matches!(f.root_attributes(), Err(Hdf5Error::Limit { .. })));
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    assert!(matches!(
        exercise(&data, &shallow),
        Err(Hdf5Error::Limit { .. })
    ));
}

#[test]
fn not_hdf5_and_garbage() {
    assert_eq!(
        Hdf5::open(b"", &Limits::default()).err(),
        Some(Hdf5Error::NotHdf5)
    );
    assert!(Hdf5::open(b"\x89HDF\r\n\x1a\n\x09", &Limits::default()).is_err());
    // Size of offsets 3 is invalid.
    let mut d = fixture("attrs_earliest.h5");
    if let Some(b) = d.get_mut(13) {
        *b = 3;
    }
    assert!(matches!(
        Hdf5::open(&d, &Limits::default()),
        Err(Hdf5Error::Malformed { .. })
    ));
}

#[test]
fn dense_region_corruption_never_panics() {
    let data = fixture("attrs_dense.h5");
    // Fractal heaps and B-trees of the dense fixture sit after the 70 KB huge object.
    for i in (76_000..data.len()).step_by(11) {
        for v in [0x00u8, 0xFF, 0x01] {
            let mut d = data.clone();
            if let Some(b) = d.get_mut(i) {
                *b = v;
            }
            let _ = exercise(&d, &Limits::default());
        }
    }
}
