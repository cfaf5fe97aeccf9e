//! Per-file analysis: routes bytes by content, recurses through containers under caps and
//! collects findings and the file status.

use std::borrow::Cow;

use mlsecops_archive::compress::{self, Codec};
use mlsecops_archive::{Anomaly, AnomalyKind, sevenz, tar, zip};
use mlsecops_core::{FileReport, FileStatus, Finding, Location};

use crate::ScanOptions;
use crate::formats::{self, Container};
use crate::numpy;
use crate::sniff::{Sniffed, codec_label, sniff, sniff_prefix};
use crate::text;

/// Bytes of an archive member inflated to decide what it is.
const SNIFF_LEN: usize = 64 * 1024;

/// Extensions that say "model or model container": such a file is `unsupported` rather
/// than `skipped` when its content is not recognised.
const MODEL_EXTENSIONS: &[&str] = &[
    "7z",
    "bin",
    "bz2",
    "ckpt",
    "dat",
    "data",
    "dill",
    "distcp",
    "gguf",
    "ggml",
    "gz",
    "h5",
    "hdf5",
    "joblib",
    "keras",
    "lz4",
    "mar",
    "metadata",
    "mlmodel",
    "model",
    "msgpack",
    "nemo",
    "npy",
    "npz",
    "onnx",
    "pb",
    "pickle",
    "pkl",
    "pt",
    "pth",
    "pt2",
    "safetensors",
    "sav",
    "tar",
    "tflite",
    "xz",
    "zip",
    "zst",
];

/// Extensions that claim a non-pickle type: pickle content under these names is disguised.
const NON_PICKLE_EXTENSIONS: &[&str] = &[
    "cfg", "conf", "csv", "gif", "html", "ini", "jpeg", "jpg", "json", "md", "png", "py", "toml",
    "txt", "xml", "yaml", "yml",
];

/// Extensions whose files loaders unpickle directly (`torch.load` falls back to the legacy
/// pickle path for non-ZIP `.pt/.bin`).
const PICKLE_LIKE_EXTENSIONS: &[&str] = &[
    "bin", "ckpt", "dill", "joblib", "pickle", "pkl", "pt", "pth",
];

/// Extensions under which a pickle is expected; such members are analysed as pickles even
/// when the prefix sniff is unsure, so a broken one is reported instead of skipped.
const PICKLE_EXTENSIONS: &[&str] = &["pkl", "pickle", "joblib", "dill"];

/// Report for a path that could not be read at all.
pub(crate) fn error_report(path: String, reason: String) -> FileReport {
    FileReport {
        path,
        format: "unknown".to_owned(),
        status: FileStatus::Error,
        reason: Some(reason),
        size: 0,
        findings: Vec::new(),
    }
}

/// How the scanner already knows a file, from another file of the same run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// Nothing known.
    None,
    /// Named as external tensor data by an ONNX model in the same directory tree.
    OnnxExternalData,
}

