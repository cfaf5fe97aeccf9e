//! Hostile template sources: deep chains, huge inputs, every prefix of real templates.
#![allow(clippy::unwrap_used)]

use mlsecops_template::{Limits, check, check_with};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn every_prefix_of_real_templates_terminates() {
    for name in [
        "benign/qwen25_tools.jinja",
        "malicious/cve_2024_34359_llama_cpp_python.jinja",
    ] {
        let src = fixture(name);
        for (i, _) in src.char_indices() {
            let _ = check(&src[..i]);
        }
    }
}

#[test]
fn long_attribute_chain_hits_the_token_cap() {
    let src = format!("{{{{ x{} }}}}", ".a".repeat(200_000));
    let a = check(&src);
    assert!(a.incomplete.is_some());
    assert!(
        a.observations
            .iter()
            .any(|o| o.rule == "template-limit-exceeded")
    );
}

#[test]
fn prefix_operator_runs_are_capped() {
    let a = check(&format!("{{{{ {}x }}}}", "not ".repeat(100)));
    assert!(a.incomplete.is_some());
}

#[test]
fn long_filter_chain_within_the_token_cap_hits_the_depth_cap() {
    let src = format!("{{{{ x{} }}}}", "|trim".repeat(900));
    let a = check(&src);
    assert!(a.incomplete.is_some(), "{:?}", a.observations);
}

#[test]
fn deep_statement_nesting() {
    let src = format!(
        "{}x{}",
        "{% if a %}".repeat(1000),
        "{% endif %}".repeat(1000)
    );
    let a = check(&src);
    // minijinja's own recursion guard refuses it; the lexical scan finds nothing dangerous.
    assert!(
        a.observations
            .iter()
            .all(|o| o.rule != "template-ssti-dunder")
    );
}

#[test]
fn oversized_template_is_incomplete_but_scanned() {
    let limits = Limits {
        max_len: 64,
        ..Limits::default()
    };
    let src = format!("{{{{ x.__class__ }}}}{}", " ".repeat(100));
    let a = check_with(&src, &limits);
    assert!(a.incomplete.is_some());
    assert!(
        a.observations
            .iter()
            .any(|o| o.rule == "template-ssti-dunder")
    );
}

#[test]
fn benign_constructs_stay_silent() {
    for src in [
        "{% set ns = namespace(found=false) %}{% for m in messages %}{% set ns.found = true %}{% endfor %}",
        "{{ raise_exception('bad role') }}",
        "{{ strftime_now('%Y-%m-%d') }}",
        "{% for k, v in tool.items() %}{{ k }}={{ v | tojson }}{% endfor %}",
        "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('\\n') }}",
        "{{ m.content.split('</think>')[-1].strip() }}{% if m.content.startswith('/') %}x{% endif %}",
        "{% macro r(t) %}{{ t.name }}{% endmacro %}{{ r(tools[0]) }}",
        "{{ messages[loop.index0 - 1]['role'] }}{{ ('<|' ~ message.role ~ '|>') }}",
        "{{ '%s: %s' % (message.role, message.content) }}",
        "{% for m in messages[::-1] %}{{ m.content.split('</think>')[-1].lstrip('\\n') }}{% endfor %}",
        "{% for g in groups %}{{ g.name }}{% endfor %}{% set session = namespace(n=0) %}",
        "{% set t = {'string': 'str'} %}{{ t[spec.type] }}{{ '%s' | format(x) }}",
        "{{ message.system }}{{ tool.function.parameters.properties | items | list }}",
        "{%- if message.content is string -%}{{ message.content[0]['text'] + '\\n\\n' }}{%- endif -%}",
    ] {
        let a = check(src);
        assert!(a.observations.is_empty(), "{src}: {:?}", a.observations);
        assert!(a.incomplete.is_none(), "{src}");
    }
}

#[test]
fn unparsed_benign_template_is_complete() {
    let a = check(
        "{% for m in messages %}{{ m.content }}{% endfor %}{% generation %}x{% endgeneration %}",
    );
    assert!(a.incomplete.is_none(), "{:?}", a.incomplete);
    assert_eq!(a.observations.len(), 1);
    assert_eq!(a.observations[0].rule, "template-unparsed");
}

#[test]
fn unparsed_with_built_subscript_is_incomplete() {
    let a = check("{% generation %}{{ x[a ~ b] }}{% endgeneration %}");
    assert!(a.incomplete.is_some(), "{:?}", a.observations);
}

#[test]
fn evidence_has_pattern_and_line() {
    let a = check("hello\n{{ x.__class__ }}");
    let o = a
        .observations
        .iter()
        .find(|o| o.rule == "template-ssti-dunder")
        .unwrap();
    assert_eq!(
        o.evidence.get("pattern").map(String::as_str),
        Some("__class__")
    );
    assert_eq!(o.evidence.get("line").map(String::as_str), Some("2"));
}

#[test]
fn all_rule_ids_are_registered() {
    for src in [
        "{{ x|attr('foo') }}",
        "{{ x|attr(a ~ b) }}",
        "{{ x[a ~ b] }}",
        "{{ cycler.next }}",
        "{{ x.__class__ }}",
        "{% generation %}",
    ] {
        for o in check(src).observations {
            assert!(mlsecops_core::rule(o.rule).is_some(), "{}", o.rule);
        }
    }
}

#[test]
fn deep_expression_nesting_fits_a_small_stack() {
    // Run on a 1 MiB thread (rayon workers and test threads default to 2 MiB).
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            for open in ["(", "[", "x|attr(", "{'a': "] {
                let close = match open {
                    "(" | "x|attr(" => ")",
                    "[" => "]",
                    _ => "}",
                };
                for depth in [50usize, 140, 149, 151, 400] {
                    let src = format!("{{{{ {}y{} }}}}", open.repeat(depth), close.repeat(depth));
                    let _ = check(&src);
                }
            }
            for src in [
                format!("{{{{ {}y }}}}", "not ".repeat(1500)),
                format!("{{{{ {}1 }}}}", "-".repeat(1500)),
                format!("{{{{ x{} }}}}", "|trim".repeat(1000)),
                format!("{{{{ x{} }}}}", " ~ y".repeat(1000)),
                format!(
                    "{}{{{{ {}y{} }}}}{}",
                    "{% if a %}".repeat(32),
                    "(".repeat(24),
                    ")".repeat(24),
                    "{% endif %}".repeat(32)
                ),
            ] {
                let _ = check(&src);
            }
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn raw_scan_is_linear() {
    // Over the length cap: the prefix gets the raw scan; many blocks must not be quadratic.
    let src = format!("{}{}", "{{}}".repeat(300_000), "x".repeat(10));
    let limits = Limits {
        max_len: 1 << 20,
        ..Limits::default()
    };
    let start = std::time::Instant::now();
    let a = check_with(&src, &limits);
    assert!(a.incomplete.is_some());
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}
