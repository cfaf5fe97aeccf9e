#![no_main]
//! Fuzz the bounded HDF5 reader of `mlsecops-hdf5`: open, root attributes, full walk, and the
//! Keras `.h5` analyser on top of it.
use libfuzzer_sys::fuzz_target;
use mlsecops_hdf5::{Hdf5, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = Hdf5::open(data, &Limits::default()) {
        let _ = f.root_attributes();
        let _ = f.walk();
    }
    let _ = mlsecops_keras::analyze_h5(data);
});
