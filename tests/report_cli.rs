//! `panels report` and `panels export` end to end: exit codes, files
//! written whole or not at all, the anonymous export, and the HTML in
//! headless Chromium, printed to PDF in Chinese and English (page count,
//! the summary on page 1, no page ending in a heading). Without Chromium
//! or pdftotext the browser test fails when `CI` is set and says it
//! skipped otherwise.

mod report_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_panels"))
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    bin().args(args).output().expect("panels runs")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// A temp dir with the fixture instance and its optimal / broken panels.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tiny.json"), report_fixture::BUNDLE).unwrap();
        let inst = report_fixture::instance();
        panels::io::write_panels(
            &dir.path().join("panels.json"),
            &report_fixture::optimal(),
            &inst,
        )
        .unwrap();
        panels::io::write_panels(
            &dir.path().join("broken.json"),
            &report_fixture::broken(),
            &inst,
        )
        .unwrap();
        Setup { dir }
    }

    /// `panels report tiny.json PANELS FLAGS… --out OUT`, the files in
    /// this dir.
    fn report(&self, panels: &str, flags: &[&str], out: &str) -> Output {
        let (tiny, panels, out) = (self.p("tiny.json"), self.p(panels), self.p(out));
        let mut args = vec![os("report"), os(&tiny), os(&panels)];
        args.extend(flags.iter().map(|f| os(*f)));
        args.extend([os("--out"), os(&out)]);
        run(&args)
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn report_writes_html_and_markdown() {
    let s = Setup::new();
    for out in ["r.html", "r.md"] {
        let o = s.report("panels.json", &["--lang", "en"], out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(s.p(out)).unwrap();
        assert!(
            text.contains("75.0%") && text.contains("obeys every rule"),
            "{out}"
        );
    }
}

/// A file of panels alone claims no objective: the report says none is
/// claimed (not "0"), in its text and its data.
#[test]
fn report_of_panels_alone_claims_no_objective() {
    let s = Setup::new();
    let full: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.p("panels.json")).unwrap()).unwrap();
    let alone = serde_json::json!({ "panels": full["panels"] });
    std::fs::write(s.p("alone.json"), alone.to_string()).unwrap();
    for out in ["r.html", "r.md", "r.json"] {
        let o = s.report("alone.json", &["--lang", "en"], out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(s.p(out)).unwrap();
        assert!(!text.contains("claims an objective of"), "{out}:\n{text}");
        assert!(text.contains("\"claimed_objective\": null"), "{out}");
        if out == "r.md" {
            assert!(
                text.contains("| total score claimed by the file | none |"),
                "{text}"
            );
        }
    }
}

#[test]
fn report_refuses_a_panels_file_that_does_not_load() {
    let s = Setup::new();
    std::fs::write(s.p("bad.json"), "{ \"status\": ").unwrap();
    let o = s.report("bad.json", &[], "r.html");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json"), "names the file: {err}");
    assert!(!s.p("r.html").exists(), "nothing written");
    // A wrong extension is refused before any work.
    let o = s.report("panels.json", &[], "r.pdf");
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.p("r.pdf").exists());
    // So is a target outside [0, 1].
    let o = s.report("panels.json", &["--target", "18"], "r.md");
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.p("r.md").exists());
}

#[test]
fn report_of_broken_panels_renders_with_a_banner() {
    let s = Setup::new();
    let o = s.report("broken.json", &["--lang", "en"], "r.html");
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: the assignment breaks"));
    let html = std::fs::read_to_string(s.p("r.html")).unwrap();
    assert!(html.contains("This assignment breaks"));
}

#[test]
fn anonymous_export_names_no_reviewer() {
    let s = Setup::new();
    let inst = report_fixture::instance();
    for out in ["anon.csv", "anon.xlsx"] {
        let o = run(&[
            os("export"),
            os(&s.p("tiny.json")),
            os(&s.p("panels.json")),
            os("--anonymous"),
            os("--out"),
            os(&s.p(out)),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(s.p(out)).unwrap();
        let cells: Vec<String> = if out.ends_with(".csv") {
            let text = String::from_utf8(bytes).unwrap();
            text.lines()
                .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect()
        } else {
            panels::io::xlsx::read_xlsx_tables(&bytes)
                .unwrap()
                .into_iter()
                .flat_map(|(_, rows)| rows.into_iter().flatten())
                .collect()
        };
        let all = cells.join("\n");
        for e in &inst.experts {
            assert!(!cells.iter().any(|c| c == &e.id), "{out} names {}", e.id);
            assert!(
                !all.contains(e.name.as_deref().unwrap()),
                "{out} names {:?}",
                e.name
            );
        }
        for u in ["U4", "U5", "U6"] {
            assert!(!all.contains(u), "{out} names a reviewer institution");
        }
        // One row per application, each with a distinct panel code.
        let codes: Vec<&String> = cells.iter().filter(|c| c.starts_with("P-")).collect();
        assert_eq!(codes.len(), 3, "{all}");
        let mut uniq = codes.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 3);
        for a in ["A1", "A2", "A3"] {
            assert!(cells.iter().any(|c| c == a));
        }
    }
    // Same input, same bytes.
    let again = s.p("again.csv");
    assert!(run(&[
        os("export"),
        os(&s.p("tiny.json")),
        os(&s.p("panels.json")),
        os("--anonymous"),
        os("--out"),
        os(&again)
    ])
    .status
    .success());
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(s.p("anon.csv")).unwrap()
    );
}

