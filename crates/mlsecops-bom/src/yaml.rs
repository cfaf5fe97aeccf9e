//! Bounded YAML tree over `yaml-rust2` parser events (front matter, `conda.yaml`).
//!
//! Aliases are never expanded (they become [`Node::Alias`]); input size, nesting depth and node
//! count are capped. Scalars stay strings: the BOM copies values, it does not interpret them.

use yaml_rust2::parser::{Event, Parser};

/// Largest YAML text accepted.
pub(crate) const MAX_YAML_BYTES: usize = 1 << 20;
const MAX_DEPTH: usize = 32;
const MAX_NODES: usize = 100_000;

/// One YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Alias,
}

impl Node {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// First value of mapping key `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar or a sequence of scalars, as a list of non-empty strings.
    pub(crate) fn strings(&self) -> Vec<String> {
        let one = |n: &Node| {
            n.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "~" && *s != "null")
                .map(str::to_owned)
        };
        match self {
            Node::Seq(items) => items.iter().filter_map(one).collect(),
            other => one(other).into_iter().collect(),
        }
    }
}

enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

/// Parses the first document of `text`; `None` on a syntax error or when a cap is reached.
pub(crate) fn parse_first(text: &str) -> Option<Node> {
    if text.len() > MAX_YAML_BYTES {
        return None;
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    loop {
        let (event, _) = parser.next_token().ok()?;
        let node = match event {
            Event::StreamEnd => return None,
            Event::Alias(_) => Node::Alias,
            Event::Scalar(value, ..) => Node::Scalar(value),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Frame::Seq(items) => Node::Seq(items),
                Frame::Map(mut entries, pending) => {
                    if let Some(key) = pending {
                        entries.push((key, Node::Scalar(String::new())));
                    }
                    Node::Map(entries)
                }
            },
            _ => continue,
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return None;
        }
        match stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => *pending = Some(node),
            },
            None => return Some(node),
        }
    }
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
        let n = parse_first("a: &a [1, 2]\nb: *a\n").unwrap_or(Node::Scalar(String::new()));
        assert_eq!(n.get("b"), Some(&Node::Alias));
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(parse_first(&deep), None);
        assert_eq!(parse_first("a: [1, 2"), None);
    }
}
