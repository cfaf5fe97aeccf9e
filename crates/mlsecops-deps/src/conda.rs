//! conda `environment.yml`: MatchSpecs (`channel::pkg=ver=build`), nested `pip:` lists, and
//! the explicit conda → PyPI alias map (OSV has no conda ecosystem).

use std::path::Path;

use crate::yaml::{Node, parse as parse_yaml};

use crate::manifest::{Dependency, Ecosystem, Issue, Lines, ManifestError, ManifestKind, Parsed};
use crate::pep::{SpecInfo, clip, is_valid_name, normalize_name, spec_info};
use crate::requirements::{IncludeCtx, Pos, handle_line};
use crate::url::inspect;

/// Largest environment file.
pub(crate) const MAX_BYTES: usize = 4 * 1024 * 1024;

/// conda package → PyPI distribution. Only names listed here are matched against PyPI
/// advisories ("conda (mapped)"); identity rows record that the conda package ships the same
/// Python distribution. Non-Python conda packages (python, cudatoolkit, mkl…) are absent.
pub const CONDA_TO_PYPI: &[(&str, &str)] = &[
    ("accelerate", "accelerate"),
    ("aiohttp", "aiohttp"),
    ("bentoml", "bentoml"),
    ("bitsandbytes", "bitsandbytes"),
    ("bokeh", "bokeh"),
    ("certifi", "certifi"),
    ("cryptography", "cryptography"),
    ("dask", "dask"),
    ("datasets", "datasets"),
    ("deepspeed", "deepspeed"),
    ("diffusers", "diffusers"),
    ("fastapi", "fastapi"),
    ("flask", "flask"),
    ("gradio", "gradio"),
    ("h5py", "h5py"),
    ("huggingface_hub", "huggingface-hub"),
    ("idna", "idna"),
    ("ipython", "ipython"),
    ("jinja2", "jinja2"),
    ("joblib", "joblib"),
    ("jupyter", "jupyter"),
    ("jupyter_server", "jupyter-server"),
    ("jupyterlab", "jupyterlab"),
    ("keras", "keras"),
    ("langchain", "langchain"),
    ("langchain-core", "langchain-core"),
    ("lightgbm", "lightgbm"),
    ("llama-cpp-python", "llama-cpp-python"),
    ("lxml", "lxml"),
    ("matplotlib", "matplotlib"),
    ("matplotlib-base", "matplotlib"),
    ("mlflow", "mlflow"),
    ("mlflow-skinny", "mlflow-skinny"),
    ("nbconvert", "nbconvert"),
    ("networkx", "networkx"),
    ("nltk", "nltk"),
    ("notebook", "notebook"),
    ("numpy", "numpy"),
    ("numpy-base", "numpy"),
    ("onnx", "onnx"),
    ("onnxruntime", "onnxruntime"),
    ("opencv", "opencv-python"),
    ("optuna", "optuna"),
    ("pandas", "pandas"),
    ("paramiko", "paramiko"),
    ("peft", "peft"),
    ("pillow", "pillow"),
    ("pip", "pip"),
    ("plotly", "plotly"),
    ("protobuf", "protobuf"),
    ("py-opencv", "opencv-python"),
    ("py-xgboost", "xgboost"),
    ("py-xgboost-cpu", "xgboost"),
    ("py-xgboost-gpu", "xgboost"),
    ("pyarrow", "pyarrow"),
    ("pydantic", "pydantic"),
    ("pytorch", "torch"),
    ("pytorch-cpu", "torch"),
    ("pytorch-gpu", "torch"),
    ("pyyaml", "pyyaml"),
    ("ray-all", "ray"),
    ("ray-core", "ray"),
    ("ray-default", "ray"),
    ("requests", "requests"),
    ("safetensors", "safetensors"),
    ("scikit-image", "scikit-image"),
    ("scikit-learn", "scikit-learn"),
    ("scipy", "scipy"),
    ("seaborn", "seaborn"),
    ("sentence-transformers", "sentence-transformers"),
    ("setuptools", "setuptools"),
    ("spacy", "spacy"),
    ("starlette", "starlette"),
    ("statsmodels", "statsmodels"),
    ("streamlit", "streamlit"),
    ("sympy", "sympy"),
    ("tensorboard", "tensorboard"),
    ("tensorflow", "tensorflow"),
    ("tensorflow-base", "tensorflow"),
    ("tensorflow-cpu", "tensorflow"),
    ("tensorflow-gpu", "tensorflow"),
    ("tokenizers", "tokenizers"),
    ("torchaudio", "torchaudio"),
    ("torchvision", "torchvision"),
    ("tornado", "tornado"),
    ("tqdm", "tqdm"),
    ("transformers", "transformers"),
    ("urllib3", "urllib3"),
    ("uvicorn", "uvicorn"),
    ("vllm", "vllm"),
    ("wandb", "wandb"),
    ("werkzeug", "werkzeug"),
    ("wheel", "wheel"),
    ("xgboost", "xgboost"),
];

