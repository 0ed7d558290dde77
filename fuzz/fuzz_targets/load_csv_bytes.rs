//! Any bytes as a CSV instance: the input is split at NUL bytes into
//! experts.csv, applications.csv, conflicts.csv, coauthorships.csv,
//! affinity.csv and policy.json (missing parts get fixed valid contents).
//! Never panics; whatever loads writes back and reloads unchanged.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use panels::io::{bundle_to_bytes, csv_to_bytes, load_bundle_from_bytes, load_csv_from_bytes, CsvInput};

const NAMES: [&str; 6] = [
    "experts.csv",
    "applications.csv",
    "conflicts.csv",
    "coauthorships.csv",
    "affinity.csv",
    "policy.json",
];

const DEFAULTS: [&str; 6] = [
    "id,name,city,institution,fields,max_load,available\nE1,李伟,武汉,武汉大学,F0301,4,true\nE2,,长沙,中南大学,,,\n",
    "id,city,institution,panel_size,team,avoid\nA1,长沙,中南大学,1,P9;E2,\n",
    "expert,with,reason\nE1,P9,同事\n",
    "a,b,year\nE1,Q7,2023\n",
    "application,expert,score\nA1,E1,0.5\n",
    "{\"panel_size\": 1}",
];

fuzz_target!(|data: &[u8]| {
    let mut input = CsvInput::default();
    let mut parts = data.split(|&b| b == 0);
    for (name, default) in NAMES.iter().zip(DEFAULTS) {
        let bytes = parts.next().map(<[u8]>::to_vec).unwrap_or_else(|| default.as_bytes().to_vec());
        input.set(name, bytes);
    }
    let Ok(inst) = load_csv_from_bytes(Path::new("inst"), &input) else {
        return;
    };
    if let Ok(files) = csv_to_bytes(&inst) {
        let again = load_csv_from_bytes(Path::new("inst"), &files)
            .unwrap_or_else(|e| panic!("written CSV does not load: {e}"));
        assert_eq!(again, inst, "CSV round trip changed the instance");
    }
    if let Ok(bytes) = bundle_to_bytes(&inst) {
        let again = load_bundle_from_bytes(Path::new("bundle.json"), &bytes)
            .unwrap_or_else(|e| panic!("written bundle does not load: {e}"));
        assert_eq!(again, inst, "bundle round trip changed the instance");
    }
});
