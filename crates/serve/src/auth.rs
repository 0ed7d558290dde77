//! Who may ask: an open console on the loopback address, or a token for
//! everything else; sessions for browsers; CSRF tokens on forms; requests
//! from other sites refused.
//!
//! The token is never stored: the server keeps its SHA-256 (in memory,
//! and in `DATA/token.sha256` when it made the token itself). Scripts send
//! `Authorization: Bearer TOKEN`; browsers log in once with a form and get
//! a session cookie (HttpOnly, SameSite=Strict) whose SHA-256 the server
//! keeps. A request without a valid token or session gets 401 before its
//! body is read: it touches nothing.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "panels_session";

/// How long a wrong token waits before its answer (bearer tokens and the
/// login form alike), after the wrong guesses before it: guessing is slow,
/// at most one wrong guess answered per wait, however many arrive at once.
pub const WRONG_TOKEN_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// Authentication state of a server.
#[derive(Debug)]
pub struct Auth {
    /// SHA-256 of the token; `None`: open (loopback only).
    token_sha256: Option<[u8; 32]>,
    /// Session hash → its CSRF token.
    sessions: Mutex<HashMap<[u8; 32], String>>,
    /// The CSRF token of an open console's forms.
    open_csrf: String,
    /// Held by a wrong guess for its wait: wrong guesses are answered one
    /// after another, each [`WRONG_TOKEN_WAIT`] after the one before, so
    /// parallel guesses are throttled together. Right tokens never take
    /// it.
    wrong_guesses: tokio::sync::Mutex<()>,
}

/// Who a request is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No token needed (open console on loopback).
    Open,
    /// A script with the bearer token.
    Bearer,
    /// A browser with a session; its CSRF token.
    Session(String),
}

impl Auth {
    /// An open console (no token).
    pub fn open() -> Auth {
        Auth {
            token_sha256: None,
            sessions: Mutex::default(),
            open_csrf: random_token(),
            wrong_guesses: tokio::sync::Mutex::new(()),
        }
    }

    /// A console that needs the token whose SHA-256 is `hash`.
    pub fn with_token_hash(hash: [u8; 32]) -> Auth {
        Auth {
            token_sha256: Some(hash),
            ..Auth::open()
        }
    }

    /// True when a token is needed.
    pub fn required(&self) -> bool {
        self.token_sha256.is_some()
    }

    /// Who sent these headers, if anyone allowed.
    pub fn caller(&self, headers: &axum::http::HeaderMap) -> Option<Caller> {
        let Some(want) = &self.token_sha256 else {
            return Some(Caller::Open);
        };
        if let Some(token) = bearer(headers) {
            return same(&sha256(token.as_bytes()), want).then_some(Caller::Bearer);
        }
        let session = cookie(headers, SESSION_COOKIE)?;
        let sessions = self.sessions.lock().ok()?;
        sessions
            .get(&sha256(session.as_bytes()))
            .map(|csrf| Caller::Session(csrf.clone()))
    }

    /// True when a token is needed and the headers carry a bearer token
    /// (right or wrong).
    pub fn bearer_sent(&self, headers: &axum::http::HeaderMap) -> bool {
        self.required() && headers.contains_key(axum::http::header::AUTHORIZATION)
    }

    /// Checks a token typed into the login form.
    pub fn token_matches(&self, token: &str) -> bool {
        self.token_sha256
            .as_ref()
            .is_some_and(|want| same(&sha256(token.trim().as_bytes()), want))
    }

    /// The wait of a wrong token (a bearer token or the login form): the
    /// wrong guesses before it first, one at a time, then
    /// [`WRONG_TOKEN_WAIT`] of its own. The queue is shared by the whole
    /// server (tokio's mutex serves waiters in order), so `n` guesses sent
    /// at once take `n` waits, not one; requests with the right token or
    /// session never wait here.
    pub async fn wrong_token_wait(&self) {
        let _turn = self.wrong_guesses.lock().await;
        tokio::time::sleep(WRONG_TOKEN_WAIT).await;
    }

