//! Walks `GraphDef` nodes and function libraries and applies the op policy.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mlsecops_core::{FormatAnalysis, Observation};
use mlsecops_proto::tensorflow::{AttrValue, GraphDef, NodeDef, attr_value};

use crate::Limits;
use crate::ops::{DEBUG_URL_OPS, is_registered_op, path_inputs, presence_rule};
use mlsecops_core::paths::{PathVerdict, classify_relative_path};

/// `PrintV2` `output_stream` values that do not leave the process's own streams.
const STD_STREAMS: &[&[u8]] = &[
    b"stderr",
    b"stdout",
    b"log(info)",
    b"log(warning)",
    b"log(error)",
];

/// Nodes followed backwards from a path input before giving up.
const MAX_TRACE_NODES: usize = 64;
/// Depth of that backwards walk.
const MAX_TRACE_DEPTH: usize = 8;

pub(crate) struct Scanner<'l> {
    limits: &'l Limits,
    pub(crate) out: FormatAnalysis,
    per_rule: BTreeMap<&'static str, usize>,
    nodes: usize,
    stopped: bool,
    reported_unknown: BTreeSet<String>,
    /// Tensor names (without `:0`) that the loader rewrites to asset paths.
    pub(crate) asset_tensors: BTreeSet<String>,
}

impl<'l> Scanner<'l> {
    pub(crate) fn new(format: &str, limits: &'l Limits) -> Self {
        Scanner {
            limits,
            out: FormatAnalysis::new(format),
            per_rule: BTreeMap::new(),
            nodes: 0,
            stopped: false,
            reported_unknown: BTreeSet::new(),
            asset_tensors: BTreeSet::new(),
        }
    }

    pub(crate) fn emit(&mut self, obs: Observation) {
        let n = self.per_rule.entry(obs.rule).or_insert(0);
        *n += 1;
        if *n <= self.limits.max_observations_per_rule {
            self.out.push(obs);
        }
    }

    /// Checks one op name against the presence policy and the registry (also used for
    /// `TFLite` Flex ops). `known_functions` are library functions callable as ops.
    pub(crate) fn check_op_name(
        &mut self,
        op: &str,
        where_: &str,
        known_functions: &BTreeSet<&str>,
    ) {
        if let Some(rule) = presence_rule(op) {
            let what = if rule == "tf-python-op" {
                "calls Python / a shell"
            } else {
                "accesses the file system"
            };
            self.emit(
                Observation::new(rule, format!("{where_} uses op {op}, which {what}"))
                    .with_evidence("op", op)
                    .with_evidence("node", where_),
            );
        }
        if !is_registered_op(op)
            && !known_functions.contains(op)
            && self.reported_unknown.len() < 4096
            && self.reported_unknown.insert(op.to_owned())
        {
            self.emit(
                Observation::new(
                    "tf-unknown-op",
                    format!(
                        "{where_} uses op '{}' that TensorFlow does not register",
                        trunc(op)
                    ),
                )
                .with_evidence("op", trunc(op))
                .with_evidence("node", where_),
            );
        }
    }

    pub(crate) fn scan_graph(&mut self, graph: &GraphDef, where_: &str) {
        let functions: Vec<_> = graph
            .library
            .as_ref()
            .map(|l| l.function.iter().collect())
            .unwrap_or_default();
        let names: BTreeSet<&str> = functions
            .iter()
            .filter_map(|f| f.signature.as_ref().map(|s| s.name.as_str()))
            .collect();
        self.scan_nodes(&graph.node, where_, &names);
        for (i, f) in functions.iter().enumerate() {
            if self.stopped {
                return;
            }
            let fname = f
                .signature
                .as_ref()
                .map_or_else(|| format!("#{i}"), |s| trunc(&s.name));
            self.scan_nodes(&f.node_def, &format!("{where_}/function[{fname}]"), &names);
        }
    }

