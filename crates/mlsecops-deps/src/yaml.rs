//! A small bounded YAML tree for conda environment files, built from `yaml-rust2` events.
//! Aliases are never expanded; depth and node count are capped; only the first document
//! is kept.

use yaml_rust2::parser::{Event, Parser};

/// One YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A scalar with its 1-based line.
    Scalar(String, u32),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in document order.
    Map(Vec<(Node, Node)>),
    /// An alias (never expanded).
    Alias,
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Node::Scalar(s, _) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

/// Parses the first document of `text`. Errors carry a 1-based line (0 when unknown).
pub(crate) fn parse(
    text: &str,
    max_depth: usize,
    max_nodes: usize,
) -> Result<Option<Node>, (u32, String)> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    let line_of = |l: usize| u32::try_from(l).unwrap_or(u32::MAX);
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| (line_of(e.marker().line()), e.info().to_owned()))?;
        let node = match event {
            Event::StreamEnd => return Ok(None),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue;
            }
            Event::Alias(_) => Node::Alias,
            Event::Scalar(value, ..) => Node::Scalar(value, line_of(mark.line())),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= max_depth {
                    return Err((
                        line_of(mark.line()),
                        format!("nesting deeper than {max_depth}"),
                    ));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Node::Seq(items),
                Some(Frame::Map(entries, _)) => Node::Map(entries),
                None => return Err((line_of(mark.line()), "unbalanced collection end".into())),
            },
        };
        nodes = nodes.saturating_add(1);
        if nodes > max_nodes {
            return Err((
                line_of(mark.line()),
                format!("more than {max_nodes} YAML nodes"),
            ));
        }
        match stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => *pending = Some(node),
            },
            None => return Ok(Some(node)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_lists_with_lines() {
        let doc = parse(
            "name: x\ndependencies:\n  - numpy=1.26\n  - pip:\n    - torch==2.0\n",
            8,
            100,
        )
        .unwrap()
        .unwrap();
        let Some(Node::Seq(items)) = doc.get("dependencies") else {
            panic!()
        };
        assert_eq!(items[0], Node::Scalar("numpy=1.26".into(), 3));
        let Some(Node::Seq(pip)) = items[1].get("pip") else {
            panic!()
        };
        assert_eq!(pip[0], Node::Scalar("torch==2.0".into(), 5));
    }

    #[test]
    fn limits_and_errors() {
        assert!(parse("a: [[[[[[1]]]]]]", 3, 100).is_err());
        assert!(parse("a: [1, 2, 3, 4]", 8, 3).is_err());
        assert_eq!(parse("a: [1,\nb", 8, 100).unwrap_err().0, 2);
        assert_eq!(parse("", 8, 100).unwrap(), None);
    }
}
