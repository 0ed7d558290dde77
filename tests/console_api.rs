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
    assert!(p["file"].as_str().unwrap().ends_with("experts.csv"), "{p}");
    assert!(
        !p["file"].as_str().unwrap().contains(".new-"),
        "staging names never show: {p}"
    );
    assert!(c.entries().is_empty(), "nothing stored: {:?}", c.entries());
    assert_eq!(get(c.addr, "/api/v1/rounds").json(), serde_json::json!([]));

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
        202,
        "the limit is checked by the solve itself: {}",
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
    let inst = panels::generate::generate(&cfg);
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
        assert!(html.len() < 400_000, "{p}: {} bytes", html.len());
        assert!(took.as_secs_f64() < 10.0, "{p} took {took:?}");
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