/// PyPI name for a conda package, if mapped.
pub fn conda_to_pypi(conda_name: &str) -> Option<&'static str> {
    let key = conda_name.trim().to_ascii_lowercase().replace('_', "-");
    CONDA_TO_PYPI
        .iter()
        .find(|(c, _)| c.replace('_', "-") == key)
        .map(|(_, p)| *p)
}

/// A parsed conda MatchSpec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSpec {
    /// Channel (`conda-forge` in `conda-forge::numpy`), if any.
    pub channel: Option<String>,
    /// Package name.
    pub name: String,
    /// Version constraint translated to PEP 440 (`=1.26` → `==1.26.*`), empty for any.
    pub specifier: String,
    /// Build string, if any.
    pub build: Option<String>,
}

/// Parses `[channel::]name[ version[ build]]`, `name=ver[=build]`, `name==ver`, `name>=a,<b`,
/// `name 1.8*`, `name[version='>=1']`.
pub fn parse_matchspec(s: &str) -> Result<MatchSpec, String> {
    let s = s.trim();
    let (channel, rest) = match s.rfind("::") {
        Some(i) => (
            Some(s.get(..i).unwrap_or("").to_owned()),
            s.get(i.saturating_add(2)..).unwrap_or(""),
        ),
        None => (None, s),
    };
    let end = rest
        .find([' ', '=', '<', '>', '!', '~', '['])
        .unwrap_or(rest.len());
    let (name, mut tail) = rest.split_at(end);
    if !is_valid_name(name) {
        return Err(format!("`{}` is not a conda package name", clip(s)));
    }
    let mut build = None;
    let mut version = String::new();
    let bracket_version;
    if let Some(b) = tail.strip_prefix('[') {
        let inner = b
            .strip_suffix(']')
            .ok_or_else(|| format!("unclosed `[` in `{}`", clip(s)))?;
        bracket_version = inner.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == "version").then(|| v.trim().trim_matches(['\'', '"']).to_owned())
        });
        tail = bracket_version.as_deref().unwrap_or("");
    }
    let tail = tail.trim();
    if let Some(eq) = tail.strip_prefix('=').filter(|t| !t.starts_with('=')) {
        // `=ver` is a prefix match; `=ver=build` pins the version.
        let mut parts = eq.splitn(2, '=');
        let ver = parts.next().unwrap_or("").trim();
        build = parts
            .next()
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty());
        version = if build.is_some() || ver.contains('*') {
            star(ver)
        } else {
            format!("=={}.*", ver.trim_end_matches(".*"))
        };
    } else if tail.starts_with(['=', '<', '>', '!', '~']) {
        // `==ver[=build]` or an operator list (`>=1.2,<2`); `|` is conda's OR.
        let (spec, b) = match tail.strip_prefix("==") {
            Some(v) => match v.split_once('=') {
                Some((ver, b)) => (format!("=={ver}"), Some(b.to_owned())),
                None => (tail.to_owned(), None),
            },
            None => (tail.to_owned(), None),
        };
        build = b;
        version = spec
            .split('|')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" || ");
    } else if !tail.is_empty() {
        let mut parts = tail.split_whitespace();
        let ver = parts.next().unwrap_or("");
        build = parts.next().map(str::to_owned);
        version = ver
            .split('|')
            .map(|alt| {
                if alt.starts_with(['=', '<', '>', '!', '~']) {
                    alt.to_owned()
                } else {
                    star(alt)
                }
            })
            .collect::<Vec<_>>()
            .join(" || ");
    }
    Ok(MatchSpec {
        channel,
        name: name.to_owned(),
        specifier: version,
        build,
    })
}

/// `1.8*` / `1.8.*` → `==1.8.*`; a plain version → `==V`.
fn star(v: &str) -> String {
    let v = v.trim();
    match v.strip_suffix('*') {
        Some(prefix) => format!("=={}.*", prefix.trim_end_matches('.')),
        None => format!("=={v}"),
    }
}

/// A conda spec as a dependency (mapped to PyPI when the alias map knows it).
pub(crate) fn conda_dependency(
    spec: &str,
    line: u32,
    kind: ManifestKind,
) -> Result<Dependency, String> {
    let m = parse_matchspec(spec)?;
    let (name, ecosystem) = match conda_to_pypi(&m.name) {
        Some(pypi) => (
            pypi.to_owned(),
            Ecosystem::CondaMapped {
                conda_name: m.name.clone(),
            },
        ),
        None => (m.name.clone(), Ecosystem::CondaUnmapped),
    };
    let mut dep = Dependency::new(&name, kind, line);
    dep.normalized_name = normalize_name(&name);
    dep.ecosystem = ecosystem;
    if !m.specifier.is_empty() {
        if let SpecInfo::Pinned(v) = spec_info(&m.specifier) {
            dep.version = Some(v);
        }
        dep.specifier = Some(m.specifier);
    }
    Ok(dep)
}

