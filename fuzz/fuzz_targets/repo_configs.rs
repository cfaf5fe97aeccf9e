#![no_main]
//! Fuzz every configuration analyser of `mlsecops-repo` on the same input: Hugging Face
//! configs and chat templates, MLmodel, skops schema, TorchServe manifest, NeMo config and
//! the known-safe validators (JSON, UBJSON, msgpack, YAML, text, sentencepiece).
use libfuzzer_sys::fuzz_target;
use mlsecops_repo::{hf, mlflow, nemo, safe, skops, torchserve};

fuzz_target!(|data: &[u8]| {
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
});
