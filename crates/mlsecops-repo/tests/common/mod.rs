//! Shared test helpers: the routing the scan engine is expected to use, and tiny ZIP/tar
//! member readers for fixtures.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::case_sensitive_file_extension_comparisons
)]

use std::io::Read;
use std::path::Path;

use mlsecops_core::FormatAnalysis;
use mlsecops_repo::{hf, mlflow, nemo, safe, skops, torchserve};

/// Routes one file (or archive member) by name, as recommended to the engine.
/// `None`: not for this crate (pickles, safetensors, … handled elsewhere).
pub fn route(name: &str, data: &[u8], dir: Option<&Path>) -> Option<FormatAnalysis> {
    mlsecops_repo::analyze_repo_file(name, data, dir).or_else(|| safe::identify(name, data))
}

/// Members of a stored/deflated ZIP (local headers only; fixtures are well-formed).
pub fn zip_members(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while data.len() >= pos + 30 && data[pos..pos + 4] == *b"PK\x03\x04" {
        let u16_at = |o: usize| u16::from_le_bytes([data[o], data[o + 1]]) as usize;
        let u32_at = |o: usize| {
            u32::from_le_bytes([data[o], data[o + 1], data[o + 2], data[o + 3]]) as usize
        };
        let method = u16_at(pos + 8);
        let csize = u32_at(pos + 18);
        let nlen = u16_at(pos + 26);
        let xlen = u16_at(pos + 28);
        let name = String::from_utf8_lossy(&data[pos + 30..pos + 30 + nlen]).into_owned();
        let start = pos + 30 + nlen + xlen;
        let raw = &data[start..start + csize];
        let body = if method == 8 {
            let mut v = Vec::new();
            flate2::read::DeflateDecoder::new(raw)
                .read_to_end(&mut v)
                .unwrap();
            v
        } else {
            raw.to_vec()
        };
        out.push((name, body));
        pos = start + csize;
    }
    out
}

/// Members of a tar archive.
pub fn tar_members(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(data);
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e
            .path()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        out.push((name, v));
    }
    out
}

/// Analyses a file, descending into `.skops`/`.mar` ZIPs and `.nemo` tars.
pub fn analyze_path(path: &Path) -> Option<FormatAnalysis> {
    let data = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let members = if name.ends_with(".skops") || name.ends_with(".mar") {
        zip_members(&data)
    } else if name.ends_with(".nemo") {
        tar_members(&data)
    } else {
        return route(&name, &data, path.parent());
    };
    let mut merged = FormatAnalysis::new(name.clone());
    for (member, body) in members {
        let analysis = if member == "schema.json" && name.ends_with(".skops") {
            Some(skops::analyze_schema(&body))
        } else if member.ends_with(".npy") || member.ends_with(".pt") || member.ends_with(".ckpt") {
            None
        } else {
            route(&member, &body, None)
        };
        if let Some(a) = analysis {
            merged.absorb(a);
        }
    }
    Some(merged)
}

/// Every byte string the fuzz target feeds: all analysers over one input.
pub fn exercise_configs(data: &[u8]) {
    let _ = hf::analyze_config("config.json", data, None);
    let _ = hf::analyze_config("modules.json", data, None);
    let _ = hf::analyze_chat_template_file(data);
    let _ = mlflow::analyze_mlmodel(data, None);
    let _ = skops::analyze_schema(data);
    let _ = skops::untrusted_types(data);
    let _ = torchserve::analyze_manifest(data);
    let _ = nemo::analyze_config(data);
    for name in [
        "x.json",
        "tokenizer.json",
        "m.ubj",
        "f.msgpack",
        "c.yaml",
        "m.txt",
        "s.model",
        "README.md",
        "vocab.txt",
    ] {
        let _ = safe::identify(name, data);
    }
}
