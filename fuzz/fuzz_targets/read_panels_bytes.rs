//! Any bytes as a panels file (first byte even: JSON, odd: CSV): never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use panels::io::{read_panels_from_bytes, PanelsFormat};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let format = if first % 2 == 0 { PanelsFormat::Json } else { PanelsFormat::Csv };
    let _ = read_panels_from_bytes(Path::new("panels"), rest, format);
});
