//! What format analysers hand back to the scan engine.
//!
//! Format crates (GGUF, safetensors, Keras, ONNX, …) do not know where their bytes came
//! from (a file, a ZIP member, a tar member), so they report [`Observation`]s: a rule id,
//! a message, an optional byte offset and evidence. The scan engine turns each into a
//! [`Finding`] at the right [`Location`].

use crate::{Evidence, Finding, Location};

/// A finding before it is placed at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Registry rule id (must exist in [`crate::RULES`]; each crate tests this).
    pub rule: &'static str,
    /// One human sentence.
    pub message: String,
    /// Byte offset inside the analysed bytes, when meaningful.
    pub offset: Option<u64>,
    /// Supporting facts (`op = ReadFile`, `key = tokenizer.chat_template`, `json_path = …`).
    pub evidence: Evidence,
}

impl Observation {
    /// New observation for `rule` with no offset and no evidence.
    pub fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Observation {
            rule,
            message: message.into(),
            offset: None,
            evidence: Evidence::new(),
        }
    }

    /// Sets the byte offset (builder style).
    #[must_use]
    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Adds one evidence entry (builder style).
    #[must_use]
    pub fn with_evidence(mut self, key: &str, value: impl Into<String>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }

    /// Places the observation at `location`; its offset (when set) is added to the
    /// location's base offset.
    pub fn into_finding(self, mut location: Location) -> Finding {
        if let Some(offset) = self.offset {
            location.offset = Some(location.offset.unwrap_or(0).saturating_add(offset));
        }
        let mut finding = Finding::new(self.rule, self.message, location);
        finding.evidence = self.evidence;
        finding.refresh_fingerprint();
        finding
    }
}

/// Result of one format analyser over one byte string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatAnalysis {
    /// Format label for reports (`gguf`, `safetensors`, `keras`, `onnx`, `tf-savedmodel`…).
    pub format: String,
    /// What was found.
    pub observations: Vec<Observation>,
    /// First reason the bytes were not fully analysed (truncated, cap reached, parse
    /// error). `Some` makes the file `inconclusive`: never report such bytes as clean.
    pub incomplete: Option<String>,
}

impl FormatAnalysis {
    /// Empty analysis for `format`.
    pub fn new(format: impl Into<String>) -> Self {
        FormatAnalysis {
            format: format.into(),
            ..FormatAnalysis::default()
        }
    }

    /// Records an observation.
    pub fn push(&mut self, observation: Observation) {
        self.observations.push(observation);
    }

    /// Marks the analysis incomplete; the first reason wins.
    pub fn mark_incomplete(&mut self, reason: impl Into<String>) {
        if self.incomplete.is_none() {
            self.incomplete = Some(reason.into());
        }
    }

    /// Records an observation and marks the analysis incomplete with the same message.
    pub fn fail(&mut self, observation: Observation) {
        self.mark_incomplete(observation.message.clone());
        self.observations.push(observation);
    }

    /// Merges another analysis (e.g. a chat template inside a GGUF file) into this one.
    pub fn absorb(&mut self, other: FormatAnalysis) {
        self.observations.extend(other.observations);
        if let Some(reason) = other.incomplete {
            self.mark_incomplete(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_add_to_the_member_base() {
        let obs = Observation::new("container-malformed", "bad").at(5);
        let mut loc = Location::file("x.zip");
        loc.offset = Some(100);
        let finding = obs.with_evidence("k", "v").into_finding(loc);
        assert_eq!(finding.location.offset, Some(105));
        assert_eq!(finding.evidence.get("k").map(String::as_str), Some("v"));
    }

    #[test]
    fn first_incomplete_reason_wins() {
        let mut a = FormatAnalysis::new("gguf");
        a.fail(Observation::new("container-malformed", "first"));
        a.mark_incomplete("second");
        assert_eq!(a.incomplete.as_deref(), Some("first"));
        assert_eq!(a.observations.len(), 1);
    }
}
