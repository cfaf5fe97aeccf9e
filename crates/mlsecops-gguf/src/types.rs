//! ggml tensor types and llama.cpp file types (from ggml `ggml.h` / gguf-py `constants.py`).

/// A ggml tensor type with its block layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    /// Numeric id stored in GGUF tensor infos.
    pub id: u32,
    /// Name (`F32`, `Q4_K`, …).
    pub name: &'static str,
    /// Elements per block.
    pub block_size: u64,
    /// Bytes per block.
    pub type_size: u64,
}

const fn t(id: u32, name: &'static str, block_size: u64, type_size: u64) -> GgmlType {
    GgmlType {
        id,
        name,
        block_size,
        type_size,
    }
}

/// `QK_K`, the super-block size of the k-quants and i-quants.
const QK_K: u64 = 256;

/// Every ggml type a current GGUF file may contain. Ids 4, 5 (`Q4_2`, `Q4_3`), 31–33
/// (`Q4_0_4_4`, `Q4_0_4_8`, `Q4_0_8_8`) and 36–38 (`IQ4_NL_4_4`…) were removed and are invalid.
pub const GGML_TYPES: &[GgmlType] = &[
    t(0, "F32", 1, 4),
    t(1, "F16", 1, 2),
    t(2, "Q4_0", 32, 2 + 16),
    t(3, "Q4_1", 32, 2 + 2 + 16),
    t(6, "Q5_0", 32, 2 + 4 + 16),
    t(7, "Q5_1", 32, 2 + 2 + 4 + 16),
    t(8, "Q8_0", 32, 2 + 32),
    t(9, "Q8_1", 32, 4 + 4 + 32),
    t(10, "Q2_K", QK_K, 2 + 2 + QK_K / 16 + QK_K / 4),
    t(11, "Q3_K", QK_K, 2 + QK_K / 4 + QK_K / 8 + 12),
    t(12, "Q4_K", QK_K, 2 + 2 + QK_K / 2 + 12),
    t(13, "Q5_K", QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12),
    t(14, "Q6_K", QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16),
    t(15, "Q8_K", QK_K, 4 + QK_K + QK_K / 8),
    t(16, "IQ2_XXS", QK_K, 2 + QK_K / 4),
    t(17, "IQ2_XS", QK_K, 2 + QK_K / 4 + QK_K / 32),
    t(18, "IQ3_XXS", QK_K, 2 + QK_K / 4 + QK_K / 8),
    t(19, "IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 16),
    t(20, "IQ4_NL", 32, 2 + 16),
    t(21, "IQ3_S", QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4),
    t(22, "IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 16),
    t(23, "IQ4_XS", QK_K, 2 + 2 + QK_K / 2 + QK_K / 64),
    t(24, "I8", 1, 1),
    t(25, "I16", 1, 2),
    t(26, "I32", 1, 4),
    t(27, "I64", 1, 8),
    t(28, "F64", 1, 8),
    t(29, "IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32),
    t(30, "BF16", 1, 2),
    t(34, "TQ1_0", QK_K, 2 + 4 * 13),
    t(35, "TQ2_0", QK_K, 2 + 64),
    t(39, "MXFP4", 32, 1 + 16),
    t(40, "NVFP4", 64, 4 + 32),
    t(41, "Q1_0", 128, 2 + 16),
];

/// Repacked types that were briefly written to GGUF files (late 2024) and later removed from
/// ggml: same block layout as `Q4_0` / `IQ4_NL`. Current llama.cpp refuses to load them.
pub const LEGACY_GGML_TYPES: &[GgmlType] = &[
    t(31, "Q4_0_4_4", 32, 2 + 16),
    t(32, "Q4_0_4_8", 32, 2 + 16),
    t(33, "Q4_0_8_8", 32, 2 + 16),
    t(36, "IQ4_NL_4_4", 32, 2 + 16),
    t(37, "IQ4_NL_4_8", 32, 2 + 16),
    t(38, "IQ4_NL_8_8", 32, 2 + 16),
];

/// Looks up a legacy (removed, repacked) ggml type id.
pub fn legacy_ggml_type(id: u32) -> Option<GgmlType> {
    LEGACY_GGML_TYPES.iter().copied().find(|t| t.id == id)
}

/// Looks up a ggml type id; `None` for unknown and removed types.
pub fn ggml_type(id: u32) -> Option<GgmlType> {
    GGML_TYPES.iter().copied().find(|t| t.id == id)
}

/// llama.cpp `llama_ftype` name for `general.file_type` (e.g. `MOSTLY_Q4_K_M`).
pub fn file_type_name(id: u64) -> String {
    let name = match id {
        0 => "ALL_F32",
        1 => "MOSTLY_F16",
        2 => "MOSTLY_Q4_0",
        3 => "MOSTLY_Q4_1",
        4 => "MOSTLY_Q4_1_SOME_F16",
        7 => "MOSTLY_Q8_0",
        8 => "MOSTLY_Q5_0",
        9 => "MOSTLY_Q5_1",
        10 => "MOSTLY_Q2_K",
        11 => "MOSTLY_Q3_K_S",
        12 => "MOSTLY_Q3_K_M",
        13 => "MOSTLY_Q3_K_L",
        14 => "MOSTLY_Q4_K_S",
        15 => "MOSTLY_Q4_K_M",
        16 => "MOSTLY_Q5_K_S",
        17 => "MOSTLY_Q5_K_M",
        18 => "MOSTLY_Q6_K",
        19 => "MOSTLY_IQ2_XXS",
        20 => "MOSTLY_IQ2_XS",
        21 => "MOSTLY_Q2_K_S",
        22 => "MOSTLY_IQ3_XS",
        23 => "MOSTLY_IQ3_XXS",
        24 => "MOSTLY_IQ1_S",
        25 => "MOSTLY_IQ4_NL",
        26 => "MOSTLY_IQ3_S",
        27 => "MOSTLY_IQ3_M",
        28 => "MOSTLY_IQ2_S",
        29 => "MOSTLY_IQ2_M",
        30 => "MOSTLY_IQ4_XS",
        31 => "MOSTLY_IQ1_M",
        32 => "MOSTLY_BF16",
        36 => "MOSTLY_TQ1_0",
        37 => "MOSTLY_TQ2_0",
        38 => "MOSTLY_MXFP4_MOE",
        39 => "MOSTLY_NVFP4",
        40 => "MOSTLY_Q1_0",
        1024 => "GUESSED",
        other => return format!("unknown({other})"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_block_sizes() {
        let q4k = ggml_type(12).map(|t| (t.block_size, t.type_size));
        assert_eq!(q4k, Some((256, 144)));
        assert_eq!(ggml_type(14).map(|t| t.type_size), Some(210));
        assert_eq!(ggml_type(11).map(|t| t.type_size), Some(110));
        assert_eq!(ggml_type(34).map(|t| t.type_size), Some(54));
        assert!(ggml_type(4).is_none());
        assert!(ggml_type(31).is_none());
        assert!(ggml_type(42).is_none());
    }
}
