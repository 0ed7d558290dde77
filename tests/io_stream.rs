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

// ------------------------------------------------ regressions from review

const SMALL: &str = r#"{"policy": {"panel_size": 1}, "experts": [{"id": "E1", "city": "X", "institution": "I"}], "applications": [{"id": "A1", "city": "Y", "institution": "J"}], "affinity": [{"application": "A1", "expert": "E1", "score": 0.5}]}"#;

fn bundle_file(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join("b.json");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Form feed is whitespace to Rust, not to JSON; deep nesting inside an
/// item must hit the same recursion limit as in the whole file.
#[test]
fn json_whitespace_and_nesting_match_the_full_parser() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<String> = vec![
        format!("\x0c{SMALL}"),
        format!("{SMALL}\x0c"),
        SMALL.replacen("\"experts\"", "\x0c\"experts\"", 1),
        SMALL.replacen("\"experts\": [", "\"experts\":\x0c[", 1),
        SMALL.replacen("]}", "], \"conflicts\": [\x0c]}", 1),
    ];
    for k in [99usize, 100, 124, 125, 126, 127, 128] {
        let deep = format!("{}{}", "[".repeat(k), "]".repeat(k));
        let extra = format!("\"institution\": \"I\", \"x\": {deep}}}");
        cases.push(SMALL.replacen("\"institution\": \"I\"}", &extra, 1));
        let policy = format!("{{\"panel_size\": 1, \"x\": {deep}}}");
        cases.push(SMALL.replacen("{\"panel_size\": 1}", &policy, 1));
    }
    for case in cases {
        same_both_ways(&bundle_file(dir.path(), case.as_bytes()));
    }
}

/// A repeated application id with an affinity list is an input error, in
/// both forms (it used to index past the end).
#[test]
fn repeated_application_ids_with_affinity_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = SMALL.replacen(
        "[{\"id\": \"A1\", \"city\": \"Y\", \"institution\": \"J\"}]",
        "[{\"id\": \"A1\", \"city\": \"Y\", \"institution\": \"J\"}, {\"id\": \"A1\", \"city\": \"Y\", \"institution\": \"J\"}, {\"id\": \"A2\", \"city\": \"Y\", \"institution\": \"J\"}]",
        1,
    ).replacen("\"application\": \"A1\"", "\"application\": \"A2\"", 1);
    let got = same_both_ways(&bundle_file(dir.path(), bundle.as_bytes()));
    assert!(got.contains("duplicate application id"), "{got}");
    let csv = csv_files(&[
        ("experts.csv", b"id,city,institution\nE1,X,I\n".to_vec()),
        (
            "applications.csv",
            b"id,city,institution\nA1,Y,J\nA1,Y,J\nA2,Y,J\n".to_vec(),
        ),
        (
            "affinity.csv",
            b"application,expert,score\nA2,E1,0.5\n".to_vec(),
        ),
        ("policy.json", b"{\"panel_size\": 1}".to_vec()),
    ]);
    assert!(csv.contains("duplicate application id"), "{csv}");
}

/// Writes a CSV directory and loads it from disk and from memory: the same
/// result; returns the messages ("ok" when it loads).
fn csv_files(files: &[(&str, Vec<u8>)]) -> String {
    use panels::io::{load_csv_from_bytes, load_instance, CsvInput};
    let tmp = tempfile::tempdir().unwrap();
    let mut input = CsvInput::default();
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
        input.set(name, bytes.clone());
    }
    let disk = load_instance(tmp.path());
    let memory = load_csv_from_bytes(tmp.path(), &input);
    match (&disk, &memory) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            "ok".into()
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            a.to_string()
        }
        _ => panic!(
            "disk and memory disagree: {:?} vs {:?}",
            disk.as_ref().err().map(|e| e.to_string()),
            memory.as_ref().err().map(|e| e.to_string())
        ),
    }
}

