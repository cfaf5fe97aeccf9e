//! `mlsecops sign`, `verify`, `keygen` and `scan --attest`: `OpenSSF` model signing (OMS v1.0,
//! interoperable with `model_signing`) and signed scan attestations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use mlsecops_core::{ExitCode, ScanReport, Severity};
use mlsecops_sign::bundle::{
    Bundle, BundleSigner, BundleVerifier, CertificateSigner, CertificateVerifier, KeySigner,
    KeyVerifier, VerifyOptions,
};
use mlsecops_sign::manifest::{self, HashConfig, Method};
use mlsecops_sign::{Curve, Error as SignError, PrivateKey, PublicKey, SCAN_PREDICATE_TYPE, cert};
use serde_json::{Value, json};

/// Output format of sign/verify/keygen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutFormat {
    Human,
    Json,
}

pub(crate) const SIGN_HELP: &str =
    "Writes an OpenSSF model signing (OMS v1.0) Sigstore bundle, verifiable with
`model_signing verify key|certificate`.

Examples:
  mlsecops keygen --out signer
  mlsecops sign ./model --key signer.key --signature model.sig
  mlsecops sign ./model --key leaf.key --signing-certificate leaf.pem --certificate-chain ca.pem

Exit codes:
  0  signed
  3  usage or fatal error (unreadable key, symlink or special file in the model, ...)";

pub(crate) const VERIFY_HELP: &str =
    "Verifies an OMS bundle (from mlsecops or model_signing) and reports exactly which
files were added, removed or changed. With --require-scan it is a deploy gate: the model
signature, the scan attestation's signature, that the attestation covers exactly these bytes
(same OMS root digest) and that it records no finding at or above --max-severity.

Examples:
  mlsecops verify ./model --public-key signer.pub --signature model.sig
  mlsecops verify ./model --root-certificate ca.pem
  mlsecops verify ./model --public-key signer.pub --require-scan scan.att.json --max-severity high

Exit codes:
  0  verified (and the scan gate passed)
  1  verification or policy failed (bad signature, wrong key, model differs, gate failed)
  3  usage or fatal error (missing files, malformed key)";

pub(crate) const KEYGEN_HELP: &str =
    "Writes PREFIX.key (PKCS#8 PEM private key, mode 0600 on Unix) and PREFIX.pub
(SubjectPublicKeyInfo PEM).

Exit codes:
  0  written
  3  usage or fatal error (file exists without --force, not writable)";

/// `mlsecops sign`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// Model file or directory.
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// ECDSA private key (PEM, PKCS#8 or SEC1; P-256, P-384 or P-521).
    #[arg(long, value_name = "PEM")]
    key: PathBuf,
    /// Signing (leaf) certificate for certificate mode; if omitted with --certificate-chain,
    /// the first certificate of the chain is the leaf.
    #[arg(long, value_name = "PEM")]
    signing_certificate: Option<PathBuf>,
    /// Certificate chain (intermediates, optionally the root), embedded in the bundle.
    #[arg(long, value_name = "PEM")]
    certificate_chain: Vec<PathBuf>,
    /// Where to write the bundle (ignored when it lies inside the model).
    #[arg(long, value_name = "FILE", default_value = "model.sig")]
    signature: PathBuf,
    /// Paths to leave out (relative to the current directory, as in `model_signing`).
    #[arg(long, value_name = "PATH")]
    ignore_paths: Vec<PathBuf>,
    /// Also sign `.git`, `.gitattributes`, `.github`, `.gitignore` at the model root.
    #[arg(long)]
    no_ignore_git_paths: bool,
    /// Hash shards of N bytes instead of whole files (`model_signing`'s shard default is
    /// 1000000000).
    #[arg(long, value_name = "N")]
    shard_size: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,
}

