//! Every fixture in `tests/fixtures/manifest.toml` through `mlsecops_gguf::analyze`, with each
//! extracted chat template checked by `mlsecops_template::check` (as the scan engine does).

use std::path::{Path, PathBuf};

use mlsecops_testkit::manifest::check_all;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

use mlsecops_core::FormatAnalysis;

fn analyse(data: &[u8]) -> FormatAnalysis {
    let (mut a, info) = mlsecops_gguf::analyze(data, &mlsecops_gguf::Limits::default());
    for (_, source) in info.iter().flat_map(|i| &i.templates) {
        a.absorb(mlsecops_template::check(source));
    }
    a
}

#[test]
fn manifest_fixtures_meet_expectations() {
    let (benign, malicious) = check_all(&fixtures_dir(), |p| {
        analyse(&std::fs::read(p).unwrap_or_default())
    });
    assert!(benign >= 4, "{benign} benign files");
    assert!(malicious >= 25, "{malicious} malicious files");
}

#[test]
fn benign_file_info() {
    let dir = fixtures_dir();
    let data = std::fs::read(dir.join("benign/tiny_llama_q8_chatml.gguf")).unwrap_or_default();
    let (a, info) = mlsecops_gguf::analyze(&data, &mlsecops_gguf::Limits::default());
    assert!(a.observations.is_empty(), "{:?}", a.observations);
    let info = info.expect("info");
    assert_eq!(info.version, 3);
    assert_eq!(info.architecture.as_deref(), Some("llama"));
    assert_eq!(info.name.as_deref(), Some("mlsecops tiny llama"));
    assert_eq!(info.license.as_deref(), Some("apache-2.0"));
    assert_eq!(info.file_type.as_deref(), Some("MOSTLY_Q8_0"));
    assert_eq!(info.tensor_count, 5);
    assert_eq!(info.tensor_types.get("Q8_0"), Some(&1));
    assert_eq!(info.tensor_types.get("Q4_0"), Some(&1));
    assert_eq!(info.alignment, 32);
    assert_eq!(info.data_offset % 32, 0);
    assert_eq!(
        info.parameter_count,
        Some(7 * 64 + 64 + 8 + 4 * 64 + 2 * 64)
    );
    assert_eq!(info.templates.len(), 1);
    assert_eq!(info.templates[0].0, "tokenizer.chat_template");

    let data = std::fs::read(dir.join("benign/tiny_named_templates.gguf")).unwrap_or_default();
    let (_, info) = mlsecops_gguf::analyze(&data, &mlsecops_gguf::Limits::default());
    let keys: Vec<String> = info
        .expect("info")
        .templates
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert!(
        keys.contains(&"tokenizer.chat_template.tool_use".to_owned()),
        "{keys:?}"
    );

    let data = std::fs::read(dir.join("benign/tiny_big_endian.gguf")).unwrap_or_default();
    let (a, info) = mlsecops_gguf::analyze(&data, &mlsecops_gguf::Limits::default());
    assert!(info.expect("info").big_endian);
    assert_eq!(a.observations.len(), 1, "{:?}", a.observations);
    assert!(a.incomplete.is_none());
}