    /// Opens a session: the cookie value to send (kept only as a hash).
    pub fn new_session(&self) -> String {
        let session = random_token();
        if let Ok(mut s) = self.sessions.lock() {
            s.insert(sha256(session.as_bytes()), random_token());
        }
        session
    }

    /// Ends the session these headers carry.
    pub fn end_session(&self, headers: &axum::http::HeaderMap) {
        if let (Some(session), Ok(mut s)) = (cookie(headers, SESSION_COOKIE), self.sessions.lock())
        {
            s.remove(&sha256(session.as_bytes()));
        }
    }

    /// The CSRF token forms must carry for this caller.
    pub fn csrf_for(&self, caller: &Caller) -> String {
        match caller {
            Caller::Session(csrf) => csrf.clone(),
            _ => self.open_csrf.clone(),
        }
    }

    /// True when `sent` is this caller's CSRF token (bearer callers need
    /// none: a browser cannot send the header across sites).
    pub fn csrf_ok(&self, caller: &Caller, sent: Option<&str>) -> bool {
        match caller {
            Caller::Bearer => true,
            _ => sent.is_some_and(|s| same(s.as_bytes(), self.csrf_for(caller).as_bytes())),
        }
    }
}

/// Sets up the token: from `--token-file`, else (off loopback) the hash
/// kept in `DATA/token.sha256`, else a new token printed once whose hash is
/// kept there. On loopback without a token file the console is open.
///
/// # Errors
/// A token file that cannot be read or holds a short token.
pub fn setup(token_file: Option<&Path>, data: &Path, loopback: bool) -> Result<Auth, String> {
    if let Some(path) = token_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let token = first_line_token(&text);
        if token.chars().count() < 16 {
            return Err(format!(
                "{}: the token must be at least 16 characters",
                path.display()
            ));
        }
        return Ok(Auth::with_token_hash(sha256(token.as_bytes())));
    }
    if loopback {
        return Ok(Auth::open());
    }
    let kept = data.join("token.sha256");
    if let Ok(text) = std::fs::read_to_string(&kept) {
        if let Some(hash) = parse_hex32(text.trim()) {
            eprintln!(
                "the token is the one made before (its SHA-256 is in {}; delete that file for a new token)",
                kept.display()
            );
            return Ok(Auth::with_token_hash(hash));
        }
    }
    let token = random_token();
    let hash = sha256(token.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    crate::io::write_atomic(&kept, format!("{hex}\n").as_bytes())
        .map_err(|e| format!("{}: {e}", kept.display()))?;
    println!("token (shown once; only its hash is kept): {token}");
    Ok(Auth::with_token_hash(hash))
}

/// The token of a token file: its first line, trimmed (a BOM too); later
/// lines (notes) are not part of it.
pub fn first_line_token(text: &str) -> &str {
    text.trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("")
        .trim()
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random bytes from the thread's CSPRNG (seeded by the OS), as hex.
pub fn random_token() -> String {
    use rand::RngExt as _;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    v.strip_prefix("Bearer ").map(str::trim)
}

/// A cookie's value.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(session: &str) -> String {
    format!("{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/")
}

/// True when a browser says the request comes from another site: an
/// `Origin` that is not exactly `http(s)://` and the `Host` asked (or
/// `null`, or not an origin at all), or `Sec-Fetch-Site: cross-site`.
pub fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => match origin_authority(origin) {
            Some(authority) => !authority.eq_ignore_ascii_case(host.trim()),
            None => true,
        },
        (Some(_), None) => true,
        _ => false,
    }
}

/// The `host[:port]` of an origin `http://host[:port]` or
/// `https://host[:port]`; `None` for anything else (`null`, a path, a
/// user name, another scheme).
fn origin_authority(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))?;
    let bad = |c: char| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace();
    (!rest.is_empty() && !rest.contains(bad)).then_some(rest)
}

