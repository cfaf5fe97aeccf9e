#![no_main]
//! Fuzz the lenient ZIP reader plus the other container readers of `mlsecops-archive`.
//!
//! Parse with default limits, then sniff and read every entry with a small output cap; also run
//! the compression sniffer/decoders with a tiny cap, the tar lister and (for 7z magic) 7z.
use libfuzzer_sys::fuzz_target;
use mlsecops_archive::{compress, sevenz, tar, zip};

fuzz_target!(|data: &[u8]| {
    let _ = zip::looks_like_zip(data);
    let _ = zip::find_eocd(data);
    if let Ok(ar) = zip::parse(data, &zip::Limits::default()) {
        for e in &ar.entries {
            let _ = ar.read_prefix(data, e, 64);
            let _ = ar.read(data, e, 1 << 16);
        }
    }
    let small = compress::DecompressLimits {
        max_output: 1 << 16,
        max_ratio: 1000,
        ratio_min_output: 1 << 12,
    };
    if let Some(codec) = compress::sniff(data) {
        let _ = compress::decompress(codec, data, &small);
        let _ = compress::decompress_prefix(codec, data, 16);
    }
    let _ = tar::looks_like_tar(data);
    let _ = tar::list(data, &tar::TarLimits::default());
    // 7z extraction is fuzzed separately if at all: sevenz-rust2 sizes allocations from header
    // counts before they can be checked (residual risk documented in `sevenz`), so a mutated
    // header aborts on allocation failure and would drown every other finding.
    let _ = sevenz::looks_like_7z(data);
});
