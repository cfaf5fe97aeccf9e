//! TensorFlow `SavedModel`, frozen graph and `TFLite` rules.

use super::{CORRUPT_MODEL, Category, Compliance, DESERIALIZATION, EXTERNAL_CODE, Rule};
use crate::Severity;

/// Graph ops that touch the loading machine's file system.
const FILE_ACCESS: Compliance = Compliance {
    cwe: &["CWE-73", "CWE-22"],
    owasp_ml: &["ML06:2023", "ML10:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.6.2.4", "A.10.3"],
};

const TF_REFS: &[&str] = &[
    "https://www.tensorflow.org/api_docs/python/tf/raw_ops",
    "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md (\"models are programs\")",
    "modelscan docs/severity_levels.md",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "tf-python-op",
        title: "TensorFlow graph calls Python or a shell",
        severity: Severity::High,
        category: Category::Tensorflow,
        description: "A node in the graph or in a library function uses PyFunc, PyFuncStateless, EagerPyFunc, \
            PyCall or ShellExecute (also as a TFLite Flex op). These hand control to host Python registered under \
            a token when the graph runs; in a downloaded model they are a way to run code outside the graph's \
            reviewable ops.",
        remediation: "Do not load or serve the model. Legitimate exported models do not contain Python ops; \
            re-export it without tf.py_function / tf.numpy_function.",
        references: &[
            "https://www.tensorflow.org/api_docs/python/tf/py_function",
            "modelaudit suspicious_symbols.py (SUSPICIOUS_OPS)",
            "modelscan docs/severity_levels.md",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "tf-file-io-op",
        title: "TensorFlow graph reads or writes files",
        severity: Severity::High,
        category: Category::Tensorflow,
        description: "A node in the graph, in a library function or a TFLite Flex op reads, lists, writes or \
            deletes files on the machine that runs the model: ReadFile, WriteFile, MatchingFiles, DeleteFile, \
            file readers (WholeFileReader, TextLineReader, FixedLengthRecordReader, TFRecordReader, \
            IdentityReader), ImmutableConst, LoadAndRemapMatrix, file-backed datasets or lookup-table \
            initialisers. Used to exfiltrate secrets into model outputs or to plant files (modelscan: HIGH).",
        remediation: "Do not serve the model. Inspect which path the op receives; an inference graph has no \
            reason to touch the file system.",
        references: TF_REFS,
        compliance: FILE_ACCESS,
    },
    Rule {
        id: "tf-save-restore-attacker-path",
        title: "TensorFlow Save/Restore op uses a hard-coded path",
        severity: Severity::High,
        category: Category::Tensorflow,
        description: "A Save, SaveV2, SaveSlices, Restore, RestoreV2, RestoreSlice, MergeV2Checkpoints or \
            ShardedFilename node takes its filename or prefix from a Const holding an absolute or traversing \
            path, so running the graph writes or reads a file chosen by the model author. Benign SavedModels \
            wire these ops to a filename Placeholder and stay silent.",
        remediation: "Do not run the model; checkpoint paths must be supplied by the caller, not baked into the \
            graph.",
        references: &[
            "modelaudit suspicious_symbols.py (Save/SaveV2/RestoreV2/MergeV2Checkpoints)",
        ],
        compliance: FILE_ACCESS,
    },
    Rule {
        id: "tf-debug-output",
        title: "TensorFlow graph writes debug output to a file or URL",
        severity: Severity::High,
        category: Category::Tensorflow,
        description: "A PrintV2 node has an `output_stream` that names a file, or a DebugIdentity / \
            DebugNanCount / DebugNumericSummary node has `debug_urls` (file:// or grpc://). Running the graph \
            then writes tensor values to a location the model author chose.",
        remediation: "Strip debug ops before serving; do not load the model from an untrusted source.",
        references: TF_REFS,
        compliance: FILE_ACCESS,
    },
    Rule {
        id: "tf-asset-path",
        title: "SavedModel asset path escapes the model directory",
        severity: Severity::High,
        category: Category::Tensorflow,
        description: "An `asset_file_def` filename is absolute or contains `..` that escapes `assets/`, so \
            loading the SavedModel feeds an arbitrary host file into the graph.",
        remediation: "Assets must be plain relative file names under `assets/`; re-export the model.",
        references: &["https://www.tensorflow.org/guide/saved_model#saving_a_custom_model"],
        compliance: FILE_ACCESS,
    },
    Rule {
        id: "tf-unknown-op",
        title: "TensorFlow op is not in the TensorFlow op registry",
        severity: Severity::Medium,
        category: Category::Tensorflow,
        description: "A node uses an op that is neither a TensorFlow 2.21 registered op (`tf.raw_ops`) nor a \
            function in the graph's library (also a TFLite Flex op with an unknown name). Loading needs a custom \
            op library, native code the model brings along (modelscan: MEDIUM).",
        remediation: "Only load the model together with a reviewed, trusted custom-op library.",
        references: TF_REFS,
        compliance: EXTERNAL_CODE,
    },
    Rule {
        id: "tf-tflite-custom-op",
        title: "TFLite model uses a custom operator",
        severity: Severity::Info,
        category: Category::Tensorflow,
        description: "An operator code is CUSTOM with a `custom_code` name that is not a Flex (select TF ops) \
            op. The interpreter needs a registered native implementation to run it.",
        remediation: "Make sure the custom-op implementation comes from a trusted source.",
        references: &["https://www.tensorflow.org/lite/guide/ops_custom"],
        compliance: EXTERNAL_CODE,
    },
    Rule {
        id: "tf-tflite-flex-op",
        title: "TFLite model uses select TensorFlow (Flex) ops",
        severity: Severity::Info,
        category: Category::Tensorflow,
        description: "An operator is a Flex op (`Flex` + TensorFlow op name) executed by the full TensorFlow \
            runtime. Each name is also checked against the TensorFlow op policy.",
        remediation: "None required for ordinary ops; dangerous ones are reported separately.",
        references: &["https://www.tensorflow.org/lite/guide/ops_select"],
        compliance: EXTERNAL_CODE,
    },
    Rule {
        id: "tf-malformed",
        title: "TensorFlow model could not be fully parsed",
        severity: Severity::Medium,
        category: Category::Tensorflow,
        description: "The SavedModel, GraphDef, Keras metadata or TFLite flatbuffer failed to decode (truncated, \
            wrong wire type, out-of-bounds flatbuffer offset, nesting deeper than the recursion limit) or \
            exceeded a scanner cap. The file is inconclusive.",
        remediation: "Re-download the model from a trusted source and scan again.",
        references: &[
            "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/lite/schema/schema.fbs",
        ],
        compliance: CORRUPT_MODEL,
    },
];