/// True when an open console is asked under a name other than a loopback
/// one (a DNS rebinding page would send its own host name): the `Host`
/// must be exactly `localhost`, an IPv4 address in 127.0.0.0/8 or the
/// IPv6 address `::1` in brackets, each with an optional port and nothing
/// else ([`loopback_host`]). A request without `Host` (HTTP/1.0) is not
/// from a browser page.
pub fn foreign_host(headers: &axum::http::HeaderMap) -> bool {
    match headers.get("host") {
        None => false,
        Some(v) => !v.to_str().is_ok_and(|h| loopback_host(h.trim())),
    }
}

/// `localhost` (any letter case), `127.a.b.c` or `[::1]`, with an optional
/// `:port`. An address is a loopback address that `std::net` parses and
/// writes back the same, which is how browsers write it: [`Ipv4Addr`]
/// takes four decimal numbers 0–255 without leading zeros (not `127.1`,
/// `127.0.0.01`, `0x7f.0.0.1`, `2130706433` or `127.0.0.1.`); the IPv6
/// address in brackets must be `::1` as [`Ipv6Addr`] writes it (not
/// `[0:0:0:0:0:0:0:1]`, `[::ffff:127.0.0.1]` or a zone). A port is a
/// [`u16`] from 1 to 65535 as [`u16`] writes it: decimal digits, no sign,
/// no leading zero, never empty.
pub fn loopback_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, after)) => match inner.parse::<Ipv6Addr>() {
                Ok(ip) if ip == Ipv6Addr::LOCALHOST && ip.to_string() == inner => (None, after),
                _ => return false,
            },
            None => return false,
        },
        None => {
            let (name, port) = host.split_at(host.find(':').unwrap_or(host.len()));
            (Some(name), port)
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => p.parse::<u16>().is_ok_and(|n| n != 0 && n.to_string() == p),
    };
    port_ok
        && name.is_none_or(|n| {
            n.eq_ignore_ascii_case("localhost")
                || n.parse::<Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback() && ip.to_string() == n)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn bearer_and_sessions() {
        let auth = Auth::with_token_hash(sha256(b"0123456789abcdef"));
        assert_eq!(auth.caller(&headers(&[])), None);
        assert_eq!(
            auth.caller(&headers(&[("authorization", "Bearer wrong")])),
            None
        );
        assert_eq!(
            auth.caller(&headers(&[("authorization", "Bearer 0123456789abcdef")])),
            Some(Caller::Bearer)
        );
        let s = auth.new_session();
        let h = headers(&[("cookie", &format!("a=b; {SESSION_COOKIE}={s}"))]);
        let Some(Caller::Session(csrf)) = auth.caller(&h) else {
            panic!("no session")
        };
        assert!(auth.csrf_ok(&Caller::Session(csrf.clone()), Some(&csrf)));
        assert!(!auth.csrf_ok(&Caller::Session(csrf), Some("x")));
        auth.end_session(&h);
        assert_eq!(auth.caller(&h), None);
    }

    #[test]
    fn other_sites_are_recognised() {
        assert!(cross_site(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!cross_site(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(foreign_host(&headers(&[("host", "evil.example:8080")])));
        assert!(!foreign_host(&headers(&[("host", "localhost:8080")])));
        assert!(!foreign_host(&headers(&[("host", "[::1]:8080")])));
    }

    #[test]
    fn a_token_file_gives_its_first_line_trimmed() {
        assert_eq!(
            first_line_token("  0123456789abcdef \n# rotated\n"),
            "0123456789abcdef"
        );
        assert_eq!(
            first_line_token("\u{feff}0123456789abcdef\r\nx"),
            "0123456789abcdef"
        );
        assert_eq!(first_line_token(""), "");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "0123456789abcdefXYZ\n# rotated 2026\n").unwrap();
        let auth = setup(Some(&file), dir.path(), true).unwrap();
        assert!(auth.token_matches("0123456789abcdefXYZ"));
        assert!(!auth.token_matches("0123456789abcdefXYZ\n# rotated 2026"));
    }

    #[test]
    fn only_exact_loopback_hosts_are_ours() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "localhost",
            "LOCALHOST:65535",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "127.evil.example",
            "127.evil.example:8080",
            "127.0.0.1.nip.io",
            "127.0.0.1.nip.io:8080",
            "127.0.0.1:80@evil.example",
            "127.0.0.1:8080:1",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "127.0.0.1:+80",
            "127.0.0.256",
            "127.0.1",
            "127.0.0.0.1",
            "127..0.1",
            "localhost.evil.example",
            "evil.example",
            "[::1].evil",
            "[::2]:80",
            "[::1]80",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    /// Spellings a browser never sends, decided: an address is what
    /// `std::net` parses and writes back the same, a port what `u16` does.
    #[test]
    fn hostile_spellings_of_loopback_are_refused() {
        for ok in [
            "127.255.255.255",
            "127.0.0.1:65535",
            "127.0.0.1:1",
            "[::1]:1",
            "LocalHost:80",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            // Leading zeros (octal to some parsers), short and odd forms.
            "127.0.0.01",
            "127.000.0.1",
            "0127.0.0.1",
            "127.1",
            "127.0.1:8080",
            "0x7f.0.0.1",
            "0x7f000001",
            "2130706433",
            "127.0.0.1.",
            "127.0.0.1.:8080",
            "localhost.",
            "localhost.:8080",
            " 127.0.0.1",
            "127.0.0.1 :80",
            "128.0.0.1",
            "0.0.0.0",
            // Ports: out of range, empty, signed, padded, zero.
            "127.0.0.1:99999",
            "127.0.0.1:65536",
            "127.0.0.1:080",
            "127.0.0.1:0",
            "127.0.0.1:-1",
            "localhost:",
            "localhost:+80",
            "[::1]:",
            "[::1]:99999",
            "[::1]:080",
            "[::1]:+80",
            "[::1]:0",
            // Other spellings of ::1, mapped addresses, zones, no brackets.
            "[0:0:0:0:0:0:0:1]",
            "[::0001]",
            "[0::1]",
            "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",
            "[::1%25lo]",
            "[::1%lo]",
            "[ ::1]",
            "[::1",
            "::1",
            "::1:8080",
            "[::1]]",
            "[[::1]]",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn an_origin_is_same_site_only_when_it_is_the_host() {
        let same =
            |origin: &str, host: &str| !cross_site(&headers(&[("origin", origin), ("host", host)]));
        assert!(same("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same("https://localhost:8080", "localhost:8080"));
        assert!(!same("http://127.0.0.1:8080/x", "127.0.0.1:8080"));
        assert!(!same("http://u@127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!same("ftp://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!same("127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!same("null", "127.0.0.1:8080"));
        assert!(!same("http://127.0.0.1:9090", "127.0.0.1:8080"));
        assert!(same("http://[::1]:8080", "[::1]:8080"));
        assert!(same("http://localhost:8080", "LOCALHOST:8080"));
        // Exactly the scheme and the host asked: no other spelling.
        for origin in [
            "http://127.0.0.1:08080",
            "http://127.0.0.1:8080.",
            "http://127.0.0.1.:8080",
            "http://127.1:8080",
            "http://[0:0:0:0:0:0:0:1]:8080",
            "HTTP://127.0.0.1:8080",
            "http://127.0.0.1:8080#",
            "http://127.0.0.1:8080?",
            "http://127.0.0.1:8080\\",
            "http://",
            "https://",
        ] {
            let host = if origin.contains('[') {
                "[::1]:8080"
            } else {
                "127.0.0.1:8080"
            };
            assert!(!same(origin, host), "{origin}");
        }
    }
}
