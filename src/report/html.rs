//! The report as one self-contained HTML page: inline CSS and SVG, no
//! scripts, no fonts or images fetched from anywhere, readable on screen
//! and on paper (print rules keep charts whole and colours exact).

use std::fmt::Write as _;

use super::svg::{self, esc, Bar};
use super::{pct, Figures, PriceOutcome};
use crate::verify::fmt_micro;

/// How many rows long lists show (the Markdown form shows the same).
pub const LIST_LIMIT: usize = 12;

const CSS: &str = r#"
:root { --ink:#1a1a1a; --muted:#5b6470; --line:#d9dee5; --accent:#3a6fb0; --bad:#b3261e; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
       "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1160px; padding: 24px 28px; line-height: 1.45;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.sub, .muted { color: var(--muted); }
.banner { border: 2px solid var(--bad); background: #fdecea; color: var(--bad); padding: 10px 14px;
          border-radius: 6px; margin: 14px 0; }
.banner.ok { border-color: #2e7d32; background: #edf7ee; color: #1b5e20; }
.banner ol { margin: 6px 0 0; color: var(--ink); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.tile .v { font-size: 22px; font-weight: 600; }
.tile .k { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.warn td { color: var(--bad); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f5f7fa; border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 6px 0 10px; }
svg .lbl { font-size: 12px; fill: var(--ink); }
svg .num { font-size: 11px; fill: var(--ink); font-variant-numeric: tabular-nums; }
svg .axis { font-size: 11px; fill: var(--muted); }
.cols { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.cols > div { max-width: 100%; }
.cols > div.narrow { max-width: 560px; }
footer { margin-top: 30px; font-size: 12px; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section, svg.chart, table, .banner { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; }
  pre { white-space: pre-wrap; }
}
"#;

fn tile(s: &mut String, value: &str, key: &str) {
    let _ = write!(
        s,
        r#"<div class="tile"><div class="v">{}</div><div class="k">{}</div></div>"#,
        esc(value),
        esc(key)
    );
}

/// Renders the whole page.
pub fn render(f: &Figures) -> String {
    let g = &f.glance;
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(s, "<title>Panel report: {}</title>", esc(&f.instance_label));
    let _ = writeln!(s, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(
        s,
        "<h1>Review panels: fairness report</h1>\n<p class=\"sub\">Instance <code>{}</code>, panels <code>{}</code>. Every number below is recomputed from the instance; the panels file is trusted only for who sits on which panel.</p>",
        esc(&f.instance_label),
        esc(&f.panels_label)
    );

    // Banner.
    if f.violations.is_empty() {
        s.push_str("<div class=\"banner ok\"><strong>This assignment obeys every rule checked</strong> (panel sizes, eligibility and conflicts, outside-city minimum, city and institution caps, loads, objective).</div>\n");
    } else {
        let _ = write!(
            s,
            "<div class=\"banner\"><strong>This assignment breaks {} rule{}.</strong> The figures below describe it as it is.<ol>",
            f.violations.len(),
            if f.violations.len() == 1 { "" } else { "s" }
        );
        for v in &f.violations {
            let _ = write!(s, "<li>{}</li>", esc(v));
        }
        s.push_str("</ol></div>\n");
    }

    // 1. At a glance.
    s.push_str("<section>\n<h2>1. The round at a glance</h2>\n<div class=\"tiles\">");
    tile(&mut s, &g.applications.to_string(), "applications");
    tile(
        &mut s,
        &format!("{} / {}", g.experts_used, g.available),
        "experts used / available",
    );
    tile(&mut s, &g.reviews.to_string(), "reviews assigned");
    tile(
        &mut s,
        &fmt_micro(g.objective_micro),
        "total score (recomputed)",
    );
    tile(
        &mut s,
        &g.bound
            .map(|b| format!("{b}"))
            .unwrap_or_else(|| "none".into()),
        "proven bound",
    );
    tile(&mut s, &g.status, "status");
    let mean = if g.reviews > 0 {
        format!("{:.3}", g.objective_micro as f64 / 1e6 / g.reviews as f64)
    } else {
        "-".into()
    };
    tile(&mut s, &mean, "mean score per review");
    tile(&mut s, &g.pool.to_string(), "experts in the pool");
    s.push_str("</div>\n");
    let _ = writeln!(
        s,
        "<p>Rules of the round: panels of {}; at least {} of each panel from outside the applicant's city{}; {}; {}. Solver: {}.</p>",
        g.panel_size,
        pct(g.min_outside_share),
        if g.min_outside > 0 {
            format!(" and at least {}", g.min_outside)
        } else {
            String::new()
        },
        g.max_per_city
            .map(|c| format!("at most {c} per city"))
            .unwrap_or_else(|| "no cap per city".into()),
        g.max_per_institution
            .map(|c| format!("at most {c} per institution"))
            .unwrap_or_else(|| "no cap per institution".into()),
        esc(g.solver.as_deref().unwrap_or("not recorded"))
    );
    if (g.claimed_objective - g.objective_micro as f64 / 1e6).abs()
        > crate::verify::tolerance(g.objective_micro as f64 / 1e6)
    {
        let _ = writeln!(
            s,
            "<p class=\"muted\">The file claims an objective of {}; the recomputed value above is the one to trust.</p>",
            g.claimed_objective
        );
    }
    s.push_str("</section>\n");

    // 2. City × city.
    s.push_str("<section>\n<h2>2. Who reviewed whom: city × city</h2>\n");
    s.push_str("<p>Each row is a city of applicants; each column the city of the reviewers. Numbers are reviews; colour is the share of the row; the outlined diagonal is reviews from the applicants' own city.</p>\n");
    let rows: Vec<String> = f.city_shares.iter().map(|c| c.city.clone()).collect();
    let row_ix: Vec<usize> = rows
        .iter()
        .filter_map(|r| f.cities.iter().position(|c| c == r))
        .collect();
    let m: Vec<Vec<u64>> = row_ix.iter().map(|&i| f.flow[i].clone()).collect();
    s.push_str("<div class=\"cols\"><div>");
    s.push_str(&svg::heatmap(
        &rows,
        &f.cities,
        &m,
        "reviews by applicants' city and reviewer's city",
    ));
    s.push_str("</div><div>");
    let target = f.city_shares.first().map(|c| c.target).unwrap_or(0.0);
    let _ = writeln!(
        s,
        "<h3>Outside-city share, against the target of {}</h3>",
        pct(target)
    );
    let bars: Vec<Bar> = f
        .city_shares
        .iter()
        .map(|c| Bar {
            label: c.city.clone(),
            value: c.share(),
            text: format!(
                "{} ({} of {})",
                pct(c.share()),
                c.outside_reviews,
                c.reviews
            ),
            warn: !c.meets_target(),
        })
        .collect();
    s.push_str(&svg::hbars(
        &bars,
        1.0,
        Some((target, &format!("target {}", pct(target)))),
        "outside-city share per city",
    ));
    s.push_str("</div></div>\n");
    s.push_str("<table><tr><th>city</th><th class=\"n\">applications</th><th class=\"n\">reviews</th><th class=\"n\">from other cities</th><th class=\"n\">share</th><th class=\"n\">required by the panel rule</th><th class=\"n\">target</th></tr>");
    for c in &f.city_shares {
        let _ = write!(
            s,
            "<tr{}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if c.meets_target() { "" } else { " class=\"warn\"" },
            esc(&c.city),
            c.applications,
            c.reviews,
            c.outside_reviews,
            pct(c.share()),
            pct(c.required_share),
            pct(c.target)
        );
    }
    s.push_str("</table>\n</section>\n");

    // 3. Per panel.
    s.push_str("<section>\n<h2>3. Panels</h2>\n<div class=\"cols\"><div class=\"narrow\">\n<h3>Members from outside the applicant's city</h3>\n");
    let bins: Vec<(String, u64)> = f
        .outside_histogram
        .iter()
        .enumerate()
        .map(|(n, &c)| (n.to_string(), c))
        .collect();
    let mins: Vec<usize> = f.common_minimum.map(|q| q as usize).into_iter().collect();
    s.push_str(&svg::histogram(
        &bins,
        &mins,
        "outside-city members in the panel",
        "panels",
        "panels by number of outside-city members",
    ));
    let _ = writeln!(
        s,
        "<p>{} of {} applications with an outside-city minimum sit exactly at it (the orange bar, when all share one minimum); the rest have more outside members than required.</p>",
        f.at_minimum.len(),
        f.with_minimum
    );
    if !f.at_minimum.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"muted\">At the minimum: {}</p>",
            esc(&list_some(&f.at_minimum, 30))
        );
    }
    s.push_str("</div><div>\n<h3>Lowest-scoring panels</h3>\n<table><tr><th>application</th><th>city</th><th class=\"n\">members</th><th class=\"n\">panel score</th></tr>");
    for p in &f.lowest_panels {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.application),
            esc(&p.city),
            p.members,
            fmt_micro(p.score_micro)
        );
    }
    s.push_str("</table>\n</div></div>\n</section>\n");

    // 4. Load.
    s.push_str("<section>\n<h2>4. Load fairness</h2>\n");
    let lbins: Vec<(String, u64)> = f
        .load_histogram
        .iter()
        .enumerate()
        .map(|(n, &c)| (n.to_string(), c))
        .collect();
    s.push_str(&svg::histogram(
        &lbins,
        &[],
        "reviews per expert",
        "experts",
        "experts by number of reviews",
    ));
    let _ = writeln!(
        s,
        "<p>{} expert{} at their load cap{}</p>",
        f.at_cap.len(),
        if f.at_cap.len() == 1 { " is" } else { "s are" },
        if f.at_cap.is_empty() {
            ".".to_string()
        } else {
            format!(": {}.", esc(&list_some(&f.at_cap, 30)))
        }
    );
    s.push_str("<div class=\"cols\"><div><h3>By city of the experts</h3>");
    load_table(&mut s, &f.load_by_city, usize::MAX);
    s.push_str("</div><div><h3>By institution (most reviews first)</h3>");
    load_table(&mut s, &f.load_by_institution, LIST_LIMIT);
    if f.load_by_institution.len() > LIST_LIMIT {
        let _ = write!(
            s,
            "<p class=\"muted\">… and {} more institutions.</p>",
            f.load_by_institution.len() - LIST_LIMIT
        );
    }
    s.push_str("</div></div>\n</section>\n");

    // 5. Conflicts avoided.
    s.push_str("<section>\n<h2>5. Conflicts avoided</h2>\n");
    let _ = writeln!(
        s,
        "<p>Of {} possible (application, expert) pairs, {} ({}) were excluded before assignment. By kind (a pair excluded for two reasons counts under both):</p>",
        f.all_pairs,
        f.excluded_pairs,
        pct(if f.all_pairs > 0 {
            f.excluded_pairs as f64 / f.all_pairs as f64
        } else {
            0.0
        })
    );
    let cmax = f.conflicts.iter().map(|c| c.pairs).max().unwrap_or(0) as f64;
    let cbars: Vec<Bar> = f
        .conflicts
        .iter()
        .map(|c| Bar {
            label: c.kind.label().to_string(),
            value: c.pairs as f64,
            text: c.pairs.to_string(),
            warn: false,
        })
        .collect();
    s.push_str(&svg::hbars(
        &cbars,
        cmax,
        None,
        "pairs excluded by kind of conflict",
    ));
    s.push_str("</section>\n");

    // 6. Price of the city rules.
    s.push_str("<section>\n<h2>6. The price of the city rules</h2>\n");
    let with = f.price.with_rules_micro;
    match &f.price.outcome {
        PriceOutcome::Solved {
            without_rules_micro,
            status,
        } => {
            let bars = vec![
                Bar {
                    label: "without city rules".into(),
                    value: *without_rules_micro as f64,
                    text: fmt_micro(*without_rules_micro),
                    warn: false,
                },
                Bar {
                    label: "with city rules (these panels)".into(),
                    value: with as f64,
                    text: fmt_micro(with),
                    warn: false,
                },
            ];
            let max = (*without_rules_micro).max(with) as f64;
            s.push_str(&svg::hbars(
                &bars,
                max,
                None,
                "objective with and without the city rules",
            ));
            let _ = writeln!(
                s,
                "<p>Re-solved in the same run without the outside-city minimum and the per-city cap (everything else unchanged; {} solve): the total score would be {}; these panels score {}. The city rules cost <strong>{}</strong>{}.</p>",
                esc(status),
                fmt_micro(*without_rules_micro),
                fmt_micro(with),
                fmt_micro(without_rules_micro - with),
                f.price
                    .cost_share()
                    .map(|x| format!(" ({} of the unconstrained score)", pct(x)))
                    .unwrap_or_default()
            );
        }
        other => {
            let _ = writeln!(s, "<p>{}</p>", esc(&price_text(other)));
        }
    }
    s.push_str("</section>\n");

    // 7. How to check this.
    s.push_str(&super::rounds::html(&f.rounds));
    s.push_str("<section>\n<h2>7. How to check this</h2>\n<table>");
    let c = &f.check;
    let _ = write!(
        s,
        "<tr><th>input SHA-256</th><td class=\"mono\">{}</td></tr>",
        esc(c.input_sha256.as_deref().unwrap_or("not computed"))
    );
    let _ = write!(
        s,
        "<tr><th>recorded in the panels file</th><td class=\"mono\">{}{}</td></tr>",
        esc(c.file_input_sha256.as_deref().unwrap_or("none")),
        match c.hashes_match() {
            Some(true) => " (matches)",
            Some(false) => " (DIFFERS: these panels were made for other input)",
            None => "",
        }
    );
    let _ = write!(
        s,
        "<tr><th>seed</th><td class=\"mono\">{}</td></tr></table>",
        c.seed
            .map(|x| x.to_string())
            .unwrap_or_else(|| "none".into())
    );
    let _ = writeln!(
        s,
        "<p>Anyone with the two files can re-check every rule and the optimality proof, without trusting this report:</p><pre>{}{}\n{}</pre>",
        c.hash_command
            .as_deref()
            .map(|h| format!("{}\n", esc(h)))
            .unwrap_or_default(),
        esc(&c.verify_command),
        esc(&c.report_command)
    );
    s.push_str("</section>\n");
    let _ = writeln!(
        s,
        "<footer>panels {} · self-contained page: no scripts, no network.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    s
}

fn load_table(s: &mut String, groups: &[super::LoadGroup], limit: usize) {
    s.push_str("<table><tr><th></th><th class=\"n\">experts</th><th class=\"n\">used</th><th class=\"n\">reviews</th><th class=\"n\">per expert</th><th class=\"n\">at cap</th></tr>");
    for g in groups.iter().take(limit) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{}</td></tr>",
            esc(&g.name),
            g.experts,
            g.used,
            g.reviews,
            g.mean_load(),
            g.at_cap
        );
    }
    s.push_str("</table>");
}

/// The first `n` items joined with commas, then "and N more".
pub fn list_some(items: &[String], n: usize) -> String {
    let mut out = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        let _ = write!(out, " and {} more", items.len() - n);
    }
    out
}

/// The price section's sentence when there is no solved comparison.
pub fn price_text(o: &PriceOutcome) -> String {
    match o {
        PriceOutcome::Solved {
            without_rules_micro,
            ..
        } => format!("without the city rules: {}", fmt_micro(*without_rules_micro)),
        PriceOutcome::NoCityRules => {
            "This round has no city rule (no outside-city minimum, no per-city cap): nothing to price.".into()
        }
        PriceOutcome::Skipped => "Not computed (--no-price).".into(),
        PriceOutcome::TimedOut(secs) => format!(
            "The re-solve without the city rules did not finish within {secs} s; run the report with a longer --price-timeout."
        ),
        PriceOutcome::Failed(m) => format!("The re-solve without the city rules gave no answer: {m}"),
    }
}
