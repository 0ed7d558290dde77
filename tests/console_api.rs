//! The console's JSON API against a server on a random loopback port:
//! answers equal the CLI's bytes, load errors come back as data, hostile
//! uploads are refused with nothing stored, and the token guards
//! everything.
#![cfg(feature = "serve")]

mod console_support;

use console_support::*;
use panels::serve::auth::{sha256, Auth};

fn yangtze() -> Vec<u8> {
    std::fs::read(repo("instances/yangtze.json")).unwrap()
}

fn new_round(c: &Console, bytes: &[u8], name: &str) -> String {
    let r = upload(c.addr, name, bytes, &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn solve_draw_replace_report_and_exports_equal_the_cli_byte_for_byte() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let dir = c.round_dir(&id);
    assert_eq!(
        std::fs::read(dir.join("upload.json")).unwrap(),
        yangtze(),
        "the upload is kept as received"
    );

    // Solve (a job; ?wait=true answers when it has ended).
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "optimal");
    assert_eq!(v["job"]["state"], "done");
    assert!((v["objective"].as_f64().unwrap() - v["bound"].as_f64().unwrap()).abs() < 1e-9);
    let api_panels = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json"));
    assert_eq!(api_panels.status, 200);

    let cli = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo("instances/yangtze.json"),
        cli.path().join("input.json"),
    )
    .unwrap();
    run_cli(
        cli.path(),
        &["solve", "input.json", "--out", "001-solve.panels.json"],
    );
    assert_eq!(
        api_panels.body,
        std::fs::read(cli.path().join("001-solve.panels.json")).unwrap(),
        "API solve = CLI solve"
    );

    // Replace one declined pair.
    let panels: serde_json::Value = api_panels.json();
    let app = panels["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let expert = panels["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let pair = format!("{app}:{expert}");
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({"decline": [pair], "withdraw": [], "lock": []}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["step"]["n"], 2);
    run_cli(
        cli.path(),
        &[
            "replace",
            "input.json",
            "001-solve.panels.json",
            "--decline",
            &pair,
            "--out",
            "002-replace.panels.json",
            "--log",
            "002-replace.log.json",
        ],
    );
    for f in ["002-replace.panels.json", "002-replace.log.json"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(cli.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let now = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json"));
    assert_eq!(
        now.body,
        std::fs::read(cli.path().join("002-replace.panels.json")).unwrap()
    );
    assert!(
        !now.text().contains(&format!("\"{expert}\","))
            || !now.json()["panels"][0]["experts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == &serde_json::json!(expert))
    );

    // Downloads of the current panels = `panels export` / `panels report`.
    let cases: &[(&str, &[&str])] = &[
        (
            "panels.xlsx",
            &[
                "export",
                "input.json",
                "002-replace.panels.json",
                "--out",
                "x.xlsx",
            ],
        ),
        (
            "panels.csv",
            &[
                "export",
                "input.json",
                "002-replace.panels.json",
                "--out",
                "x.csv",
            ],
        ),
        (
            "anonymous.xlsx",
            &[
                "export",
                "--anonymous",
                "input.json",
                "002-replace.panels.json",
                "--out",
                "x.xlsx",
            ],
        ),
        (
            "anonymous.csv",
            &[
                "export",
                "--anonymous",
                "input.json",
                "002-replace.panels.json",
                "--out",
                "x.csv",
            ],
        ),
        (
            "report.html",
            &[
                "report",
                "input.json",
                "002-replace.panels.json",
                "--log",
                "002-replace.log.json",
                "--out",
                "002-replace.report.html",
            ],
        ),
        (
            "report.md",
            &[
                "report",
                "input.json",
                "002-replace.panels.json",
                "--log",
                "002-replace.log.json",
                "--out",
                "002-replace.report.md",
            ],
        ),
        (
            "figures.json",
            &[
                "report",
                "input.json",
                "002-replace.panels.json",
                "--log",
                "002-replace.log.json",
                "--out",
                "002-replace.figures.json",
            ],
        ),
    ];
    for (name, args) in cases {
        let r = get(c.addr, &format!("/api/v1/rounds/{id}/{name}"));
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        run_cli(cli.path(), args);
        let out = args[args.len() - 1];
        // Same bytes; the file names match the round folder's, since a
        // report names itself in its "how to check" commands.
        assert!(
            r.body == std::fs::read(cli.path().join(out)).unwrap(),
            "{name} differs from the CLI's {out}"
        );
    }

    // Draw with a seed and a cap = `panels draw` on the same input.
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/draw?wait=true"),
        &[("Content-Type", "application/json")],
        br#"{"seed": 7}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["current"]["action"], "draw");
    run_cli(
        cli.path(),
        &[
            "draw",
            "input.json",
            "--seed",
            "7",
            "--out",
            "003-draw.panels.json",
            "--log",
            "003-draw.log.json",
        ],
    );
    for f in ["003-draw.panels.json", "003-draw.log.json"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(cli.path().join(f)).unwrap(),
            "{f}"
        );
    }
    // The log replays from the round folder, as the CLI's does.
    run_cli(&dir, &["draw", "--replay", "003-draw.log.json"]);

    // Verify and explain answer through the library too.
    let v = get(c.addr, &format!("/api/v1/rounds/{id}/verify")).json();
    assert_eq!(v["ok"], true, "{v}");
    let x = get(
        c.addr,
        &format!("/api/v1/rounds/{id}/explain?application={app}&expert={expert}"),
    )
    .json();
    let cli_explain = std::process::Command::new(panels_bin())
        .current_dir(cli.path())
        .args(["explain", "input.json", "-a", &app, "-e", &expert])
        .output()
        .unwrap();
    assert_eq!(
        x["text"].as_str().unwrap().as_bytes(),
        &cli_explain.stdout[..]
    );

    // Every step is listed, every file it names is in the folder.
    let v = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    let files = get(c.addr, &format!("/api/v1/rounds/{id}/files")).json();
    let names: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for s in v["steps"].as_array().unwrap() {
        assert!(names.contains(&s["panels"].as_str().unwrap()));
    }
    assert!(
        names.contains(&"console.log") && names.contains(&"round.json"),
        "{names:?}"
    );
    let log = get(c.addr, &format!("/api/v1/rounds/{id}/files/console.log"));
    assert_eq!(log.status, 200);
    assert!(log.text().lines().count() >= 6);
}

#[test]
fn a_round_that_does_not_load_comes_back_as_data_and_is_not_stored() {
    let c = Console::open();
    let experts = "id,name,city,institution,fields,keywords,title,max_load,available\nE1,Wang,Wuhan,WHU,ai,,,ten,true\n";
    let zip = zip_of(&[
        ("round/experts.csv", experts.as_bytes()),
        (
            "round/applications.csv",
            b"id,city,institution,fields\nA1,Wuhan,WHU,ai\n",
        ),
    ]);
    let r = upload(c.addr, "round.zip", &zip, &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    let e = &r.json()["error"];
    assert_eq!(e["kind"], "bad_input");
    assert_eq!(e["exit_code"], 2);
    let problems = e["problems"].as_array().expect("problems as data");
    assert!(!problems.is_empty());
    let p = problems
        .iter()
        .find(|p| p["field"] == "max_load")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert_eq!(p["row"], 2, "{p}");
    assert_eq!(p["column"], "column H", "{p}");
    assert!(p["file"].as_str().unwrap().ends_with("experts.csv"), "{p}");
    assert!(
        !p["file"].as_str().unwrap().contains(".new-"),
        "staging names never show: {p}"
    );
    assert!(c.entries().is_empty(), "nothing stored: {:?}", c.entries());
    assert_eq!(get(c.addr, "/api/v1/rounds").json(), serde_json::json!([]));

    // A workbook: the Excel row, and the column as the office sees it
    // (letter and Chinese header), as data and on the validation page.
    let mut wb = rust_xlsxwriter::Workbook::new();
    text_sheet(&mut wb, "参数", &[&["参数", "值"]]);
    text_sheet(
        &mut wb,
        "专家",
        &[
            &["2026年度专家库"],
            &["专家编号", "城市", "工作单位", "评审上限"],
            &["E1", "武汉", "武汉大学", "十"],
        ],
    );
    text_sheet(
        &mut wb,
        "申报项目",
        &[
            &["项目编号", "城市", "申报单位"],
            &["A1", "长沙", "中南大学"],
        ],
    );
    let book = wb.save_to_buffer().unwrap();
    let r = upload(c.addr, "专家库.xlsx", &book, &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    let p = &r.json()["error"]["problems"][0];
    assert_eq!(p["row"], 3, "{p}");
    assert_eq!(p["field"], "max_load", "{p}");
    assert_eq!(p["column"], "column D \"评审上限\"", "{p}");
    assert!(c.entries().is_empty());

    // The common kinds of problem come in Chinese too (a missing column,
    // an id given twice), worded where the CLI's English is.
    let book_with = |expert_header: &[&str], expert: &[&str]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        text_sheet(&mut wb, "参数", &[&["参数", "值"]]);
        text_sheet(&mut wb, "专家", &[expert_header, expert]);
        text_sheet(
            &mut wb,
            "申报项目",
            &[
                &["项目编号", "城市", "申报单位"],
                &["A1", "长沙", "中南大学"],
                &["A1", "长沙", "湖南大学"],
            ],
        );
        wb.save_to_buffer().unwrap()
    };
    let said = |book: &[u8], en: &str| -> String {
        let r = upload(c.addr, "专家库.xlsx", book, &[]);
        assert_eq!(r.status, 400, "{}", r.text());
        let problems = r.json()["error"]["problems"].as_array().unwrap().clone();
        problems
            .iter()
            .find(|p| p["message"].as_str().unwrap().starts_with(en))
            .unwrap_or_else(|| panic!("{en}: {problems:?}"))["message_zh"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let missing = said(
        &book_with(&["专家编号", "工作单位"], &["E1", "武汉大学"]),
        "missing required column city",
    );
    assert!(missing.starts_with("缺少必需的列 city"), "{missing}");
    let twice = said(
        &book_with(
            &["专家编号", "城市", "工作单位"],
            &["E1", "武汉", "武汉大学"],
        ),
        "duplicate application id \"A1\"",
    );
    assert!(twice.contains("项目编号 \"A1\" 重复"), "{twice}");
    assert!(c.entries().is_empty());

    // A bundle with a syntax error: line and column.
    let r = upload(c.addr, "x.json", b"{\n  \"experts\": [,]\n}", &[]);
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["problems"][0]["location"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{}",
        r.text()
    );
    assert!(c.entries().is_empty());
}

#[test]
fn a_csv_zip_loads_like_the_csv_directory() {
    let c = Console::open();
    let dir = repo("instances/guanggu");
    let mut entries = Vec::new();
    for f in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        entries.push((format!("guanggu/{name}"), std::fs::read(f.path()).unwrap()));
    }
    entries.push(("__MACOSX/guanggu/._experts.csv".into(), b"junk".to_vec()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let id = new_round(&c, &zip_of(&refs), "guanggu.zip");
    let v = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(v["form"], "csv-zip");
    assert_eq!(
        v["input_sha256"].as_str().unwrap(),
        panels::io::instance_sha256(&dir).unwrap(),
        "same hash as the CLI's for the directory"
    );
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.json()["job"]["state"], "done", "{}", r.text());
    let cli = tempfile::tempdir().unwrap();
    run_cli(
        cli.path(),
        &["solve", dir.to_str().unwrap(), "--out", "p.json"],
    );
    assert_eq!(
        get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).body,
        std::fs::read(cli.path().join("p.json")).unwrap()
    );
}

#[test]
fn hostile_uploads_are_refused_and_nothing_is_stored() {
    let c = Console::with_auth(Auth::open(), 2 << 20);
    // A zip bomb: 200 MiB of zeros in well under 1 MiB.
    let zeros = vec![0u8; 200 << 20];
    let bomb = zip_of(&[("experts.csv", &zeros)]);
    drop(zeros);
    let r = upload(c.addr, "bomb.zip", &bomb, &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unpacks to"));
    // The same as a workbook.
    let wb_bomb = zip_of(&[
        ("xl/workbook.xml", b"<x/>"),
        ("xl/worksheets/sheet1.xml", &vec![b' '; 100 << 20]),
    ]);
    let r = upload(c.addr, "bomb.xlsx", &wb_bomb, &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    // Path names in the zip.
    for name in ["../../experts.csv", "/tmp/experts.csv", "..\\experts.csv"] {
        let r = upload(c.addr, "evil.zip", &zip_of(&[(name, b"id\n")]), &[]);
        assert_eq!(r.status, 400, "{name}: {}", r.text());
    }
    // A client file name with a path: shown as its base name, never used.
    let r = upload(c.addr, "../../../etc/passwd", b"not a round", &[]);
    assert_eq!(r.status, 400);
    // Larger than the limit: 413, before anything is stored.
    let huge = vec![b' '; 3 << 20];
    let r = upload(c.addr, "huge.json", &huge, &[]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"]["kind"], "too_large");
    assert!(c.entries().is_empty(), "{:?}", c.entries());
    assert!(
        !std::path::Path::new("/tmp/experts.csv").exists()
            || std::fs::read("/tmp/experts.csv").unwrap() != b"id\n"
    );

    // Names are the server's: a traversal in a URL finds nothing.
    let id = new_round(
        &c,
        &std::fs::read(repo("instances/yangtze.json")).unwrap(),
        "../../x.json",
    );
    let v = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(v["upload_name"], "x.json");
    for path in [
        format!("/api/v1/rounds/{id}/files/..%2F..%2Ftoken.sha256"),
        format!("/api/v1/rounds/{id}/files/%2Fetc%2Fpasswd"),
        "/api/v1/rounds/..%2F..%2Fetc/files/passwd".to_string(),
        format!("/api/v1/rounds/{id}/files/.panels-tmp-x"),
    ] {
        let r = get(c.addr, &path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
    }
    assert_eq!(get(c.addr, "/api/v1/rounds/not-an-id").status, 404);
}

#[test]
fn without_the_token_every_request_gets_401_and_touches_nothing() {
    let token = "correct horse battery staple 42";
    let c = Console::with_auth(Auth::with_token_hash(sha256(token.as_bytes())), 64 << 20);
    let bearer = format!("Bearer {token}");
    let y = yangtze();
    for headers in [
        vec![],
        vec![("Authorization", "Bearer wrong-token-wrong-token")],
        vec![("Cookie", "panels_session=forged")],
    ] {
        let r = upload(c.addr, "yangtze.json", &y, &headers);
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.json()["error"]["kind"], "unauthorized");
        assert!(c.entries().is_empty());
        assert_eq!(
            request(c.addr, "GET", "/api/v1/rounds", &headers, b"").status,
            401
        );
        assert_eq!(
            request(c.addr, "GET", "/", &headers, b"").status,
            401,
            "pages too"
        );
    }
    let r = upload(c.addr, "yangtze.json", &y, &[("Authorization", &bearer)]);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    // A solve without the token: 401, no job, no file.
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve"),
        &[],
        b"",
    );
    assert_eq!(r.status, 401);
    assert!(!c.round_dir(&id).join("job.json").exists());
    let r = request(
        c.addr,
        "GET",
        &format!("/api/v1/rounds/{id}/panels.json"),
        &[],
        b"",
    );
    assert_eq!(r.status, 401);

    // The browser's way: login form → HttpOnly SameSite=Strict cookie.
    let bad = request(
        c.addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"token=nope",
    );
    assert_eq!(bad.status, 401);
    assert!(bad.header("set-cookie").is_none());
    let body = format!("token={}", token.replace(' ', "+"));
    let ok = request(
        c.addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert_eq!(ok.status, 303, "{}", ok.text());
    let cookie = ok.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let page = request(
        c.addr,
        "GET",
        &format!("/rounds/{id}"),
        &[("Cookie", &session)],
        b"",
    );
    assert_eq!(page.status, 200);
    let html = page.text();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // A form without its CSRF token is refused; with it, it runs.
    let form = |body: &str, extra: &[(&str, &str)]| {
        let mut h = vec![
            ("Cookie", session.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        h.extend_from_slice(extra);
        request(
            c.addr,
            "POST",
            &format!("/rounds/{id}/solve"),
            &h,
            body.as_bytes(),
        )
    };
    assert_eq!(form("method=auto", &[]).status, 403);
    assert_eq!(form("method=auto&csrf=0000", &[]).status, 403);
    assert!(!c.round_dir(&id).join("job.json").exists());
    // From another site, even with the token: refused.
    let origin = "http://evil.example";
    assert_eq!(
        form(&format!("method=auto&csrf={csrf}"), &[("Origin", origin)]).status,
        403
    );
    assert!(!c.round_dir(&id).join("job.json").exists());
    assert_eq!(form(&format!("method=auto&csrf={csrf}"), &[]).status, 303);
    let v = wait_job_with(c.addr, &id, &[("Authorization", &bearer)]);
    assert_eq!(v["job"]["state"], "done", "{v}");
}

#[test]
fn an_open_console_refuses_other_host_names_and_other_sites() {
    let c = Console::open();
    let r = request(
        c.addr,
        "GET",
        "/api/v1/rounds",
        &[("Host", "rebind.example:8080")],
        b"",
    );
    // The client sends its own Host first; send a raw request instead.
    let _ = r;
    let mut s = std::net::TcpStream::connect(c.addr).unwrap();
    use std::io::{Read, Write};
    s.write_all(
        b"GET /api/v1/rounds HTTP/1.1\r\nHost: rebind.example:8080\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 403"), "{out}");
    let (ct, body) = multipart(&[("file", Some("y.json"), &yangtze())]);
    let r = request(
        c.addr,
        "POST",
        "/api/v1/rounds",
        &[("Content-Type", &ct), ("Origin", "http://evil.example")],
        &body,
    );
    assert_eq!(r.status, 403);
    let r = request(
        c.addr,
        "POST",
        "/api/v1/rounds",
        &[("Content-Type", &ct), ("Sec-Fetch-Site", "cross-site")],
        &body,
    );
    assert_eq!(r.status, 403);
    assert!(c.entries().is_empty());
}

#[test]
fn requests_on_a_round_are_serialised() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let round = c.app.store.get(&id).unwrap();
    // Something holds the round (a job, another request): writes wait
    // their turn or are told it is busy; reads still answer.
    let held = round.lock.clone().try_lock_owned().unwrap();
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve"),
        &[],
        b"",
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["error"]["kind"], "busy");
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({"decline": ["A0001:E0001"]}),
    );
    assert_eq!(r.status, 409);
    assert_eq!(get(c.addr, &format!("/api/v1/rounds/{id}")).status, 200);
    drop(held);
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve"),
        &[],
        b"",
    );
    assert_eq!(r.status, 202, "{}", r.text());
    // While the job runs, a second solve is refused.
    let again = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve"),
        &[],
        b"",
    );
    assert!(
        again.status == 409 || again.status == 202,
        "{}",
        again.status
    );
    // The events stream ends with the finished round.
    let ev = get(c.addr, &format!("/api/v1/rounds/{id}/events"));
    assert_eq!(ev.status, 200);
    assert!(ev
        .header("content-type")
        .unwrap()
        .starts_with("text/event-stream"));
    let text = ev.text();
    assert!(text.contains("event: done"), "{text}");
    let done = text
        .split("event: done\ndata: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(done).unwrap();
    assert_eq!(v["status"], "optimal");
}

#[test]
fn bad_requests_say_what_to_change() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/solve"),
        &serde_json::json!({"method": "magic"}),
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("auto, flow, mip or lagrange"));
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/solve"),
        &serde_json::json!({"time_limit": -1}),
    );
    assert_eq!(
        r.status,
        400,
        "a time limit is checked before a job starts: {}",
        r.text()
    );
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/draw"),
        &serde_json::json!({"max_probability": -1}),
    );
    assert_eq!(
        r.status,
        202,
        "the cap is checked by the draw itself: {}",
        r.text()
    );
    let v = wait_job(c.addr, &id);
    assert_eq!(v["job"]["state"], "failed");
    assert_eq!(v["job"]["error"]["exit_code"], 2);
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({"decline": ["A0001:E0001"]}),
    );
    assert_eq!(r.status, 404, "no panels yet: {}", r.text());
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/draw"),
        &serde_json::json!({"seed": "x"}),
    );
    assert_eq!(r.status, 400);
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/draw"),
        &serde_json::json!({"sede": 1}),
    );
    assert_eq!(r.status, 400, "unknown fields are refused");
    for body in [&b"[]"[..], b"[7, 0.5]", b"7", b"\"seed\"", b"null"] {
        for action in ["draw", "solve", "replace", "history"] {
            let r = request(
                c.addr,
                "POST",
                &format!("/api/v1/rounds/{id}/{action}"),
                &[("content-type", "application/json")],
                body,
            );
            assert_eq!(
                r.status,
                400,
                "{action} with the body {:?} is not an object: {}",
                String::from_utf8_lossy(body),
                r.text()
            );
            assert!(r.text().contains("JSON object"), "{}", r.text());
        }
    }
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.json()["status"], "optimal");
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({"decline": ["A0001"]}),
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("APPLICATION:EXPERT"));
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({"decline": ["A9999:E0001"]}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        get(c.addr, &format!("/api/v1/rounds/{id}")).json()["steps"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "failed replaces add no step"
    );
}

