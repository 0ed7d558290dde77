//! The report as Markdown: the same numbers as the HTML page, as tables
//! (the heat map becomes a table of counts, histograms tables of bins).

use std::fmt::Write as _;

use super::html::{list_some, price_text, LIST_LIMIT};
use super::{pct, Figures, LoadGroup, PriceOutcome};
use crate::verify::fmt_micro;

/// Escapes the characters that would break a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Renders the whole report.
pub fn render(f: &Figures) -> String {
    let g = &f.glance;
    let mut s = String::new();
    let _ = writeln!(s, "# Review panels: fairness report\n");
    let _ = writeln!(
        s,
        "Instance `{}`, panels `{}`. Every number is recomputed from the instance.\n",
        f.instance_label, f.panels_label
    );
    if f.violations.is_empty() {
        s.push_str("**This assignment obeys every rule checked.**\n\n");
    } else {
        let _ = writeln!(
            s,
            "> **This assignment breaks {} rule{}.**\n>",
            f.violations.len(),
            if f.violations.len() == 1 { "" } else { "s" }
        );
        for (i, v) in f.violations.iter().enumerate() {
            let _ = writeln!(s, "> {}. {}", i + 1, v.replace('\n', " "));
        }
        s.push('\n');
    }

    s.push_str("## 1. The round at a glance\n\n| | |\n|---|---:|\n");
    let rows: Vec<(&str, String)> = vec![
        ("applications", g.applications.to_string()),
        ("panels in the file", g.panels.to_string()),
        ("experts in the pool", g.pool.to_string()),
        ("experts available", g.available.to_string()),
        ("experts used", g.experts_used.to_string()),
        ("reviews assigned", g.reviews.to_string()),
        ("total score (recomputed)", fmt_micro(g.objective_micro)),
        ("total score (file)", g.claimed_objective.to_string()),
        (
            "proven bound",
            g.bound
                .map(|b| b.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        ("status", g.status.clone()),
        (
            "solver",
            g.solver.clone().unwrap_or_else(|| "not recorded".into()),
        ),
        ("panel size", g.panel_size.to_string()),
        ("min outside-city share", pct(g.min_outside_share)),
        ("min outside-city members", g.min_outside.to_string()),
        (
            "max per city",
            g.max_per_city
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "max per institution",
            g.max_per_institution
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "| {} | {} |", k, cell(&v));
    }

    s.push_str("\n## 2. Who reviewed whom: city × city\n\nRows: applicants' city; columns: reviewers' city; cells: reviews.\n\n");
    let _ = write!(s, "| applicants \\ reviewers |");
    for c in &f.cities {
        let _ = write!(s, " {} |", cell(c));
    }
    s.push_str(" total |\n|---|");
    for _ in &f.cities {
        s.push_str("---:|");
    }
    s.push_str("---:|\n");
    for cs in &f.city_shares {
        let Some(i) = f.cities.iter().position(|c| *c == cs.city) else {
            continue;
        };
        let _ = write!(s, "| {} |", cell(&cs.city));
        for v in &f.flow[i] {
            let _ = write!(s, " {v} |");
        }
        let _ = writeln!(s, " {} |", f.flow[i].iter().sum::<u64>());
    }
    s.push_str("\n### Outside-city share per city\n\n| city | applications | reviews | from other cities | share | required by the panel rule | target | meets target |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
    for c in &f.city_shares {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&c.city),
            c.applications,
            c.reviews,
            c.outside_reviews,
            pct(c.share()),
            pct(c.required_share),
            pct(c.target),
            if c.meets_target() { "yes" } else { "**no**" }
        );
    }

    s.push_str("\n## 3. Panels\n\n### Members from outside the applicant's city\n\n| outside members | panels |\n|---:|---:|\n");
    for (n, c) in f.outside_histogram.iter().enumerate() {
        let _ = writeln!(s, "| {n} | {c} |");
    }
    let _ = writeln!(
        s,
        "\n{} of {} applications with an outside-city minimum sit exactly at it.",
        f.at_minimum.len(),
        f.with_minimum
    );
    if !f.at_minimum.is_empty() {
        let _ = writeln!(s, "At the minimum: {}.", list_some(&f.at_minimum, 30));
    }
    s.push_str("\n### Lowest-scoring panels\n\n| application | city | members | panel score |\n|---|---|---:|---:|\n");
    for p in &f.lowest_panels {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            cell(&p.application),
            cell(&p.city),
            p.members,
            fmt_micro(p.score_micro)
        );
    }

    s.push_str("\n## 4. Load fairness\n\n| reviews per expert | experts |\n|---:|---:|\n");
    for (n, c) in f.load_histogram.iter().enumerate() {
        let _ = writeln!(s, "| {n} | {c} |");
    }
    let _ = writeln!(
        s,
        "\n{} expert(s) at their load cap{}",
        f.at_cap.len(),
        if f.at_cap.is_empty() {
            ".".to_string()
        } else {
            format!(": {}.", list_some(&f.at_cap, 30))
        }
    );
    s.push_str("\n### By city of the experts\n\n");
    load_table(&mut s, &f.load_by_city, usize::MAX);
    s.push_str("\n### By institution (most reviews first)\n\n");
    load_table(&mut s, &f.load_by_institution, LIST_LIMIT);
    if f.load_by_institution.len() > LIST_LIMIT {
        let _ = writeln!(
            s,
            "\n… and {} more institutions.",
            f.load_by_institution.len() - LIST_LIMIT
        );
    }

    let _ = writeln!(
        s,
        "\n## 5. Conflicts avoided\n\nOf {} possible (application, expert) pairs, {} were excluded before assignment. By kind (a pair excluded for two reasons counts under both):\n\n| kind | pairs excluded |\n|---|---:|",
        f.all_pairs, f.excluded_pairs
    );
    for c in &f.conflicts {
        let _ = writeln!(s, "| {} | {} |", c.kind.label(), c.pairs);
    }

    s.push_str("\n## 6. The price of the city rules\n\n");
    match &f.price.outcome {
        PriceOutcome::Solved {
            without_rules_micro,
            status,
        } => {
            let _ = writeln!(
                s,
                "| | total score |\n|---|---:|\n| without city rules ({status}) | {} |\n| with city rules (these panels) | {} |\n| cost of the city rules | {}{} |",
                fmt_micro(*without_rules_micro),
                fmt_micro(f.price.with_rules_micro),
                fmt_micro(without_rules_micro - f.price.with_rules_micro),
                f.price
                    .cost_share()
                    .map(|x| format!(" ({})", pct(x)))
                    .unwrap_or_default()
            );
        }
        other => {
            let _ = writeln!(s, "{}", price_text(other));
        }
    }

    let c = &f.check;
    s.push_str(&super::rounds::markdown(&f.rounds));
    let _ = writeln!(
        s,
        "\n## 7. How to check this\n\n- input SHA-256: `{}`\n- recorded in the panels file: `{}`{}\n- seed: `{}`\n\n```sh\n{}{}\n{}\n```",
        c.input_sha256.as_deref().unwrap_or("not computed"),
        c.file_input_sha256.as_deref().unwrap_or("none"),
        match c.hashes_match() {
            Some(true) => " (matches)",
            Some(false) => " (**differs**: these panels were made for other input)",
            None => "",
        },
        c.seed.map(|x| x.to_string()).unwrap_or_else(|| "none".into()),
        c.hash_command
            .as_deref()
            .map(|h| format!("{h}\n"))
            .unwrap_or_default(),
        c.verify_command,
        c.report_command
    );
    s
}

fn load_table(s: &mut String, groups: &[LoadGroup], limit: usize) {
    s.push_str(
        "| | experts | used | reviews | per expert | at cap |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for g in groups.iter().take(limit) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} | {} |",
            cell(&g.name),
            g.experts,
            g.used,
            g.reviews,
            g.mean_load(),
            g.at_cap
        );
    }
}
