//! Limits and hostile shapes: every cap yields an incomplete analysis with a finding, never a
//! panic or a hang.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use mlsecops_repo::{hf, mlflow, nemo, python, safe, skops, torchserve};

fn rules(a: &mlsecops_core::FormatAnalysis) -> Vec<&'static str> {
    a.observations.iter().map(|o| o.rule).collect()
}

#[test]
fn python_source_size_cap() {
    let limits = python::Limits {
        max_source_bytes: 16,
        ..python::Limits::default()
    };
    let a = python::analyze_with(b"import os\nos.system('x')\n", &limits);
    assert!(a.incomplete.is_some());
    assert_eq!(rules(&a), ["python-limit-exceeded"]);
}

#[test]
fn python_node_cap() {
    let limits = python::Limits {
        max_nodes: 10,
        ..python::Limits::default()
    };
    let src = "x = 1\n".repeat(100);
    assert!(
        python::analyze_with(src.as_bytes(), &limits)
            .incomplete
            .is_some()
    );
}

#[test]
fn python_finding_cap() {
    let src = "import os\n".to_owned() + &"os.system('x')\n".repeat(1000);
    let a = python::analyze(src.as_bytes());
    assert!(a.observations.len() <= python::Limits::default().max_observations + 1);
    assert!(rules(&a).contains(&"python-limit-exceeded"));
}

#[test]
fn python_garbage_never_panics() {
    for src in [
        &b"\xff\xfe\x00\x00"[..],
        b"def (:\n\t\t  \x0c\r\n",
        b"f'{",
        b"'''",
        b"\\",
        b"lambda: lambda: lambda: 0",
        b"match x:\n case {**rest}: pass",
        b"class A[T](B, metaclass=M): ...",
    ] {
        let _ = python::analyze(src);
    }
}

#[test]
fn hf_size_and_depth_caps() {
    let limits = hf::Limits {
        max_bytes: 8,
        ..hf::Limits::default()
    };
    let a = hf::analyze_config_with("config.json", b"{\"a\": 1000000}", None, &limits);
    assert_eq!(rules(&a), ["config-limit-exceeded"]);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let a = hf::analyze_config("config.json", deep.as_bytes(), None);
    assert!(a.incomplete.is_some());
    let a = hf::analyze_chat_template_file(&vec![b'a'; 2 * 1024 * 1024]);
    assert!(a.incomplete.is_some());
}

#[test]
fn skops_caps() {
    let limits = skops::Limits {
        max_types: 2,
        ..skops::Limits::default()
    };
    let many: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"__module__":"m{i}","__class__":"C"}}"#))
        .collect();
    let json = format!("[{}]", many.join(","));
    let a = skops::analyze_schema_with(format!(r#"{{"content":{json}}}"#).as_bytes(), &limits);
    assert!(a.incomplete.is_some());
}

#[test]
fn yaml_billion_laughs_and_depth() {
    let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..20u8 {
        let p = (b'a' + i) as char;
        let c = (b'b' + i) as char;
        writeln!(
            s,
            "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
        )
        .unwrap();
    }
    let a = mlflow::analyze_mlmodel(s.as_bytes(), None);
    // Parsed without expansion; no `flavors` → malformed, but quickly.
    assert!(a.incomplete.is_some());
    let a = nemo::analyze_config(s.as_bytes());
    assert!(a.incomplete.is_none());
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(nemo::analyze_config(deep.as_bytes()).incomplete.is_some());
}

#[test]
fn safe_hostile_counts() {
    // msgpack array32 claiming 4 billion items.
    assert!(
        safe::identify("f.msgpack", b"\xdd\xff\xff\xff\xff\x01")
            .unwrap()
            .incomplete
            .is_some()
    );
    // msgpack nesting beyond the cap.
    let deep = vec![0x91u8; 10_000];
    assert!(
        safe::identify("f.msgpack", &deep)
            .unwrap()
            .incomplete
            .is_some()
    );
    // UBJSON: huge typed array count, nested depth, negative length.
    assert!(
        safe::identify("m.ubj", b"[$d#L\x7f\xff\xff\xff\xff\xff\xff\xff")
            .unwrap()
            .incomplete
            .is_some()
    );
    assert!(
        safe::identify("m.ubj", &vec![b'['; 10_000])
            .unwrap()
            .incomplete
            .is_some()
    );
    assert!(
        safe::identify("m.ubj", b"{i\xffa}")
            .unwrap()
            .incomplete
            .is_some()
    );
    // Protobuf with a length past the end.
    assert!(
        safe::identify("s.model", b"\x0a\xff\xff\x03")
            .unwrap()
            .incomplete
            .is_some()
    );
    // Size cap.
    let limits = safe::Limits {
        max_bytes: 4,
        ..safe::Limits::default()
    };
    assert!(
        safe::identify_with("x.json", b"{\"a\":1}", &limits)
            .unwrap()
            .incomplete
            .is_some()
    );
}

#[test]
fn torchserve_malformed() {
    assert!(
        torchserve::analyze_manifest(b"{\"model\": 3}")
            .incomplete
            .is_some()
    );
    assert!(torchserve::analyze_manifest(b"\xff").incomplete.is_some());
}
