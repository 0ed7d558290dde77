//! Console test support: a small HTTP/1.1 client over `TcpStream` (no
//! client crate), multipart bodies, a console on a random loopback port
//! (in-process, or the built binary as a child process).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all_headers(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One request (`Connection: close`; chunked answers are joined).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(600))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (401, 413) before reading the whole body.
    let _ = s.write_all(body);
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let n = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n];
            r.read_exact(&mut chunk).unwrap();
            body.extend_from_slice(&chunk);
            line.clear();
            r.read_line(&mut line).unwrap();
        }
    } else if let Some(n) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        // Some servers keep the connection open despite `close`.
        body.resize(n, 0);
        r.read_exact(&mut body).expect("the whole body");
    } else {
        let _ = r.read_to_end(&mut body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], b"")
}

pub fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> Resp {
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// A multipart body with the given fields (`name`, optional file name, bytes).
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----panelsTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, data) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `bytes` as the field `file` to the API.
pub fn upload(addr: SocketAddr, name: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Resp {
    let (ct, body) = multipart(&[("file", Some(name), bytes)]);
    let mut headers = vec![("Content-Type", ct.as_str())];
    headers.extend_from_slice(extra);
    request(addr, "POST", "/api/v1/rounds", &headers, &body)
}

/// A console running in this process on a random loopback port.
pub struct Console {
    pub addr: SocketAddr,
    pub app: panels::serve::Shared,
    pub data: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl Console {
    pub fn open() -> Console {
        Console::with_auth(
            panels::serve::auth::Auth::open(),
            panels::serve::DEFAULT_MAX_UPLOAD,
        )
    }

    pub fn with_auth(auth: panels::serve::auth::Auth, max_upload: usize) -> Console {
        let data = tempfile::tempdir().unwrap();
        let app = Arc::new(panels::serve::App::open(data.path(), auth, max_upload).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let router = panels::serve::router(app.clone());
        runtime.spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Console {
            addr,
            app,
            data,
            _runtime: runtime,
        }
    }

    pub fn round_dir(&self, id: &str) -> PathBuf {
        self.data.path().join("rounds").join(id)
    }

    /// Round folders on disk (published or not).
    pub fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.data.path().join("rounds"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// The built `panels` binary.
pub fn panels_bin() -> &'static str {
    env!("CARGO_BIN_EXE_panels")
}

/// Runs `panels ARGS` in `dir`; panics on failure.
pub fn run_cli(dir: &Path, args: &[&str]) {
    let out = Command::new(panels_bin())
        .current_dir(dir)
        .arg("-q")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "panels {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `panels serve` as a child process on a random port; killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    pub fn start(data: &Path, extra: &[&str]) -> ServerProcess {
        ServerProcess::start_bound(data, "127.0.0.1:0", extra)
    }

    /// Started with `--bind bind`; an unspecified address (0.0.0.0) is
    /// reached on loopback.
    pub fn start_bound(data: &Path, bind: &str, extra: &[&str]) -> ServerProcess {
        let mut child = Command::new(panels_bin())
            .args(["serve", "--data"])
            .arg(data)
            .args(["--bind", bind])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            line.clear();
            assert!(Instant::now() < deadline, "the console did not start");
            if err.read_line(&mut line).unwrap() == 0 {
                panic!("the console exited: {line}");
            }
            if let Some(rest) = line.split("http://").nth(1) {
                let mut addr: SocketAddr = rest.split('/').next().unwrap().parse().unwrap();
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                break addr;
            }
        };
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = err.read_to_string(&mut sink);
        });
        ServerProcess { child, addr }
    }

    /// SIGKILL, no goodbye.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls the round until its job is not running.
pub fn wait_job(addr: SocketAddr, id: &str) -> serde_json::Value {
    wait_job_with(addr, id, &[])
}

/// [`wait_job`] with headers (a bearer token).
pub fn wait_job_with(addr: SocketAddr, id: &str, headers: &[(&str, &str)]) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let r = request(addr, "GET", &format!("/api/v1/rounds/{id}"), headers, b"");
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        if v["job"]["state"] != "running" {
            return v;
        }
        assert!(Instant::now() < deadline, "the job did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The repository's file.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A zip of `(name, bytes)` entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
