//! `docs/compliance.md` is generated from the framework data and the rule registry.

use mlsecops_core::frameworks::{frameworks, render_compliance_markdown};

/// Fails when `docs/compliance.md` differs from the generated text; with
/// `MLSECOPS_UPDATE_DOCS=1` it rewrites the file instead.
#[test]
fn docs_compliance_md_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/compliance.md");
    let expected = render_compliance_markdown();
    if std::env::var_os("MLSECOPS_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("write docs/compliance.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/compliance.md is out of date; regenerate it with\n    \
         MLSECOPS_UPDATE_DOCS=1 cargo test -p mlsecops-core --test docs"
    );
}

#[test]
fn markdown_lists_every_framework_and_control() {
    let md = render_compliance_markdown();
    for f in frameworks() {
        assert!(md.contains(&format!("\n## {} — ", f.id)), "{}", f.id);
        for c in &f.controls {
            assert!(md.contains(&format!("| `{}` |", c.id)), "{} {}", f.id, c.id);
        }
    }
}
