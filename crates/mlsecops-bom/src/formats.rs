//! Weight-file recognition and header facts (parameter count, dtypes, quantisation).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// First bytes read to recognise a file by content.
const SNIFF_BYTES: u64 = 16;
/// First GGUF bytes read; retried with [`GGUF_MAX_PREFIX`] when the header runs past them.
const GGUF_PREFIX: u64 = 16 << 20;
/// Largest GGUF header prefix read.
const GGUF_MAX_PREFIX: u64 = 512 << 20;
/// Largest ONNX file read for its graph (bigger models keep weights in external data).
const ONNX_MAX_BYTES: u64 = 512 << 20;

/// Weight/serialisation format of a file, from content first and extension second.
pub(crate) fn format_of(path: &Path, prefix: &[u8]) -> Option<&'static str> {
    if mlsecops_gguf::is_gguf(prefix) {
        return Some("gguf");
    }
    if mlsecops_safetensors::is_safetensors(prefix) {
        return Some("safetensors");
    }
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = |e: &str| name.ends_with(e);
    Some(if ext(".safetensors") {
        "safetensors"
    } else if ext(".gguf") || ext(".ggml") || ext(".llamafile") {
        "gguf"
    } else if ext(".onnx") {
        "onnx"
    } else if ext(".pt") || ext(".pth") || ext(".ckpt") || ext(".bin") {
        if prefix.starts_with(b"PK\x03\x04") {
            "pytorch-zip"
        } else if ext(".bin") && prefix.first() != Some(&0x80) {
            // `.bin` is also raw data (ONNX external data, tokenizer blobs): only a pickle
            // or a ZIP checkpoint counts as a PyTorch file.
            return None;
        } else {
            "pytorch"
        }
    } else if ext(".pkl") || ext(".pickle") || ext(".dill") || ext(".pkl.gz") || ext(".pkl.bz2") {
        "pickle"
    } else if ext(".joblib") {
        "joblib"
    } else if ext(".npy") || ext(".npz") {
        "numpy"
    } else if ext(".keras") {
        "keras"
    } else if ext(".h5") || ext(".hdf5") {
        "hdf5"
    } else if ext(".pb") {
        "tensorflow-protobuf"
    } else if ext(".tflite") {
        "tflite"
    } else if ext(".msgpack") {
        "flax-msgpack"
    } else if ext(".nemo") {
        "nemo"
    } else if ext(".mar") {
        "torchserve-mar"
    } else if ext(".skops") {
        "skops"
    } else if ext(".ubj") {
        "xgboost-ubj"
    } else if ext(".mlmodel") || ext(".mlpackage") {
        "coreml"
    } else {
        return None;
    })
}

/// Framework implied by a file format alone (`None` when the format does not tell).
pub(crate) fn framework_of(format: &str) -> Option<&'static str> {
    Some(match format {
        "gguf" => "ggml",
        "onnx" => "onnx",
        "pytorch" | "pytorch-zip" => "pytorch",
        "keras" => "keras",
        "tensorflow-protobuf" => "tensorflow",
        "tflite" => "tensorflow-lite",
        "flax-msgpack" => "flax",
        "nemo" => "nemo",
        "torchserve-mar" => "torchserve",
        "skops" => "scikit-learn",
        "xgboost-ubj" => "xgboost",
        "coreml" => "coreml",
        _ => return None,
    })
}

/// The first `n` bytes of a file (fewer when the file is shorter).
pub(crate) fn read_prefix(path: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut buf = Vec::new();
    file.take(n).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Bytes needed to recognise a file.
pub(crate) fn sniff(path: &Path) -> std::io::Result<Vec<u8>> {
    read_prefix(path, SNIFF_BYTES)
}

/// Facts read from a weight file header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HeaderInfo {
    pub(crate) parameter_count: Option<u64>,
    pub(crate) tensor_count: Option<u64>,
    /// dtype / ggml type -> tensor count.
    pub(crate) dtypes: BTreeMap<String, u64>,
    /// GGUF file type (quantisation).
    pub(crate) quantization: Option<String>,
    pub(crate) architecture: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) license: Option<String>,
    /// Extra `(property, value)` pairs (ONNX opsets, producer…).
    pub(crate) extra: Vec<(String, String)>,
    /// Why the header could not be (fully) read.
    pub(crate) incomplete: Option<String>,
    /// ONNX external-data locations, as written in the model.
    pub(crate) external_files: Vec<String>,
}

/// Reads header facts of a safetensors, GGUF or ONNX file; other formats yield `None`.
pub(crate) fn header_info(path: &Path, format: &str, len: u64) -> Option<HeaderInfo> {
    match format {
        "safetensors" => Some(safetensors(path)),
        "gguf" => Some(gguf(path, len)),
        "onnx" => Some(onnx(path, len)),
        _ => None,
    }
}

