//! Typo-squats of popular ML / data packages: Damerau-Levenshtein distance 1, separator
//! changes and visual confusables, minus known legitimate look-alikes.

use crate::pep::normalize_name;

/// Popular ML / data / LLM packages (PEP 503 names) that squatters imitate.
pub const POPULAR: &[&str] = &[
    "accelerate",
    "aiohttp",
    "albumentations",
    "anthropic",
    "apache-airflow",
    "auto-gptq",
    "bitsandbytes",
    "boto3",
    "catboost",
    "chromadb",
    "clearml",
    "cohere",
    "comet-ml",
    "coremltools",
    "dask",
    "datasets",
    "deepspeed",
    "diffusers",
    "dvc",
    "einops",
    "evaluate",
    "faiss-cpu",
    "faiss-gpu",
    "fastapi",
    "flash-attn",
    "flax",
    "gensim",
    "google-generativeai",
    "gradio",
    "great-expectations",
    "h5py",
    "huggingface-hub",
    "imbalanced-learn",
    "instructor",
    "ipykernel",
    "ipython",
    "jax",
    "jaxlib",
    "jinja2",
    "joblib",
    "jupyter",
    "jupyterlab",
    "keras",
    "langchain",
    "langchain-community",
    "langchain-core",
    "langchain-openai",
    "lightgbm",
    "lightning",
    "litellm",
    "llama-cpp-python",
    "llama-index",
    "matplotlib",
    "mlflow",
    "modelscan",
    "mxnet",
    "networkx",
    "nltk",
    "notebook",
    "numba",
    "numpy",
    "ollama",
    "onnx",
    "onnxruntime",
    "onnxruntime-gpu",
    "openai",
    "opencv-python",
    "opencv-python-headless",
    "optimum",
    "optuna",
    "pandas",
    "peft",
    "pillow",
    "pinecone-client",
    "plotly",
    "polars",
    "protobuf",
    "pyarrow",
    "pydantic",
    "pyspark",
    "pytorch-lightning",
    "pyyaml",
    "ray",
    "requests",
    "safetensors",
    "scikit-image",
    "scikit-learn",
    "scipy",
    "seaborn",
    "sentence-transformers",
    "sentencepiece",
    "shap",
    "spacy",
    "statsmodels",
    "streamlit",
    "sympy",
    "tensorboard",
    "tensorflow",
    "tensorflow-gpu",
    "tiktoken",
    "timm",
    "tokenizers",
    "torch",
    "torchaudio",
    "torchvision",
    "tqdm",
    "transformers",
    "triton",
    "trl",
    "ultralytics",
    "urllib3",
    "uvicorn",
    "vllm",
    "wandb",
    "weaviate-client",
    "xformers",
    "xgboost",
];

/// Legitimate packages within distance 1 of a popular name (never reported).
pub const LEGIT_LOOKALIKES: &[&str] = &[
    "boto",
    "boto2",
    "dataset",
    "jinja",
    "keras2",
    "lightning",
    "nltk3",
    "numpy2",
    "onnx2",
    "openapi",
    "pandas2",
    "pyaml",
    "request",
    "scapy",
    "spicy",
    "tokenizer",
    "torch2",
    "wand",
    "tensorflow-cpu",
    "tensorflow-intel",
    "tensorflow-macos",
    "tensorflow-text",
    "ray2",
    "pydantic2",
    "onnxruntime-gpu",
    "onnxruntime-silicon",
    "faiss-gpu",
    "faiss-cpu",
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "torchtext",
    "torchdata",
    "jax",
    "jaxlib",
    "flax",
    "optax",
    "langchain",
    "langsmith",
    "pymc",
    "pymc3",
    "h5pyd",
    "matplotlib2tikz",
    "shapely",
    "spacy3",
    "trio",
    "tritonclient",
    "polar",
    "plotly3",
    "dash",
    "numbat",
    "numpyro",
    "triton",
    "timm",
    "peft",
    "trl",
];

/// Shortest name considered for edit-distance matches (short names collide by chance).
const MIN_LEN: usize = 5;

