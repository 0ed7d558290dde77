//! Hand-written SVG charts for the HTML report: a heat map, horizontal
//! bars with a target line, and a histogram. No scripts, no external
//! fonts: text uses the page's font stack, so names in any script render
//! with whatever fonts the reader has. Every chart has a `<title>` per mark
//! (a tooltip in browsers) and prints in colour or grey.

use std::fmt::Write as _;

use super::lang::{int, pct, Lang};

/// Escapes text for XML/HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Approximate width of a label in pixels at 12px (CJK characters wide).
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 12.0 } else { 7.0 })
        .sum()
}

/// A blue scale from white (0) to dark blue (1), as `#rrggbb`.
pub(crate) fn blue(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lo = (247.0, 251.0, 255.0);
    let hi = (8.0, 48.0, 107.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(lo.0, hi.0),
        mix(lo.1, hi.1),
        mix(lo.2, hi.2)
    )
}

/// A heat map of `m[row][col]` counts. Colour is the cell's share of its
/// row (rows differ in size); the number is the count; the applicants' own
/// city is marked with a neutral dashed grey outline (not a warning
/// colour: reviews from the own city are allowed up to the rules).
pub(crate) fn heatmap(
    rows: &[String],
    cols: &[String],
    m: &[Vec<u64>],
    caption: &str,
    lang: Lang,
) -> String {
    let (across, down) = (
        lang.t("reviewer's city →", "评审专家所在城市 →"),
        lang.t("applicants' city ↓", "申报所在城市 ↓"),
    );
    let cell = 48.0;
    // Room for the row labels and the "applicants' city" caption, and for
    // the column labels slanted at 35° under the "reviewer's city" caption.
    let left = rows
        .iter()
        .map(|r| text_width(r))
        .fold(text_width(down) * 0.85, f64::max)
        + 16.0;
    let top = cols.iter().map(|c| text_width(c)).fold(24.0, f64::max) * 0.6 + 34.0;
    let w = left + cell * cols.len() as f64 + 64.0;
    let h = top + cell * rows.len() as f64 + 20.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    let _ = write!(
        s,
        r#"<text x="{:.0}" y="14" class="axis">{}</text>"#,
        left,
        esc(across)
    );
    let _ = write!(
        s,
        r#"<text x="4" y="{:.0}" class="axis">{}</text>"#,
        top - 4.0,
        esc(down)
    );
    for (j, c) in cols.iter().enumerate() {
        let x = left + cell * j as f64 + cell / 2.0;
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" class="lbl" transform="rotate(-35 {x:.1} {:.1})">{}</text>"#,
            top - 6.0,
            top - 6.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + cell * i as f64;
        let total: u64 = m.get(i).map(|row| row.iter().sum()).unwrap_or(0);
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="lbl" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + cell / 2.0 + 4.0,
            esc(r)
        );
        for (j, c) in cols.iter().enumerate() {
            let x = left + cell * j as f64;
            let v = m.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0);
            let t = if total == 0 {
                0.0
            } else {
                v as f64 / total as f64
            };
            let fill = blue(t.sqrt());
            let ink = if t.sqrt() > 0.55 { "#fff" } else { "#1a1a1a" };
            let tip = match lang {
                Lang::En => format!(
                    "{r} → {c}: {} review(s), {} of {r}'s reviews",
                    int(v),
                    pct(t)
                ),
                Lang::Zh => format!("{r} → {c}：{} 次评审，占{r}的 {}", int(v), pct(t)),
            };
            let _ = write!(
                s,
                r##"<g><title>{}</title><rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#fff"/>"##,
                esc(&tip),
                cell - 1.0,
                cell - 1.0
            );
            if r == c {
                let _ = write!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="4 3" class="own"/>"##,
                    x + 1.0,
                    y + 1.0,
                    cell - 3.0,
                    cell - 3.0
                );
            }
            if v > 0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="num" text-anchor="middle" fill="{ink}">{}</text>"#,
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0,
                    int(v)
                );
            }
            s.push_str("</g>");
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="num">Σ {}</text>"#,
            left + cell * cols.len() as f64 + 8.0,
            y + cell / 2.0 + 4.0,
            int(total)
        );
    }
    s.push_str("</svg>");
    s
}

/// One horizontal bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label on the left.
    pub label: String,
    /// Length of the bar.
    pub value: f64,
    /// Text at the bar's end.
    pub text: String,
    /// Draw in the warning colour.
    pub warn: bool,
}

