#![no_main]
//! Fuzz every configuration analyser of `mlsecops-repo` on the same input: Hugging Face
//! configs and chat templates, MLmodel, skops schema, TorchServe manifest, NeMo config, the
//! known-safe validators (JSON, UBJSON, msgpack, YAML, text, sentencepiece), the posture
//! checks (command lines, Jupyter/TorchServe/Streamlit configs, bucket ACLs) and the
//! model-card reader.
use libfuzzer_sys::fuzz_target;
use mlsecops_repo::{hf, mlflow, modelcard, nemo, posture, safe, skops, torchserve};

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
    for name in [
        "Dockerfile",
        "run.sh",
        "deploy.yaml",
        "Procfile",
        "config.properties",
        ".streamlit/config.toml",
        "jupyter_notebook_config.json",
        "train_config.json",
    ] {
        let _ = posture::analyze(name, data);
    }
    let _ = modelcard::analyze_card(data);
});
