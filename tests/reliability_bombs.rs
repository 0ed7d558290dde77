//! Resource bombs: small or odd inputs that would take gigabytes or
//! minutes are refused quickly with a message, or stay bounded. Each runs
//! the real binary with its address space capped at 1 GiB (`ulimit -v`)
//! and must end, with a clean exit code, within 10 seconds.

mod util;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use util::Sandbox;

/// One timed run at a time: the runs measure their own time, and two
/// bombs at once on a small machine (one reading a gigabyte) would time
/// each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `panels ARGS` in the sandbox under a 1 GiB address-space cap.
fn run_capped(sb: &Sandbox, args: &[&str]) -> (i32, String, Duration) {
    let _alone = one_at_a_time();
    let t = Instant::now();
    let script = format!(
        "ulimit -v 1048576 && exec \"$0\" {}",
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_panels")])
        .current_dir(sb.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr, t.elapsed())
}

#[track_caller]
fn expect_refused_quickly(sb: &Sandbox, args: &[&str], says: &str) {
    let (code, stderr, took) = run_capped(sb, args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
    assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
}

/// An `.xlsx` file from raw parts: sheets (name, worksheet XML) and an
/// optional shared-strings part.
fn workbook(sheets: &[(&str, Vec<u8>)], shared: Option<&[u8]>) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut put = |name: &str, bytes: &[u8]| {
        zw.start_file(name, opts).unwrap();
        zw.write_all(bytes).unwrap();
    };
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut wb = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        wb.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    if shared.is_some() {
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    }
    types.push_str("</Types>");
    wb.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    put("[Content_Types].xml", types.as_bytes());
    put(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put("xl/workbook.xml", wb.as_bytes());
    put("xl/_rels/workbook.xml.rels", rels.as_bytes());
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s);
    }
    for (i, (_, xml)) in sheets.iter().enumerate() {
        put(&format!("xl/worksheets/sheet{}.xml", i + 1), xml);
    }
    zw.finish().unwrap().into_inner()
}

/// A worksheet from its rows' XML.
fn sheet(rows: impl Iterator<Item = String>) -> Vec<u8> {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in rows {
        x.push_str(&r);
    }
    x.push_str("</sheetData></worksheet>");
    x.into_bytes()
}

fn text_cell(at: &str, t: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#)
}

/// The tables a workbook needs besides the bomb: a policy and one
/// application.
fn plain_sheets() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "policy",
            sheet(
                [format!(
                    r#"<row r="1">{}{}</row><row r="2">{}<c r="B2"><v>1</v></c></row>"#,
                    text_cell("A1", "key"),
                    text_cell("B1", "value"),
                    text_cell("A2", "panel_size")
                )]
                .into_iter(),
            ),
        ),
        (
            "applications",
            sheet(
                [format!(
                    r#"<row r="1">{}{}{}</row><row r="2">{}{}{}</row>"#,
                    text_cell("A1", "id"),
                    text_cell("B1", "city"),
                    text_cell("C1", "institution"),
                    text_cell("A2", "A1"),
                    text_cell("B2", "Y"),
                    text_cell("C2", "K")
                )]
                .into_iter(),
            ),
        ),
    ]
}

fn experts_header() -> String {
    format!(
        r#"<row r="1">{}{}{}</row>"#,
        text_cell("A1", "id"),
        text_cell("B1", "city"),
        text_cell("C1", "institution")
    )
}

#[test]
fn a_workbook_with_a_cell_at_xfd_on_every_row_is_refused() {
    let sb = Sandbox::new();
    let rows = std::iter::once(experts_header()).chain((2..=20_001).map(|r| {
        format!(
            r#"<row r="{r}">{}{}{}<c r="XFD{r}"><v>1</v></c></row>"#,
            text_cell(&format!("A{r}"), &format!("E{r}")),
            text_cell(&format!("B{r}"), "X"),
            text_cell(&format!("C{r}"), "I")
        )
    }));
    let mut sheets = plain_sheets();
    sheets.push(("experts", sheet(rows)));
    sb.write("xfd.xlsx", workbook(&sheets, None));
    expect_refused_quickly(
        &sb,
        &["solve", "xfd.xlsx", "--out", "p.json"],
        "more than 5000000 cells",
    );
}