#[test]
fn ten_thousand_panels_stay_usable_paged() {
    let mut cfg = panels::generate::preset("yangtze").unwrap();
    cfg.applications = 10_000;
    cfg.experts = 6_000;
    cfg.panel_size = 3;
    cfg.programmes = 3;
    let inst = panels::generate::generate(&cfg);
    assert_eq!(inst.programmes.names().len(), 3);
    let c = Console::open();
    let id = new_round(&c, &panels::io::bundle_to_bytes(&inst).unwrap(), "big.json");
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.json()["job"]["state"], "done", "{}", r.text());
    let city = inst.cities.names()[1].clone();
    let programme = inst.programmes.names()[2].clone();
    let pct = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let pages = [
        format!("/rounds/{id}/panels"),
        format!("/rounds/{id}/panels?page=200"),
        format!("/rounds/{id}/panels?page=99999"),
        format!(
            "/rounds/{id}/panels?city={}",
            city.bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        ),
        format!("/rounds/{id}/panels?q=A0999"),
        format!("/rounds/{id}"),
        format!("/rounds/{id}/panels?programme={}", pct(&programme)),
        format!(
            "/rounds/{id}/panels?programme={}&city={}&page=3",
            pct(&programme),
            pct(&city)
        ),
    ];
    for p in &pages {
        let t = std::time::Instant::now();
        let r = get(c.addr, p);
        let took = t.elapsed();
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        let html = r.text();
        let rows = html.matches("<tr><td><strong>").count();
        assert!(
            rows <= panels::serve::pages::PAGE_SIZE,
            "{p}: {rows} panels on one page"
        );
        assert!(html.len() < 200_000, "{p}: {} bytes", html.len());
        eprintln!("{p}: {rows} panels, {} bytes, {took:?}", html.len());
    }
    let first = get(c.addr, &pages[0]).text();
    assert_eq!(first.matches("<tr><td><strong>").count(), 50);
    assert!(first.contains("1 / 200"), "10,000 panels in 200 pages");
    let last = get(c.addr, &pages[1]).text();
    assert!(last.contains("A10000") || last.contains("200 / 200"));
    let filtered = get(c.addr, &pages[3]).text();
    assert!(filtered.contains(&city));
    let search = get(c.addr, &pages[4]).text();
    assert!(search.contains("A0999"));
    assert!(search.contains("1 / 1"), "the matches fit on one page");

    // The per-programme view: exactly that programme's panels, counted
    // as the instance counts them, paged; the city and programme views
    // list every city and programme with its panels.
    let in_programme = inst
        .app_ixs()
        .filter(|&a| inst.programme_name(a) == Some(programme.as_str()))
        .count();
    let by_programme = get(c.addr, &pages[6]).text();
    assert!(
        by_programme.contains(&format!("{in_programme} ")),
        "{in_programme} panels in {programme}"
    );
    let want_pages = in_programme.div_ceil(panels::serve::pages::PAGE_SIZE);
    assert!(by_programme.contains(&format!("1 / {want_pages}")));
    let shown: Vec<&str> = by_programme
        .split("<tr><td><strong>")
        .skip(1)
        .map(|row| row.split('<').next().unwrap())
        .collect();
    assert_eq!(shown.len(), panels::serve::pages::PAGE_SIZE);
    for app in &shown {
        let a = inst.app_by_id(app).unwrap();
        assert_eq!(inst.programme_name(a), Some(programme.as_str()), "{app}");
    }
    for name in inst.programmes.names() {
        let n = inst
            .app_ixs()
            .filter(|&a| inst.programme_name(a) == Some(name.as_str()))
            .count();
        assert!(
            first.contains(&format!(">{name}</a></td><td class=\"num\">{n}</td>")),
            "the programme view counts {n} panels in {name}"
        );
    }
    for name in inst.cities.names() {
        let n = inst.app_ixs().filter(|&a| inst.app_city(a) == name).count();
        assert!(
            first.contains(&format!(">{name}</a></td><td class=\"num\">{n}</td>")),
            "the city view counts {n} panels in {name}"
        );
    }
    let both = get(c.addr, &pages[7]).text();
    for row in both.split("<tr><td><strong>").skip(1) {
        let app = row.split('<').next().unwrap();
        let a = inst.app_by_id(app).unwrap();
        assert_eq!(inst.programme_name(a), Some(programme.as_str()));
        assert_eq!(inst.app_city(a), city);
    }
}

