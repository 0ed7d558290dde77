//! `panels report --check`: an untouched report (HTML, Markdown, JSON)
//! matches; any figure edited in the data block, and any number edited in
//! the visible text, is caught. Hostile names (markup, Markdown syntax,
//! `</script>`, new lines) are escaped in both forms and do not break the
//! data block. The language follows the instance unless `--lang` says.

mod report_fixture;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use panels::report::check::{check, Inputs};
use panels::report::{self, Lang, ReportFormat, ReportOptions};
use serde_json::Value;

fn opts(lang: Lang) -> ReportOptions {
    ReportOptions {
        instance_label: "tiny.json".into(),
        panels_label: "panels.json".into(),
        report_label: "report".into(),
        price_time_limit: Some(Duration::from_secs(30)),
        lang: Some(lang),
        ..ReportOptions::default()
    }
}

const FORMATS: [ReportFormat; 3] = [
    ReportFormat::Html,
    ReportFormat::Markdown,
    ReportFormat::Json,
];

/// The data block's JSON span in a rendered report: (start, end) bytes.
fn block_span(text: &str, format: ReportFormat) -> (usize, usize) {
    let json = report::check::embedded_json(text, format).unwrap();
    let start = json.as_ptr() as usize - text.as_ptr() as usize;
    (start, start + json.len())
}

/// JSON as the renderers embed it.
fn embed(v: &Value, format: ReportFormat) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    match format {
        ReportFormat::Json => s,
        _ => s
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    }
}

/// Paths of every number in a JSON value.
fn number_paths(v: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Number(_) => out.push(path),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = path.clone();
                p.push(i.to_string());
                number_paths(x, p, out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                let mut p = path.clone();
                p.push(k.clone());
                number_paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        Value::Object(o) => o.get_mut(k).unwrap(),
        _ => unreachable!(),
    })
}

fn tampered(n: &Value) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i + 1)
    } else if let Some(u) = n.as_u64() {
        Value::from(u + 1)
    } else {
        Value::from(n.as_f64().unwrap() + 0.001)
    }
}

/// Calls `f` with `text` edited at each run of digits within `range`
/// (its last digit changed), and the run; returns how many runs.
fn each_number_edited(
    text: &str,
    range: std::ops::Range<usize>,
    mut f: impl FnMut(&str, &str),
) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut edits) = (range.start, 0);
    while i < range.end {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < range.end && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let d = bytes[j - 1] - b'0';
        let mut edited = text.to_string();
        edited.replace_range(j - 1..j, &((d + 1) % 10).to_string());
        f(&edited, &text[i..j]);
        edits += 1;
        i = j;
    }
    edits
}

fn inputs() -> Inputs {
    Inputs {
        input_is_file: true,
        ..Inputs::default()
    }
}

#[test]
fn untouched_reports_match_in_every_format_and_language() {
    let inst = report_fixture::instance();
    let panels = report_fixture::optimal();
    for lang in [Lang::Zh, Lang::En] {
        let f = report::figures(&inst, &panels, &opts(lang));
        for format in FORMATS {
            let text = report::render(&f, format);
            let diffs = check(&text, format, &inst, &panels, &inputs()).unwrap();
            assert!(diffs.is_empty(), "{lang:?} {format:?}: {diffs:#?}");
        }
    }
}

#[test]
fn every_tampered_figure_in_the_data_block_is_caught() {
    let inst = report_fixture::instance();
    let panels = report_fixture::optimal();
    let f = report::figures(&inst, &panels, &opts(Lang::En));
    for format in FORMATS {
        let text = report::render(&f, format);
        let (from, to) = block_span(&text, format);
        let original: Value = serde_json::from_str(&text[from..to]).unwrap();
        let mut paths = Vec::new();
        number_paths(&original, Vec::new(), &mut paths);
        assert!(paths.len() > 80, "{format:?}: {} numbers", paths.len());
        for path in paths {
            let mut v = original.clone();
            let leaf = at(&mut v, &path);
            *leaf = tampered(leaf);
            let edited = format!("{}{}{}", &text[..from], embed(&v, format), &text[to..]);
            let diffs = check(&edited, format, &inst, &panels, &inputs()).unwrap();
            let dotted = path.join(".");
            assert!(
                !diffs.is_empty(),
                "{format:?}: editing {dotted} went unnoticed"
            );
        }
    }
}

