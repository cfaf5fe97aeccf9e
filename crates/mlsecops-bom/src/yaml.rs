//! YAML for the BOM (README front matter, `conda.yaml`): the bounded event tree of
//! `mlsecops_repo::yaml` (aliases never expanded; size, depth, node and document caps), with
//! the BOM's tighter caps. Scalars stay strings: the BOM copies values, it does not interpret
//! them.

use mlsecops_repo::yaml::{self, YamlLimits};

pub(crate) use mlsecops_repo::yaml::YamlNode as Node;

/// Largest YAML text accepted.
pub(crate) const MAX_YAML_BYTES: usize = 1 << 20;

const LIMITS: YamlLimits = YamlLimits {
    max_bytes: MAX_YAML_BYTES,
    max_depth: 32,
    max_nodes: 100_000,
    max_documents: 16,
};

/// Parses the first document of `text`; `None` on a syntax error or when a cap is reached.
pub(crate) fn parse_first(text: &str) -> Option<Node> {
    yaml::parse(text.as_bytes(), &LIMITS)
        .ok()?
        .documents
        .into_iter()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maps_and_lists() {
        let n = parse_first("a: 1\nb:\n- x\n- y\nc: [p, q]\n").unwrap_or(Node::Alias);
        assert_eq!(n.get("a").and_then(Node::as_str), Some("1"));
        assert_eq!(
            n.get("b").map(Node::strings),
            Some(vec!["x".into(), "y".into()])
        );
        assert_eq!(
            n.get("c").map(Node::strings),
            Some(vec!["p".into(), "q".into()])
        );
    }

    #[test]
    fn aliases_are_not_expanded_and_depth_is_capped() {
        let n = parse_first("a: &a [1, 2]\nb: *a\n").unwrap_or(Node::Seq(Vec::new()));
        assert_eq!(n.get("b"), Some(&Node::Alias));
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(parse_first(&deep), None);
        assert_eq!(parse_first("a: [1, 2"), None);
    }
}