/// Scans one top-level file; also returns the files it claims (ONNX external data).
pub(crate) fn scan(
    opts: &ScanOptions,
    path: &str,
    data: &[u8],
    explicit: bool,
    hint: Hint,
) -> (FileReport, Vec<std::path::PathBuf>) {
    let name = base_name(path).to_owned();
    let mut cx = Cx {
        opts,
        path,
        findings: Vec::new(),
        dropped: 0,
        incomplete: None,
        budget: opts.max_decompressed,
        claims: Vec::new(),
    };
    let mut sniffed = sniff(data);
    if sniffed == Sniffed::Unknown && hint == Hint::OnnxExternalData {
        // Raw tensor bytes referenced by an ONNX model: nothing a loader interprets. Content
        // that sniffs as anything (pickle, ZIP…) is still analysed as that below.
        let report = FileReport {
            path: path.to_owned(),
            format: "onnx-external-data".to_owned(),
            status: FileStatus::Complete,
            reason: None,
            size: data.len() as u64,
            findings: Vec::new(),
        };
        return (report, Vec::new());
    }
    if sniffed == Sniffed::Unknown
        && has_ext(&name, PICKLE_LIKE_EXTENSIONS)
        && data
            .first()
            .is_some_and(|&b| mlsecops_pickle::opcode_name(b).is_some())
    {
        // Named like a pickle and starts with a pickle opcode, but the sniff gave up: a
        // loader would try to unpickle it, so analyse it and report why it breaks.
        sniffed = Sniffed::Pickle;
    }
    let zip_like = matches!(sniffed, Sniffed::Zip | Sniffed::ZipWithPrefix);
    let routed = if data.is_empty() {
        None
    } else if zip_like && has_ext(&name, &["safetensors"]) {
        // safetensors loaders read the 8-byte length whatever it spells: analyse the file as
        // safetensors (which reports the polyglot) and as the ZIP it also is.
        Some(formats::Route::Safetensors)
    } else if sniffed.is_analysed() {
        None
    } else {
        formats::route(&name, data, sniffed, Container::None)
    };
    // Text files also go through the code-and-data passes (secrets, PII, dependencies,
    // unsafe ML code, infrastructure posture), whatever analyser routed them.
    let is_text = sniffed == Sniffed::Unknown && text::is_text(data);
    let (format, status) = if data.is_empty() {
        ("empty".to_owned(), FileStatus::Complete)
    } else if is_text && text::is_notebook_name(&name) {
        let format = cx.notebook(data);
        (format, cx.status())
    } else if let Some(route) = routed {
        let mut format = cx.structured(data, &name, None, route);
        if zip_like {
            cx.analyse(data, &name, None, 0, sniffed);
        }
        if is_text {
            format = cx.text_file(data, &name, Some(format));
        }
        (format, cx.status())
    } else if sniffed == Sniffed::Executable && (explicit || has_ext(&name, MODEL_EXTENSIONS)) {
        // A program named like a model (or named on the command line): nothing a model
        // loader should ever be handed.
        cx.report(
            "embedded-executable",
            format!("`{name}` is a native executable, not a model file"),
            None,
            Some(0),
        );
        ("executable".to_owned(), FileStatus::Complete)
    } else if sniffed.is_analysed() {
        let format = cx.analyse(data, &name, None, 0, sniffed);
        (format, cx.status())
    } else if is_text && !has_ext(&name, MODEL_EXTENSIONS) {
        let format = cx.text_file(data, &name, None);
        (format, cx.status())
    } else {
        let status = if explicit || has_ext(&name, MODEL_EXTENSIONS) {
            cx.incomplete = Some(format!(
                "{} content is not analysed by this version",
                describe(sniffed)
            ));
            FileStatus::Unsupported
        } else {
            cx.incomplete = Some("not a model file (content not recognised)".to_owned());
            FileStatus::Skipped
        };
        (sniffed.label().to_owned(), status)
    };
    let mut reason = cx.incomplete;
    if cx.dropped > 0 {
        let note = format!(
            "{} further findings not listed (cap {})",
            cx.dropped, opts.max_findings
        );
        reason = Some(match reason {
            Some(r) => format!("{r}; {note}"),
            None => note,
        });
    }
    let mut findings = cx.findings;
    findings.sort_by(|a, b| {
        (&a.location.member, a.location.offset, &a.rule).cmp(&(
            &b.location.member,
            b.location.offset,
            &b.rule,
        ))
    });
    let report = FileReport {
        path: path.to_owned(),
        format,
        status,
        reason,
        size: data.len() as u64,
        findings,
    };
    (report, cx.claims)
}

fn describe(sniffed: Sniffed) -> &'static str {
    match sniffed {
        Sniffed::Unknown => "unrecognised",
        other => other.label(),
    }
}

pub(crate) struct Cx<'o> {
    pub(crate) opts: &'o ScanOptions,
    pub(crate) path: &'o str,
    findings: Vec<Finding>,
    dropped: usize,
    /// First reason the file is not fully analysed.
    incomplete: Option<String>,
    /// Decompression budget left for this top-level file.
    budget: u64,
    /// Other files this one accounts for (ONNX external data), normalised paths.
    pub(crate) claims: Vec<std::path::PathBuf>,
}

