//! PEP 440 ordering agrees with the reference implementation: `sorted_versions.txt` is
//! written by `make_sorted.py` with Python's `packaging.version.Version`.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use pep440_rs::Version;

#[test]
fn order_matches_python_packaging() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pep440/sorted_versions.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<(u32, Version, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (rank, raw) = l.split_once(' ').unwrap();
            let v = Version::from_str(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            (rank.parse().unwrap(), v, raw)
        })
        .collect();
    assert!(rows.len() > 70);
    for w in rows.windows(2) {
        let (ra, a, sa) = &w[0];
        let (rb, b, sb) = &w[1];
        if ra == rb {
            assert_eq!(a, b, "{sa} == {sb} in packaging");
        } else {
            assert!(a < b, "{sa} < {sb} in packaging");
        }
    }
}

#[test]
fn local_labels_are_stripped_before_matching() {
    let stripped = mlsecops_deps::pep::parse_version("2.5.1+cu121").unwrap();
    assert_eq!(stripped, Version::from_str("2.5.1").unwrap());
    // Without stripping, 2.5.1+cu121 sorts above 2.5.1 and escapes `last_affected: 2.5.1`.
    assert!(Version::from_str("2.5.1+cu121").unwrap() > Version::from_str("2.5.1").unwrap());
    assert!(
        mlsecops_deps::pep::parse_version("2004d").is_none(),
        "legacy versions are not PEP 440"
    );
}
