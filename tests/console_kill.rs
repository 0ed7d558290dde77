//! A kill at any moment leaves every round consistent: the built
//! `panels serve` is killed (SIGKILL) during uploads, solves, draws,
//! replacements and history appends, restarted on the same data folder,
//! and every round must load, name only files that exist, verify, and show
//! no job as running; the console's history file must read, holding every
//! append a round records.
#![cfg(feature = "serve")]

mod console_support;

use std::time::Duration;

use console_support::*;

/// A round that takes a while to solve in a debug build.
fn slow_round() -> Vec<u8> {
    let mut cfg = panels::generate::preset("yangtze").unwrap();
    cfg.applications = 1500;
    cfg.experts = 4000;
    let inst = panels::generate::generate(&cfg);
    panels::io::bundle_to_bytes(&inst).unwrap()
}

fn consistent(addr: std::net::SocketAddr, data: &std::path::Path) {
    let history = panels::io::history_file::read_history_file(&data.join("history.csv"))
        .expect("the console's history reads after a kill");
    let rounds = get(addr, "/api/v1/rounds");
    assert_eq!(rounds.status, 200, "{}", rounds.text());
    for entry in std::fs::read_dir(data.join("rounds")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".new-"),
            "a half-made round was left: {name}"
        );
    }
    for r in rounds.json().as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let dir = data.join("rounds").join(id);
        assert_ne!(
            r["job"]["state"], "running",
            "{id}: a job shows as running after a restart"
        );
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            assert!(
                !entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".panels-tmp-"),
                "{id}: temporary left"
            );
        }
        for s in r["steps"].as_array().unwrap() {
            for key in ["panels", "log"] {
                if let Some(f) = s[key].as_str() {
                    assert!(
                        dir.join(f).is_file(),
                        "{id}: step names {f}, which is missing"
                    );
                }
            }
        }
        for m in r["history"].as_array().unwrap() {
            let label = m["round"].as_str();
            let n = history
                .iter()
                .filter(|h| {
                    i64::from(h.year) == m["year"].as_i64().unwrap() && h.round.as_deref() == label
                })
                .count();
            assert_eq!(
                n as u64,
                m["added"].as_u64().unwrap(),
                "{id}: the append {m} is in the history file"
            );
        }
        if !r["steps"].as_array().unwrap().is_empty() {
            let v = get(addr, &format!("/api/v1/rounds/{id}/verify")).json();
            assert_eq!(v["ok"], true, "{id}: {v}");
        }
    }
}

#[test]
fn killing_the_server_at_any_moment_leaves_every_round_consistent() {
    let data = tempfile::tempdir().unwrap();
    let bytes = slow_round();
    let yangtze = std::fs::read(repo("instances/yangtze.json")).unwrap();

    // A round with panels, to replace on later.
    let server = ServerProcess::start(data.path(), &[]);
    let base = upload(server.addr, "yangtze.json", &yangtze, &[]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = request(
        server.addr,
        "POST",
        &format!("/api/v1/rounds/{base}/solve?wait=true"),
        &[],
        b"",
    );
    assert_eq!(r.json()["status"], "optimal");
    let big = upload(server.addr, "big.json", &bytes, &[]);
    assert_eq!(big.status, 201, "{}", big.text());
    let big = big.json()["id"].as_str().unwrap().to_string();
    server.kill();

    let mut interrupted = 0;
    for (i, delay_ms) in [30u64, 150, 400, 900, 1500, 2500].into_iter().enumerate() {
        let server = ServerProcess::start(data.path(), &[]);
        consistent(server.addr, data.path());
        let addr = server.addr;
        // Work on several rounds at once, then kill mid-way.
        let big2 = big.clone();
        let solve = std::thread::spawn(move || {
            request(
                addr,
                "POST",
                &format!("/api/v1/rounds/{big2}/solve"),
                &[],
                b"",
            )
        });
        let kind = if i % 2 == 0 { "draw" } else { "solve" };
        let _ = request(
            addr,
            "POST",
            &format!("/api/v1/rounds/{base}/{kind}"),
            &[],
            b"",
        );
        let panels = get(addr, &format!("/api/v1/rounds/{base}/panels.json"));
        if panels.status == 200 {
            let p = panels.json();
            let base = base.clone();
            let pair = format!(
                "{}:{}",
                p["panels"][1]["application"].as_str().unwrap(),
                p["panels"][1]["experts"][0].as_str().unwrap()
            );
            std::thread::spawn(move || {
                let _ = std::panic::catch_unwind(|| {
                    post_json(
                        addr,
                        &format!("/api/v1/rounds/{base}/replace"),
                        &serde_json::json!({"decline": [pair]}),
                    )
                });
            });
        }
        let base2 = base.clone();
        std::thread::spawn(move || {
            let _ = std::panic::catch_unwind(|| {
                post_json(
                    addr,
                    &format!("/api/v1/rounds/{base2}/history"),
                    &serde_json::json!({"round": format!("kill-{i}")}),
                )
            });
        });
        let up = bytes.clone();
        std::thread::spawn(move || {
            let _ = std::panic::catch_unwind(|| upload(addr, "big2.json", &up, &[]));
        });
        std::thread::sleep(Duration::from_millis(delay_ms));
        server.kill();
        let _ = solve.join();
        let server = ServerProcess::start(data.path(), &[]);
        consistent(server.addr, data.path());
        if get(server.addr, &format!("/api/v1/rounds/{big}")).json()["job"]["state"]
            == "interrupted"
        {
            interrupted += 1;
        }
        server.kill();
    }
    assert!(
        interrupted > 0,
        "no kill landed during a solve; the round is too fast for this test"
    );

    // After all that, the interrupted round solves as if nothing happened.
    let server = ServerProcess::start(data.path(), &[]);
    let v = request(
        server.addr,
        "POST",
        &format!("/api/v1/rounds/{big}/solve?wait=true"),
        &[],
        b"",
    )
    .json();
    assert_eq!(v["job"]["state"], "done", "{v}");
    consistent(server.addr, data.path());
}
