//! End-to-end tests of `mlsecops keygen`, `sign`, `verify` and `scan --attest`: exit codes,
//! precise tamper reports, the deploy gate. Interop with the Python reference lives in
//! `scripts/interop/model_signing.sh`.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value;

fn mlsecops() -> Command {
    Command::cargo_bin("mlsecops").expect("binary built")
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/mlsecops-scan/tests/fixtures")
        .join(rel)
}

/// Runs `mlsecops` in `dir`; returns (exit code, stdout).
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = mlsecops().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = mlsecops().current_dir(dir).args(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

fn setup() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("model");
    fs::create_dir_all(m.join("sub/.hidden")).unwrap();
    fs::write(m.join("config.json"), b"{}").unwrap();
    fs::write(m.join("weights.bin"), vec![1u8; 4096]).unwrap();
    fs::write(m.join("sub/.hidden/x"), b"x").unwrap();
    fs::write(m.join(".cache"), b"c").unwrap();
    let (code, out) = run(t.path(), &["keygen", "--out", "k"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(t.path(), &["keygen", "--curve", "p384", "--out", "other"]);
    assert_eq!(code, 0, "{out}");
    t
}

#[test]
fn sign_then_verify_then_tamper_reports_exact_files() {
    let t = setup();
    let d = t.path();
    let (code, v) = json(d, &["sign", "model", "--key", "k.key", "--format", "json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["resources"], 4);
    assert!(d.join("model.sig").exists());

    let (code, v) = json(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verified"], true);

    fs::write(d.join("model/weights.bin"), vec![2u8; 4096]).unwrap();
    fs::write(d.join("model/sub/new.py"), b"import os").unwrap();
    fs::remove_file(d.join("model/.cache")).unwrap();
    let (code, v) = json(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["diff"]["added"], serde_json::json!(["sub/new.py"]));
    assert_eq!(v["diff"]["removed"], serde_json::json!([".cache"]));
    assert_eq!(v["diff"]["changed"], serde_json::json!(["weights.bin"]));

    let (code, out) = run(d, &["verify", "model", "--public-key", "k.pub"]);
    assert_eq!(code, 1);
    assert!(out.contains("added   sub/new.py"), "{out}");
}

#[test]
fn wrong_key_and_malformed_bundles_fail_with_exit_1() {
    let t = setup();
    let d = t.path();
    assert_eq!(run(d, &["sign", "model", "--key", "k.key"]).0, 0);
    let (code, out) = run(d, &["verify", "model", "--public-key", "other.pub"]);
    assert_eq!(code, 1, "{out}");
    for garbage in ["", "{}", "[1,2", "{\"mediaType\": 3}"] {
        fs::write(d.join("bad.sig"), garbage).unwrap();
        let (code, out) = run(
            d,
            &[
                "verify",
                "model",
                "--public-key",
                "k.pub",
                "--signature",
                "bad.sig",
            ],
        );
        assert_eq!(code, 1, "{garbage}: {out}");
    }
    // Missing files are usage/fatal errors.
    let (code, _) = run(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--signature",
            "none.sig",
        ],
    );
    assert_eq!(code, 3);
    let (code, _) = run(d, &["verify", "model"]);
    assert_eq!(code, 3);
}

#[test]
fn sharded_and_ignored_paths_round_trip() {
    let t = setup();
    let d = t.path();
    let (code, out) = run(
        d,
        &[
            "sign",
            "model",
            "--key",
            "k.key",
            "--shard-size",
            "1000",
            "--ignore-paths",
            "model/.cache",
            "--signature",
            "model/model.sig",
        ],
    );
    assert_eq!(code, 0, "{out}");
    // The cache is ignored by the signer: changing it does not matter.
    fs::write(d.join("model/.cache"), b"changed").unwrap();
    let (code, v) = json(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--signature",
            "model/model.sig",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["signature_check"]["method"], "shards");
    // 4096-byte file in 1000-byte shards + 2 small files.
    assert_eq!(v["signature_check"]["resources"], 7);
    let ignored = v["signature_check"]["signed_ignore_paths"].to_string();
    assert!(
        ignored.contains(".cache") && ignored.contains("model.sig"),
        "{ignored}"
    );
}

#[test]
fn keygen_refuses_to_overwrite() {
    let t = setup();
    let (code, _) = run(t.path(), &["keygen", "--out", "k"]);
    assert_eq!(code, 3);
    let (code, _) = run(
        t.path(),
        &["keygen", "--out", "k", "--force", "--curve", "p521"],
    );
    assert_eq!(code, 0);
}

#[test]
fn deploy_gate_with_scan_attestation() {
    let t = setup();
    let d = t.path();
    // Clean model: attest, sign, gate passes.
    let (code, out) = run(
        d,
        &[
            "scan",
            "model",
            "--no-progress",
            "--attest",
            "scan.json",
            "--key",
            "k.key",
        ],
    );
    assert!(code == 0 || code == 2, "{out}");
    assert_eq!(run(d, &["sign", "model", "--key", "k.key"]).0, 0);
    let (code, v) = json(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--require-scan",
            "scan.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["scan_gate"]["covers_model"], true);

    // The attestation of another model does not cover this one.
    let other = d.join("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("w.bin"), b"different").unwrap();
    let (code, out) = run(
        d,
        &[
            "scan",
            "other",
            "--no-progress",
            "--attest",
            "other.json",
            "--key",
            "k.key",
        ],
    );
    assert!(code == 0 || code == 2, "{out}");
    let (code, v) = json(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--require-scan",
            "other.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["scan_gate"]["covers_model"], false);

    // An attestation signed by another key is rejected.
    let (code, _) = run(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--require-scan",
            "scan.json",
            "--attestation-key",
            "other.pub",
        ],
    );
    assert_eq!(code, 1);

    // A malicious model: the scan finds critical issues, the gate blocks it.
    let bad = d.join("bad");
    fs::create_dir_all(&bad).unwrap();
    fs::copy(
        fixture("malicious/A10_pickle_with_zip_appended.pkl"),
        bad.join("model.pkl"),
    )
    .unwrap();
    let (code, out) = run(
        d,
        &[
            "scan",
            "bad",
            "--no-progress",
            "--attest",
            "bad.json",
            "--key",
            "k.key",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        run(
            d,
            &["sign", "bad", "--key", "k.key", "--signature", "bad.sig"]
        )
        .0,
        0
    );
    let (code, v) = json(
        d,
        &[
            "verify",
            "bad",
            "--public-key",
            "k.pub",
            "--signature",
            "bad.sig",
            "--require-scan",
            "bad.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["scan_gate"]["covers_model"], true);
    assert_eq!(v["scan_gate"]["passed"], false);
    // A lenient gate (critical only) still blocks; the signature itself is fine.
    let (code, out) = run(
        d,
        &[
            "verify",
            "bad",
            "--public-key",
            "k.pub",
            "--signature",
            "bad.sig",
            "--require-scan",
            "bad.json",
            "--max-severity",
            "critical",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 critical"), "{out}");

    // Changing the model after the scan breaks the signature check first.
    fs::write(d.join("model/weights.bin"), b"swapped").unwrap();
    let (code, _) = run(
        d,
        &[
            "verify",
            "model",
            "--public-key",
            "k.pub",
            "--require-scan",
            "scan.json",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn attestation_predicate_holds_the_scan_summary() {
    let t = setup();
    let d = t.path();
    run(
        d,
        &[
            "scan",
            "model",
            "--no-progress",
            "--attest",
            "scan.json",
            "--key",
            "k.key",
        ],
    );
    let env: Value = serde_json::from_slice(&fs::read(d.join("scan.json")).unwrap()).unwrap();
    assert_eq!(env["payloadType"], "application/vnd.in-toto+json");
    let payload = env["payload"].as_str().unwrap();
    let stmt: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stmt["predicateType"], "https://mlsecops/scan/v1");
    assert_eq!(stmt["subject"][0]["name"], "model");
    assert_eq!(stmt["predicate"]["tool"]["name"], "mlsecops");
    assert!(stmt["predicate"]["tool"]["ruleset"].is_string());
    assert!(stmt["predicate"]["summary"]["severity"].is_object());
    let files = stmt["predicate"]["files"].as_array().unwrap();
    assert!(
        files.iter().any(|f| f["path"] == "weights.bin"),
        "{files:?}"
    );
}

fn cert_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mlsecops-sign/tests/fixtures/certs")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn certificate_mode_sign_and_verify() {
    let t = setup();
    let d = t.path();
    let (code, out) = run(
        d,
        &[
            "sign",
            "model",
            "--key",
            &cert_fixture("leaf.key"),
            "--signing-certificate",
            &cert_fixture("leaf.pem"),
            "--certificate-chain",
            &cert_fixture("inter.pem"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(
        d,
        &[
            "verify",
            "model",
            "--root-certificate",
            &cert_fixture("root.pem"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("certificate chain"), "{out}");
    let (code, out) = run(
        d,
        &[
            "verify",
            "model",
            "--root-certificate",
            &cert_fixture("other-root.pem"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    // The leaf key must match the signing key.
    let (code, _) = run(
        d,
        &[
            "sign",
            "model",
            "--key",
            "k.key",
            "--signing-certificate",
            &cert_fixture("leaf.pem"),
        ],
    );
    assert_eq!(code, 3);
}