/// A table that stops early (bad header) still reports a bad byte far
/// beyond what the reading thread had read ahead, as the memory path does;
/// and a second byte order mark (the csv reader drops it) does not hide a
/// quoted header cell from the row-end scan.
#[test]
fn csv_streams_read_to_the_end_and_skip_a_second_bom() {
    let others = |experts: Vec<u8>| {
        vec![
            ("experts.csv", experts),
            (
                "applications.csv",
                b"id,city,institution\nA1,Y,J\n".to_vec(),
            ),
            ("policy.json", b"{\"panel_size\": 1}".to_vec()),
        ]
    };
    let mut late_bad = b"idd,city,institution\n".to_vec();
    while late_bad.len() < 12 << 20 {
        late_bad.extend_from_slice(b"E1,X,I\n");
    }
    late_bad.extend_from_slice(b"E\xff,X,I\n");
    let got = csv_files(&others(late_bad));
    assert!(got.contains("invalid UTF-8"), "{got}");

    let mut two_boms = b"\xEF\xBB\xBF\xEF\xBB\xBF\"id".to_vec();
    while two_boms.len() < (1 << 20) + 100 {
        two_boms.extend_from_slice(b"\nx");
    }
    two_boms.extend_from_slice(b"\",city,institution\nE1,X,I\n");
    csv_files(&others(two_boms));
    let mut blank_cell = b"\xEF\xBB\xBF\xEF\xBB\xBF\"".to_vec();
    blank_cell.extend(std::iter::repeat_n(b'\n', (1 << 20) + 100));
    blank_cell.extend_from_slice(b"\",id,city,institution\n,E1,X,I\n");
    assert_eq!(csv_files(&others(blank_cell)), "ok");
}

/// A named pipe is read once, whole: no size check against metadata, no
/// second read when the fast path gives up.
#[cfg(unix)]
#[test]
fn named_pipes_load_like_files() {
    for text in [SMALL.to_string(), SMALL.replacen("]", ",]", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("in.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("no mkfifo here; skipped");
            return;
        }
        let writer = {
            let (fifo, text) = (fifo.clone(), text.clone());
            std::thread::spawn(move || std::fs::write(&fifo, text))
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(
                load_instance_hashed(&reader)
                    .map(|(i, _)| i)
                    .map_err(|e| e.to_string()),
            );
        });
        writer.join().unwrap().unwrap();
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("loading a pipe must not hang");
        let want = load_bundle_from_bytes(&fifo, text.as_bytes()).map_err(|e| e.to_string());
        assert_eq!(got, want);
    }
}

/// A CSV directory's history table is read on a thread of its own while
/// the other tables are read: the instance, the input hash and the
/// messages must be those of reading the tables one after the other —
/// the hash framed in name order (experts.csv, then history.csv, then
/// policy.json), the messages in file order.
#[test]
fn a_history_table_read_beside_the_others_loads_and_hashes_in_order() {
    let mut cfg = preset("tiny").unwrap();
    cfg.seed = 7;
    cfg.years = 3;
    let inst = generate(&cfg);
    assert!(!inst.history.is_empty(), "the generated round has history");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("round");
    write_instance(&inst, &dir, InstanceFormat::CsvDir).unwrap();
    let (loaded, hash) = load_instance_hashed(&dir).unwrap();
    assert_eq!(loaded, inst);
    assert_eq!(hash, instance_sha256(&dir).unwrap());
    // The framing by hand, as the README gives it.
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "history.csv"), "{names:?}");
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        h.update(name.as_bytes());
        h.update([0u8]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    let by_hand: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, by_hand);

    // Problems in a table before the history and in the history itself:
    // both reported, the earlier file first, from disk and from memory
    // alike.
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let mut experts = read("experts.csv");
    experts.extend_from_slice(b"E_bad,,,,\n");
    let mut history = read("history.csv");
    let header_line = String::from_utf8(history.clone())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let columns = header_line.split(',').count();
    let mut bad_row = vec!["1999"; columns].join(",");
    bad_row.push('\n');
    history.extend_from_slice(bad_row.as_bytes());
    let mut files: Vec<(&str, Vec<u8>)> = vec![("experts.csv", experts), ("history.csv", history)];
    for name in &names {
        if name != "experts.csv" && name != "history.csv" {
            files.push((name.as_str(), read(name)));
        }
    }
    let got = csv_files(&files);
    let at_experts = got.find("experts.csv").expect("an experts.csv message");
    let at_history = got.find("history.csv").expect("a history.csv message");
    assert!(at_experts < at_history, "{got}");
}

