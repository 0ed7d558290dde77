//! Test harness for the `panels` binary: a temporary directory to hold
//! inputs and outputs, a way to run the binary in it and capture what it
//! printed and its exit code, and a small valid instance to mutate.
//!
//! Used by `tests/cli.rs` and `tests/regression.rs` (each test file compiles
//! its own copy, so not every helper is used by each).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1 if killed by a signal).
    pub code: i32,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
    /// The command line, for messages.
    pub cmdline: String,
}

impl Run {
    /// Panics with the whole run shown unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// Panics unless stderr contains every one of `parts` (case-sensitive).
    #[track_caller]
    pub fn stderr_has(&self, parts: &[&str]) -> &Run {
        for p in parts {
            assert!(self.stderr.contains(p), "stderr lacks {p:?}\n{self}");
        }
        self
    }

    /// Panics unless stdout contains every one of `parts` (case-sensitive).
    #[track_caller]
    pub fn stdout_has(&self, parts: &[&str]) -> &Run {
        for p in parts {
            assert!(self.stdout.contains(p), "stdout lacks {p:?}\n{self}");
        }
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ {}\nexit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }
}

/// A temporary directory, removed when dropped.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A fresh empty directory.
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("panels-cli-test-")
                .tempdir()
                .expect("create a temporary directory"),
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating parent directories), returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent directory");
        }
        std::fs::write(&p, bytes).expect("write test input");
        p
    }

    /// Writes a JSON value, pretty-printed.
    pub fn write_json(&self, rel: &str, v: &Value) -> PathBuf {
        self.write(rel, serde_json::to_vec_pretty(v).expect("serialise JSON"))
    }

    /// Creates an (empty) directory, returns its path.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(&p).expect("create directory");
        p
    }

    /// Reads a file's bytes.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Reads and parses a JSON file.
    pub fn read_json(&self, rel: &str) -> Value {
        serde_json::from_slice(&self.read(rel)).unwrap_or_else(|e| panic!("parse {rel}: {e}"))
    }

    /// Names of the entries of a directory inside the sandbox, sorted
    /// (hidden files included, so stray `.panels-tmp-*` files show).
    pub fn ls(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .unwrap_or_else(|e| panic!("list {rel}: {e}"))
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Runs `panels` with `args` in the sandbox directory (relative paths
    /// in `args` are relative to it).
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_panels"))
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run the panels binary");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            cmdline: format!("panels {}", args.join(" ")),
        }
    }
}

/// A small valid bundle: 2 cities (武汉, 长沙) plus 合肥, 8 experts, 3
/// applications, panels of 2 with at least one outside-city member, a
/// declared conflict, a co-authorship and no affinity list (scores are
/// computed from fields and keywords). Feasible with room to spare.
pub fn base_bundle() -> Value {
    json!({
        "policy": { "panel_size": 2, "min_outside_share": 0.5, "max_load": 2 },
        "experts": [
            { "id": "E01", "name": "李伟", "city": "武汉", "institution": "武汉大学",
              "fields": ["F03"], "keywords": ["optics"] },
            { "id": "E02", "city": "武汉", "institution": "华中科技大学",
              "fields": ["F03"], "keywords": ["lasers"] },
            { "id": "E03", "city": "长沙", "institution": "中南大学",
              "fields": ["F03", "F02"], "keywords": ["optics"] },
            { "id": "E04", "city": "长沙", "institution": "湖南大学",
              "fields": ["F02"], "keywords": ["control"] },
            { "id": "E05", "city": "合肥", "institution": "中国科学技术大学",
              "fields": ["F02"], "keywords": ["control", "optics"] },
            { "id": "E06", "city": "合肥", "institution": "合肥工业大学",
              "fields": ["F01"], "keywords": ["materials"] },
            { "id": "E07", "city": "武汉", "institution": "武汉理工大学",
              "fields": ["F01"], "keywords": ["materials"] },
            { "id": "E08", "city": "长沙", "institution": "国防科技大学",
              "fields": ["F01", "F03"], "keywords": ["lasers"] }
        ],
        "applications": [
            { "id": "A1", "title": "Photonic sensors", "city": "长沙", "institution": "中南大学",
              "fields": ["F03"], "keywords": ["optics"], "team": ["P1", "E04"] },
            { "id": "A2", "city": "武汉", "institution": "武汉大学",
              "fields": ["F02"], "keywords": ["control"], "avoid": ["E02"] },
            { "id": "A3", "city": "合肥", "institution": "合肥工业大学",
              "fields": ["F01"], "keywords": ["materials"], "team": ["P2"] }
        ],
        "conflicts": [ { "expert": "E05", "with": "A3", "reason": "declared" } ],
        "coauthorships": [ { "a": "E07", "b": "P2", "year": 2024 } ]
    })
}

/// The CSV form of [`base_bundle`]: file name → contents.
pub fn base_csv() -> Vec<(&'static str, String)> {
    vec![
        (
            "experts.csv",
            "id,name,city,institution,fields,keywords\n\
             E01,李伟,武汉,武汉大学,F03,optics\n\
             E02,,武汉,华中科技大学,F03,lasers\n\
             E03,,长沙,中南大学,F03;F02,optics\n\
             E04,,长沙,湖南大学,F02,control\n\
             E05,,合肥,中国科学技术大学,F02,control;optics\n\
             E06,,合肥,合肥工业大学,F01,materials\n\
             E07,,武汉,武汉理工大学,F01,materials\n\
             E08,,长沙,国防科技大学,F01;F03,lasers\n"
                .to_string(),
        ),
        (
            "applications.csv",
            "id,title,city,institution,fields,keywords,team,avoid\n\
             A1,Photonic sensors,长沙,中南大学,F03,optics,P1;E04,\n\
             A2,,武汉,武汉大学,F02,control,,E02\n\
             A3,,合肥,合肥工业大学,F01,materials,P2,\n"
                .to_string(),
        ),
        (
            "conflicts.csv",
            "expert,with,reason\nE05,A3,declared\n".to_string(),
        ),
        ("coauthorships.csv", "a,b,year\nE07,P2,2024\n".to_string()),
        (
            "policy.json",
            r#"{ "panel_size": 2, "min_outside_share": 0.5, "max_load": 2 }"#.to_string(),
        ),
    ]
}

/// Writes [`base_csv`] into `dir` (inside the sandbox), with `edit` applied
/// to each (name, contents) first; `edit` returning `None` drops the file.
pub fn write_csv_dir(
    sb: &Sandbox,
    dir: &str,
    edit: impl Fn(&str, String) -> Option<String>,
) -> PathBuf {
    let root = sb.mkdir(dir);
    for (name, text) in base_csv() {
        if let Some(t) = edit(name, text) {
            sb.write(&format!("{dir}/{name}"), t);
        }
    }
    root
}

/// Sets `v[path...] = new`, where `path` is a JSON pointer
/// (`/experts/0/city`); removes the key when `new` is `None`.
pub fn set(v: &mut Value, pointer: &str, new: Option<Value>) {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    let target = v
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in the test bundle"));
    match (target, new) {
        (Value::Object(m), Some(n)) => {
            m.insert(key.to_string(), n);
        }
        (Value::Object(m), None) => {
            m.remove(key);
        }
        (Value::Array(a), Some(n)) => {
            let i: usize = key.parse().expect("an array index");
            a[i] = n;
        }
        (Value::Array(a), None) => {
            let i: usize = key.parse().expect("an array index");
            a.remove(i);
        }
        _ => panic!("{parent} is not an object or array"),
    }
}