#[test]
fn a_workbook_with_a_huge_shared_string_is_refused() {
    let sb = Sandbox::new();
    let big = "x".repeat(50 << 20);
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{big}</t></si></sst>"#
    );
    let rows = std::iter::once(experts_header()).chain((2..=101).map(|r| {
        format!(
            r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c>{}{}</row>"#,
            text_cell(&format!("B{r}"), "X"),
            text_cell(&format!("C{r}"), "I")
        )
    }));
    let mut sheets = plain_sheets();
    sheets.push(("experts", sheet(rows)));
    sb.write("shared.xlsx", workbook(&sheets, Some(shared.as_bytes())));
    expect_refused_quickly(
        &sb,
        &["solve", "shared.xlsx", "--out", "p.json"],
        "more than 32767 characters",
    );
}

#[test]
fn a_workbook_of_a_hundred_megabytes_of_zeros_is_refused() {
    let sb = Sandbox::new();
    // 1,048,575 rows × 6 number cells ≈ 6.3 million cells, over 100 MB
    // of sheet XML (rows and cells without positions, as the format
    // allows), compressed to well under a megabyte.
    let zeros = format!("<row>{}</row>", "<c><v>0</v></c>".repeat(6));
    let rows = std::iter::once(experts_header()).chain(std::iter::repeat_n(zeros, 1_048_575));
    let mut sheets = plain_sheets();
    sheets.push(("experts", sheet(rows)));
    let bytes = workbook(&sheets, None);
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    sb.write("zeros.xlsx", bytes);
    expect_refused_quickly(
        &sb,
        &["solve", "zeros.xlsx", "--out", "p.json"],
        "more than 5000000 cells",
    );
}