#[test]
fn every_number_edited_in_the_visible_text_is_caught() {
    let inst = report_fixture::instance();
    let panels = report_fixture::optimal();
    for lang in [Lang::En, Lang::Zh] {
        let f = report::figures(&inst, &panels, &opts(lang));
        for format in [ReportFormat::Html, ReportFormat::Markdown] {
            let text = report::render(&f, format);
            let (block, _) = block_span(&text, format);
            // Skip the style sheet: its numbers are layout, not figures
            // (they are still compared byte for byte).
            let body = text.find("</style>").map_or(0, |i| i + 8);
            let edits = each_number_edited(&text, body..block, |edited, number| {
                let diffs = check(edited, format, &inst, &panels, &inputs()).unwrap();
                assert!(
                    !diffs.is_empty(),
                    "{lang:?} {format:?}: the number «{number}» went unnoticed"
                );
            });
            assert!(edits > 60, "{lang:?} {format:?}: only {edits} numbers");
        }
    }
}

#[test]
fn a_report_of_other_panels_or_input_does_not_match() {
    let inst = report_fixture::instance();
    let f = report::figures(&inst, &report_fixture::optimal(), &opts(Lang::En));
    let text = report::render(&f, ReportFormat::Markdown);
    let diffs = check(
        &text,
        ReportFormat::Markdown,
        &inst,
        &report_fixture::broken(),
        &inputs(),
    )
    .unwrap();
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("glance.objective_micro")),
        "{diffs:#?}"
    );
    let other = Inputs {
        input_sha256: Some("0".repeat(64)),
        ..inputs()
    };
    let diffs = check(
        &text,
        ReportFormat::Markdown,
        &inst,
        &report_fixture::optimal(),
        &other,
    )
    .unwrap();
    assert!(
        diffs.iter().any(|d| d.starts_with("check.input_sha256")),
        "{diffs:#?}"
    );
    // No data block at all: cannot be checked.
    let cut = text.replace(panels::report::markdown::DATA_START, "");
    assert!(check(
        &cut,
        ReportFormat::Markdown,
        &inst,
        &report_fixture::optimal(),
        &inputs()
    )
    .is_err());
}

/// The fixture with hostile names everywhere a name is shown.
fn hostile_bundle() -> String {
    report_fixture::BUNDLE
        .replace("Zhao Yi", "</script><script>alert(1)</script>")
        .replace("Sun San", "Sun | San *bold* _it_ `code` [x](http://e.vil)")
        .replace("Zhou Wu", "Zhou\\nWu <img src=x onerror=alert(1)> & -->")
        .replace("\"Lasers\"", "\"# Lasers\\n| a | b |\"")
        .replace("\"U3\"", "\"U3 </style><b>\"")
        .replace("长沙", "长沙|<i>")
}

#[test]
fn hostile_names_are_escaped_in_html_and_markdown() {
    let inst =
        panels::io::load_bundle_from_bytes(Path::new("tiny.json"), hostile_bundle().as_bytes())
            .expect("loads");
    let panels = report_fixture::optimal();
    let f = report::figures(&inst, &panels, &opts(Lang::En));
    let html = report::render(&f, ReportFormat::Html);
    assert_eq!(html.matches("<script").count(), 1, "only the data block");
    assert_eq!(html.matches("</script>").count(), 1);
    for raw in ["<img", "<b>", "<i>", "</style><b>", "alert(1)</script>"] {
        assert!(!html.contains(raw), "HTML carries {raw:?}");
    }
    let md = report::render(&f, ReportFormat::Markdown);
    let visible = &md[..md.find(panels::report::markdown::DATA_START).unwrap()];
    for raw in [
        "<img",
        "<i>",
        "</script>",
        "*bold*",
        "_it_",
        "`code`",
        "[x]",
        "| San",
    ] {
        for (i, _) in visible.match_indices(raw) {
            assert_eq!(
                visible.as_bytes()[i.saturating_sub(1)],
                b'\\',
                "Markdown carries {raw:?} unescaped"
            );
        }
    }
    for escaped in [
        "\\<img",
        "\\*bold\\*",
        "\\_it\\_",
        "\\`code\\`",
        "\\[x\\]",
        "Sun \\| San",
    ] {
        assert!(visible.contains(escaped), "Markdown lacks {escaped:?}");
    }
    assert_eq!(md.matches("-->").count(), 1, "the data block ends once");
    // Every table row has as many cells as its header.
    let mut width = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            width = None;
            continue;
        }
        let cells = unescaped_pipes(line);
        match width {
            None => width = Some(cells),
            Some(w) => assert_eq!(cells, w, "broken row: {line}"),
        }
    }
    // Both still check.
    for (text, format) in [(html, ReportFormat::Html), (md, ReportFormat::Markdown)] {
        let diffs = check(&text, format, &inst, &panels, &inputs()).unwrap();
        assert!(diffs.is_empty(), "{format:?}: {diffs:#?}");
    }
}