impl Cx<'_> {
    fn status(&self) -> FileStatus {
        if self.incomplete.is_some() {
            FileStatus::Inconclusive
        } else {
            FileStatus::Complete
        }
    }

    pub(crate) fn location(&self, member: Option<&str>, offset: Option<u64>) -> Location {
        Location {
            path: self.path.to_owned(),
            member: member.map(str::to_owned),
            offset,
            ..Location::default()
        }
    }

    pub(crate) fn push(&mut self, finding: Finding) {
        if self.findings.len() < self.opts.max_findings {
            self.findings.push(finding);
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn report(
        &mut self,
        rule: &str,
        message: String,
        member: Option<&str>,
        offset: Option<u64>,
    ) {
        let finding = Finding::new(rule, message, self.location(member, offset));
        self.push(finding);
    }

    pub(crate) fn mark_incomplete(&mut self, member: Option<&str>, reason: impl Into<String>) {
        if self.incomplete.is_none() {
            let reason = reason.into();
            self.incomplete = Some(match member {
                Some(m) => format!("{m}: {reason}"),
                None => reason,
            });
        }
    }

    /// Analyses `data` already classified as `sniffed`; returns the format label.
    fn analyse(
        &mut self,
        data: &[u8],
        name: &str,
        member: Option<&str>,
        depth: usize,
        sniffed: Sniffed,
    ) -> String {
        let container = !matches!(sniffed, Sniffed::Pickle | Sniffed::Npy);
        if container && depth >= self.opts.max_depth {
            self.report(
                "archive-depth-limit",
                format!(
                    "{} nested {} levels deep; the cap is {} — inner content not analysed",
                    sniffed.label(),
                    depth + 1,
                    self.opts.max_depth
                ),
                member,
                None,
            );
            self.mark_incomplete(member, "container nesting cap reached");
            return sniffed.label().to_owned();
        }
        match sniffed {
            Sniffed::Pickle => self.pickle(data, name, member, 0).to_owned(),
            Sniffed::Npy => self.npy(data, member),
            Sniffed::Zip | Sniffed::ZipWithPrefix => self.zip(data, member, depth),
            Sniffed::Tar => self.tar(data, member, depth),
            Sniffed::SevenZ => self.sevenz(data, member, depth),
            Sniffed::Compressed(codec) => self.compressed(codec, data, name, member, depth),
            other => other.label().to_owned(),
        }
    }

    fn pickle(&mut self, data: &[u8], name: &str, member: Option<&str>, base: u64) -> &'static str {
        let analysis = mlsecops_pickle::analyze(data, &self.opts.pickle);
        for f in &analysis.findings {
            let mut location = self.location(member, Some(base.saturating_add(f.offset)));
            location.opcode_index = Some(f.opcode_index);
            let mut finding = Finding::new(f.kind.rule_id(), f.message.clone(), location)
                .with_evidence("opcode", f.opcode);
            if let Some(global) = &f.global {
                finding = finding.with_evidence("global", global.clone());
            }
            if let Some(args) = &f.args {
                finding = finding.with_evidence("args", args.clone());
            }
            if f.stream > 0 {
                finding = finding.with_evidence("stream", f.stream.to_string());
            }
            if !f.embedded_at.is_empty() {
                let chain: Vec<String> = f.embedded_at.iter().map(u64::to_string).collect();
                finding = finding.with_evidence("embedded_at", chain.join(">"));
            }
            self.push(finding);
        }
        match &analysis.outcome {
            mlsecops_pickle::Outcome::Complete => {}
            mlsecops_pickle::Outcome::Malformed { offset, message } => self.mark_incomplete(
                member,
                format!(
                    "pickle stream malformed at offset {}: {message}",
                    base.saturating_add(*offset)
                ),
            ),
            mlsecops_pickle::Outcome::LimitExceeded { limit, offset } => self.mark_incomplete(
                member,
                format!(
                    "pickle analysis cap `{limit}` reached at offset {}",
                    base.saturating_add(*offset)
                ),
            ),
        }
        if has_ext(name, NON_PICKLE_EXTENSIONS) {
            self.report(
                "disguised-pickle",
                format!("`{name}` is named like a non-pickle file but holds a pickle stream"),
                member,
                Some(base),
            );
        }
        // A pickle followed by a ZIP: pickle.load runs the pickle, ZIP readers see the archive.
        if base == 0
            && let Some(eocd) = zip::find_eocd(data)
            && eocd >= analysis.end_offset
            && zip::looks_like_zip(data)
        {
            self.report(
                "polyglot-file",
                format!(
                    "pickle stream (bytes 0..{}) followed by a ZIP archive; both were analysed",
                    analysis.end_offset
                ),
                member,
                Some(analysis.end_offset),
            );
            self.zip(data, member, 0);
        }
        if analysis.legacy_torch {
            "pytorch-legacy"
        } else if analysis.joblib {
            "joblib"
        } else {
            "pickle"
        }
    }

    fn npy(&mut self, data: &[u8], member: Option<&str>) -> String {
        match numpy::parse_header(data) {
            Err(message) => {
                self.report(
                    "container-malformed",
                    format!("NumPy header: {message}"),
                    member,
                    Some(0),
                );
                self.mark_incomplete(member, format!("NumPy header: {message}"));
            }
            Ok(header) if header.object => {
                let finding = Finding::new(
                    "numpy-object-array",
                    "object-dtype array: the data is a pickle (needs allow_pickle=True); analysed below",
                    self.location(member, Some(header.data_offset as u64)),
                )
                .with_evidence("descr", header.descr.clone());
                self.push(finding);
                let payload = data.get(header.data_offset..).unwrap_or_default();
                self.pickle(payload, "array.npy", member, header.data_offset as u64);
            }
            Ok(_) => {}
        }
        "numpy-npy".to_owned()
    }

    fn archive_anomaly(&mut self, anomaly: &Anomaly, member: Option<&str>) {
        let rule = match anomaly.kind {
            AnomalyKind::FlagBits => "zip-flag-bits",
            AnomalyKind::NameMismatch => "zip-name-mismatch",
            AnomalyKind::CrcMismatch => "zip-crc-mismatch",
            AnomalyKind::DuplicateName => "zip-duplicate-name",
            AnomalyKind::PathTraversal => "archive-path-traversal",
            AnomalyKind::Symlink | AnomalyKind::Hardlink => "archive-link-member",
            AnomalyKind::CompressionRatio | AnomalyKind::SizeLimit => "archive-bomb",
            AnomalyKind::EncryptedUnreadable => "archive-encrypted",
            AnomalyKind::UnsupportedMethod | AnomalyKind::Truncated | AnomalyKind::BadChecksum => {
                "container-malformed"
            }
            _ => "zip-structure",
        };
        let inner = anomaly.entry.as_deref().map(|e| join(member, e));
        let at = inner.as_deref().or(member);
        let finding = Finding::new(
            rule,
            anomaly.message.clone(),
            self.location(at, Some(anomaly.offset)),
        )
        .with_evidence("anomaly", anomaly.kind.code());
        self.push(finding);
        if matches!(
            anomaly.kind,
            AnomalyKind::SizeLimit
                | AnomalyKind::EncryptedUnreadable
                | AnomalyKind::UnsupportedMethod
                | AnomalyKind::Truncated
                | AnomalyKind::DataOutOfBounds
        ) {
            self.mark_incomplete(at, anomaly.message.clone());
        }
    }

    fn zip(&mut self, data: &[u8], member: Option<&str>, depth: usize) -> String {
        let limits = zip::Limits {
            max_entries: self.opts.max_entries,
            max_entry_size: self.opts.max_member_size,
            max_total_size: self.opts.max_decompressed,
            ..zip::Limits::default()
        };
        let archive = match zip::parse(data, &limits) {
            Ok(archive) => archive,
            Err(err) => {
                self.not_analysed("container-malformed", format!("ZIP: {err}"), member);
                return "zip".to_owned();
            }
        };
        for anomaly in &archive.anomalies {
            self.archive_anomaly(anomaly, member);
        }
        let names: Vec<&str> = archive.entries.iter().map(|e| e.name.as_str()).collect();
        let label = zip_label(&names);
        let container = match label {
            "keras" => Container::Keras,
            "skops" => Container::Skops,
            "torchserve-mar" => Container::Mar,
            "torchscript" => Container::TorchScript,
            _ => Container::Other,
        };
        if container == Container::Keras {
            for obs in mlsecops_keras::check_archive_members(&names) {
                let finding = obs.into_finding(self.location(member, None));
                self.push(finding);
            }
        }
        for entry in &archive.entries {
            if entry.is_dir || entry.is_symlink {
                continue;
            }
            let child = join(member, &entry.name);
            let prefix = match archive.read_prefix(data, entry, SNIFF_LEN) {
                Ok(prefix) => prefix,
                Err(err) => {
                    self.unreadable_entry(&child, &err);
                    continue;
                }
            };
            let kind = sniff_prefix(&prefix);
            if !kind.is_analysed() && entry.flags & 1 != 0 && !prefix.is_empty() {
                // Flag 0x1 and content that decodes as nothing: really encrypted.
                self.unreadable_entry(&child, &zip::EntryError::Encrypted);
                continue;
            }
            if kind == Sniffed::Executable {
                self.embedded_executable(&child);
                continue;
            }
            let structured =
                !kind.is_analysed() && formats::worth_reading(&entry.name, kind, container);
            if !kind.is_analysed() && !structured && !has_ext(&entry.name, PICKLE_EXTENSIONS) {
                continue;
            }
            let cap = self.opts.max_member_size.min(self.budget);
            match archive.read(data, entry, cap) {
                Ok(read) => {
                    for anomaly in read.crc.iter().chain(&read.anomalies) {
                        self.archive_anomaly(anomaly, member);
                    }
                    let bytes: &[u8] = &read.data;
                    if let Cow::Owned(v) = &read.data {
                        self.budget = self.budget.saturating_sub(v.len() as u64);
                    }
                    if structured {
                        if let Some(route) =
                            formats::route(&entry.name, bytes, sniff(bytes), container)
                        {
                            self.structured(bytes, &entry.name, Some(&child), route);
                        }
                        continue;
                    }
                    let kind = if kind.is_analysed() {
                        kind
                    } else {
                        Sniffed::Pickle
                    };
                    self.analyse(bytes, base_name(&entry.name), Some(&child), depth + 1, kind);
                }
                Err(err) => self.unreadable_entry(&child, &err),
            }
        }
        label.to_owned()
    }

    fn embedded_executable(&mut self, child: &str) {
        self.report(
            "embedded-executable",
            "archive member is a native executable (ELF, PE or Mach-O)".to_owned(),
            Some(child),
            Some(0),
        );
    }

    /// Reports a finding for something that could not be analysed and marks the file
    /// inconclusive with the same message.
    fn not_analysed(&mut self, rule: &str, message: String, member: Option<&str>) {
        self.mark_incomplete(member, message.clone());
        self.report(rule, message, member, None);
    }

    /// Analyses an extracted member when its content (or a pickle name) says it is
    /// something this version analyses; other members (tensor data, text) are skipped.
    fn analyse_member(
        &mut self,
        bytes: &[u8],
        entry_name: &str,
        child: &str,
        depth: usize,
        container: Container,
    ) {
        let kind = sniff(bytes);
        if kind == Sniffed::Executable {
            self.embedded_executable(child);
            return;
        }
        if !kind.is_analysed()
            && let Some(route) = formats::route(entry_name, bytes, kind, container)
        {
            self.structured(bytes, entry_name, Some(child), route);
            return;
        }
        if kind.is_analysed() || has_ext(entry_name, PICKLE_EXTENSIONS) {
            let kind = if kind.is_analysed() {
                kind
            } else {
                Sniffed::Pickle
            };
            self.analyse(bytes, base_name(entry_name), Some(child), depth + 1, kind);
        }
    }

    fn unreadable_entry(&mut self, child: &str, err: &zip::EntryError) {
        let rule = match err {
            zip::EntryError::Encrypted => "archive-encrypted",
            zip::EntryError::OutputLimit { .. } => "archive-limit",
            _ => "container-malformed",
        };
        self.not_analysed(
            rule,
            format!("member could not be read: {err}"),
            Some(child),
        );
    }

    fn compressed(
        &mut self,
        codec: Codec,
        data: &[u8],
        name: &str,
        member: Option<&str>,
        depth: usize,
    ) -> String {
        let label = codec_label(codec);
        let limits = compress::DecompressLimits {
            max_output: self.opts.max_member_size.min(self.budget),
            ..compress::DecompressLimits::default()
        };
        match compress::decompress(codec, data, &limits) {
            Ok(out) => {
                self.budget = self.budget.saturating_sub(out.len() as u64);
                let inner_name = strip_ext(name);
                let child = join(member, inner_name);
                let kind = sniff(&out);
                if kind.is_analysed() {
                    let inner = self.analyse(&out, inner_name, Some(&child), depth + 1, kind);
                    format!("{label}:{inner}")
                } else {
                    format!("{label}:{}", kind.label())
                }
            }
            Err(err) => {
                let rule = match err {
                    compress::DecompressError::Bomb { .. } => "archive-bomb",
                    compress::DecompressError::OutputLimit { .. } => "archive-limit",
                    _ => "container-malformed",
                };
                self.not_analysed(rule, format!("{label}: {err}"), member);
                label.to_owned()
            }
        }
    }

    fn tar(&mut self, data: &[u8], member: Option<&str>, depth: usize) -> String {
        let listing = match tar::list(data, &tar::TarLimits::default()) {
            Ok(listing) => listing,
            Err(err) => {
                self.not_analysed("container-malformed", format!("tar: {err}"), member);
                return "tar".to_owned();
            }
        };
        for anomaly in &listing.anomalies {
            self.archive_anomaly(anomaly, member);
        }
        if let Some(err) = &listing.error {
            self.not_analysed("container-malformed", format!("tar: {err}"), member);
        }
        let names: Vec<&str> = listing.entries.iter().map(|e| e.name.as_str()).collect();
        let container = if names.iter().any(|n| base_name(n) == "model_config.yaml") {
            Container::Nemo
        } else {
            Container::Other
        };
        for entry in &listing.entries {
            if entry.kind != tar::TarKind::File {
                continue;
            }
            let child = join(member, &entry.name);
            self.analyse_member(entry.data, &entry.name, &child, depth, container);
        }
        let legacy = ["sys_info", "pickle", "storages"]
            .iter()
            .all(|n| names.iter().any(|m| base_name(m) == *n));
        if legacy {
            "pytorch-legacy-tar"
        } else if container == Container::Nemo {
            "nemo"
        } else {
            "tar"
        }
        .to_owned()
    }

    fn sevenz(&mut self, data: &[u8], member: Option<&str>, depth: usize) -> String {
        let limits = sevenz::SevenZLimits {
            max_entries: self.opts.max_entries,
            max_entry_size: self.opts.max_member_size,
            max_total_size: self.opts.max_member_size.min(self.budget),
        };
        match sevenz::extract(data, &limits) {
            Ok(entries) => {
                for entry in entries.iter().filter(|e| !e.is_dir) {
                    self.budget = self.budget.saturating_sub(entry.data.len() as u64);
                    let child = join(member, &entry.name);
                    self.analyse_member(&entry.data, &entry.name, &child, depth, Container::Other);
                }
            }
            Err(err) => {
                let rule = match err {
                    sevenz::SevenZError::Encrypted => "archive-encrypted",
                    sevenz::SevenZError::TooManyEntries { .. }
                    | sevenz::SevenZError::EntryTooLarge { .. }
                    | sevenz::SevenZError::TotalTooLarge { .. } => "archive-limit",
                    _ => "container-malformed",
                };
                self.not_analysed(rule, format!("7z: {err}"), member);
            }
        }
        "7z".to_owned()
    }
}

