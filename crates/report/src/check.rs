//! `panels report --check REPORT INSTANCE PANELS [--log LOG]`: recomputes every figure
//! of a report from the instance and panels, with the options the report
//! records, and lists what differs — in the figures (the embedded data
//! block, or the whole `.json`) and in the visible text (the report is
//! rendered again from the recomputed figures and compared line by line,
//! so an edited number anywhere on the page is caught).

use serde_json::Value;

use super::{
    figures, html, markdown, render, Figures, Lang, ReportFormat, ReportOptions, Settings,
};
use crate::io::panels::PanelsFile;
use crate::model::Instance;

/// How many differing text lines are listed (the count is always given).
const TEXT_LINES_SHOWN: usize = 20;

/// What the checked report records about how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The figures as the report holds them (JSON).
    pub figures: Value,
    /// The report's language.
    pub lang: Lang,
    /// The options it was made with.
    pub settings: Settings,
}

/// Finds the figures in a report's text (`.json`: the whole text; `.html`:
/// the `application/json` data block; `.md`: the closing HTML comment).
pub fn embedded_json(text: &str, format: ReportFormat) -> Result<&str, String> {
    let between = |start: &str, end: &str| -> Result<&str, String> {
        let from = text
            .rfind(start)
            .ok_or_else(|| format!("no figures data block (looked for {start:?})"))?
            + start.len();
        let len = text[from..]
            .find(end)
            .ok_or_else(|| format!("the figures data block does not end ({end:?} missing)"))?;
        Ok(&text[from..from + len])
    };
    match format {
        ReportFormat::Json => Ok(text),
        ReportFormat::Html => between(
            &format!(
                "<script type=\"application/json\" id=\"{}\">",
                html::DATA_ID
            ),
            "</script>",
        ),
        ReportFormat::Markdown => between(markdown::DATA_START, "-->"),
    }
}

/// Reads the figures, language and options a report records.
pub fn recorded(text: &str, format: ReportFormat) -> Result<Recorded, String> {
    let json = embedded_json(text, format)?;
    let figures: Value = crate::io::from_str_unique(json)
        .map_err(|e| format!("the figures data block is not JSON: {e}"))?;
    let schema = figures.get("schema").and_then(Value::as_str).unwrap_or("");
    if schema != super::SCHEMA {
        return Err(format!(
            "the figures say schema {schema:?}; this program reads {:?}",
            super::SCHEMA
        ));
    }
    let lang: Lang = serde_json::from_value(figures.get("lang").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("the figures' \"lang\" cannot be read: {e}"))?;
    let settings: Settings =
        serde_json::from_value(figures.get("settings").cloned().unwrap_or(Value::Null))
            .map_err(|e| format!("the figures' \"settings\" cannot be read: {e}"))?;
    Ok(Recorded {
        figures,
        lang,
        settings,
    })
}

/// The inputs' side of a check: hashes of the files given on the command
/// line.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// SHA-256 of the instance.
    pub input_sha256: Option<String>,
    /// SHA-256 of the panels file.
    pub panels_sha256: Option<String>,
    /// True when the instance is one file.
    pub input_is_file: bool,
    /// The bytes of the draw log given now (`--log`), when given.
    pub draw_log: Option<Vec<u8>>,
}

/// Recomputes the report recorded in `text` and lists every difference
/// (empty: everything matches). `Err` when the report's figures cannot be
/// read at all (then nothing can be compared).
pub fn check(
    text: &str,
    format: ReportFormat,
    inst: &Instance,
    panels: &PanelsFile,
    inputs: &Inputs,
) -> Result<Vec<String>, String> {
    let rec = recorded(text, format)?;
    let mut out = Vec::new();
    // The log is named as the report names it (like the instance and the
    // panels), with the bytes given now.
    let draw_log = match (&rec.settings.log, &inputs.draw_log) {
        (Some(label), Some(bytes)) => Some(super::DrawLogInput {
            label: label.clone(),
            bytes: bytes.clone(),
        }),
        (Some(label), None) => {
            out.push(format!(
                "settings.log: the report was made with the log {label}; give it with --log"
            ));
            None
        }
        (None, Some(_)) => {
            out.push(
                "settings.log: the report was made without a log, yet one is given (--log)"
                    .to_string(),
            );
            None
        }
        (None, None) => None,
    };
    let opts = ReportOptions {
        input_sha256: inputs.input_sha256.clone(),
        panels_sha256: inputs.panels_sha256.clone(),
        input_is_file: inputs.input_is_file,
        draw_log,
        ..rec.settings.options(rec.lang)
    };
    let fresh: Figures = figures(inst, panels, &opts);
    let fresh_json: Value = serde_json::from_str(&super::figures_json(&fresh))
        .map_err(|e| format!("internal error: recomputed figures do not parse: {e}"))?;
    diff_values("", &rec.figures, &fresh_json, &mut out);
    let expected = render(&fresh, format);
    if expected != text {
        out.extend(diff_text(text, &expected));
    }
    Ok(out)
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Every leaf where `got` (the report) and `want` (recomputed) differ, as
/// `path: the report says X, recomputed Y`.
pub(crate) fn diff_values(path: &str, got: &Value, want: &Value, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match g.get(k) {
                    Some(gv) => diff_values(&p, gv, wv, out),
                    None => out.push(format!(
                        "{p}: missing in the report, recomputed {}",
                        show(wv)
                    )),
                }
            }
            for k in g.keys().filter(|k| !w.contains_key(*k)) {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(format!("{p}: in the report but not a figure"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                diff_values(&format!("{path}[{i}]"), gv, wv, out);
            }
            if g.len() != w.len() {
                out.push(format!(
                    "{path}: the report lists {} entries, recomputed {}",
                    g.len(),
                    w.len()
                ));
            }
        }
        (g, w) if g == w => {}
        (g, w) => out.push(format!(
            "{path}: the report says {}, recomputed {}",
            show(g),
            show(w)
        )),
    }
}

/// Lines of the visible text that differ from the report rendered again.
fn diff_text(got: &str, want: &str) -> Vec<String> {
    let g: Vec<&str> = got.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    let mut out = Vec::new();
    let mut differing = 0usize;
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (g.get(i).copied(), w.get(i).copied());
        if a == b {
            continue;
        }
        differing += 1;
        if differing <= TEXT_LINES_SHOWN {
            let (qa, qb) = excerpts(a, b);
            out.push(format!(
                "text line {}: the report has {qa}, recomputed {qb}",
                i + 1
            ));
        }
    }
    if differing > TEXT_LINES_SHOWN {
        out.push(format!(
            "… {} more differing text lines",
            differing - TEXT_LINES_SHOWN
        ));
    }
    if differing == 0 {
        out.push("text: the report differs from its recomputed text (line endings or the end of the file)".into());
    }
    out
}

/// The two lines around their first difference, quoted.
fn excerpts(a: Option<&str>, b: Option<&str>) -> (String, String) {
    let (Some(a), Some(b)) = (a, b) else {
        let q = |l: Option<&str>| match l {
            None => "nothing".to_string(),
            Some(l) => format!("«{}»", l.trim().chars().take(120).collect::<String>()),
        };
        return (q(a), q(b));
    };
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    let first = ac.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let from = first.saturating_sub(40);
    let cut = |c: &[char]| {
        let to = (first + 60).min(c.len());
        format!(
            "«{}{}{}»",
            if from > 0 { "…" } else { "" },
            c[from.min(c.len())..to].iter().collect::<String>(),
            if to < c.len() { "…" } else { "" }
        )
    };
    (cut(&ac), cut(&bc))
}
