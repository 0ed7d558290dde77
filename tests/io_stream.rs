//! Files on disk are streamed (a reading thread, and for bundles a fast
//! path that falls back to serde_json's full parser): they must load
//! exactly what the same bytes load from memory: the same instance and
//! hash, or the same errors.

use std::path::Path;

use panels::generate::{generate, preset};
use panels::io::{
    instance_sha256, load_bundle_from_bytes, load_instance_hashed, write_instance, InstanceFormat,
};

/// Both paths on one file; returns the streamed result as text for checks.
fn same_both_ways(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let whole = load_bundle_from_bytes(path, &bytes);
    let streamed = load_instance_hashed(path);
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, &b.0, "{}: instances differ", path.display());
            assert_eq!(
                instance_sha256(path).unwrap(),
                b.1,
                "{}: hashes differ",
                path.display()
            );
            "ok".into()
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{}", path.display());
            b.to_string()
        }
        _ => panic!(
            "{}: one path loaded, the other did not: {:?} vs {:?}",
            path.display(),
            whole.as_ref().err().map(|e| e.to_string()),
            streamed.as_ref().err().map(|e| e.to_string())
        ),
    }
}

#[test]
fn generated_bundles_load_the_same_streamed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, seed) in [("tiny", 1), ("tiny", 2), ("dense-300", 3)] {
        let mut cfg = preset(name).unwrap();
        cfg.seed = seed;
        let inst = generate(&cfg);
        let path = dir.path().join(format!("{name}-{seed}.json"));
        write_instance(&inst, &path, InstanceFormat::Bundle).unwrap();
        assert_eq!(same_both_ways(&path), "ok");
        let (loaded, _) = load_instance_hashed(&path).unwrap();
        assert_eq!(loaded, inst);
    }
    assert_eq!(same_both_ways(Path::new("instances/yangtze.json")), "ok");
}

#[test]
fn bad_bundles_give_the_same_errors_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read("instances/yangtze.json").unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let cut = text.find("\"applications\"").unwrap();
    let mut utf8_late = good.clone();
    let n = utf8_late.len();
    utf8_late[n - 3] = 0xFF;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        (
            "syntax",
            text.replacen("\"applications\"", "\"applications\" ", 1)
                .replacen("],", "]", 1)
                .into_bytes(),
        ),
        ("bom", [b"\xEF\xBB\xBF".as_slice(), &good].concat()),
        ("utf8-early", [b"{\"po\xFF".as_slice(), &good[5..]].concat()),
        ("utf8-late", utf8_late),
        (
            "unknown-key",
            text.replacen("\"applications\"", "\"applicatons\"", 1)
                .into_bytes(),
        ),
        (
            "records",
            format!(
                "{}\"applications\": [{{\"id\": 3}}], \"x\": {}",
                &text[..cut],
                &text[cut + 16..]
            )
            .into_bytes(),
        ),
        ("empty", Vec::new()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, &bytes).unwrap();
        let got = same_both_ways(&path);
        if name == "bom" {
            assert_eq!(got, "ok");
        } else {
            assert_ne!(got, "ok", "{name} should be refused");
        }
        if name.starts_with("utf8") {
            assert!(got.contains("invalid UTF-8"), "{name}: {got}");
        }
    }
}

/// A CSV table of several blocks, with quoted cells holding newlines and
/// commas, blank lines and CRLF endings, read from disk in pieces: the same
/// instance as from memory, and errors on the rows a spreadsheet shows.
#[test]
fn large_csv_tables_stream_with_exact_row_numbers() {
    use panels::io::{load_csv_from_bytes, load_instance, CsvInput};
    let mut experts = String::from("id,name,city,institution,max_load\r\n");
    let mut row = 1u64; // the header
    let mut bad_rows = Vec::new();
    let mut i = 0;
    while experts.len() < 3 << 20 {
        i += 1;
        if i % 13 == 0 {
            experts.push_str("\r\n");
            row += 1;
        }
        row += 1;
        let name = if i % 7 == 0 {
            format!("\"Li, \"\"Wei\"\"\n{i}\"")
        } else {
            format!("专家{i}")
        };
        let load = if i % 25_000 == 0 {
            bad_rows.push(row);
            "x".to_string()
        } else {
            "4".to_string()
        };
        experts.push_str(&format!("E{i},{name},武汉,武汉大学{},{load}\r\n", i % 50));
    }
    assert!(bad_rows.len() >= 2, "the table must span several blocks");
    let files = [
        ("experts.csv", experts),
        (
            "applications.csv",
            "id,city,institution\nA1,长沙,中南大学\n".to_string(),
        ),
        ("policy.json", "{\"panel_size\": 1}".to_string()),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut input = CsvInput::default();
    for (name, text) in &files {
        std::fs::write(tmp.path().join(name), text).unwrap();
        input.set(name, text.clone().into_bytes());
    }
    let from_disk = load_instance(tmp.path()).unwrap_err();
    let from_bytes = load_csv_from_bytes(tmp.path(), &input).unwrap_err();
    assert_eq!(from_disk.to_string(), from_bytes.to_string());
    let rows: Vec<String> = from_disk
        .iter()
        .filter_map(|e| e.location().map(|l| l.to_string()))
        .collect();
    let want: Vec<String> = bad_rows.iter().map(|r| format!("row {r}")).collect();
    let got: Vec<String> = rows
        .iter()
        .map(|r| r.split(" (").next().unwrap().to_string())
        .collect();
    assert_eq!(got, want, "{from_disk}");

    // Without the bad cells both load, to equal instances.
    let fixed = files[0].1.replace(",x\r\n", ",4\r\n");
    std::fs::write(tmp.path().join("experts.csv"), &fixed).unwrap();
    input.set("experts.csv", fixed.into_bytes());
    let a = load_instance(tmp.path()).unwrap();
    let b = load_csv_from_bytes(tmp.path(), &input).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.experts.len(), i);
    assert!(a.experts[6].name.as_deref().unwrap().contains("\"Wei\"\n7"));
}