/// The popular package `name` imitates, if it looks like a typo-squat.
pub fn typosquat_target(name: &str) -> Option<&'static str> {
    let n = normalize_name(name);
    if POPULAR.contains(&n.as_str()) || LEGIT_LOOKALIKES.contains(&n.as_str()) {
        return None;
    }
    let bare = strip_separators(&n);
    let deconfused = deconfuse(&n);
    forms().iter().find_map(|(p, p_bare, p_deconfused)| {
        // Separator games (`scikitlearn`, `llamacpppython`), confusables (`tensorf1ow`,
        // `nurnpy`), or one edit away.
        let hit = bare == *p_bare
            || deconfused == *p_deconfused
            || (n.len() >= MIN_LEN && p.len() >= MIN_LEN && damerau_levenshtein_is_one(&n, p));
        hit.then_some(*p)
    })
}

/// Each popular name with its separator-free and de-confused forms, computed once.
fn forms() -> &'static [(&'static str, String, String)] {
    static FORMS: std::sync::OnceLock<Vec<(&'static str, String, String)>> =
        std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        POPULAR
            .iter()
            .map(|p| (*p, strip_separators(p), deconfuse(p)))
            .collect()
    })
}

fn strip_separators(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect()
}

/// Maps visually confusable sequences to one form.
fn deconfuse(s: &str) -> String {
    let s = strip_separators(s)
        .replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d");
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | 'I' => 'l',
            '5' => 's',
            '3' => 'e',
            _ => c,
        })
        .collect()
}

/// Optimal-string-alignment distance is exactly 1 (one insertion, deletion, substitution or
/// adjacent transposition). Linear time.
fn damerau_levenshtein_is_one(a: &str, b: &str) -> bool {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len().checked_sub(short.len()) {
        Some(0) => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a.get(i) != b.get(i)).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => {
                    *j == i.saturating_add(1) && a.get(*i) == b.get(*j) && a.get(*j) == b.get(*i)
                }
                _ => false,
            }
        }
        Some(1) => {
            let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short.get(prefix..) == long.get(prefix.saturating_add(1)..)
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn detects_classic_squats() {
        assert_eq!(
            typosquat_target("pytorhc"),
            None,
            "distance 2 from `pytorch`, and pytorch is not listed"
        );
        assert_eq!(typosquat_target("tensorfow"), Some("tensorflow"));
        assert_eq!(typosquat_target("trasnformers"), Some("transformers"));
        assert_eq!(typosquat_target("numpyy"), Some("numpy"));
        assert_eq!(typosquat_target("scikitlearn"), Some("scikit-learn"));
        assert_eq!(typosquat_target("llamacpppython"), Some("llama-cpp-python"));
        assert_eq!(typosquat_target("tensorf1ow"), Some("tensorflow"));
        assert_eq!(typosquat_target("nurnpy"), Some("numpy"));
        assert_eq!(
            typosquat_target("Huggingface_Hubb"),
            Some("huggingface-hub")
        );
    }

    #[test]
    fn real_names_and_lookalikes_pass() {
        for ok in [
            "numpy",
            "Scikit_Learn",
            "torch",
            "scapy",
            "dataset",
            "pyaml",
            "boto",
            "wand",
            "jaxlib",
            "requests-oauthlib",
            "numba",
            "six",
            "rich",
        ] {
            assert_eq!(typosquat_target(ok), None, "{ok}");
        }
        // Short names are not edit-distance matched.
        assert_eq!(typosquat_target("rag"), None);
    }

    #[test]
    fn distance_one() {
        assert!(damerau_levenshtein_is_one("abcd", "abdc"));
        assert!(damerau_levenshtein_is_one("abcd", "abd"));
        assert!(damerau_levenshtein_is_one("abcd", "abxd"));
        assert!(!damerau_levenshtein_is_one("abcd", "badc"));
        assert!(!damerau_levenshtein_is_one("abcd", "abcd"));
        assert!(!damerau_levenshtein_is_one("abcd", "ab"));
    }
}