/// `mlsecops verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Model file or directory.
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// Public key (PEM) for key-mode bundles.
    #[arg(
        long,
        value_name = "PEM",
        required_unless_present = "root_certificate",
        conflicts_with = "root_certificate"
    )]
    public_key: Option<PathBuf>,
    /// Trusted root certificate(s) (PEM) for certificate-mode bundles.
    #[arg(long, value_name = "PEM")]
    root_certificate: Vec<PathBuf>,
    /// The bundle to verify.
    #[arg(long, value_name = "FILE", default_value = "model.sig")]
    signature: PathBuf,
    /// Extra paths to ignore (relative to the current directory).
    #[arg(long, value_name = "PATH")]
    ignore_paths: Vec<PathBuf>,
    /// Do not ignore the root-level git paths.
    #[arg(long)]
    no_ignore_git_paths: bool,
    /// Scan attestation (from `mlsecops scan --attest`) that must cover this model.
    #[arg(long, value_name = "ATTESTATION")]
    require_scan: Option<PathBuf>,
    /// Key that signed the attestation (default: --public-key).
    #[arg(long, value_name = "PEM", requires = "require_scan")]
    attestation_key: Option<PathBuf>,
    /// With --require-scan: fail on any finding at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    max_severity: Severity,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,
}

/// `mlsecops keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// Curve: p256, p384 or p521.
    #[arg(long, default_value = "p256", value_parser = parse_curve)]
    curve: Curve,
    /// Output prefix: writes PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse::<Severity>().map_err(|e| e.to_string())
}

fn parse_curve(s: &str) -> Result<Curve, String> {
    s.parse::<Curve>().map_err(|e| e.to_string())
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("reading {what} {}", path.display()))?;
    if meta.len() > 4 << 20 {
        bail!("{what} {} is too large", path.display());
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))
}