fn io_failed(err: &std::io::Error) -> HeaderInfo {
    HeaderInfo {
        incomplete: Some(format!("header not read: {err}")),
        ..HeaderInfo::default()
    }
}

fn safetensors(path: &Path) -> HeaderInfo {
    let head = match read_prefix(path, 8) {
        Ok(h) => h,
        Err(e) => return io_failed(&e),
    };
    let mut len_bytes = [0u8; 8];
    if let Some(src) = head.get(..8) {
        len_bytes.copy_from_slice(src);
    }
    let header_len = u64::from_le_bytes(len_bytes).min(mlsecops_safetensors::MAX_HEADER_SIZE);
    // The header alone: the analyser then reports tensor offsets past the end, which does not
    // affect the counts read from the header.
    let data = match read_prefix(path, 8 + header_len) {
        Ok(d) => d,
        Err(e) => return io_failed(&e),
    };
    let (_, info) = mlsecops_safetensors::analyze(&data);
    let Some(info) = info else {
        return HeaderInfo {
            incomplete: Some("safetensors header not readable".to_owned()),
            ..HeaderInfo::default()
        };
    };
    HeaderInfo {
        parameter_count: Some(info.parameter_count),
        tensor_count: u64::try_from(info.tensor_count).ok(),
        dtypes: info
            .dtypes
            .into_iter()
            .map(|(k, v)| (k, u64::try_from(v).unwrap_or(u64::MAX)))
            .collect(),
        ..HeaderInfo::default()
    }
}

fn gguf(path: &Path, len: u64) -> HeaderInfo {
    let limits = mlsecops_gguf::Limits::default();
    let mut want = GGUF_PREFIX.min(len);
    loop {
        let data = match read_prefix(path, want) {
            Ok(d) => d,
            Err(e) => return io_failed(&e),
        };
        let (analysis, info) = mlsecops_gguf::analyze(&data, &limits);
        let Some(info) = info else {
            return HeaderInfo {
                incomplete: Some(
                    analysis
                        .incomplete
                        .unwrap_or_else(|| "GGUF header not readable".to_owned()),
                ),
                ..HeaderInfo::default()
            };
        };
        let truncated = info.tensors_parsed < info.tensor_count || info.kv_parsed < info.kv_count;
        if truncated && want < len.min(GGUF_MAX_PREFIX) {
            want = len.min(GGUF_MAX_PREFIX);
            continue;
        }
        return HeaderInfo {
            parameter_count: if truncated {
                None
            } else {
                info.parameter_count
            },
            tensor_count: Some(info.tensor_count),
            dtypes: info.tensor_types,
            quantization: info.file_type,
            architecture: info.architecture,
            name: info.name,
            license: info.license,
            extra: vec![("mlsecops:gguf:version".to_owned(), info.version.to_string())],
            incomplete: truncated.then(|| "GGUF header larger than the read cap".to_owned()),
            external_files: Vec::new(),
        };
    }
}

fn onnx(path: &Path, len: u64) -> HeaderInfo {
    if len > ONNX_MAX_BYTES {
        return HeaderInfo {
            incomplete: Some(format!(
                "ONNX file larger than {ONNX_MAX_BYTES} bytes; graph not read"
            )),
            ..HeaderInfo::default()
        };
    }
    let data = match read_prefix(path, len) {
        Ok(d) => d,
        Err(e) => return io_failed(&e),
    };
    let ctx = mlsecops_onnx::OnnxContext {
        model_dir: path.parent(),
    };
    let (analysis, info) = mlsecops_onnx::analyze(&data, &ctx);
    let Some(info) = info else {
        return HeaderInfo {
            incomplete: Some(
                analysis
                    .incomplete
                    .unwrap_or_else(|| "ONNX graph not readable".to_owned()),
            ),
            ..HeaderInfo::default()
        };
    };
    let mut extra = vec![(
        "mlsecops:onnx:irVersion".to_owned(),
        info.ir_version.to_string(),
    )];
    if !info.producer.is_empty() {
        extra.push(("mlsecops:onnx:producer".to_owned(), info.producer.clone()));
    }
    for (domain, version) in &info.opsets {
        let domain = if domain.is_empty() { "ai.onnx" } else { domain };
        extra.push((
            "mlsecops:onnx:opset".to_owned(),
            format!("{domain}={version}"),
        ));
    }
    HeaderInfo {
        parameter_count: info.parameter_count,
        tensor_count: u64::try_from(info.initializer_count).ok(),
        dtypes: info
            .dtypes
            .into_iter()
            .map(|(k, v)| (k, u64::try_from(v).unwrap_or(u64::MAX)))
            .collect(),
        extra,
        external_files: info.external_data_files,
        ..HeaderInfo::default()
    }
}