fn zip_label(names: &[&str]) -> &'static str {
    let has = |suffix: &str| {
        names
            .iter()
            .any(|n| n == &suffix || n.ends_with(&format!("/{suffix}")))
    };
    if has("constants.pkl")
        || names
            .iter()
            .any(|n| n.contains("/code/") || n.starts_with("code/"))
    {
        "torchscript"
    } else if has("data.pkl") {
        "pytorch-zip"
    } else if !names.is_empty() && names.iter().all(|n| has_ext(n, &["npy"])) {
        "numpy-npz"
    } else if names.iter().any(|n| n.starts_with("MAR-INF/")) {
        "torchserve-mar"
    } else if names.contains(&"schema.json") {
        "skops"
    } else if has("config.json") && names.iter().any(|n| n.ends_with(".weights.h5")) {
        "keras"
    } else {
        "zip"
    }
}

/// `a!/b` member chains.
fn join(parent: Option<&str>, child: &str) -> String {
    match parent {
        Some(p) => format!("{p}!/{child}"),
        None => child.to_owned(),
    }
}

pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn extension(name: &str) -> Option<String> {
    let base = base_name(name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

pub(crate) fn has_ext(name: &str, list: &[&str]) -> bool {
    extension(name).is_some_and(|e| list.contains(&e.as_str()))
}

fn strip_ext(name: &str) -> &str {
    let base = base_name(name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(base_name("a/b/c.pkl"), "c.pkl");
        assert!(has_ext("x/Config.JSON", NON_PICKLE_EXTENSIONS));
        assert!(!has_ext(".json", NON_PICKLE_EXTENSIONS));
        assert_eq!(strip_ext("model.pkl.gz"), "model.pkl");
        assert_eq!(join(Some("a.zip"), "b.pkl"), "a.zip!/b.pkl");
        assert_eq!(
            zip_label(&["archive/data.pkl", "archive/version"]),
            "pytorch-zip"
        );
        assert_eq!(zip_label(&["a.npy", "b.npy"]), "numpy-npz");
        assert_eq!(zip_label(&["m/constants.pkl", "m/data.pkl"]), "torchscript");
    }
}