#[test]
fn withdrawals_and_locks_replace_as_the_cli_does() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.json()["status"], "optimal");
    let panels = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    let locked = panels["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let expert = panels["panels"][1]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let body = serde_json::json!({"withdraw": [expert], "lock": [locked], "allow_moves": true});
    let r = post_json(c.addr, &format!("/api/v1/rounds/{id}/replace"), &body);
    assert_eq!(r.status, 200, "{}", r.text());
    let cli = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo("instances/yangtze.json"),
        cli.path().join("input.json"),
    )
    .unwrap();
    std::fs::copy(
        c.round_dir(&id).join("001-solve.panels.json"),
        cli.path().join("001-solve.panels.json"),
    )
    .unwrap();
    run_cli(
        cli.path(),
        &[
            "replace",
            "input.json",
            "001-solve.panels.json",
            "--decline",
            &expert,
            "--lock",
            &locked,
            "--allow-moves",
            "--out",
            "002-replace.panels.json",
            "--log",
            "002-replace.log.json",
        ],
    );
    for f in ["002-replace.panels.json", "002-replace.log.json"] {
        assert_eq!(
            std::fs::read(c.round_dir(&id).join(f)).unwrap(),
            std::fs::read(cli.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let now = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    assert!(now["panels"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| !p["experts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == &serde_json::json!(expert))));
    assert_eq!(
        now["panels"][0]["experts"], panels["panels"][0]["experts"],
        "the locked panel is kept"
    );
    assert_eq!(
        get(c.addr, &format!("/api/v1/rounds/{id}/verify")).json()["ok"],
        true
    );
}

fn solve_wait(c: &Console, id: &str) -> serde_json::Value {
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["job"]["state"], "done", "{}", r.text());
    r.json()
}

/// Yangtze (policy year 2026) with the repeat rule on, so a history
/// changes who may review whom.
fn yangtze_with_repeat_rule() -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&yangtze()).unwrap();
    v["policy"]["avoid_repeat"] = serde_json::json!("institution");
    serde_json::to_vec_pretty(&v).unwrap()
}

#[test]
fn history_append_writes_what_the_cli_writes_and_the_next_upload_takes_it() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let dir = c.round_dir(&id);
    let history = c.data.path().join("history.csv");
    // No panels yet: 404, nothing written.
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/history"),
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(!history.exists());

    solve_wait(&c, &id);
    let panels = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    let pair = format!(
        "{}:{}",
        panels["panels"][3]["application"].as_str().unwrap(),
        panels["panels"][3]["experts"][1].as_str().unwrap()
    );
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/replace"),
        &serde_json::json!({ "decline": [pair] }),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // A year other than the policy's: refused as the CLI refuses it.
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/history"),
        &serde_json::json!({"year": 2025}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        m.contains("year 2025") && m.contains("2026") && !m.contains("--"),
        "in the API's words: {m}"
    );
    assert!(!history.exists(), "a refused append writes nothing");

    // The year defaults to the policy's.
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/history"),
        &serde_json::json!({"round": "spring"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let appended = &r.json()["appended"];
    assert_eq!(appended["year"], 2026);
    assert_eq!(appended["step"], 2);
    assert_eq!(
        appended["replace_logs"],
        serde_json::json!(["002-replace.log.json"])
    );
    // 300 panels of 5 reviewed, plus the one decline.
    assert_eq!(appended["added"], 1501);
    assert_eq!(r.json()["round"]["history"][0]["added"], 1501);

    // The CLI in the round folder writes the same bytes.
    let cli = tempfile::tempdir().unwrap();
    let out = cli.path().join("history.csv");
    run_cli(
        &dir,
        &[
            "history",
            "append",
            "input.json",
            "002-replace.panels.json",
            "--year",
            "2026",
            "--round",
            "spring",
            "--replace-log",
            "002-replace.log.json",
            "--to",
            out.to_str().unwrap(),
        ],
    );
    let ours = std::fs::read(&history).unwrap();
    assert_eq!(
        ours,
        std::fs::read(&out).unwrap(),
        "API history = CLI history"
    );
    let dl = get(c.addr, "/api/v1/history.csv");
    assert_eq!(dl.status, 200);
    assert_eq!(dl.body, ours);
    let records =
        panels::io::history_file::read_history_file(&history).expect("the history reads back");
    assert_eq!(
        records
            .iter()
            .filter(|r| r.outcome == panels::history::Outcome::Declined)
            .count(),
        1
    );

    // The same round again, under its label or any other: refused with
    // when and as what it went in, the file untouched.
    for label in ["spring", "spring-again"] {
        let r = post_json(
            c.addr,
            &format!("/api/v1/rounds/{id}/history"),
            &serde_json::json!({ "round": label }),
        );
        assert_eq!(r.status, 400, "{}", r.text());
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("this round was appended to history.csv at")
                && message.contains("year 2026, round spring, step 2, 1501 records")
                && message.contains("a round is appended once"),
            "{message}"
        );
        assert!(
            !r.text().contains("--round")
                && !r.text().contains(&c.data.path().display().to_string()),
            "no CLI flags or server paths in messages: {}",
            r.text()
        );
        assert_eq!(std::fs::read(&history).unwrap(), ours);
    }
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(
        page.contains("A round is appended once.") || page.contains("每轮只追加一次。"),
        "no second append form"
    );

    // Another round of the same year under the label already recorded
    // (two programmes run as two rounds, say): refused by the history
    // file itself, in both languages, the file untouched.
    let other = new_round(&c, &yangtze(), "yangtze-again.json");
    solve_wait(&c, &other);
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{other}/history"),
        &serde_json::json!({ "round": "spring" }),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let e = &r.json()["error"];
    let (en, zh) = (
        e["message"].as_str().unwrap().to_string(),
        e["message_zh"].as_str().unwrap_or_default().to_string(),
    );
    assert!(
        en.starts_with("history.csv: the history already holds year 2026, round spring (record 1")
            && en.contains("give a round label"),
        "{en}"
    );
    assert!(
        zh.starts_with("history.csv：历史记录中已有 2026 年、轮次 spring 的记录（第 1 条"),
        "{zh}"
    );
    assert!(
        !r.text().contains("--round") && !r.text().contains(&c.data.path().display().to_string()),
        "no CLI flags or server paths in messages: {}",
        r.text()
    );
    assert_eq!(std::fs::read(&history).unwrap(), ours);

    // The next round, as a bundle, takes the history; its input is the
    // upload with the history list, loading to the same instance plus
    // the records.
    let next = yangtze_with_repeat_rule();
    let id2 = new_round(&c, &next, "next.json");
    let v = get(c.addr, &format!("/api/v1/rounds/{id2}")).json();
    assert_eq!(v["history_records"], 1501, "{v}");
    let dir2 = c.round_dir(&id2);
    assert_eq!(std::fs::read(dir2.join("upload.json")).unwrap(), next);
    let with = panels::io::load_instance(&dir2.join("input.json")).unwrap();
    let mut without = with.clone();
    without.history = Default::default();
    let plain =
        panels::io::load_bundle_from_bytes(std::path::Path::new("next.json"), &next).unwrap();
    assert_eq!(without, plain, "only the history was added");
    assert_eq!(with.history.records, records);
    // Its solve is the CLI's on the upload with the history file beside
    // it as a CSV directory would hold it.
    solve_wait(&c, &id2);
    let csv_dir = cli.path().join("next");
    panels::io::write_instance(&plain, &csv_dir, panels::io::InstanceFormat::CsvDir).unwrap();
    std::fs::copy(&history, csv_dir.join("history.csv")).unwrap();
    run_cli(cli.path(), &["solve", "next", "--out", "next.panels.json"]);
    let cli_next: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cli.path().join("next.panels.json")).unwrap())
            .unwrap();
    let api_next = get(c.addr, &format!("/api/v1/rounds/{id2}/panels.json")).json();
    assert_eq!(api_next["panels"], cli_next["panels"]);
    assert_eq!(api_next["objective"], cli_next["objective"]);
    // And the history mattered: without it the panels differ.
    let id3 = {
        let (ct, body) = multipart(&[
            ("file", Some("next.json"), &next),
            ("history", None, b"none"),
        ]);
        let r = request(
            c.addr,
            "POST",
            "/api/v1/rounds",
            &[("Content-Type", &ct)],
            &body,
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    };
    assert!(get(c.addr, &format!("/api/v1/rounds/{id3}")).json()["history_records"].is_null());
    solve_wait(&c, &id3);
    let api_plain = get(c.addr, &format!("/api/v1/rounds/{id3}/panels.json")).json();
    assert_ne!(
        api_plain["panels"], api_next["panels"],
        "the repeat rule sees the history"
    );

    // A CSV zip takes the console's file byte for byte; a workbook gets
    // the history sheet.
    let csv_plain = cli.path().join("plain");
    panels::io::write_instance(&plain, &csv_plain, panels::io::InstanceFormat::CsvDir).unwrap();
    let mut entries = Vec::new();
    for f in std::fs::read_dir(&csv_plain).unwrap().flatten() {
        entries.push((
            f.file_name().to_string_lossy().into_owned(),
            std::fs::read(f.path()).unwrap(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let id4 = new_round(&c, &zip_of(&refs), "next.zip");
    assert_eq!(
        std::fs::read(c.round_dir(&id4).join("input/history.csv")).unwrap(),
        ours
    );
    let wb = cli.path().join("next.xlsx");
    panels::io::xlsx::write_instance_xlsx(&plain, &wb).unwrap();
    let id5 = new_round(&c, &std::fs::read(&wb).unwrap(), "next.xlsx");
    let got = panels::io::load_instance(&c.round_dir(&id5).join("input.xlsx")).unwrap();
    assert_eq!(got.history.records, records);
    for id in [&id4, &id5] {
        assert_eq!(
            get(c.addr, &format!("/api/v1/rounds/{id}")).json()["history_records"],
            1501
        );
    }
}

#[test]
fn the_blank_template_is_the_clis() {
    let c = Console::open();
    let cli = tempfile::tempdir().unwrap();
    for lang in ["zh", "en"] {
        let name = format!("t-{lang}.xlsx");
        run_cli(cli.path(), &["template", "--lang", lang, "--out", &name]);
        let want = std::fs::read(cli.path().join(&name)).unwrap();
        for path in [
            format!("/api/v1/template.xlsx?lang={lang}"),
            format!("/template.xlsx?lang={lang}"),
        ] {
            let r = get(c.addr, &path);
            assert_eq!(r.status, 200, "{path}");
            assert!(r
                .header("content-disposition")
                .unwrap()
                .contains("attachment"));
            assert_eq!(r.body, want, "{path} = panels template --lang {lang}");
        }
    }
    assert_eq!(
        get(c.addr, "/api/v1/template.xlsx").body,
        std::fs::read(cli.path().join("t-zh.xlsx")).unwrap(),
        "Chinese by default, as the CLI"
    );
    let r = get(c.addr, "/api/v1/template.xlsx?lang=fr");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("zh or en"));
    // The rounds page links both.
    let page = get(c.addr, "/").text();
    assert!(page.contains("/template.xlsx?lang=zh") && page.contains("/template.xlsx?lang=en"));
}

#[test]
fn hostile_requests_get_their_documented_answers_and_touch_nothing() {
    let c = Console::with_auth(Auth::open(), 4 << 20);
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let before = |c: &Console| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(c.round_dir(&id))
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let snapshot = before(&c);
    // Unknown and malformed round ids: 404 as JSON on every endpoint.
    for rid in [
        "20261204-181527-abcdef",
        "not-an-id",
        "..",
        "20261204-181527-ABCDEF",
    ] {
        for (method, tail) in [
            ("GET", ""),
            ("POST", "/solve"),
            ("POST", "/draw"),
            ("POST", "/replace"),
            ("POST", "/history"),
            ("GET", "/events"),
            ("GET", "/explain?application=A0001&expert=E0001"),
            ("GET", "/verify"),
            ("GET", "/files"),
            ("GET", "/files/round.json"),
            ("GET", "/panels.json"),
            ("GET", "/report.html"),
        ] {
            let path = format!("/api/v1/rounds/{rid}{tail}");
            let r = request(
                c.addr,
                method,
                &path,
                &[("Content-Type", "application/json")],
                b"{}",
            );
            assert_eq!(r.status, 404, "{method} {path}: {}", r.text());
            assert_eq!(r.json()["error"]["kind"], "not_found", "{method} {path}");
        }
    }
    // No such endpoint, and wrong methods: JSON 404 and 405.
    let r = get(c.addr, "/api/v1/nothing");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["kind"], "not_found");
    for (method, path) in [
        ("GET", format!("/api/v1/rounds/{id}/solve")),
        ("GET", format!("/api/v1/rounds/{id}/history")),
        ("DELETE", format!("/api/v1/rounds/{id}")),
        ("PUT", "/api/v1/rounds".to_string()),
        ("POST", format!("/api/v1/rounds/{id}/panels.json")),
        ("POST", "/api/v1/template.xlsx".to_string()),
    ] {
        let r = request(c.addr, method, &path, &[], b"");
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text());
        assert_eq!(r.json()["error"]["kind"], "wrong_method");
        assert!(r.header("allow").is_some(), "{method} {path}");
    }
    // Oversized JSON bodies: 413 before anything is parsed or started.
    let big = vec![b' '; 2 << 20];
    for tail in ["solve", "draw", "replace", "history"] {
        let r = request(
            c.addr,
            "POST",
            &format!("/api/v1/rounds/{id}/{tail}"),
            &[("Content-Type", "application/json")],
            &big,
        );
        assert_eq!(r.status, 413, "{tail}: {}", r.text());
        assert_eq!(r.json()["error"]["kind"], "too_large");
    }
    // Malformed and unknown fields: 400.
    for (tail, body) in [
        ("history", r#"{"year": "soon"}"#),
        ("history", r#"{"yaer": 2026}"#),
        ("replace", r#"{"decline": "A0001:E0001"}"#),
        ("solve", "{"),
    ] {
        let r = request(
            c.addr,
            "POST",
            &format!("/api/v1/rounds/{id}/{tail}"),
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 400, "{tail} {body}: {}", r.text());
    }
    // The history form without its CSRF token, or from another site: 403.
    for (body, extra) in [
        ("year=2026".to_string(), vec![]),
        ("year=2026&csrf=forged".to_string(), vec![]),
        (
            format!(
                "year=2026&csrf={}",
                c.app.auth.csrf_for(&panels::serve::auth::Caller::Open)
            ),
            vec![("Origin", "http://evil.example")],
        ),
    ] {
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        h.extend(extra);
        let r = request(
            c.addr,
            "POST",
            &format!("/rounds/{id}/history"),
            &h,
            body.as_bytes(),
        );
        assert_eq!(r.status, 403, "{body}: {}", r.text());
    }
    assert_eq!(before(&c), snapshot, "nothing touched");
    assert!(!c.data.path().join("history.csv").exists());

    // Concurrent requests on one round: one history append wins, the
    // others are busy (409) or refused as a repeat (400); the records are
    // there once.
    solve_wait(&c, &id);
    let addr = c.addr;
    let answers: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6)
            .map(|_| {
                let path = format!("/api/v1/rounds/{id}/history");
                s.spawn(move || post_json(addr, &path, &serde_json::json!({})).status)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        answers.iter().filter(|&&s| s == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| [200, 400, 409].contains(s)),
        "{answers:?}"
    );
    let records =
        panels::io::history_file::read_history_file(&c.data.path().join("history.csv")).unwrap();
    assert_eq!(records.len(), 1500, "appended once");
    let v = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(v["history"].as_array().unwrap().len(), 1);
    // Concurrent solves and replaces: one job at a time, the rest 409.
    let answers: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let path = if i % 2 == 0 {
                    format!("/api/v1/rounds/{id}/solve")
                } else {
                    format!("/api/v1/rounds/{id}/draw")
                };
                s.spawn(move || request(addr, "POST", &path, &[], b"").status)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let started = answers.iter().filter(|&&s| s == 202).count();
    assert!(started >= 1, "{answers:?}");
    assert!(
        answers.iter().all(|s| [202, 409].contains(s)),
        "{answers:?}"
    );
    let v = wait_job(c.addr, &id);
    assert_eq!(
        v["steps"].as_array().unwrap().len(),
        1 + started,
        "one step per job started, none for the refused: {answers:?}"
    );
}

#[test]
fn off_loopback_without_the_token_nothing_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = ServerProcess::start_bound(&data, "0.0.0.0:0", &[]);
    assert!(
        data.join("token.sha256").exists(),
        "a token was made; only its hash kept"
    );
    let y = yangtze();
    let r = upload(server.addr, "yangtze.json", &y, &[]);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    for (method, path) in [
        ("GET", "/api/v1/rounds"),
        ("GET", "/api/v1/template.xlsx"),
        ("GET", "/api/v1/history.csv"),
        ("POST", "/api/v1/rounds/20261204-181527-abcdef/history"),
        ("POST", "/api/v1/rounds/20261204-181527-abcdef/solve"),
        ("GET", "/template.xlsx"),
        ("GET", "/history"),
    ] {
        let r = request(
            server.addr,
            method,
            path,
            &[("Authorization", "Bearer not-the-token-at-all")],
            b"{}",
        );
        assert_eq!(r.status, 401, "{method} {path}");
    }
    let rounds: Vec<_> = std::fs::read_dir(data.join("rounds"))
        .unwrap()
        .flatten()
        .collect();
    assert!(rounds.is_empty(), "no round stored");
    assert!(!data.join("history.csv").exists());
}

/// A job that reads as ended has freed its round: the next action starts
/// at once (no "busy" between the end and the lock's release). Polled
/// without pause, many times, so that a window between the two shows.
#[test]
fn a_job_read_as_ended_leaves_the_round_free() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let solve = format!("/api/v1/rounds/{id}/solve");
    let draw = format!("/api/v1/rounds/{id}/draw");
    for attempt in 0..40 {
        let r = post_json(c.addr, &draw, &serde_json::json!({"max_probability": -1}));
        assert_eq!(r.status, 202, "attempt {attempt}: {}", r.text());
        loop {
            let v = request(c.addr, "GET", &format!("/api/v1/rounds/{id}"), &[], b"").json();
            if v["job"]["state"] != "running" {
                assert_eq!(v["job"]["state"], "failed", "attempt {attempt}");
                break;
            }
        }
    }
    let r = post_json(c.addr, &solve, &serde_json::json!({}));
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(wait_job(c.addr, &id)["job"]["state"], "done");
}

/// A raw request with its own `Host` (the client helper sends the real one).
fn raw(addr: std::net::SocketAddr, text: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(text.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn only_exact_loopback_host_names_are_answered_and_refusals_are_json() {
    let c = Console::open();
    let port = c.addr.port();
    for host in [
        format!("127.evil.example:{port}"),
        "127.0.0.1.nip.io".to_string(),
        "127.0.0.1:80@evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
        // Spellings a browser never sends: leading zeros, short forms,
        // a trailing dot, bad or empty ports.
        format!("127.0.0.01:{port}"),
        format!("127.1:{port}"),
        format!("127.0.0.1.:{port}"),
        "127.0.0.1:99999".to_string(),
        format!("127.0.0.1:0{port}"),
        "[::1]:".to_string(),
        format!("[0:0:0:0:0:0:0:1]:{port}"),
    ] {
        let out = raw(
            c.addr,
            &format!("GET /api/v1/rounds HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert!(out.starts_with("HTTP/1.1 403"), "{host}: {out}");
        assert!(
            out.contains("application/json") && out.contains("\"forbidden\""),
            "{out}"
        );
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "[::1]".to_string(),
    ] {
        let out = raw(
            c.addr,
            &format!("GET /api/v1/rounds HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert!(out.starts_with("HTTP/1.1 200"), "{host}: {out}");
    }
    // A write from a rebinding origin is another site.
    let r = request(
        c.addr,
        "POST",
        "/api/v1/rounds",
        &[("Origin", &format!("http://127.evil.example:{port}"))],
        b"",
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["kind"], "forbidden");
    assert!(c.entries().is_empty());
}

#[test]
fn wrong_bearer_tokens_wait_like_wrong_logins() {
    let c = Console::with_auth(
        Auth::with_token_hash(sha256(b"0123456789abcdef")),
        panels::serve::DEFAULT_MAX_UPLOAD,
    );
    let t = std::time::Instant::now();
    let r = request(
        c.addr,
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer wrong-token-here")],
        b"",
    );
    assert_eq!(r.status, 401);
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(290),
        "{:?}",
        t.elapsed()
    );
    let r = request(
        c.addr,
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer 0123456789abcdef")],
        b"",
    );
    assert_eq!(r.status, 200);
}

#[test]
fn a_damaged_round_is_listed_as_damaged_and_the_others_still_list() {
    let c = Console::open();
    let good = new_round(&c, &yangtze(), "a.json");
    let bad = new_round(&c, &yangtze(), "b.json");
    std::fs::write(c.round_dir(&bad).join("state.json"), "{not json").unwrap();
    let r = get(c.addr, "/api/v1/rounds");
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let damaged = list.iter().find(|v| v["id"] == bad.as_str()).unwrap();
    let why = damaged["damaged"].as_str().unwrap();
    assert!(
        why.starts_with(&format!("rounds/{bad}/state.json")),
        "{why}"
    );
    assert!(list
        .iter()
        .any(|v| v["meta"]["id"] == good.as_str() || v["id"] == good.as_str()));
    let r = get(c.addr, &format!("/api/v1/rounds/{bad}"));
    assert_eq!(r.status, 500);
    assert!(
        !r.text().contains(&c.data.path().display().to_string()),
        "{}",
        r.text()
    );
    assert!(
        r.text().contains(&format!("rounds/{bad}/state.json")),
        "{}",
        r.text()
    );
}

#[test]
fn malformed_requests_get_json_errors_and_change_nothing() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "y.json");
    // A query without a field.
    let r = get(
        c.addr,
        &format!("/api/v1/rounds/{id}/explain?application=A0001"),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expert"),
        "{}",
        r.text()
    );
    // An upload that is not multipart.
    let r = request(
        c.addr,
        "POST",
        "/api/v1/rounds",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["kind"], "bad_input", "{}", r.text());
    // Time limits that are not a sane number of seconds never start a job;
    // the message is the library's one rule, as `panels solve
    // --time-limit` words it.
    for t in ["1e20", "0", "-1", "1000001", "1e9"] {
        let r = request(
            c.addr,
            "POST",
            &format!("/api/v1/rounds/{id}/solve?wait=true"),
            &[("Content-Type", "application/json")],
            format!("{{\"time_limit\": {t}}}").as_bytes(),
        );
        assert_eq!(r.status, 400, "{t}: {}", r.text());
        let rule = panels::solve::time_limit(t.parse().unwrap()).unwrap_err();
        assert_eq!(
            r.json()["error"]["message"],
            format!("time_limit {rule}"),
            "{}",
            r.text()
        );
    }
    assert!(!c.round_dir(&id).join("job.json").exists());
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = request(
        c.addr,
        "POST",
        &format!("/rounds/{id}/solve"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&time_limit=1e308").as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(!c.round_dir(&id).join("job.json").exists());
    // An unknown replace mode is refused, not taken as a decline.
    solve_wait(&c, &id);
    let r = request(
        c.addr,
        "POST",
        &format!("/rounds/{id}/replace"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&as=bogus&mark=A0001:E0353").as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let v = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(v["steps"].as_array().unwrap().len(), 1, "no step added");
    // The busy answer names what holds the round.
    let round = c.app.store.get(&id).unwrap();
    let held = round.lock.clone().try_lock_owned().unwrap();
    round.set_holder("a replacement");
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/solve"),
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 409);
    assert!(
        r.text().contains("a replacement is running"),
        "{}",
        r.text()
    );
    drop(held);
    // The browser's icon request is answered.
    assert_eq!(get(c.addr, "/favicon.ico").status, 204);
}

#[test]
fn the_reviewer_workbook_is_in_the_inputs_language_as_the_clis() {
    let c = Console::open();
    let bytes = std::fs::read(repo("instances/yangtze-office.xlsx")).unwrap();
    let id = new_round(&c, &bytes, "yangtze-office.xlsx");
    solve_wait(&c, &id);
    let r = get(c.addr, &format!("/api/v1/rounds/{id}/panels.xlsx"));
    assert_eq!(r.status, 200);
    let out = tempfile::tempdir().unwrap();
    let cli = out.path().join("cli.xlsx");
    run_cli(
        &c.round_dir(&id),
        &[
            "export",
            "input.xlsx",
            "001-solve.panels.json",
            "--out",
            cli.to_str().unwrap(),
        ],
    );
    assert!(
        r.body == std::fs::read(&cli).unwrap(),
        "console workbook = CLI workbook"
    );
}

#[test]
fn a_second_server_on_the_same_data_folder_refuses_and_touches_nothing() {
    let data = tempfile::tempdir().unwrap();
    let first = ServerProcess::start(data.path(), &[]);
    let r = upload(first.addr, "y.json", &yangtze(), &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let dir = data.path().join("rounds").join(&id);
    // What a live server has in flight: a staging folder, a temporary
    // file, a running job.
    let staging = data.path().join("rounds/.new-20260101-000000-abcdef");
    std::fs::create_dir(&staging).unwrap();
    let temp = dir.join(".panels-tmp-1-x");
    std::fs::write(&temp, "partial").unwrap();
    let job = r#"{"id":"solve-1","kind":"solve","state":"running","started":"2026-01-01T00:00:00Z","params":{}}"#;
    std::fs::write(dir.join("job.json"), job).unwrap();
    let out = std::process::Command::new(panels_bin())
        .args(["serve", "--data"])
        .arg(data.path())
        .args(["--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another panels serve is using the data folder"),
        "{err}"
    );
    assert!(staging.is_dir() && temp.is_file(), "nothing removed");
    assert_eq!(std::fs::read_to_string(dir.join("job.json")).unwrap(), job);
    assert_eq!(get(first.addr, "/api/v1/rounds").status, 200);
    drop(first);
}

/// The CSRF token of a page's forms.
fn csrf_in(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no form on the page: {page}"))
        .to_string()
}

/// A form posted as a browser posts it.
fn post_form(c: &Console, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    h.extend_from_slice(headers);
    request(c.addr, "POST", path, &h, body.as_bytes())
}

#[test]
fn error_pages_and_console_messages_follow_the_page_language() {
    let c = Console::open();
    let zh = [("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")];
    let en = [("Accept-Language", "en-GB,en;q=0.9")];
    // Pages without a round (an unknown round, an unknown page) follow
    // the browser.
    for path in [
        "/rounds/20990101-000000-abcdef",
        "/rounds/20990101-000000-abcdef/report",
    ] {
        let t = request(c.addr, "GET", path, &zh, b"").text();
        assert!(t.contains("lang=\"zh-CN\""), "{t}");
        assert!(
            t.contains("操作未完成") && t.contains("没有这个轮次"),
            "{t}"
        );
        assert!(!t.contains("That did not work"), "{t}");
        let t = request(c.addr, "GET", path, &en, b"").text();
        assert!(
            t.contains("lang=\"en\"") && t.contains("That did not work"),
            "{t}"
        );
        assert!(
            t.contains("no such round") && !t.contains("没有这个轮次"),
            "{t}"
        );
    }
    let r = request(c.addr, "GET", "/no/such/page", &zh, b"");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("lang=\"zh-CN\"") && r.text().contains("页面不存在"));
    assert!(!r.text().contains("No such page"), "{}", r.text());
    let r = request(c.addr, "GET", "/no/such/page", &en, b"");
    assert!(r.text().contains("No such page") && !r.text().contains("页面不存在"));
    // A Chinese round: its pages and errors in Chinese, whatever the
    // browser asks; the words of the CLI and the API beside them.
    let id = new_round(&c, &yangtze(), "yangtze.json");
    let r = request(c.addr, "GET", &format!("/rounds/{id}/panels"), &en, b"");
    assert_eq!(r.status, 404);
    assert!(
        r.text().contains("还没有评审组：请先求解或抽取"),
        "{}",
        r.text()
    );
    let r = post_form(
        &c,
        &format!("/rounds/{id}/replace"),
        &en,
        "csrf=stale&mark=A0001%3AE0001",
    );
    assert_eq!(r.status, 403);
    let t = r.text();
    assert!(
        t.contains("lang=\"zh-CN\"") && t.contains("请求被拒绝"),
        "{t}"
    );
    assert!(t.contains("表单已过期或来自其他网站"), "{t}");
    assert!(
        t.contains("the form is stale"),
        "the CLI's words beside: {t}"
    );
    let csrf = csrf_in(&get(c.addr, &format!("/rounds/{id}")).text());
    for (limit, want) in [
        ("abc", "时间上限：abc 不是数字"),
        ("0", "时间上限 0：应为大于 0、不超过 1000000 的秒数"),
    ] {
        let r = post_form(
            &c,
            &format!("/rounds/{id}/solve"),
            &en,
            &format!("csrf={csrf}&time_limit={limit}"),
        );
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(r.text().contains(want), "{want}: {}", r.text());
    }
    // Statuses, actions and job states in the page's words, the API's
    // word as the title.
    solve_wait(&c, &id);
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(page.contains("title=\"optimal\">最优</span>"), "{page}");
    assert!(page.contains("已完成") && page.contains("求解"), "{page}");
    // The API keeps its words and adds the Chinese beside them.
    let r = post_json(
        c.addr,
        &format!("/api/v1/rounds/{id}/solve"),
        &serde_json::json!({"method": "fastest"}),
    );
    assert_eq!(r.status, 400);
    let e = &r.json()["error"];
    assert_eq!(
        e["message"], "method fastest: expected auto, flow, mip or lagrange",
        "{e}"
    );
    assert_eq!(
        e["message_zh"], "方法 fastest 无效：应为 auto、flow、mip 或 lagrange",
        "{e}"
    );
    // A token console's login page follows the browser too.
    let t = Console::with_auth(
        Auth::with_token_hash(sha256(b"0123456789abcdef")),
        panels::serve::DEFAULT_MAX_UPLOAD,
    );
    let r = request(t.addr, "GET", "/", &zh, b"");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("lang=\"zh-CN\"") && r.text().contains("访问令牌"));
    assert!(!r.text().contains("Log in"), "{}", r.text());
    let r = request(t.addr, "GET", "/", &en, b"");
    assert!(r.text().contains("Log in") && !r.text().contains("访问令牌"));
    let r = post_form(&t, "/login", &zh, "token=wrong");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("令牌不正确"), "{}", r.text());
}

/// The round's files (`input.json` and the panels file `from`) in a new
/// folder, where the CLI runs what the console ran.
fn cli_copy(c: &Console, id: &str, from: &str) -> tempfile::TempDir {
    let cli = tempfile::tempdir().unwrap();
    for f in ["input.json", from] {
        std::fs::copy(c.round_dir(id).join(f), cli.path().join(f)).unwrap();
    }
    cli
}

#[test]
fn a_locked_panel_is_unlocked_from_the_form_and_the_api_as_the_cli_does() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    solve_wait(&c, &id);
    let panels = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    let app = panels["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let expert = panels["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let pair = format!("{app}:{expert}");
    let replace = format!("/api/v1/rounds/{id}/replace");
    let lock = serde_json::json!({ "lock": [app] });
    // Step 2 locks the panel: a decline on it is refused until unlocked.
    let r = post_json(c.addr, &replace, &lock);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = post_json(c.addr, &replace, &serde_json::json!({ "decline": [pair] }));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("unlock"), "{}", r.text());
    // The panels page marks the panel locked and offers to unlock it.
    let page = get(c.addr, &format!("/rounds/{id}/panels")).text();
    assert!(page.contains("option value=\"unlock\""), "{page}");
    assert!(page.contains("pill locked"), "{page}");
    // Step 3: unlocked from the form (one of its experts ticked).
    let r = post_form(
        &c,
        &format!("/rounds/{id}/replace"),
        &[],
        &format!("csrf={}&as=unlock&mark={app}%3A{expert}", csrf_in(&page)),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let dir = c.round_dir(&id);
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("003-replace.log.json")).unwrap()).unwrap();
    assert_eq!(log["unlock"], serde_json::json!([app]), "{log}");
    assert_eq!(log["locked"], serde_json::json!([]), "{log}");
    let cli = cli_copy(&c, &id, "002-replace.panels.json");
    run_cli(
        cli.path(),
        &[
            "replace",
            "input.json",
            "002-replace.panels.json",
            "--unlock",
            &app,
            "--out",
            "003-replace.panels.json",
            "--log",
            "003-replace.log.json",
        ],
    );
    // Step 4 locks it again; step 5 unlocks it and refills the declined
    // seat in one replacement, from the API.
    assert_eq!(post_json(c.addr, &replace, &lock).status, 200);
    let r = post_json(
        c.addr,
        &replace,
        &serde_json::json!({ "unlock": [app], "decline": [pair] }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["step"]["params"]["marks"]["unlock"],
        serde_json::json!([app])
    );
    let cli5 = cli_copy(&c, &id, "004-replace.panels.json");
    run_cli(
        cli5.path(),
        &[
            "replace",
            "input.json",
            "004-replace.panels.json",
            "--unlock",
            &app,
            "--decline",
            &pair,
            "--out",
            "005-replace.panels.json",
            "--log",
            "005-replace.log.json",
        ],
    );
    // The same files as the CLI's, byte for byte, and the logs replay in
    // the round folder.
    for (dir_cli, n) in [(&cli, "003"), (&cli5, "005")] {
        for f in [
            format!("{n}-replace.panels.json"),
            format!("{n}-replace.log.json"),
        ] {
            assert_eq!(
                std::fs::read(dir.join(&f)).unwrap(),
                std::fs::read(dir_cli.path().join(&f)).unwrap(),
                "{f}"
            );
        }
        run_cli(
            &dir,
            &["replace", "--replay", &format!("{n}-replace.log.json")],
        );
    }
    let now = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    assert!(!now["panels"][0]["experts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == expert.as_str()));
    // Nothing to do is still refused; the message names unlocking too.
    let r = post_json(c.addr, &replace, &serde_json::json!({ "unlock": [] }));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("lock or unlock"), "{}", r.text());
}

#[test]
fn every_file_of_a_round_is_listed_on_a_page_with_download_links() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    solve_wait(&c, &id);
    // A file put into the folder by hand is listed too, its name escaped.
    let odd = "note <b>&x.txt";
    std::fs::write(c.round_dir(&id).join(odd), "hi").unwrap();
    let r = get(c.addr, &format!("/rounds/{id}/files"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let page = r.text();
    assert!(page.contains("<table id=\"files\">"), "{page}");
    let listed = get(c.addr, &format!("/api/v1/rounds/{id}/files")).json();
    let listed = listed["files"].as_array().unwrap();
    assert!(listed.len() >= 6, "{listed:?}");
    for f in listed {
        let name = f["name"].as_str().unwrap();
        if name == odd {
            continue;
        }
        let url = f["url"].as_str().unwrap();
        assert!(
            page.contains(&format!("<a href=\"{url}\" download>{name}</a>")),
            "{name}: {page}"
        );
        let got = get(c.addr, url);
        assert_eq!(got.status, 200, "{url}");
        assert_eq!(
            got.body,
            std::fs::read(c.round_dir(&id).join(name)).unwrap()
        );
    }
    assert!(page.contains("note &lt;b&gt;&amp;x.txt"), "{page}");
    assert!(!page.contains("note <b>"), "{page}");
    let href = format!("/api/v1/rounds/{id}/files/note%20%3Cb%3E%26x.txt");
    assert!(page.contains(&format!("href=\"{href}\"")), "{page}");
    assert_eq!(get(c.addr, &href).body, b"hi");
    assert!(
        page.contains("审计日志") || page.contains("评审组"),
        "{page}"
    );
    // The round page and the report page link to it, not to the JSON.
    let round_page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(round_page.contains(&format!("href=\"/rounds/{id}/files\"")));
    assert!(!round_page.contains(&format!("href=\"/api/v1/rounds/{id}/files\"")));
    // An unknown round's page says so in the browser's language.
    let r = request(
        c.addr,
        "GET",
        "/rounds/20990101-000000-abcdef/files",
        &[("Accept-Language", "zh-CN")],
        b"",
    );
    assert_eq!(r.status, 404);
    assert!(r.text().contains("没有这个轮次"), "{}", r.text());
    // The API's list stays JSON.
    let r = get(c.addr, &format!("/api/v1/rounds/{id}/files"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
}

/// A zip whose entries `names` hold `data`; every `from` in the zip's
/// bytes then becomes `to` (the same length), which the zip writer would
/// refuse to write (it names entries once).
fn zip_renamed(entries: &[(&str, &[u8])], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut z = zip_of(entries);
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut i = 0;
    let mut n = 0;
    while i + from.len() <= z.len() {
        if &z[i..i + from.len()] == from {
            z[i..i + from.len()].copy_from_slice(to);
            n += 1;
        }
        i += 1;
    }
    assert_eq!(n, 2, "one local header and one central directory record");
    z
}

#[test]
fn a_zip_with_a_file_named_twice_is_refused_naming_it() {
    let c = Console::open();
    let dir = repo("instances/guanggu");
    let mut entries = Vec::new();
    for f in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        entries.push((name, std::fs::read(f.path()).unwrap()));
    }
    // A second experts.csv at the top: one expert fewer.
    let experts = std::fs::read_to_string(dir.join("experts.csv")).unwrap();
    let fewer: String = experts.lines().take(3).map(|l| format!("{l}\n")).collect();
    entries.push(("experts.csx".into(), fewer.into_bytes()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let z = zip_renamed(&refs, "experts.csx", "experts.csv");
    let csrf = csrf_in(&get(c.addr, "/").text());
    for (path, headers) in [
        ("/api/v1/rounds", vec![]),
        ("/rounds", vec![("Accept-Language", "zh-CN")]),
    ] {
        let (ct, body) = multipart(&[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("guanggu.zip"), &z),
        ]);
        let mut h = vec![("Content-Type", ct.as_str())];
        h.extend(headers.iter().copied());
        let r = request(c.addr, "POST", path, &h, &body);
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert!(r.text().contains("experts.csv twice"), "{}", r.text());
        if path == "/rounds" {
            assert!(
                r.text().contains("zip 中有两个 experts.csv"),
                "{}",
                r.text()
            );
        }
    }
    assert!(c.entries().is_empty(), "{:?}", c.entries());
}

#[test]
fn wrong_guesses_sent_at_once_wait_one_after_another() {
    let c = Console::with_auth(
        Auth::with_token_hash(sha256(b"0123456789abcdef")),
        panels::serve::DEFAULT_MAX_UPLOAD,
    );
    let addr = c.addr;
    let start = std::time::Instant::now();
    // Six wrong guesses at once: bearer tokens and the login form.
    let guesses: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let r = if i % 2 == 0 {
                    request(
                        addr,
                        "GET",
                        "/api/v1/rounds",
                        &[("Authorization", "Bearer wrong-token-here")],
                        b"",
                    )
                } else {
                    request(
                        addr,
                        "POST",
                        "/login",
                        &[("Content-Type", "application/x-www-form-urlencoded")],
                        b"token=wrong-token-here",
                    )
                };
                assert_eq!(r.status, 401, "{}", r.text());
                start.elapsed()
            })
        })
        .collect();
    // The right token meanwhile does not queue behind them.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let r = request(
        addr,
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer 0123456789abcdef")],
        b"",
    );
    let right = start.elapsed();
    assert_eq!(r.status, 200);
    let mut answered: Vec<_> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    answered.sort();
    // One wait each, one after another: the last answer comes after six.
    let six = panels::serve::auth::WRONG_TOKEN_WAIT * 6;
    assert!(answered[5] >= six, "{answered:?}");
    assert!(right < answered[5], "right {right:?}, wrong {answered:?}");
}

#[test]
fn a_failed_jobs_error_names_files_as_in_the_data_folder() {
    let c = Console::open();
    let id = new_round(&c, &yangtze(), "yangtze.json");
    // The solve's panels file cannot be written: a folder has its name.
    let dir = c.round_dir(&id);
    std::fs::create_dir(dir.join("001-solve.panels.json")).unwrap();
    let r = request(
        c.addr,
        "POST",
        &format!("/api/v1/rounds/{id}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["job"]["state"], "failed", "{v}");
    let data = c.data.path().display().to_string();
    let shown = format!("rounds/{id}/001-solve.panels.json");
    let message = v["job"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&shown) && !message.contains(&data),
        "{message}"
    );
    // Kept so on disk: job.json and console.log.
    for f in ["job.json", "console.log"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(!text.contains(&data), "{f}: {text}");
    }
    let job = std::fs::read_to_string(dir.join("job.json")).unwrap();
    assert!(job.contains(&shown), "{job}");
    // And on the round page, and in the round's answer.
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(page.contains(&shown) && !page.contains(&data), "{page}");
    let view = get(c.addr, &format!("/api/v1/rounds/{id}")).text();
    assert!(!view.contains(&data), "{view}");
}

/// A programme an expert lists that no application names (a typo of one
/// that does) is shown on the round's page, in the round's language,
/// with the expert and the programme meant.
#[test]
fn an_experts_unknown_programme_is_shown_on_the_rounds_page() {
    let c = Console::open();
    let mut wb = rust_xlsxwriter::Workbook::new();
    text_sheet(&mut wb, "参数", &[&["参数", "值"], &["panel_size", "1"]]);
    text_sheet(
        &mut wb,
        "专家",
        &[
            &["专家编号", "城市", "工作单位", "可评计划"],
            &["E1", "武汉", "武汉大学", "人才计化"],
            &["E2", "合肥", "中国科学技术大学", ""],
        ],
    );
    text_sheet(
        &mut wb,
        "申报项目",
        &[
            &["项目编号", "城市", "申报单位", "计划类别"],
            &["A1", "长沙", "中南大学", "人才计划"],
        ],
    );
    let id = new_round(&c, &wb.save_to_buffer().unwrap(), "轮次.xlsx");
    let page = get(c.addr, &format!("/rounds/{id}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("请核对以下名称"), "{html}");
    assert!(
        html.contains("1 位专家（E1）的可评计划中有“人才计化”"),
        "{html}"
    );
    assert!(html.contains("是否应为“人才计划”"), "{html}");
}

/// Adds a sheet `name` to `wb` holding `rows` of text from its first row
/// (an office's sheet as typed); the sheet is returned for the rest.
fn text_sheet<'w>(
    wb: &'w mut rust_xlsxwriter::Workbook,
    name: &str,
    rows: &[&[&str]],
) -> &'w mut rust_xlsxwriter::Worksheet {
    let sheet = wb.add_worksheet().set_name(name).unwrap();
    for (i, row) in rows.iter().enumerate() {
        sheet.write_row(i as u32, 0, row.iter().copied()).unwrap();
    }
    sheet
}

/// A workbook with what loading notes: a city spelt two ways, 武汉市
/// beside 武汉, person ids differing in letter case, a hidden row, and
/// office columns on both record sheets.
fn noted_workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    text_sheet(&mut wb, "参数", &[&["参数", "值"], &["panel_size", "1"]]);
    text_sheet(
        &mut wb,
        "专家",
        &[
            &["专家编号", "城市", "工作单位", "电话"],
            &["E1", "长沙 ", "中南大学", "0731-1"],
            &["E2", "长沙", "湖南大学", ""],
            &["E3", "武汉市", "武汉大学", ""],
        ],
    )
    .set_row_hidden(3)
    .unwrap();
    text_sheet(
        &mut wb,
        "申报项目",
        &[
            &["项目编号", "城市", "申报单位", "团队成员", "联系人"],
            &["A1", "武汉", "华中科技大学", "p1", "王老师"],
            &["A2", "长沙", "中南大学", "P1", "李老师"],
        ],
    );
    wb.save_to_buffer().unwrap()
}

/// Every load note the CLI prints on stderr is kept with the console's
/// round: in the upload's answer and the round's JSON (the CLI's lines,
/// with the kind of each), in the round's console.log, and on the round's
/// page in the round's language.
#[test]
fn the_load_notes_the_cli_prints_are_shown_by_the_console() {
    let c = Console::open();
    let bytes = noted_workbook();
    let cli = tempfile::tempdir().unwrap();
    std::fs::write(cli.path().join("轮次.xlsx"), &bytes).unwrap();
    let out = std::process::Command::new(panels_bin())
        .current_dir(cli.path())
        .args(["solve", "轮次.xlsx", "--out", "p.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let cli_notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note:")).collect();
    for kind in [
        "hidden in Excel",
        "taken as one city",
        "trailing 市",
        "letter case",
    ] {
        assert!(
            cli_notes.iter().any(|n| n.contains(kind)),
            "{kind}: {stderr}"
        );
    }

    let r = upload(c.addr, "轮次.xlsx", &bytes, &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let answer = r.json();
    let id = answer["id"].as_str().unwrap().to_string();
    let notes = answer["round"]["notes"].as_array().unwrap().clone();
    let texts: Vec<&str> = notes.iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert_eq!(texts, cli_notes, "the upload's answer has the CLI's notes");
    let kinds: Vec<&str> = notes.iter().filter_map(|n| n["kind"].as_str()).collect();
    for kind in [
        "hidden_rows",
        "spellings_merged",
        "city_suffix",
        "case_only_ids",
        "unused_columns",
    ] {
        assert!(kinds.contains(&kind), "{kind}: {notes:?}");
    }
    let view = get(c.addr, &format!("/api/v1/rounds/{id}")).json();
    assert_eq!(view["notes"], serde_json::Value::Array(notes.clone()));
    let log = std::fs::read_to_string(c.round_dir(&id).join("console.log")).unwrap();
    let upload_line: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(upload_line["action"], "upload");
    assert_eq!(upload_line["notes"], serde_json::json!(cli_notes));

    // The page is Chinese (the round is): every note in Chinese.
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(page.contains("读入提示"), "{page}");
    for n in &notes {
        let zh = n["text_zh"].as_str().unwrap();
        assert!(zh.starts_with("提示："), "{zh}");
        assert!(page.contains(&escape(zh)), "{zh} not on the page");
    }
    for words in [
        "第 4 行在 Excel 中被隐藏",
        "视为同一城市，显示为“长沙”",
        "城市“武汉市”和“武汉”只差一个“市”字",
        "只差字母大小写",
        "E 列“联系人”不是本程序使用的列；随每个项目保留",
        "D 列“电话”不是本程序使用的列；随每位专家保留",
    ] {
        assert!(page.contains(words), "{words} not on the page");
    }
}

/// Text as maud escapes it on a page.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The console's history (`DATA/history.csv`): A1's institution X had E1
/// and E2 in 2026.
const CONSOLE_HISTORY: &str =
    "year,round,programme,application,institution,team,expert,outcome,rating\n\
2026,,,A1,X,,E1,reviewed,\n2026,,,A1,X,,E2,reviewed,\n";

/// A 2027 round where the repeat rule decides: A1 (institution X) scores
/// best with E1 and E2. `history`: `None` for no 历史 sheet, else its
/// rows below the template's header (none: the header only).
fn round_2027(history: Option<&[[&str; 9]]>) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    text_sheet(
        &mut wb,
        "参数",
        &[
            &["参数", "值"],
            &["panel_size", "2"],
            &["year", "2027"],
            &["avoid_repeat", "institution"],
        ],
    );
    text_sheet(
        &mut wb,
        "专家",
        &[
            &["专家编号", "城市", "工作单位"],
            &["E1", "武汉", "U1"],
            &["E2", "长沙", "U2"],
            &["E3", "合肥", "U3"],
            &["E4", "南昌", "U4"],
        ],
    );
    text_sheet(
        &mut wb,
        "申报项目",
        &[&["项目编号", "城市", "申报单位"], &["A1", "武汉", "X"]],
    );
    let aff = text_sheet(&mut wb, "匹配度", &[&["项目编号", "专家编号", "匹配度"]]);
    for (i, (e, s)) in [("E1", 0.9), ("E2", 0.8), ("E3", 0.1), ("E4", 0.1)]
        .iter()
        .enumerate()
    {
        aff.write_string(i as u32 + 1, 0, "A1").unwrap();
        aff.write_string(i as u32 + 1, 1, *e).unwrap();
        aff.write_number(i as u32 + 1, 2, *s).unwrap();
    }
    if let Some(rows) = history {
        let mut sheet: Vec<&[&str]> = vec![&[
            "年份",
            "轮次",
            "计划类别",
            "项目编号",
            "申报单位",
            "团队成员",
            "专家编号",
            "结果",
            "评价",
        ]];
        sheet.extend(rows.iter().map(|r| r.as_slice()));
        text_sheet(&mut wb, "历史", &sheet);
    }
    wb.save_to_buffer().unwrap()
}

fn panel_of_a1(c: &Console, id: &str) -> serde_json::Value {
    solve_wait(c, id);
    let p = get(c.addr, &format!("/api/v1/rounds/{id}/panels.json")).json();
    p["panels"][0]["experts"].clone()
}

/// A history table with only its header (a template's 历史 sheet with its
/// example rows deleted) is no history of its own: the round takes the
/// console's, as one without the sheet does, and says so. An upload with
/// past reviews of its own reads them, and the round says that the
/// console's history was not taken.
#[test]
fn a_header_only_history_takes_the_consoles_and_own_rows_are_said_to_win() {
    let c = Console::open();
    std::fs::write(c.data.path().join("history.csv"), CONSOLE_HISTORY).unwrap();
    let console_used = serde_json::json!({"from": "console", "records": 2});
    for (name, bytes) in [
        ("template.xlsx", round_2027(Some(&[]))),
        ("no-sheet.xlsx", round_2027(None)),
    ] {
        let r = upload(c.addr, name, &bytes, &[]);
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(r.json()["round"]["history_records"], 2, "{name}");
        assert_eq!(r.json()["round"]["history_used"], console_used, "{name}");
        let log = std::fs::read_to_string(c.round_dir(&id).join("console.log")).unwrap();
        let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
        assert_eq!(first["history_records"], 2, "{name}");
        assert_eq!(first["history_used"], console_used, "{name}");
        assert_eq!(
            panel_of_a1(&c, &id),
            serde_json::json!(["E3", "E4"]),
            "{name}: the repeat rule binds"
        );
        let page = get(c.addr, &format!("/rounds/{id}")).text();
        assert!(
            page.contains("上传时已使用本系统的历史记录： 2 条"),
            "{page}"
        );
    }

    // A bundle whose history list is empty takes it too.
    let bundle = serde_json::json!({
        "policy": {"panel_size": 2, "year": 2027, "avoid_repeat": "institution"},
        "experts": [
            {"id": "E1", "city": "Wuhan", "institution": "U1"},
            {"id": "E2", "city": "Changsha", "institution": "U2"},
            {"id": "E3", "city": "Hefei", "institution": "U3"},
            {"id": "E4", "city": "Nanchang", "institution": "U4"}
        ],
        "applications": [{"id": "A1", "city": "Wuhan", "institution": "X"}],
        "affinity": [
            {"application": "A1", "expert": "E1", "score": 0.9},
            {"application": "A1", "expert": "E2", "score": 0.8},
            {"application": "A1", "expert": "E3", "score": 0.1},
            {"application": "A1", "expert": "E4", "score": 0.1}
        ],
        "history": []
    });
    let r = upload(c.addr, "b.json", &serde_json::to_vec(&bundle).unwrap(), &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["round"]["history_used"], console_used);
    assert_eq!(panel_of_a1(&c, &id), serde_json::json!(["E3", "E4"]));

    // Past reviews of its own: they are read, and the console's are said
    // not to be (E3 reviewed X's application in 2026).
    let own = round_2027(Some(&[[
        "2026", "", "", "A1", "X", "", "E3", "reviewed", "",
    ]]));
    let r = upload(c.addr, "own.xlsx", &own, &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(r.json()["round"]["history_records"].is_null());
    assert_eq!(
        r.json()["round"]["history_used"],
        serde_json::json!({"from": "upload", "records": 1, "console_records_not_taken": 2})
    );
    assert_eq!(panel_of_a1(&c, &id), serde_json::json!(["E1", "E2"]));
    let page = get(c.addr, &format!("/rounds/{id}")).text();
    assert!(
        page.contains("本轮规则使用上传文件自带的历史记录： 1 条"),
        "{page}"
    );
    assert!(page.contains("未使用本系统的历史记录（2 条）"), "{page}");
}
