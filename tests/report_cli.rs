//! `panels report` and `panels export` end to end: exit codes, files
//! written whole or not at all, the anonymous export, and the HTML in
//! headless Chromium (skipped, with a notice, when Chromium is absent).

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

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn report_writes_html_and_markdown() {
    let s = Setup::new();
    for out in ["r.html", "r.md"] {
        let o = run(&[
            os("report"),
            os(&s.p("tiny.json")),
            os(&s.p("panels.json")),
            os("--out"),
            os(&s.p(out)),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(s.p(out)).unwrap();
        assert!(
            text.contains("75.0%") && text.contains("obeys every rule"),
            "{out}"
        );
    }
}

#[test]
fn report_refuses_a_panels_file_that_does_not_load() {
    let s = Setup::new();
    std::fs::write(s.p("bad.json"), "{ \"status\": ").unwrap();
    let o = run(&[
        os("report"),
        os(&s.p("tiny.json")),
        os(&s.p("bad.json")),
        os("--out"),
        os(&s.p("r.html")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json"), "names the file: {err}");
    assert!(!s.p("r.html").exists(), "nothing written");
    // A wrong extension is refused before any work.
    let o = run(&[
        os("report"),
        os(&s.p("tiny.json")),
        os(&s.p("panels.json")),
        os("--out"),
        os(&s.p("r.pdf")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.p("r.pdf").exists());
    // So is a target outside [0, 1].
    let o = run(&[
        os("report"),
        os(&s.p("tiny.json")),
        os(&s.p("panels.json")),
        os("--target"),
        os("18"),
        os("--out"),
        os(&s.p("r.md")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.p("r.md").exists());
}

#[test]
fn report_of_broken_panels_renders_with_a_banner() {
    let s = Setup::new();
    let o = run(&[
        os("report"),
        os(&s.p("tiny.json")),
        os(&s.p("broken.json")),
        os("--out"),
        os(&s.p("r.html")),
    ]);
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

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(o) = Command::new("which").arg(name).output() {
            if o.status.success() {
                let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
                if !p.is_empty() {
                    return Some(PathBuf::from(p));
                }
            }
        }
    }
    None
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
    ]);
    cmd.args(extra).arg(url).output().expect("chromium runs")
}

#[test]
fn html_loads_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("NOTICE: chromium not found; skipping the headless browser test (apt-get install chromium)");
        return;
    };
    let s = Setup::new();
    let page = s.p("report.html");
    let o = run(&[
        os("report"),
        os(&s.p("tiny.json")),
        os(&s.p("panels.json")),
        os("--out"),
        os(&page),
    ]);
    assert!(o.status.success());
    // The DOM after loading: every chart is there as SVG.
    let o = headless(&chrome, &[os("--dump-dom")], &page);
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("fairness report"),
        "chromium did not render the page: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        dom.matches("<svg").count(),
        std::fs::read_to_string(&page)
            .unwrap()
            .matches("<svg")
            .count()
    );
    // A screenshot: a PNG of real size.
    let png = s.p("shot.png");
    let shot = format!("--screenshot={}", png.display());
    let o = headless(&chrome, &[os(&shot), os("--window-size=1200,2000")], &page);
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // Width and height from the IHDR chunk.
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1200, 2000));
    assert!(
        bytes.len() > 20_000,
        "a blank page compresses to almost nothing; got {} bytes",
        bytes.len()
    );
}