pub(crate) fn environment(
    text: &str,
    dir: Option<&Path>,
    out: &mut Parsed,
) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let root = parse_yaml(text, 32, 200_000)
        .map_err(|(line, message)| ManifestError::Syntax { line, message })?;
    let Some(root) = root else { return Ok(()) };
    if let Some(Node::Seq(channels)) = root.get("channels") {
        for node in channels {
            let Node::Scalar(channel, line) = node else {
                continue;
            };
            let facts = inspect(channel);
            if facts.credentials {
                let mut issue = Issue::new(
                    "dep-index-credentials",
                    "conda channel URL embeds credentials",
                    *line,
                )
                .with("url", facts.redacted);
                issue.offset = lines.start_of(*line);
                out.issues.push(issue);
            }
        }
    }
    let Some(Node::Seq(items)) = root.get("dependencies") else {
        return Ok(());
    };
    let mut ctx = IncludeCtx::new(dir, None);
    for item in items {
        match item {
            Node::Scalar(value, line) => {
                let line = *line;
                match conda_dependency(value, line, ManifestKind::CondaEnv) {
                    Ok(mut dep) => {
                        dep.offset = lines.start_of(line);
                        out.dependencies.push(dep);
                    }
                    Err(e) => {
                        let mut issue = Issue::new("dep-manifest-malformed", e, line);
                        issue.offset = lines.start_of(line);
                        out.issues.push(issue);
                    }
                }
            }
            Node::Map(_) => {
                // `- pip: [ … ]`: each entry is a requirements-file line.
                let Some(Node::Seq(pip)) = item.get("pip") else {
                    continue;
                };
                for entry in pip {
                    let Node::Scalar(value, line) = entry else {
                        continue;
                    };
                    let line = *line;
                    let pos = Pos {
                        line,
                        offset: lines.start_of(line),
                        file: None,
                        dir,
                        depth: 0,
                        kind: ManifestKind::CondaEnv,
                    };
                    let before = out.dependencies.len();
                    handle_line(value.trim(), pos, &mut ctx, out);
                    for dep in out.dependencies.iter_mut().skip(before) {
                        dep.group = Some("pip".into());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn matchspecs() {
        let m = parse_matchspec("conda-forge::pytorch=2.1.0=py3.10_cuda11.8_0").unwrap();
        assert_eq!(m.channel.as_deref(), Some("conda-forge"));
        assert_eq!(m.name, "pytorch");
        assert_eq!(m.specifier, "==2.1.0");
        assert_eq!(m.build.as_deref(), Some("py3.10_cuda11.8_0"));
        assert_eq!(parse_matchspec("numpy=1.26").unwrap().specifier, "==1.26.*");
        assert_eq!(
            parse_matchspec("numpy==1.26.4").unwrap().specifier,
            "==1.26.4"
        );
        assert_eq!(
            parse_matchspec("python>=3.9,<3.12").unwrap().specifier,
            ">=3.9,<3.12"
        );
        assert_eq!(parse_matchspec("numpy 1.8*").unwrap().specifier, "==1.8.*");
        assert_eq!(
            parse_matchspec("numpy 1.8.1 py38_0").unwrap().specifier,
            "==1.8.1"
        );
        assert_eq!(
            parse_matchspec("numpy[version='>=1.2']").unwrap().specifier,
            ">=1.2"
        );
        assert_eq!(parse_matchspec("pip").unwrap().specifier, "");
        assert!(parse_matchspec("::").is_err());
    }

    #[test]
    fn alias_map_is_explicit() {
        assert_eq!(conda_to_pypi("pytorch"), Some("torch"));
        assert_eq!(conda_to_pypi("tensorflow-gpu"), Some("tensorflow"));
        assert_eq!(conda_to_pypi("py-xgboost"), Some("xgboost"));
        assert_eq!(conda_to_pypi("huggingface-hub"), Some("huggingface-hub"));
        assert_eq!(conda_to_pypi("cudatoolkit"), None);
        assert_eq!(conda_to_pypi("python"), None);
        // Every target is a normalised PyPI name and the table is sorted without duplicates.
        for (c, p) in CONDA_TO_PYPI {
            assert_eq!(normalize_name(p), *p, "{c}");
        }
        assert!(CONDA_TO_PYPI.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn conda_pin_maps_to_torch() {
        let d = conda_dependency("pytorch=2.1.0=py3.10_0", 3, ManifestKind::CondaEnv).unwrap();
        assert_eq!(d.normalized_name, "torch");
        assert_eq!(d.version.as_deref(), Some("2.1.0"));
        assert_eq!(
            d.ecosystem,
            Ecosystem::CondaMapped {
                conda_name: "pytorch".into()
            }
        );
        let prefix = conda_dependency("pytorch=2.1", 3, ManifestKind::CondaEnv).unwrap();
        assert_eq!(prefix.version, None);
        assert_eq!(prefix.specifier.as_deref(), Some("==2.1.*"));
    }
}
