//! A bounded YAML tree built from `yaml-rust2` parser events.
//!
//! Aliases are never expanded: an `*alias` becomes [`YamlNode::Alias`], so a billion-laughs
//! document costs as many nodes as it has events. Scalars stay untyped strings (the checks
//! compare names, not numbers). Nesting depth, node count, document count and input size are
//! capped; the parser itself is a state machine (no recursion).

use yaml_rust2::parser::{Event, Parser};

/// Limits of the YAML reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_field_names)] // `max_*` like every other Limits struct
pub struct YamlLimits {
    /// Largest input (bytes).
    pub max_bytes: usize,
    /// Deepest nesting of sequences/mappings.
    pub max_depth: usize,
    /// Most nodes (scalars, aliases, collections) over all documents.
    pub max_nodes: usize,
    /// Most documents in one stream.
    pub max_documents: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_bytes: 8 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 500_000,
            max_documents: 64,
        }
    }
}

/// One YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlNode {
    /// Any scalar, as written (after YAML unescaping).
    Scalar {
        /// The text.
        value: String,
        /// 1-based line.
        line: usize,
    },
    /// A sequence.
    Seq(Vec<YamlNode>),
    /// A mapping in document order (duplicate keys kept).
    Map(Vec<(YamlNode, YamlNode)>),
    /// An unexpanded alias reference.
    Alias,
}

impl YamlNode {
    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            YamlNode::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Value of mapping key `key` (first occurrence).
    pub fn get(&self, key: &str) -> Option<&YamlNode> {
        match self {
            YamlNode::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar or a sequence of scalars as a list of non-empty strings (`~` and `null`
    /// dropped): the shape of list-valued metadata fields.
    pub fn strings(&self) -> Vec<String> {
        let one = |n: &YamlNode| {
            n.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "~" && *s != "null")
                .map(str::to_owned)
        };
        match self {
            YamlNode::Seq(items) => items.iter().filter_map(one).collect(),
            other => one(other).into_iter().collect(),
        }
    }

    /// Line of a scalar (0 when unknown).
    pub fn line(&self) -> usize {
        match self {
            YamlNode::Scalar { line, .. } => *line,
            _ => 0,
        }
    }
}

/// Parsed stream.
#[derive(Debug, Clone, Default)]
pub struct YamlDoc {
    /// Documents in order.
    pub documents: Vec<YamlNode>,
    /// Number of aliases seen (never expanded).
    pub aliases: usize,
}

/// Why a stream was not (fully) read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlError {
    /// Syntax error at `line`.
    Syntax {
        /// Parser message.
        message: String,
        /// 1-based line (0 when unknown).
        line: usize,
    },
    /// A limit was reached.
    Limit(String),
}

impl YamlError {
    /// Registry rule a config analyser reports this error under.
    pub fn rule_id(&self) -> &'static str {
        match self {
            YamlError::Limit(_) => "config-limit-exceeded",
            YamlError::Syntax { .. } => "config-malformed",
        }
    }
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            YamlError::Syntax { message, line } => {
                write!(f, "YAML syntax error at line {line}: {message}")
            }
            YamlError::Limit(m) => f.write_str(m),
        }
    }
}

enum Frame {
    Seq(Vec<YamlNode>),
    Map(Vec<(YamlNode, YamlNode)>, Option<YamlNode>),
}

/// Parses `bytes` as a YAML stream within `limits`.
pub fn parse(bytes: &[u8], limits: &YamlLimits) -> Result<YamlDoc, YamlError> {
    if bytes.len() > limits.max_bytes {
        return Err(YamlError::Limit(format!(
            "YAML of {} bytes exceeds the {}-byte limit",
            bytes.len(),
            limits.max_bytes
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| YamlError::Syntax {
        message: format!("not UTF-8 at byte {}", e.valid_up_to()),
        line: 0,
    })?;
    let mut parser = Parser::new_from_str(text);
    let mut doc = YamlDoc::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError::Syntax {
            message: e.info().to_owned(),
            line: e.marker().line(),
        })?;
        let node = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue;
            }
            Event::Alias(_) => {
                doc.aliases += 1;
                YamlNode::Alias
            }
            Event::Scalar(value, ..) => YamlNode::Scalar {
                value,
                line: mark.line(),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= limits.max_depth {
                    return Err(YamlError::Limit(format!(
                        "YAML nesting deeper than {} at line {}",
                        limits.max_depth,
                        mark.line()
                    )));
                }
                nodes += 1;
                if nodes > limits.max_nodes {
                    return Err(YamlError::Limit(format!(
                        "YAML has more than {} nodes",
                        limits.max_nodes
                    )));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => YamlNode::Seq(items),
                Some(Frame::Map(entries, pending)) => {
                    let mut entries = entries;
                    if let Some(key) = pending {
                        entries.push((
                            key,
                            YamlNode::Scalar {
                                value: String::new(),
                                line: 0,
                            },
                        ));
                    }
                    YamlNode::Map(entries)
                }
                None => {
                    return Err(YamlError::Syntax {
                        message: "unbalanced collection end".to_owned(),
                        line: mark.line(),
                    });
                }
            },
        };
        if !matches!(node, YamlNode::Seq(_) | YamlNode::Map(_)) {
            nodes += 1;
            if nodes > limits.max_nodes {
                return Err(YamlError::Limit(format!(
                    "YAML has more than {} nodes",
                    limits.max_nodes
                )));
            }
        }
        match stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => *pending = Some(node),
            },
            None => {
                if doc.documents.len() >= limits.max_documents {
                    return Err(YamlError::Limit(format!(
                        "YAML stream has more than {} documents",
                        limits.max_documents
                    )));
                }
                doc.documents.push(node);
            }
        }
    }
    Ok(doc)
}

/// Appends a path component for evidence (`a.b[3]`).
pub fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 0..9u8 {
            let prev = (b'a' + i) as char;
            let cur = (b'b' + i) as char;
            writeln!(s, "{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]").unwrap();
        }
        let doc = parse(s.as_bytes(), &YamlLimits::default()).expect("parses");
        assert_eq!(doc.aliases, 81);
        assert_eq!(doc.documents.len(), 1);
    }

    #[test]
    fn depth_is_capped() {
        let s = format!("{}1{}", "[".repeat(1000), "]".repeat(1000));
        let r = parse(s.as_bytes(), &YamlLimits::default());
        assert!(r.is_err(), "{r:?}");
    }

    #[test]
    fn maps_and_lines() {
        let doc = parse(b"a:\n  b: c\n", &YamlLimits::default()).expect("parses");
        let b = doc.documents[0]
            .get("a")
            .and_then(|a| a.get("b"))
            .expect("b");
        assert_eq!(b.as_str(), Some("c"));
        assert_eq!(b.line(), 2);
    }
}