fn unescaped_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    n
}

#[test]
fn language_follows_the_instance_unless_asked() {
    let inst = report_fixture::instance();
    assert_eq!(Lang::of_instance(&inst), Lang::Zh, "武汉, 长沙");
    let mut o = opts(Lang::En);
    o.lang = None;
    o.price_time_limit = None;
    let f = report::figures(&inst, &report_fixture::optimal(), &o);
    let html = report::render(&f, ReportFormat::Html);
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("评审专家组公平性报告"));
    for english in ["applications", "reviews", "fairness", "Rules of the round"] {
        let visible = &html[html.find("<body>").unwrap()..html.find("<script").unwrap()];
        assert!(!visible.contains(english), "zh page shows {english:?}");
    }
    let en = panels::io::load_bundle_from_bytes(
        Path::new("t.json"),
        report_fixture::BUNDLE
            .replace("武汉", "Wuhan")
            .replace("长沙", "Changsha")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(Lang::of_instance(&en), Lang::En);
}

// ---------------------------------------------------------------- CLI

fn panels_cmd(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panels"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_writes_checks_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.json"), report_fixture::BUNDLE).unwrap();
    let o = panels_cmd(&["-q", "solve", "tiny.json", "--out", "p.json"], d);
    assert!(o.status.success());
    for out in ["r.html", "r.md", "r.json"] {
        let o = panels_cmd(&["-q", "report", "tiny.json", "p.json", "--out", out], d);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = panels_cmd(&["-q", "report", "--check", out, "tiny.json", "p.json"], d);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("matches"));
    }
    // The commands the report prints succeed on these files.
    let md = std::fs::read_to_string(d.join("r.md")).unwrap();
    let block = md
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    for line in block.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let o = if words[0] == "panels" {
            panels_cmd(&[&["-q"], &words[1..]].concat(), d)
        } else {
            Command::new(words[0])
                .current_dir(d)
                .args(&words[1..])
                .output()
                .unwrap()
        };
        assert!(
            o.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    assert!(
        block.contains("--certificate"),
        "solve writes a certificate"
    );
    // A tampered figure: exit 1, named.
    let json = std::fs::read_to_string(d.join("r.json")).unwrap();
    std::fs::write(
        d.join("t.json"),
        json.replacen("\"reviews\": 6", "\"reviews\": 7", 1),
    )
    .unwrap();
    let o = panels_cmd(
        &["-q", "report", "--check", "t.json", "tiny.json", "p.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("glance.reviews"));
    // A file that is no report: exit 1 with a reason; a wrong extension: 2.
    std::fs::write(d.join("x.md"), "# hello\n").unwrap();
    let o = panels_cmd(
        &["-q", "report", "--check", "x.md", "tiny.json", "p.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("no figures data block"));
    let o = panels_cmd(
        &["-q", "report", "--check", "p.csv", "tiny.json", "p.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    // --lang en wins over the instance's Chinese.
    let o = panels_cmd(
        &[
            "-q",
            "report",
            "tiny.json",
            "p.json",
            "--lang",
            "en",
            "--out",
            "e.html",
        ],
        d,
    );
    assert!(o.status.success());
    let html = std::fs::read_to_string(d.join("e.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("fairness report"));
    let o = panels_cmd(
        &["-q", "report", "--check", "e.html", "tiny.json", "p.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(0));
    // The report never writes over the panels file.
    let before = std::fs::read(d.join("p.json")).unwrap();
    let o = panels_cmd(
        &["-q", "report", "tiny.json", "p.json", "--out", "p.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join("p.json")).unwrap(), before);
}

/// A generated round with two programmes and three years of history (every
/// programme and history rule binds somewhere), its optimal panels, and
/// its figures without price re-solves.
fn yearly_round() -> (panels::model::Instance, panels::io::panels::PanelsFile) {
    use panels::generate::{generate, GenConfig};
    let inst = generate(&GenConfig {
        programmes: 2,
        years: 3,
        seed: 11,
        ..GenConfig::sized(60, 160)
    });
    let elig = panels::eligibility::Eligibility::compute(&inst);
    let s = panels::solve::solve(&inst, &elig, panels::solve::Method::Auto).expect("feasible");
    let file = panels::solve::panels_file(&inst, &elig, &s, String::new());
    (inst, file)
}

fn unpriced(lang: Lang) -> ReportOptions {
    ReportOptions {
        price_time_limit: None,
        ..opts(lang)
    }
}

#[test]
fn programme_and_history_figures_are_checked_like_every_other() {
    let (inst, file) = yearly_round();
    for lang in [Lang::Zh, Lang::En] {
        let f = report::figures(&inst, &file, &unpriced(lang));
        let h = f.history.as_ref().expect("history figures");
        assert!(h.resting.count > 0 && h.repeat_pairs > 0 && h.reviewed_earlier > 0);
        assert_eq!(f.programmes.as_ref().map(Vec::len), Some(2));
        assert!(f.rules.iter().any(|r| r.programme.is_some()));
        assert!(f.rules.iter().any(|r| r.rule == "max_consecutive_years"));
        for format in FORMATS {
            let text = report::render(&f, format);
            assert!(check(&text, format, &inst, &file, &inputs())
                .unwrap()
                .is_empty());
            // Every number of the two sections (and of the rules list) in
            // the data block.
            let (from, to) = block_span(&text, format);
            let original: Value = serde_json::from_str(&text[from..to]).unwrap();
            let mut paths = Vec::new();
            for key in ["programmes", "history", "rules"] {
                number_paths(&original[key], vec![key.to_string()], &mut paths);
            }
            assert!(paths.len() > 40, "{format:?}: {} numbers", paths.len());
            for path in paths {
                let mut v = original.clone();
                let leaf = at(&mut v, &path);
                *leaf = tampered(leaf);
                let edited = format!("{}{}{}", &text[..from], embed(&v, format), &text[to..]);
                let diffs = check(&edited, format, &inst, &file, &inputs()).unwrap();
                assert!(
                    !diffs.is_empty(),
                    "{lang:?} {format:?}: editing {} went unnoticed",
                    path.join(".")
                );
            }
        }
        // Every number shown in the two sections' text.
        for format in [ReportFormat::Html, ReportFormat::Markdown] {
            let text = report::render(&f, format);
            let start = text
                .find(lang.t("Programmes: outside-city share", "各计划类别的外地评审比例"))
                .expect("programme section");
            let end = text
                .find(lang.t("7. How to check this", "7. 如何核对"))
                .expect("check section");
            let edits = each_number_edited(&text, start..end, |edited, number| {
                let diffs = check(edited, format, &inst, &file, &inputs()).unwrap();
                assert!(
                    !diffs.is_empty(),
                    "{lang:?} {format:?}: «{number}» in the sections went unnoticed"
                );
            });
            assert!(edits > 30, "{lang:?} {format:?}: only {edits} numbers");
        }
    }
}

/// A CSV directory has no one file for `sha256sum`: the report prints a
/// command that computes its input hash without `panels`, and that command
/// prints the hash the report states.
#[test]
fn the_input_hash_of_a_csv_directory_can_be_computed_without_panels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.json"), report_fixture::BUNDLE).unwrap();
    let inst = panels::io::load_bundle_from_bytes(
        Path::new("tiny.json"),
        report_fixture::BUNDLE.as_bytes(),
    )
    .unwrap();
    let csv = panels::io::csv_to_bytes(&inst).unwrap();
    std::fs::create_dir(d.join("round dir")).unwrap();
    for name in panels::io::CSV_DIR_FILES {
        if let Some(bytes) = csv.get(name) {
            std::fs::write(d.join("round dir").join(name), bytes).unwrap();
        }
    }
    let o = panels_cmd(&["-q", "solve", "round dir", "--out", "p.json"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = panels_cmd(&["-q", "report", "round dir", "p.json", "--out", "r.md"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(d.join("r.md")).unwrap();
    let stated = panels::io::instance_sha256(&d.join("round dir")).unwrap();
    assert!(md.contains(&stated), "the report states the input hash");
    let block = md
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    let line = block
        .lines()
        .find(|l| l.starts_with("python3"))
        .expect("a command for the directory's hash");
    let o = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), stated);
}