/// A long history list, streamed through the hand reader of records
/// (strings ended eight bytes at a time, names tested byte by byte),
/// loads the same records in the same order as the full parser reading
/// the bytes whole: with records the hand reader leaves to the general
/// path (escapes, keys in another order, spaces, nulls); and with
/// problems far apart (a rating out of range, an unknown key, a blank
/// expert, a repeated record), the same messages in the same order.
#[test]
fn a_long_history_streamed_loads_as_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = preset("tiny").unwrap();
    cfg.seed = 7;
    let inst = generate(&cfg);
    let path = dir.path().join("round.json");
    write_instance(&inst, &path, InstanceFormat::Bundle).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let experts: Vec<String> = inst.experts.iter().map(|e| e.id.to_string()).collect();
    let n = 5_300;
    let record = |k: usize, bad: Option<&str>| -> String {
        let expert = &experts[k % experts.len()];
        let year = 2023 + (k % 3);
        let team = format!("[\"T{}\", \"T{}\"]", k % 97, k % 89);
        match (k % 7, bad) {
            (_, Some("rating")) => format!(
                r#"{{"year":{year},"application":"H{k}","institution":"北京大学","team":{team},"expert":"{expert}","outcome":"reviewed","rating":7}}"#
            ),
            (_, Some("key")) => format!(
                r#"{{"year":{year},"application":"H{k}","institution":"北京大学","expert":"{expert}","mood":"fine"}}"#
            ),
            (_, Some("blank")) => {
                format!(
                    r#"{{"year":{year},"application":"H{k}","institution":"北京大学","expert":" "}}"#
                )
            }
            (_, Some("repeat")) => format!(
                r#"{{"year":2023,"application":"H0","institution":"北京大学","expert":"{}"}}"#,
                experts[0]
            ),
            // An escape: the general path.
            (0, _) => format!(
                r#"{{"year":{year},"application":"H{k}","institution":"\u5317京大学","team":{team},"expert":"{expert}","outcome":"declined"}}"#
            ),
            // Keys in another order, spaces, nulls.
            (1, _) => format!(
                r#"{{ "expert" : "{expert}", "team": null, "rating": 4.5, "year": {year}, "institution": "武汉大学", "application": "H{k}", "round": null }}"#
            ),
            _ => format!(
                r#"{{"year":{year},"programme":"P","application":"H{k}","institution":"复旦大学","team":{team},"expert":"{expert}","outcome":"reviewed","rating":3.0}}"#
            ),
        }
    };
    let bundle = |bad: &[(usize, &str)]| -> String {
        let items: Vec<String> = (0..n)
            .map(|k| record(k, bad.iter().find(|b| b.0 == k).map(|b| b.1)))
            .collect();
        let head = text.trim_end().strip_suffix('}').unwrap();
        format!("{head},\n\"history\": [\n{}\n]}}\n", items.join(",\n"))
    };
    let good = dir.path().join("good.json");
    std::fs::write(&good, bundle(&[])).unwrap();
    assert_eq!(same_both_ways(&good), "ok");
    let (loaded, _) = load_instance_hashed(&good).unwrap();
    assert_eq!(loaded.history.records.len(), n);
    let bad = dir.path().join("bad.json");
    let problems = [
        (3, "rating"),
        (1_500, "key"),
        (2_048, "blank"),
        (3_100, "repeat"),
        (n - 1, "rating"),
    ];
    std::fs::write(&bad, bundle(&problems)).unwrap();
    let said = same_both_ways(&bad);
    for at in [
        "history[3]",
        "history[1500]",
        "history[2048]",
        "history[3100]",
        "history[5299]",
    ] {
        assert!(said.contains(at), "{at} not named: {said}");
    }
}

