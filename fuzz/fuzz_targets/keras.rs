#![no_main]
//! Fuzz the Keras config walk (config.json, metadata.json, SavedModel layer metadata), the
//! bounded `marshal` reader for Lambda bytecode and the `.keras` member checks.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsecops_keras::analyze_config_json(data, "config.json");
    let _ = mlsecops_keras::analyze_metadata_json(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = mlsecops_keras::analyze_layer_metadata_json(s);
        let names: Vec<&str> = s.split('\n').collect();
        let _ = mlsecops_keras::check_archive_members(&names);
    }
    let _ = mlsecops_keras::marshal::parse_code(data);
    let _ = mlsecops_keras::check_archive_member_data("m", data);
});