#[test]
fn a_csv_cell_of_seventeen_million_keywords_is_refused() {
    let sb = Sandbox::new();
    sb.mkdir("inst");
    let mut experts = b"id,city,institution,keywords\nE1,X,I,".to_vec();
    experts.extend(std::iter::repeat_n(*b"kw;", 17_000_000).flatten());
    experts.extend(b"\nE2,Y,J,k\n");
    sb.write("inst/experts.csv", experts);
    sb.write("inst/applications.csv", "id,city,institution\nA1,Y,K\n");
    sb.write("inst/policy.json", r#"{"panel_size": 1}"#);
    expect_refused_quickly(
        &sb,
        &["solve", "inst", "--out", "p.json"],
        "at most 10000 are read",
    );
}

#[test]
fn generating_a_billion_applications_is_refused() {
    let sb = Sandbox::new();
    expect_refused_quickly(
        &sb,
        &[
            "generate",
            "--applications",
            "1000000000",
            "--out",
            "g.json",
        ],
        "at most 1000000",
    );
    assert!(sb.ls("").is_empty());
}

#[test]
fn a_team_of_two_thousand_around_one_hub_solves_quickly() {
    let sb = Sandbox::new();
    let mut experts = vec![json!({"id": "HUB", "city": "X", "institution": "I"})];
    let mut team = Vec::new();
    let mut links = Vec::new();
    for i in 0..2000 {
        experts.push(json!({"id": format!("P{i}"), "city": "X", "institution": "I"}));
        team.push(format!("P{i}"));
        links.push(json!({"a": format!("P{i}"), "b": "HUB"}));
    }
    for i in 0..4 {
        experts.push(json!({"id": format!("F{i}"), "city": "Z", "institution": "K"}));
    }
    sb.write_json(
        "hub.json",
        &json!({
            "policy": {"panel_size": 2, "coauthor_hops": 3},
            "experts": experts,
            "applications": [{"id": "A1", "city": "Y", "institution": "J", "team": team}],
            "coauthorships": links,
        }),
    );
    let (code, stderr, took) = run_capped(&sb, &["solve", "hub.json", "--out", "p.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let p = sb.read_json("p.json");
    assert_eq!(p["panels"][0]["experts"], json!(["F0", "F1"]));
}

#[test]
fn a_thirty_thousand_link_chain_is_explained_within_bounds() {
    let sb = Sandbox::new();
    let n = 30_000;
    let experts: Vec<_> = (0..n)
        .map(|i| json!({"id": format!("P{i}"), "city": "X", "institution": "I"}))
        .collect();
    let links: Vec<_> = (1..n)
        .map(|i| json!({"a": format!("P{}", i - 1), "b": format!("P{i}")}))
        .collect();
    let apps: Vec<_> = (0..20)
        .map(|k| json!({"id": format!("A{k}"), "city": "Y", "institution": "J", "team": ["P0"]}))
        .collect();
    sb.write_json(
        "chain.json",
        &json!({
            "policy": {"panel_size": 1, "coauthor_hops": n},
            "experts": experts, "applications": apps, "coauthorships": links,
        }),
    );
    let last = format!("P{}", n - 1);
    let (code, stderr, took) = run_capped(&sb, &["explain", "chain.json", "-a", "A7", "-e", &last]);
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_panels"))
        .args(["explain", "chain.json", "-a", "A7", "-e", &last])
        .current_dir(sb.root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("within 29999 link(s) of team member P0"),
        "{}",
        &text[..text.len().min(400)]
    );
    assert!(text.contains(&format!("chain: {last} — P29998")));
}

/// Inputs that are not regular files (a link to `/dev/zero`, a pipe fed
/// without end) report size 0, so the 1 GiB limit of a file read whole,
/// checked against that size, let them through: the process grew by a
/// gigabyte a second until memory ran out. The bytes are now counted as
/// they are read: every such input is refused with exit 2 once more than
/// 1 GiB has been read, whatever role it plays (instance, panels file,
/// history file, log, a CSV directory's table). Run under a 3 GiB
/// address-space cap (the limit itself is 1 GiB of memory).
#[cfg(unix)]
#[test]
fn inputs_that_are_not_regular_files_are_read_under_the_limit() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        eprintln!("no /dev/zero here; skipped");
        return;
    }
    let sb = Sandbox::new();
    sb.write_json("round.json", &util::base_bundle());
    assert_eq!(
        sb.run(&["-q", "solve", "round.json", "--out", "p.json"])
            .code,
        0
    );
    sb.mkdir("dir");
    for name in ["applications.csv", "policy.json"] {
        let text = match name {
            "policy.json" => r#"{"panel_size": 1}"#,
            _ => "id,city,institution\nA1,Y,K\n",
        };
        sb.write(&format!("dir/{name}"), text);
    }
    for link in ["zero.json", "zero.csv", "dir/experts.csv"] {
        std::os::unix::fs::symlink(zero, sb.path(link)).unwrap();
    }
    let says = "files over 1 GiB are refused";
    let run = |args: &[&str]| {
        let _alone = one_at_a_time();
        let t = Instant::now();
        let script = format!(
            "ulimit -v 3145728 && exec \"$0\" {}",
            args.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let out = Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_panels")])
            .current_dir(sb.root())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{args:?}: {:?}",
            t.elapsed()
        );
    };
    run(&["solve", "zero.json", "--out", "never.json"]);
    run(&["verify", "round.json", "zero.json"]);
    run(&[
        "history",
        "append",
        "round.json",
        "p.json",
        "--year",
        "2026",
        "--to",
        "zero.csv",
    ]);
    run(&["draw", "--replay", "zero.json"]);
    run(&["solve", "dir", "--out", "never.json"]);
    assert!(!sb.path("never.json").exists());
    // A named pipe fed without end, as the instance.
    let fifo = sb.path("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let feeder = std::thread::spawn(move || {
            let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) else {
                return;
            };
            let block = vec![b'['; 1 << 16];
            // Ends when the reader closes the pipe (a broken pipe).
            while f.write_all(&block).is_ok() {}
        });
        run(&["solve", "pipe.json", "--out", "never.json"]);
        feeder.join().unwrap();
    }
}
