//! The officer's path in a real browser: headless Chromium driven over
//! WebDriver (chromedriver, from the OS packages) against the built
//! `panels serve` with a token: log in, download the blank template,
//! upload the Yangtze round (in two programmes) as a workbook, solve, open
//! the panels and their programme view, decline one reviewer and replace,
//! download the reviewer workbook and verify it with the library, open
//! the report and the list of the round's files, append the round to the
//! history, and upload the next round, which takes it. Fails when
//! Chromium or chromedriver is missing.
//!
//! With `CONSOLE_SCREENSHOTS=DIR` it saves a screenshot of each page
//! there (`scripts/console_screenshots.sh`).
#![cfg(feature = "serve")]

mod console_support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use console_support::*;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    addr: SocketAddr,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = request(
            self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            &[],
            b"",
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    fn start(downloads: &Path, profile: &Path) -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: install it with `apt-get install -y chromium chromium-driver fonts-wqy-microhei` (the browser test never skips)"
            );
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--lang=zh-CN", format!("--user-data-dir={}", profile.display())],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false,
                          "intl.accept_languages": "zh-CN,zh"}
            }
        }}});
        let r = post_json(addr, "/session", &caps);
        assert_eq!(r.status, 200, "no browser session: {}", r.text());
        let session = r.json()["value"]["sessionId"].as_str().unwrap().to_string();
        Driver {
            child,
            addr,
            session,
        }
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let r = if method == "GET" {
            get(self.addr, &url)
        } else {
            post_json(self.addr, &url, &body)
        };
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
        r.json()["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", json!({}))
            .as_str()
            .unwrap()
            .to_string()
    }

    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = format!("/session/{}/element", self.session);
            let r = post_json(
                self.addr,
                &url,
                &json!({"using": "css selector", "value": css}),
            );
            if r.status == 200 {
                return r.json()["value"][ELEMENT].as_str().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        );
    }

    fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/attribute/{name}"), json!({}))
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    fn text(&self) -> String {
        self.js("return document.body.innerText;")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn wait_text(&self, what: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !self.text().contains(what) {
            assert!(
                Instant::now() < deadline,
                "'{what}' never showed on {}:\n{}",
                self.url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("CONSOLE_SCREENSHOTS") else {
            return;
        };
        let b64 = self.call("GET", "/screenshot", json!({}));
        let png = base64_decode(b64.as_str().unwrap());
        std::fs::write(PathBuf::from(dir).join(format!("console-{name}.png")), png).unwrap();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(val(c)) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Programmes of the walk's round (experts serve both).
const PROGRAMMES: [&str; 2] = ["科技进步奖", "自然科学奖"];

/// The Yangtze round as an office workbook, its applications split
/// between two programmes.
fn yangtze_workbook(dir: &Path) -> (PathBuf, panels::model::Instance) {
    let mut inst = panels::io::load_instance(&repo("instances/yangtze.json")).unwrap();
    for name in PROGRAMMES {
        inst.programmes.intern(name);
    }
    for (i, a) in inst.applications.iter_mut().enumerate() {
        a.programme = Some(panels::model::ProgIx((i % 3 == 0) as u32));
    }
    let path = dir.join("长江流域评审轮次.xlsx");
    panels::io::xlsx::write_instance_xlsx(&inst, &path).unwrap();
    let loaded = panels::io::load_instance(&path).unwrap();
    (path, loaded)
}

fn wait_file(dir: &Path, suffix: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(suffix));
        if let Some(p) = found {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "the download {suffix} never arrived"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_officer_walks_the_round_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, downloads, profile) = (
        tmp.path().join("data"),
        tmp.path().join("downloads"),
        tmp.path().join("profile"),
    );
    for d in [&data, &downloads, &profile] {
        std::fs::create_dir_all(d).unwrap();
    }
    let token = "officer-token-0123456789";
    std::fs::write(tmp.path().join("token"), token).unwrap();
    let (workbook, inst) = yangtze_workbook(tmp.path());
    let server = ServerProcess::start(
        &data,
        &["--token-file", tmp.path().join("token").to_str().unwrap()],
    );
    let base = format!("http://{}", server.addr);
    let b = Driver::start(&downloads, &profile);

    // Log in.
    b.go(&format!("{base}/"));
    b.screenshot("login");
    b.type_into("input[name=token]", token);
    b.click("form[action='/login'] button");
    b.wait_text("评审轮次", 30);

    // The blank template: the bytes of `panels template --lang zh`.
    b.click("a#template-zh");
    let template = wait_file(&downloads, "template-zh.xlsx");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read(&template).unwrap(),
        panels::io::xlsx::template_xlsx_bytes(
            Path::new("template.xlsx"),
            panels::io::office::Lang::Zh
        )
        .unwrap(),
        "the template download is the CLI's template"
    );

    // Upload the workbook.
    b.type_into("input[type=file]", workbook.to_str().unwrap());
    b.screenshot("rounds");
    b.click("form[action='/rounds'] button");
    b.wait_text("适用规则", 60);
    let round_url = b.url();
    let id = round_url.rsplit('/').next().unwrap().to_string();
    assert!(
        b.text().contains("300") && b.text().contains("1500"),
        "{}",
        b.text()
    );

    // A broken upload lists its problems with row and column.
    b.go(&format!("{base}/"));
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"experts\": 5\n}").unwrap();
    b.type_into("input[type=file]", bad.to_str().unwrap());
    b.click("form[action='/rounds'] button");
    b.wait_text("bad.json", 30);
    b.screenshot("validation");
    // The place in the page's language: 第 2 行, not line 2.
    assert!(b.text().contains("第 2 行"), "{}", b.text());
    assert!(!b.text().contains("line 2"), "{}", b.text());

    // Solve, with live progress, until the round shows optimal panels
    // (最优: the page's words, the API's `optimal` as the tooltip).
    b.go(&round_url);
    b.click(&format!("form[action='/rounds/{id}/solve'] button"));
    b.wait_text("最优", 300);
    assert_eq!(b.attr("span.pill.optimal", "title"), "optimal");
    b.screenshot("round");

    // The panels: names beside ids, a pair's explanation.
    b.click(&format!("a[href='/rounds/{id}/panels']"));
    b.wait_text("A0001", 60);
    let first = inst
        .experts
        .iter()
        .find(|e| b.text().contains(&e.id))
        .map(|e| e.name.clone());
    assert!(
        first.flatten().is_some_and(|n| b.text().contains(&n)),
        "names beside ids"
    );
    b.screenshot("panels");

    // The programme view: a click filters to one programme's panels.
    let programme = PROGRAMMES[1];
    let in_programme = inst
        .app_ixs()
        .filter(|&a| inst.programme_name(a) == Some(programme))
        .count();
    assert_eq!(in_programme, 100);
    b.click(&format!(
        "#by-programme a[href='/rounds/{id}/panels?programme={}']",
        programme
            .bytes()
            .map(|c| format!("%{c:02X}"))
            .collect::<String>()
    ));
    b.wait_text(&format!("{in_programme} 条符合"), 30);
    let rows = b.js(
        "return Array.from(document.querySelectorAll('tbody tr td:first-child strong')).map(e => e.textContent);",
    );
    let rows: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(rows.len(), 50, "a page of 50 panels");
    for app in &rows {
        let a = inst.app_by_id(app).unwrap();
        assert_eq!(inst.programme_name(a), Some(programme), "{app}");
    }
    b.screenshot("programme");
    b.go(&format!("{base}/rounds/{id}/panels"));
    let pair = b.attr("input[name=mark]", "value");
    let (app, expert) = pair.split_once(':').unwrap();
    b.click(&format!(
        "a[href='/rounds/{id}/explain?application={app}&expert={expert}']"
    ));
    b.wait_text("符合条件", 30);
    b.screenshot("explain");
    b.go(&format!("{base}/rounds/{id}/panels"));

    // Decline that reviewer, replace.
    b.click(&format!("input[name=mark][value='{pair}']"));
    b.click(&format!(
        "form[action='/rounds/{id}/replace'] button[type=submit]"
    ));
    b.wait_text("步骤 2", 60);
    assert!(b.text().contains("替换"), "{}", b.text());

    // Download the reviewer workbook; the library verifies it.
    b.go(&round_url);
    b.click(&format!("a[href='/api/v1/rounds/{id}/panels.xlsx']"));
    let xlsx = wait_file(&downloads, "panels.xlsx");
    std::thread::sleep(Duration::from_millis(500));
    let file = panels::io::read_panels_for(&xlsx, &inst).unwrap();
    let report = panels::verify::verify(&inst, &file);
    assert!(report.is_ok(), "{}", report.render(&inst));
    let panel = file.panels.iter().find(|p| p.application == app).unwrap();
    assert!(
        !panel.experts.iter().any(|e| e == expert),
        "the declined reviewer is gone from {app}"
    );

    // The report, inline.
    b.click(&format!("a[href='/rounds/{id}/report']"));
    b.find("iframe.report");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = b.js("var f=document.querySelector('iframe.report'); return f && f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText.length : 0;");
        if n.as_u64().unwrap_or(0) > 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the report never showed");
        std::thread::sleep(Duration::from_millis(300));
    }
    b.screenshot("report");

    // Every file of the round, as a page with download links.
    b.click(&format!("a[href='/rounds/{id}/files']"));
    b.wait_text("本轮全部文件", 30);
    assert!(b.text().contains("002-replace.log.json"), "{}", b.text());
    b.screenshot("files");

    // Append the round to the history (the year from the policy).
    b.go(&round_url);
    b.click(&format!("form[action='/rounds/{id}/history'] button"));
    b.wait_text("已追加", 60);
    b.screenshot("round-after");
    let history = data.join("history.csv");
    let records = panels::io::history_file::read_history_file(&history).unwrap();
    assert_eq!(records.len(), 1501, "1500 reviews and the decline");
    assert!(records.iter().any(|r| r.expert == expert
        && r.application.as_deref() == Some(app)
        && r.outcome == panels::history::Outcome::Declined));
    b.click("a[href='/history']");
    b.wait_text("1501", 30);
    b.screenshot("history");
    b.click("a#history-download");
    let got = wait_file(&downloads, "history.csv");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read(got).unwrap(),
        std::fs::read(&history).unwrap()
    );

    // The next round's upload takes the history.
    b.go(&format!("{base}/"));
    b.type_into("input[type=file]", workbook.to_str().unwrap());
    b.click("form[action='/rounds'] button");
    b.wait_text("适用规则", 60);
    assert_ne!(b.url(), round_url);
    b.wait_text("上传时已使用本系统的历史记录", 10);
    assert!(b.text().contains("1501"), "{}", b.text());
}