    fn scan_nodes(&mut self, nodes: &[NodeDef], scope: &str, functions: &BTreeSet<&str>) {
        let mut by_name: HashMap<&str, &NodeDef> = HashMap::new();
        for n in nodes {
            by_name.insert(n.name.as_str(), n);
        }
        for node in nodes {
            if self.stopped {
                return;
            }
            self.nodes += 1;
            if self.nodes > self.limits.max_nodes {
                self.stopped = true;
                self.out.fail(Observation::new(
                    "tf-malformed",
                    format!(
                        "more than {} nodes; rest not analysed",
                        self.limits.max_nodes
                    ),
                ));
                return;
            }
            let where_ = format!("{scope}/node[{}]", trunc(&node.name));
            let op = node.op.as_str();
            self.check_op_name(op, &where_, functions);
            if let Some(indices) = path_inputs(op) {
                self.check_path_inputs(node, indices, &by_name, &where_);
            }
            if DEBUG_URL_OPS.contains(&op) {
                let urls: Vec<String> = list_strings(node.attr.get("debug_urls"))
                    .into_iter()
                    .filter(|u| !u.is_empty())
                    .collect();
                if !urls.is_empty() {
                    self.emit(
                        Observation::new(
                            "tf-debug-output",
                            format!("{where_} ({op}) streams tensors to {}", urls.join(", ")),
                        )
                        .with_evidence("op", op)
                        .with_evidence("debug_urls", urls.join(",")),
                    );
                }
            }
            if op == "PrintV2"
                && let Some(stream) = attr_bytes(node.attr.get("output_stream"))
                && !STD_STREAMS.contains(&stream)
            {
                let stream = trunc(&String::from_utf8_lossy(stream));
                self.emit(
                    Observation::new(
                        "tf-debug-output",
                        format!("{where_} (PrintV2) writes to output_stream '{stream}'"),
                    )
                    .with_evidence("op", op)
                    .with_evidence("output_stream", stream),
                );
            }
        }
    }

    fn check_path_inputs(
        &mut self,
        node: &NodeDef,
        indices: &[usize],
        by_name: &HashMap<&str, &NodeDef>,
        where_: &str,
    ) {
        let data_inputs: Vec<&str> = node
            .input
            .iter()
            .filter(|i| !i.starts_with('^'))
            .map(String::as_str)
            .collect();
        for &idx in indices {
            let Some(input) = data_inputs.get(idx) else {
                continue;
            };
            let mut budget = MAX_TRACE_NODES;
            if let Some((const_name, value, verdict)) =
                self.trace_const_path(input, by_name, 0, &mut budget)
            {
                self.emit(
                    Observation::new(
                        "tf-save-restore-attacker-path",
                        format!(
                            "{where_} ({}) takes its path from Const '{const_name}' = '{value}', which {}",
                            node.op,
                            verdict.describe()
                        ),
                    )
                    .with_evidence("op", node.op.as_str())
                    .with_evidence("const", const_name)
                    .with_evidence("path", value),
                );
                return;
            }
        }
    }

    /// Follows `input` backwards through any op to the Consts feeding it; returns the
    /// first Const string that is not a plain relative path.
    fn trace_const_path(
        &self,
        input: &str,
        by_name: &HashMap<&str, &NodeDef>,
        depth: usize,
        budget: &mut usize,
    ) -> Option<(String, String, PathVerdict)> {
        if depth > MAX_TRACE_DEPTH || *budget == 0 {
            return None;
        }
        *budget -= 1;
        let name = input.trim_start_matches('^');
        let name = name.split(':').next().unwrap_or(name);
        if self.asset_tensors.contains(name) {
            return None;
        }
        let node = by_name.get(name)?;
        if node.op == "Const" {
            let Some(attr_value::Value::Tensor(tensor)) =
                node.attr.get("value").and_then(|v| v.value.as_ref())
            else {
                return None;
            };
            for s in &tensor.string_val {
                let text = String::from_utf8_lossy(s);
                match classify_relative_path(&text) {
                    PathVerdict::Inside | PathVerdict::Empty => {}
                    verdict => return Some((trunc(name), trunc(&text), verdict)),
                }
            }
            return None;
        }
        for next in node.input.iter().filter(|i| !i.starts_with('^')) {
            if let Some(hit) = self.trace_const_path(next, by_name, depth + 1, budget) {
                return Some(hit);
            }
        }
        None
    }
}

fn attr_bytes(attr: Option<&AttrValue>) -> Option<&[u8]> {
    match attr?.value.as_ref()? {
        attr_value::Value::S(s) => Some(s.as_slice()),
        _ => None,
    }
}

fn list_strings(attr: Option<&AttrValue>) -> Vec<String> {
    match attr.and_then(|a| a.value.as_ref()) {
        Some(attr_value::Value::List(l)) => {
            l.s.iter()
                .take(16)
                .map(|s| trunc(&String::from_utf8_lossy(s)))
                .collect()
        }
        Some(attr_value::Value::S(s)) => vec![trunc(&String::from_utf8_lossy(s))],
        _ => Vec::new(),
    }
}

/// Caps strings copied into messages and evidence at 200 characters.
pub(crate) fn trunc(s: &str) -> String {
    if s.chars().count() <= 200 {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(200).collect();
        t.push('…');
        t
    }
}