/// A bundle whose history comes last has the rest resolved on another
/// thread while the history is read: the instance, the notes and the
/// problems (the rest's, then the history's, as a resolve after the
/// reading finds them) are those of the full parser reading the bytes
/// whole. A bundle with a part after its history loads the same too
/// (through the full parser), and so does one with nothing wrong.
#[test]
fn a_history_read_beside_the_rest_loads_as_read_whole() {
    use panels::io::load_instance_noted;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = preset("tiny").unwrap();
    cfg.seed = 11;
    cfg.years = 2;
    cfg.programmes = 2;
    let inst = generate(&cfg);
    assert!(!inst.history.records.is_empty(), "the round has a history");
    let path = dir.path().join("round.json");
    write_instance(&inst, &path, InstanceFormat::Bundle).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let at_history = text.find("\"history\"").expect("a history part");
    assert!(
        !text[at_history..].contains("\"conflicts\""),
        "this program writes the history last"
    );
    assert_eq!(same_both_ways(&path), "ok");
    let (loaded, _) = load_instance_hashed(&path).unwrap();
    assert_eq!(loaded, inst);

    // Problems of each kind, on both sides of the history's start: in
    // the reading, an expert's minimum load above the maximum and a
    // history rating out of range beside an unknown key; in the rest's
    // resolve, a conflict naming nobody; in the history's, a record
    // given twice.
    let insert = |s: &str, at: usize, piece: &str| format!("{}{piece}{}", &s[..at], &s[at..]);
    let first_expert = inst.experts[0].id.to_string();
    let broken = text.replacen(
        &format!("\"id\":\"{first_expert}\""),
        &format!("\"id\":\"{first_expert}\",\"min_load\":9"),
        1,
    );
    // The last record's rating out of range, beside an unknown key.
    let last_rating = broken.rfind("\"rating\":").expect("a rating");
    let broken = format!(
        "{}\"rating\":7,\"x\":{}",
        &broken[..last_rating],
        &broken[last_rating + 9..]
    );
    // A conflict naming nobody: found when the rest is resolved.
    let conflicts_at = broken.find("\"conflicts\"").expect("conflicts");
    let broken = format!(
        "{}{}",
        &broken[..conflicts_at],
        broken[conflicts_at..].replacen("\"expert\":\"", "\"expert\":\"NOBODY", 1)
    );
    let history_at = broken.find("\"history\"").unwrap();
    let first_record_end = history_at + broken[history_at..].find('}').unwrap() + 1;
    let record_start = history_at + broken[history_at..].find('{').unwrap();
    let record = broken[record_start..first_record_end].to_string();
    let broken = insert(&broken, record_start, &format!("{record},"));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, &broken).unwrap();
    let said = same_both_ways(&bad);
    let rating = said.find("got 7").expect("the rating's problem");
    let nobody = said.find("NOBODY").expect("the conflict's problem");
    let twice = said
        .find("history[1]")
        .expect("the repeated record's problem");
    assert!(
        rating < nobody && nobody < twice,
        "the file's problems, then the rest's, then the history's: {said}"
    );

    // The history before another part: read by the full parser, same
    // instance.
    let (head, tail) = text.trim_end().split_at(at_history);
    let history_part = tail.trim_end().strip_suffix('}').unwrap().trim_end();
    let head = head.trim_end().strip_suffix(',').unwrap();
    let at_policy = head.find("\"policy\"").unwrap();
    let moved = insert(head, at_policy, &format!("{history_part},\n")) + "}\n";
    let before = dir.path().join("history-first.json");
    std::fs::write(&before, &moved).unwrap();
    assert_eq!(same_both_ways(&before), "ok");
    let then_affinity = format!(
        "{},\n\"affinity\": []}}\n",
        text.trim_end().strip_suffix('}').unwrap()
    );
    let then_more = dir.path().join("history-then-more.json");
    std::fs::write(&then_more, &then_affinity).unwrap();
    assert_eq!(same_both_ways(&then_more), "ok");
    for p in [&before, &then_more] {
        let (again, _) = load_instance_hashed(p).unwrap();
        assert_eq!(again.history, inst.history, "{}", p.display());
    }
    // Notes from both sides (a city spelt two ways among the
    // applications, the rest's; an institution the history spells in
    // other letter case, the history's): those of the whole read, in the
    // same order.
    let replace_in = |s: &str, from: usize, key: &str, value: &str| {
        let at = from + s[from..].find(key).expect("the key");
        let end = at + key.len() + s[at + key.len()..].find('"').unwrap();
        insert(&s[..at], at, &format!("{key}{value}")) + &s[end..]
    };
    let noted = replace_in(
        &text,
        text.find("\"applications\"").unwrap(),
        "\"city\":\"",
        "长沙市",
    );
    let noted = replace_in(
        &noted,
        noted.find("\"experts\"").unwrap(),
        "\"institution\":\"",
        "MIT",
    );
    let noted = replace_in(
        &noted,
        noted.find("\"history\"").unwrap(),
        "\"institution\":\"",
        "mit",
    );
    let noted_path = dir.path().join("noted.json");
    std::fs::write(&noted_path, &noted).unwrap();
    assert_eq!(same_both_ways(&noted_path), "ok");
    let streamed = load_instance_noted(&noted_path, &|_| ()).unwrap();
    let whole = panels::io::load_bundle_noted(&noted_path, noted.as_bytes()).unwrap();
    assert_eq!(streamed.notes, whole.1.notes);
    let city = streamed.notes.iter().position(|n| n.contains("长沙市"));
    let history = streamed.notes.iter().position(|n| n.contains("\"mit\""));
    assert!(city.is_some() && city < history, "{:?}", streamed.notes);
}
