//! Differential test: attribute values read by this crate match what h5py reads
//! (`tests/fixtures/*.json`, written by `scripts/fixtures/gen_keras.py`).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_hdf5::{AttrValue, Hdf5, Limits};
use serde_json::Value;

fn expected(v: &Value) -> AttrValue {
    let (k, v) = v.as_object().unwrap().iter().next().unwrap();
    match k.as_str() {
        "string" => AttrValue::String(v.as_str().unwrap().to_owned()),
        "strings" => AttrValue::Strings(
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect(),
        ),
        "int" => AttrValue::Int(v.as_i64().unwrap()),
        "float" => AttrValue::Float(v.as_f64().unwrap()),
        other => panic!("unexpected kind {other}"),
    }
}

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let data = std::fs::read(dir.join(format!("{name}.h5"))).unwrap();
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    let file = Hdf5::open(&data, &Limits::default()).unwrap();
    let objects = file.walk().unwrap();
    let want = json.as_object().unwrap();
    assert_eq!(objects.len(), want.len(), "{name}: object count");
    for obj in &objects {
        let attrs = want
            .get(&obj.path)
            .unwrap_or_else(|| panic!("{name}: unexpected object {}", obj.path))
            .as_object()
            .unwrap();
        assert_eq!(
            obj.attributes.len(),
            attrs.len(),
            "{name}{}: attribute count",
            obj.path
        );
        for a in &obj.attributes {
            let exp = expected(attrs.get(&a.name).unwrap());
            assert_eq!(a.value, exp, "{name}{} attribute {}", obj.path, a.name);
        }
    }
    let root = file.root_attributes().unwrap();
    assert_eq!(root.len(), want["/"].as_object().unwrap().len());
}

#[test]
fn matches_h5py_earliest_format() {
    check("attrs_earliest");
}

#[test]
fn matches_h5py_latest_format() {
    check("attrs_latest");
}

#[test]
fn matches_h5py_dense_storage() {
    check("attrs_dense");
}