/// Horizontal bars scaled to `max`, with an optional vertical marker line
/// (value, label), e.g. a target share.
pub(crate) fn hbars(bars: &[Bar], max: f64, marker: Option<(f64, &str)>, caption: &str) -> String {
    let row = 26.0;
    let left = bars
        .iter()
        .map(|b| text_width(&b.label))
        .fold(40.0, f64::max)
        + 14.0;
    let plot = 300.0;
    let top = if marker.is_some() { 22.0 } else { 6.0 };
    let w = left + plot + 120.0;
    let h = top + row * bars.len() as f64 + 8.0;
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        1.0
    };
    let scale = |v: f64| (v.max(0.0) / max).min(1.0) * plot;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let fill = if b.warn { "#d62728" } else { "#3a6fb0" };
        let _ = write!(
            s,
            r##"<g><title>{}: {}</title><text x="{:.1}" y="{:.1}" class="lbl" text-anchor="end">{}</text><rect x="{left:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/><text x="{:.1}" y="{:.1}" class="num">{}</text></g>"##,
            esc(&b.label),
            esc(&b.text),
            left - 6.0,
            y + row / 2.0 + 4.0,
            esc(&b.label),
            y + 4.0,
            scale(b.value).max(1.0),
            row - 8.0,
            left + scale(b.value) + 6.0,
            y + row / 2.0 + 4.0,
            esc(&b.text)
        );
    }
    if let Some((v, label)) = marker {
        let x = left + scale(v);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#222" stroke-width="2" stroke-dasharray="5 3"/><text x="{x:.1}" y="13" class="axis" text-anchor="middle">{}</text>"##,
            top - 4.0,
            h - 4.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A vertical histogram: one bar per bin (label, count); bins in
/// `highlight` are drawn in the accent colour.
pub(crate) fn histogram(
    bins: &[(String, u64)],
    highlight: &[usize],
    x_title: &str,
    y_title: &str,
    caption: &str,
) -> String {
    let n = bins.len().max(1) as f64;
    let plot_w = (n * 46.0).clamp(220.0, 640.0);
    let bw = plot_w / n;
    let plot_h = 160.0;
    let (left, top, bottom) = (48.0, 18.0, 40.0);
    let w = left + plot_w + 16.0;
    let h = top + plot_h + bottom;
    let max = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#888"/>"##,
        top + plot_h,
        left + plot_w,
        top + plot_h
    );
    for (i, (label, count)) in bins.iter().enumerate() {
        let x = left + bw * i as f64;
        let bh = *count as f64 / max * plot_h;
        let y = top + plot_h - bh;
        let fill = if highlight.contains(&i) {
            "#e08a1e"
        } else {
            "#3a6fb0"
        };
        let _ = write!(
            s,
            r##"<g><title>{}: {}</title><rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{fill}"/>"##,
            esc(label),
            int(*count),
            x + bw * 0.1,
            bw * 0.8
        );
        if *count > 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="num" text-anchor="middle">{}</text>"#,
                x + bw / 2.0,
                y - 3.0,
                int(*count)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="lbl" text-anchor="middle">{}</text></g>"#,
            x + bw / 2.0,
            top + plot_h + 15.0,
            esc(label)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text>"#,
        left + plot_w / 2.0,
        h - 6.0,
        esc(x_title)
    );
    let _ = write!(
        s,
        r#"<text x="12" y="{:.1}" class="axis" text-anchor="middle" transform="rotate(-90 12 {:.1})">{}</text>"#,
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        esc(y_title)
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }

    #[test]
    fn blue_scale_ends() {
        assert_eq!(blue(0.0), "#f7fbff");
        assert_eq!(blue(1.0), "#08306b");
        assert_eq!(blue(f64::NAN), "#f7fbff");
    }

    #[test]
    fn charts_are_single_svg_elements_with_escaped_labels() {
        let names = vec!["<x>".to_string(), "武汉".to_string()];
        let m = vec![vec![1, 2], vec![0, 3]];
        for svg in [
            heatmap(&names, &names, &m, "c", Lang::En),
            hbars(
                &[Bar {
                    label: "<x>".into(),
                    value: 1.0,
                    text: "1".into(),
                    warn: false,
                }],
                2.0,
                Some((0.5, "target")),
                "c",
            ),
            histogram(&[("<x>".into(), 3)], &[0], "x", "y", "c"),
        ] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert_eq!(svg.matches("<svg").count(), 1);
            assert!(!svg.contains("<x>"));
            assert!(!svg.contains("#d62728\" stroke-width"), "no red outline");
        }
    }
}
