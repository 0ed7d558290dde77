//! Any bytes as a JSON bundle: never panics; whatever loads writes back and
//! reloads to the same instance in both forms.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use panels::io::{bundle_to_bytes, csv_to_bytes, load_bundle_from_bytes, load_csv_from_bytes};

fuzz_target!(|data: &[u8]| {
    let Ok(inst) = load_bundle_from_bytes(Path::new("bundle.json"), data) else {
        return;
    };
    if let Ok(bytes) = bundle_to_bytes(&inst) {
        let again = load_bundle_from_bytes(Path::new("bundle.json"), &bytes)
            .unwrap_or_else(|e| panic!("written bundle does not load: {e}"));
        assert_eq!(again, inst, "bundle round trip changed the instance");
    }
    if let Ok(files) = csv_to_bytes(&inst) {
        let again = load_csv_from_bytes(Path::new("inst"), &files)
            .unwrap_or_else(|e| panic!("written CSV does not load: {e}"));
        assert_eq!(again, inst, "CSV round trip changed the instance");
    }
});