fn emit(format: OutFormat, human: &str, value: &Value) -> Result<()> {
    let text = match format {
        OutFormat::Human => human.to_owned(),
        OutFormat::Json => {
            let mut s = serde_json::to_string_pretty(value).context("serialising output")?;
            s.push('\n');
            s
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

fn relative_ignores(model: &Path, paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter_map(|p| manifest::relative_to_model(model, p))
        .collect()
}

/// `mlsecops sign`.
pub(crate) fn sign(args: &SignArgs) -> Result<ExitCode> {
    let key = PrivateKey::from_pem(&read_text(&args.key, "private key")?)
        .with_context(|| format!("loading {}", args.key.display()))?;
    let signer: Box<dyn BundleSigner> =
        if args.signing_certificate.is_some() || !args.certificate_chain.is_empty() {
            let mut chain = Vec::new();
            if let Some(leaf) = &args.signing_certificate {
                chain.extend(cert::pem_chain_to_der(&read_text(leaf, "certificate")?)?);
            }
            for p in &args.certificate_chain {
                chain.extend(
                    cert::pem_chain_to_der(&read_text(p, "certificate chain")?)
                        .with_context(|| format!("loading {}", p.display()))?,
                );
            }
            Box::new(CertificateSigner::new(key, chain)?)
        } else {
            Box::new(KeySigner { key })
        };
    let mut ignores = args.ignore_paths.clone();
    ignores.push(args.signature.clone());
    let config = HashConfig {
        method: match args.shard_size {
            Some(0) => bail!("--shard-size must be positive"),
            Some(n) => Method::Shards { shard_size: n },
            None => Method::Files,
        },
        allow_symlinks: false,
        ignore_paths: relative_ignores(&args.model, &ignores),
        ignore_git_paths: !args.no_ignore_git_paths,
    };
    let (m, bundle) = mlsecops_sign::sign_model(&args.model, &config, signer.as_ref())
        .with_context(|| format!("signing {}", args.model.display()))?;
    let json = bundle.to_json()?;
    std::fs::write(&args.signature, json)
        .with_context(|| format!("writing {}", args.signature.display()))?;
    let root = m.root_digest_hex();
    emit(
        args.format,
        &format!(
            "signed {} ({} {}) root sha256:{root}\nwrote {}\n",
            args.model.display(),
            m.resources.len(),
            if matches!(config.method, Method::Files) {
                "files"
            } else {
                "shards"
            },
            args.signature.display()
        ),
        &json!({
            "model": args.model.display().to_string(),
            "signature": args.signature.display().to_string(),
            "root_digest": root,
            "resources": m.resources.len(),
            "serialization": config.serialization_json(),
        }),
    )?;
    Ok(ExitCode::Clean)
}

/// Failure of a verification step (exit 1) as opposed to a fatal error (exit 3).
fn is_verification_failure(e: &SignError) -> bool {
    matches!(
        e,
        SignError::BadSignature
            | SignError::KeyMismatch
            | SignError::Mismatch(_)
            | SignError::EmptyManifest
            | SignError::Certificate(_)
            | SignError::Bundle(_)
            | SignError::Unsupported(_)
    )
}

fn fail(format: OutFormat, mut value: Value, message: &str) -> Result<ExitCode> {
    value["verified"] = json!(false);
    value["error"] = json!(message);
    emit(format, &format!("FAILED: {message}\n"), &value)?;
    Ok(ExitCode::Findings)
}

/// `mlsecops verify`.
pub(crate) fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let verifier: Box<dyn BundleVerifier> = if let Some(p) = &args.public_key {
        Box::new(KeyVerifier {
            key: PublicKey::from_pem(&read_text(p, "public key")?)
                .with_context(|| format!("loading {}", p.display()))?,
        })
    } else {
        let mut roots = Vec::new();
        for p in &args.root_certificate {
            roots.extend(
                cert::pem_chain_to_der(&read_text(p, "root certificate")?)
                    .with_context(|| format!("loading {}", p.display()))?,
            );
        }
        Box::new(CertificateVerifier { roots })
    };
    if !args.model.exists() {
        bail!("model {} does not exist", args.model.display());
    }
    let meta = std::fs::metadata(&args.signature)
        .with_context(|| format!("reading {}", args.signature.display()))?;
    if meta.len() > mlsecops_sign::bundle::MAX_BUNDLE_BYTES {
        bail!(
            "{} is too large for a signature bundle",
            args.signature.display()
        );
    }
    let bytes = std::fs::read(&args.signature)
        .with_context(|| format!("reading {}", args.signature.display()))?;
    let mut ignores = args.ignore_paths.clone();
    ignores.push(args.signature.clone());
    if let Some(att) = &args.require_scan {
        ignores.push(att.clone());
    }
    let opts = VerifyOptions {
        ignore_paths: relative_ignores(&args.model, &ignores),
        ignore_git_paths: !args.no_ignore_git_paths,
    };
    let base = json!({
        "model": args.model.display().to_string(),
        "signature": args.signature.display().to_string(),
    });
    let bundle = match Bundle::from_json(&bytes) {
        Ok(b) => b,
        Err(e) => return fail(args.format, base, &e.to_string()),
    };
    let verified = match mlsecops_sign::verify_model(&args.model, &bundle, verifier.as_ref(), &opts)
    {
        Ok(v) => v,
        Err(SignError::Mismatch(d)) => {
            let mut human = String::from("FAILED: model does not match the signature\n");
            for (label, list) in [
                ("added", &d.added),
                ("removed", &d.removed),
                ("changed", &d.changed),
            ] {
                for name in list {
                    let _ = writeln!(human, "  {label:<8}{name}");
                }
            }
            let mut v = base;
            v["verified"] = json!(false);
            v["error"] = json!("model does not match the signature");
            v["diff"] = serde_json::to_value(&*d).unwrap_or(Value::Null);
            emit(args.format, &human, &v)?;
            return Ok(ExitCode::Findings);
        }
        Err(e) if is_verification_failure(&e) => return fail(args.format, base, &e.to_string()),
        Err(e) => return Err(e).with_context(|| format!("verifying {}", args.model.display())),
    };
    let mut out = base;
    out["verified"] = json!(true);
    out["signature_check"] = serde_json::to_value(&verified).unwrap_or(Value::Null);
    let mut human = format!(
        "verified {}: {} {} signed by {}\nroot sha256:{}\n",
        args.model.display(),
        verified.resources,
        verified.method,
        verified.signer,
        verified.root_digest
    );
    if !verified.signed_ignore_paths.is_empty() {
        let _ = writeln!(
            human,
            "ignored by the signer: {}",
            verified.signed_ignore_paths.join(", ")
        );
    }
    if !verified.extra_ignore_paths.is_empty() {
        let _ = writeln!(
            human,
            "also ignored here (not recorded by the signer): {}",
            verified.extra_ignore_paths.join(", ")
        );
    }
    let mut code = ExitCode::Clean;
    if let Some(att_path) = &args.require_scan {
        let gate = scan_gate(args, att_path, &verified.root_digest, &opts);
        match gate {
            Ok(g) => {
                human.push_str(&g.human);
                out["scan_gate"] = g.json;
                if !g.passed {
                    code = ExitCode::Findings;
                    out["verified"] = json!(false);
                }
            }
            Err(e) => return fail(args.format, out, &format!("scan attestation: {e:#}")),
        }
    }
    if code == ExitCode::Findings {
        human.push_str("FAILED: deploy gate\n");
    }
    emit(args.format, &human, &out)?;
    Ok(code)
}

struct Gate {
    passed: bool,
    human: String,
    json: Value,
}

fn scan_gate(
    args: &VerifyArgs,
    att_path: &Path,
    signed_root: &str,
    opts: &VerifyOptions,
) -> Result<Gate> {
    let key_path = args
        .attestation_key
        .as_ref()
        .or(args.public_key.as_ref())
        .context("--require-scan needs --attestation-key (or --public-key)")?;
    let key = PublicKey::from_pem(&read_text(key_path, "attestation key")?)?;
    let bytes =
        std::fs::read(att_path).with_context(|| format!("reading {}", att_path.display()))?;
    let att = mlsecops_sign::verify_attestation(&bytes, &key)?;
    if att.predicate_type != SCAN_PREDICATE_TYPE {
        bail!(
            "predicateType `{}` is not {SCAN_PREDICATE_TYPE}",
            att.predicate_type
        );
    }
    // The attestation must name exactly the bytes that were just verified: either the same
    // root digest as the signature, or (when signing used shards or other ignores) the digest
    // recomputed now with the serialization the attestation records.
    let covers = if att.root_digest == signed_root {
        true
    } else {
        let mut config = att
            .predicate
            .get("serialization")
            .map(HashConfig::from_serialization)
            .transpose()?
            .unwrap_or_default();
        config.ignore_git_paths = opts.ignore_git_paths;
        config
            .ignore_paths
            .extend(opts.ignore_paths.iter().cloned());
        let now = manifest::compute(&args.model, &config)?;
        now.root_digest_hex() == att.root_digest
    };
    let counts: BTreeMap<String, u64> = att
        .predicate
        .pointer("/summary/severity")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let mut blocking = Vec::new();
    for (name, n) in &counts {
        if let Ok(sev) = name.parse::<Severity>()
            && sev >= args.max_severity
            && *n > 0
        {
            blocking.push(format!("{n} {name}"));
        }
    }
    let has_summary = att.predicate.pointer("/summary/severity").is_some();
    // Files the scan could not fully analyse are shown, not gated (see `scan --strict`).
    let incomplete: u64 = ["inconclusive", "error", "unsupported"]
        .iter()
        .filter_map(|k| {
            att.predicate
                .pointer(&format!("/summary/status/{k}"))?
                .as_u64()
        })
        .sum();
    let passed = covers && blocking.is_empty() && has_summary;
    let mut human = format!(
        "scan attestation {}: subject sha256:{} ({})\n",
        att_path.display(),
        att.root_digest,
        if covers {
            "covers this model"
        } else {
            "DOES NOT cover this model"
        }
    );
    if !has_summary {
        human.push_str("attestation has no findings summary\n");
    } else if blocking.is_empty() {
        let _ = writeln!(
            human,
            "no finding at or above {}",
            args.max_severity.as_str()
        );
    } else {
        let _ = writeln!(
            human,
            "findings at or above {}: {}",
            args.max_severity.as_str(),
            blocking.join(", ")
        );
    }
    if incomplete > 0 {
        let _ = writeln!(
            human,
            "note: {incomplete} file(s) were not fully analysed by the scan"
        );
    }
    Ok(Gate {
        passed,
        human,
        json: json!({
            "attestation": att_path.display().to_string(),
            "subject_digest": att.root_digest,
            "covers_model": covers,
            "max_severity": args.max_severity,
            "severity_counts": counts,
            "blocking": blocking,
            "incomplete_files": incomplete,
            "passed": passed,
        }),
    })
}

/// `mlsecops keygen`.
pub(crate) fn keygen(args: &KeygenArgs) -> Result<ExitCode> {
    let (private, public) = mlsecops_sign::keygen(args.curve)?;
    let mut key_path = args.out.clone().into_os_string();
    key_path.push(".key");
    let mut pub_path = args.out.clone().into_os_string();
    pub_path.push(".pub");
    let (key_path, pub_path) = (PathBuf::from(key_path), PathBuf::from(pub_path));
    for p in [&key_path, &pub_path] {
        if p.exists() && !args.force {
            bail!("{} exists (use --force to overwrite)", p.display());
        }
    }
    write_private(&key_path, private.as_bytes())?;
    std::fs::write(&pub_path, public).with_context(|| format!("writing {}", pub_path.display()))?;
    emit(
        OutFormat::Human,
        &format!(
            "wrote {} and {} ({:?})\n",
            key_path.display(),
            pub_path.display(),
            args.curve
        ),
        &Value::Null,
    )?;
    Ok(ExitCode::Clean)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// `scan --attest`: signs an in-toto statement about `report` whose subject is the OMS root
/// digest of `model`.
pub(crate) fn write_scan_attestation(
    model: &Path,
    report: &ScanReport,
    out: &Path,
    key_path: &Path,
) -> Result<()> {
    let key = PrivateKey::from_pem(&read_text(key_path, "private key")?)
        .with_context(|| format!("loading {}", key_path.display()))?;
    let config = HashConfig {
        ignore_paths: relative_ignores(model, &[out.to_path_buf()]),
        ..HashConfig::default()
    };
    let m = manifest::compute(model, &config)
        .with_context(|| format!("hashing {}", model.display()))?;
    let root_abs = std::fs::canonicalize(model).ok();
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            let path = root_abs
                .as_ref()
                .and_then(|r| {
                    let abs = std::fs::canonicalize(&f.path).ok()?;
                    let rel = abs.strip_prefix(r).ok()?;
                    let s = rel.to_string_lossy().replace('\\', "/");
                    Some(if s.is_empty() { ".".to_owned() } else { s })
                })
                .unwrap_or_else(|| f.path.clone());
            let mut rules: Vec<&str> = f.findings.iter().map(|x| x.rule.as_str()).collect();
            rules.sort_unstable();
            rules.dedup();
            json!({
                "path": path,
                "format": f.format,
                "status": f.status,
                "findings": f.findings.len(),
                "max_severity": f.max_severity(),
                "rules": rules,
            })
        })
        .collect();
    let predicate = json!({
        "tool": report.tool,
        "serialization": config.serialization_json(),
        "summary": {
            "files": report.summary.files,
            "status": report.summary.status,
            "findings": report.summary.findings,
            "severity": report.summary.severity,
            "max_severity": report.summary.max_severity,
        },
        "files": files,
    });
    let env = mlsecops_sign::attest(
        &m.model_name,
        &m.root_digest_hex(),
        SCAN_PREDICATE_TYPE,
        predicate,
        &key,
    )?;
    std::fs::write(out, env).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
