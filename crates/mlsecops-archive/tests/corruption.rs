//! Truncation and bit-flip loops over every known input: no reader may panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use common::{all_inputs, exercise};

#[test]
fn truncations_never_panic() {
    for (name, data) in all_inputs() {
        let step = (data.len() / 150).max(1);
        let mut n = 0;
        while n <= data.len() {
            exercise(&data[..n]);
            // Also the tail, which keeps the EOCD but loses the start.
            exercise(&data[n..]);
            n += step;
        }
        let _ = name;
    }
}

#[test]
fn bit_flips_never_panic() {
    for (_name, data) in all_inputs() {
        let step = (data.len() / 120).max(1);
        let mut i = 0;
        while i < data.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut d = data.clone();
                d[i] ^= mask;
                exercise(&d);
            }
            i += step;
        }
    }
}

#[test]
fn hostile_numbers_never_panic() {
    // Saturate every 2/4/8-byte window of a ZIP in turn.
    for (_name, data) in all_inputs()
        .into_iter()
        .filter(|(n, _)| !n.contains("pytar_"))
    {
        let step = (data.len() / 100).max(1);
        let mut i = 0;
        while i + 4 <= data.len() {
            let mut d = data.clone();
            d[i..i + 4].copy_from_slice(&[0xFF; 4]);
            exercise(&d);
            i += step;
        }
    }
}