#[test]
fn export_refuses_panels_that_break_rules() {
    let s = Setup::new();
    let o = run(&[
        os("export"),
        os(&s.p("tiny.json")),
        os(&s.p("broken.json")),
        os("--anonymous"),
        os("--out"),
        os(&s.p("a.csv")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!s.p("a.csv").exists());
    let o = run(&[
        os("export"),
        os(&s.p("tiny.json")),
        os(&s.p("panels.json")),
        os("--anonymous"),
        os("--out"),
        os(&s.p("a.json")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "anonymous export is .csv or .xlsx"
    );
}

#[test]
fn solve_writes_xlsx_panels() {
    let s = Setup::new();
    let o = run(&[
        os("--quiet"),
        os("solve"),
        os(&s.p("tiny.json")),
        os("--out"),
        os(&s.p("p.xlsx")),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tables =
        panels::io::xlsx::read_xlsx_tables(&std::fs::read(s.p("p.xlsx")).unwrap()).unwrap();
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["summary", "武汉", "长沙", "by expert"]);
}

// ---------------------------------------------------------------- Chromium

fn which(name: &str) -> Option<PathBuf> {
    let o = Command::new("which").arg(name).output().ok()?;
    let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (o.status.success() && !p.is_empty()).then(|| PathBuf::from(p))
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(which)
}

/// A tool the browser test needs: fails under CI when missing, else says
/// the test skipped.
fn required(tool: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    if tool.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is missing; CI must install it (.ci/run)"
        );
        eprintln!("NOTICE: {what} not found; skipping the headless browser test");
    }
    tool
}

fn headless(chrome: &Path, extra: &[&std::ffi::OsStr], page: &Path) -> Output {
    let url = format!("file://{}", page.display());
    // Guard against a browser that never exits (coreutils `timeout`).
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--no-pdf-header-footer",
    ]);
    cmd.args(extra).arg(url).output().expect("chromium runs")
}

/// Headings (h2, h3) of a page, whitespace collapsed.
fn headings(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in ["h2", "h3"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        for part in html.split(&open).skip(1) {
            if let Some(end) = part.find(&close) {
                out.push(collapse(&part[..end].replace("&amp;", "&")));
            }
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of each page of a PDF (pdftotext, pages split at form feeds).
fn pdf_pages(pdftotext: &Path, pdf: &Path) -> Vec<String> {
    let o = Command::new(pdftotext)
        .args([os(pdf), os("-")])
        .output()
        .expect("pdftotext runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    while pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

#[test]
fn html_prints_in_headless_chromium_in_both_languages() {
    let Some(chrome) = required(chromium(), "chromium") else {
        return;
    };
    let Some(pdftotext) = required(which("pdftotext"), "pdftotext (poppler-utils)") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let yangtze = Path::new(env!("CARGO_MANIFEST_DIR")).join("instances/yangtze.json");
    let o = run(&[
        os("-q"),
        os("solve"),
        os(&yangtze),
        os("--out"),
        os(&d.join("p.json")),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (lang, title, glance, rule) in [
        ("zh", "评审专家组公平性报告", "1. 本轮概况", "每组专家人数"),
        (
            "en",
            "Review panels: fairness report",
            "1. The round at a glance",
            "panel size",
        ),
    ] {
        let page = d.join(format!("report-{lang}.html"));
        let o = run(&[
            os("-q"),
            os("report"),
            os(&yangtze),
            os(&d.join("p.json")),
            os("--lang"),
            os(lang),
            os("--out"),
            os(&page),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let html = std::fs::read_to_string(&page).unwrap();
        // The DOM after loading: every chart is there as SVG.
        let o = headless(&chrome, &[os("--dump-dom")], &page);
        let dom = String::from_utf8_lossy(&o.stdout);
        assert!(
            dom.contains(title),
            "{lang}: chromium did not render the page: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(dom.matches("<svg").count(), html.matches("<svg").count());
        // Printed to A4.
        let pdf = d.join(format!("report-{lang}.pdf"));
        let arg = format!("--print-to-pdf={}", pdf.display());
        let o = headless(&chrome, &[os(&arg)], &page);
        assert!(
            pdf.exists(),
            "{lang}: no PDF: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let pages = pdf_pages(&pdftotext, &pdf);
        assert!(
            (2..=8).contains(&pages.len()),
            "{lang}: {} pages",
            pages.len()
        );
        let first = collapse(&pages[0]);
        for want in [title, glance, rule] {
            assert!(
                first.contains(want),
                "{lang}: page 1 lacks {want:?}:\n{first}"
            );
        }
        let heads = headings(&html);
        assert!(heads.len() >= 10, "{lang}: {heads:?}");
        for (i, p) in pages.iter().enumerate() {
            let lines: Vec<String> = p.lines().map(collapse).filter(|l| !l.is_empty()).collect();
            assert!(!lines.is_empty(), "{lang}: page {} is empty", i + 1);
            let last = lines.last().unwrap();
            assert!(
                !heads.iter().any(|h| h == last),
                "{lang}: page {} ends with the heading {last:?}",
                i + 1
            );
        }
    }
    // A screenshot: a PNG of real size.
    let png = d.join("shot.png");
    let shot = format!("--screenshot={}", png.display());
    let o = headless(
        &chrome,
        &[os(&shot), os("--window-size=1200,2000")],
        &d.join("report-zh.html"),
    );
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1200, 2000));
    assert!(
        bytes.len() > 20_000,
        "a blank page compresses to almost nothing; got {} bytes",
        bytes.len()
    );
}
