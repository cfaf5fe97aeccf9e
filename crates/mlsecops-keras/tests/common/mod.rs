//! Shared test helper: the scan engine's routing for Keras files, reproduced.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use mlsecops_core::{FormatAnalysis, Observation};

/// HDF5 → `analyze_h5`; `.keras` ZIP → member checks + config/metadata/weights analysers.
pub fn analyze(data: &[u8]) -> FormatAnalysis {
    if data.starts_with(b"PK") {
        return analyze_keras_zip(data);
    }
    mlsecops_keras::analyze_h5(data)
}

pub fn analyze_keras_zip(data: &[u8]) -> FormatAnalysis {
    let mut out = FormatAnalysis::new("keras");
    let archive =
        match mlsecops_archive::zip::parse(data, &mlsecops_archive::zip::Limits::default()) {
            Ok(a) => a,
            Err(e) => {
                out.fail(Observation::new("container-malformed", e.to_string()));
                return out;
            }
        };
    let names: Vec<&str> = archive.entries.iter().map(|e| e.name.as_str()).collect();
    for o in mlsecops_keras::check_archive_members(&names) {
        out.push(o);
    }
    for entry in &archive.entries {
        let member = match archive.read(data, entry, 64 << 20) {
            Ok(m) => m,
            Err(e) => {
                out.fail(Observation::new("container-malformed", e.to_string()));
                continue;
            }
        };
        let bytes: &[u8] = &member.data;
        if let Some(o) = mlsecops_keras::check_archive_member_data(&entry.name, bytes) {
            out.push(o);
        }
        let sub = match entry.name.as_str() {
            "config.json" => mlsecops_keras::analyze_config_json(bytes, "config.json"),
            "metadata.json" => mlsecops_keras::analyze_metadata_json(bytes),
            "model.weights.h5" => mlsecops_keras::analyze_h5(bytes),
            _ => continue,
        };
        out.absorb(sub);
    }
    out
}

/// Never panics; returns the analysis for assertions.
pub fn exercise(data: &[u8]) -> FormatAnalysis {
    let a = analyze(data);
    let _ = mlsecops_keras::analyze_config_json(data, "fuzz");
    let _ = mlsecops_keras::analyze_metadata_json(data);
    a
}
