//! The report as one self-contained HTML page: inline CSS and SVG, no
//! scripts, no fonts or images fetched from anywhere, readable on screen
//! and on paper (A4: the summary on page 1, headings kept with what follows
//! them, charts and table rows never split). The figures travel along as a
//! JSON data block (`<script type="application/json">`, which browsers
//! never run) for `panels report --check` and for anyone's own tools.

use std::fmt::Write as _;

use super::lang::{count, int, pct, score, Lang};
use super::svg::{self, esc, Bar};
use super::{words, Figures, PriceOutcome};

/// How many rows long lists show (the Markdown form shows the same).
pub(crate) const LIST_LIMIT: usize = 12;

/// The `id` of the data block.
pub(crate) const DATA_ID: &str = "panels-figures";

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
.banner ol, .banner ul { margin: 6px 0 0; color: var(--ink); }
.banner.note { border-color: #b26a00; background: #fff4e0; color: #7a4a00; }
.banner.info { border-color: var(--line); background: #f5f7fa; color: var(--ink); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.tile .v { font-size: 22px; font-weight: 600; }
.tile .k { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.warn td { color: var(--bad); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
td.mono { word-break: break-all; }
pre { background: #f5f7fa; border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 6px 0 10px; }
svg .lbl { font-size: 12px; fill: var(--ink); }
svg .num { font-size: 11px; fill: var(--ink); font-variant-numeric: tabular-nums; }
svg .axis { font-size: 11px; fill: var(--muted); }
.cols { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.cols > div { max-width: 100%; }
.cols > div.narrow { max-width: 560px; }
footer { margin-top: 30px; font-size: 12px; color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 20pt; }
  h2 { font-size: 14pt; margin-top: 14pt; }
  .tile .v { font-size: 15pt; }
  h2, h3, .keep > :first-child { break-after: avoid; page-break-after: avoid; }
  .keep, svg.chart, tr, .tile, .banner, pre, .summary { break-inside: avoid; page-break-inside: avoid; }
  .tiles { grid-template-columns: repeat(4, 1fr); }
  .cols { display: block; }
  section.page { break-before: page; page-break-before: always; }
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

/// A heading kept on the same page as what follows it.
fn keep(s: &mut String, tag: &str, title: &str, body: &str) {
    let _ = writeln!(
        s,
        "<div class=\"keep\"><{tag}>{}</{tag}>{body}</div>",
        esc(title)
    );
}

/// The figures as a JSON data block that cannot end early: `<`, `>` and
/// `&` are written as JSON escapes (they only occur inside strings), so
/// no name can close the element.
pub(crate) fn data_block(f: &Figures) -> String {
    let json = super::figures_json(f)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!("<script type=\"application/json\" id=\"{DATA_ID}\">\n{json}</script>\n")
}

/// Renders the whole page.
pub fn render(f: &Figures) -> String {
    let l = f.lang;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">",
        l.code()
    );
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        s,
        "<title>{}{}{}</title>",
        esc(l.t("Panel report", "评审专家组报告")),
        l.colon(),
        esc(&f.settings.instance)
    );
    let _ = writeln!(s, "<style>{CSS}</style>\n</head>\n<body>");
    summary(&mut s, f);
    cities(&mut s, f);
    panels(&mut s, f);
    loads(&mut s, f);
    exclusions(&mut s, f);
    prices(&mut s, f);
    programmes(&mut s, f);
    how_to_check(&mut s, f);
    let _ = writeln!(
        s,
        "<footer>{} · {}</footer>",
        esc(&f.generator),
        esc(l.t(
            "self-contained page: no scripts run, no network; the figures are embedded as data (panels report --check).",
            "独立页面：不运行脚本、不联网；全部数据以数据块嵌入（可用 panels report --check 核对）。"
        ))
    );
    s.push_str(&data_block(f));
    s.push_str("</body>\n</html>\n");
    s
}

/// Page 1: title, verdict, the round at a glance and every rule in force.
fn summary(s: &mut String, f: &Figures) {
    let l = f.lang;
    let g = &f.glance;
    s.push_str("<section class=\"summary\">\n");
    let _ = writeln!(
        s,
        "<h1>{}</h1>\n<p class=\"sub\">{} <code>{}</code>, {} <code>{}</code>. {}</p>",
        esc(l.t("Review panels: fairness report", "评审专家组公平性报告")),
        esc(l.t("Instance", "输入数据")),
        esc(&f.settings.instance),
        esc(l.t("panels", "分组结果")),
        esc(&f.settings.panels),
        esc(l.t(
            "Every number below is recomputed from the instance; the panels file is trusted only for who sits on which panel.",
            "以下数字均由输入数据重新计算；分组文件只用于确定谁在哪个专家组。"
        ))
    );
    if f.violations.is_empty() {
        let _ = writeln!(
            s,
            "<div class=\"banner ok\"><strong>{}</strong></div>",
            esc(l.t(
                "This assignment obeys every rule checked (panel sizes, eligibility and conflicts, city and institution rules, loads, crossing rules, objective).",
                "本次分组符合所有检查的规则（专家人数、回避与资格、城市与单位规则、评审数量、交叉规则、目标值）。"
            ))
        );
    } else {
        let head = match l {
            Lang::En => format!(
                "This assignment breaks {} rule{}. The figures below describe it as it is.",
                count(f.violations.len()),
                if f.violations.len() == 1 { "" } else { "s" }
            ),
            Lang::Zh => format!(
                "本次分组有 {} 处不符合规则（以下为 verify 检查结果的中文表述，与 panels verify 英文输出的编号逐条对应），下列数字按实际情况统计。",
                count(f.violations.len())
            ),
        };
        let _ = write!(
            s,
            "<div class=\"banner\"><strong>{}</strong><ol>",
            esc(&head)
        );
        for v in &f.violations {
            let _ = write!(s, "<li>{}</li>", esc(v));
        }
        s.push_str("</ol></div>\n");
    }
    let (warn, notes) = words::notes(l, f);
    if !notes.is_empty() {
        let _ = write!(
            s,
            "<div class=\"banner {}\"><strong>{}</strong><ul>",
            if warn { "note" } else { "info" },
            esc(words::notes_title(l, warn))
        );
        for n in &notes {
            let _ = write!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul></div>\n");
    }
    let mut tiles = String::from("<div class=\"tiles\">");
    tile(
        &mut tiles,
        &count(g.applications),
        l.t("applications", "申报项目"),
    );
    tile(
        &mut tiles,
        &format!("{} / {}", count(g.experts_used), count(g.available)),
        l.t("experts used / available", "已用 / 可用专家"),
    );
    tile(
        &mut tiles,
        &int(g.reviews),
        l.t("reviews assigned", "评审任务"),
    );
    tile(
        &mut tiles,
        &score(g.objective_micro),
        l.t("total score (recomputed)", "总匹配分（重算）"),
    );
    tile(
        &mut tiles,
        &g.bound
            .map(super::lang::claimed)
            .unwrap_or_else(|| l.t("none", "无").into()),
        l.t("bound claimed by the file", "文件声明的上界"),
    );
    tile(
        &mut tiles,
        &words::status(l, &g.status),
        l.t("status claimed", "文件声明的状态"),
    );
    let mean = if g.reviews > 0 {
        format!("{:.3}", g.objective_micro as f64 / 1e6 / g.reviews as f64)
    } else {
        "-".into()
    };
    tile(
        &mut tiles,
        &mean,
        l.t("mean score per review", "每次评审平均分"),
    );
    tile(
        &mut tiles,
        &count(g.pool),
        l.t("experts in the pool", "专家库人数"),
    );
    tiles.push_str("</div>\n");
    keep(
        s,
        "h2",
        l.t("1. The round at a glance", "1. 本轮概况"),
        &tiles,
    );
    let mut rules = format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(l.t("rule", "规则")),
        esc(l.t("target", "要求")),
        esc(l.t("applies to", "适用范围")),
        esc(l.t("policy field", "参数名"))
    );
    for r in &f.rules {
        let (label, value) = words::rule(l, r);
        let _ = write!(
            rules,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&label),
            esc(&value),
            esc(&words::applies_to(l, r)),
            esc(&words::field(r))
        );
    }
    rules.push_str("</table>\n");
    let _ = write!(
        rules,
        "<p class=\"muted\">{}{}{}</p>",
        esc(l.t("Solver named by the file", "文件记录的求解方法")),
        l.colon(),
        esc(&words::solver(l, g.solver.as_deref()))
    );
    keep(s, "h3", l.t("Rules of the round", "本轮规则"), &rules);
    if let Some(claimed) = g.claimed_objective.filter(|c| {
        (c - g.objective_micro as f64 / 1e6).abs()
            > crate::verify::tolerance(g.objective_micro as f64 / 1e6)
    }) {
        let _ = writeln!(
            s,
            "<p class=\"muted\">{} {}{}</p>",
            esc(l.t("The file claims an objective of", "文件声明的总分为")),
            super::lang::claimed(claimed),
            esc(l.t(
                "; the recomputed value above is the one to trust.",
                "；以上重算值为准。"
            ))
        );
    }
    s.push_str("</section>\n");
}

fn cities(s: &mut String, f: &Figures) {
    let l = f.lang;
    s.push_str("<section class=\"page\">\n");
    let mut body = format!(
        "<p>{}</p>\n",
        esc(l.t(
            "Each row is a city of applicants; each column the city of the reviewers. Numbers are reviews; colour is the share of the row; the dashed grey outline marks the applicants' own city.",
            "每行是申报所在城市，每列是评审专家所在城市。数字为评审次数，颜色深浅为占该行的比例，灰色虚线框为申报本市。"
        ))
    );
    let rows: Vec<String> = f.city_shares.iter().map(|c| c.city.clone()).collect();
    let m: Vec<Vec<u64>> = rows
        .iter()
        .filter_map(|r| f.cities.iter().position(|c| c == r))
        .map(|i| f.flow[i].clone())
        .collect();
    body.push_str(&svg::heatmap(
        &rows,
        &f.cities,
        &m,
        l.t(
            "reviews by applicants' city and reviewer's city",
            "按申报城市与评审专家城市统计的评审次数",
        ),
        l,
    ));
    keep(
        s,
        "h2",
        l.t("2. Who reviewed whom: city × city", "2. 城市之间的评审分布"),
        &body,
    );
    let bars: Vec<Bar> = f
        .city_shares
        .iter()
        .map(|c| Bar {
            label: c.city.clone(),
            value: c.share(),
            text: format!(
                "{} ({} / {})",
                pct(c.share()),
                int(c.outside_reviews),
                int(c.reviews)
            ),
            warn: !c.meets_target(),
        })
        .collect();
    let common: Option<f64> = match f.city_shares.first().and_then(|c| c.target) {
        Some(t) if f.city_shares.iter().all(|c| c.target == Some(t)) => Some(t),
        _ => None,
    };
    let target_label = common.map(|t| format!("{} {}", l.t("target", "目标"), pct(t)));
    let mut body = svg::hbars(
        &bars,
        1.0,
        common.zip(target_label.as_deref()),
        l.t("outside-city share per city", "各市外地评审比例"),
    );
    let _ = write!(
        body,
        "<table><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr>",
        esc(l.t("city", "城市")),
        esc(l.t("applications", "项目数")),
        esc(l.t("reviews", "评审次数")),
        esc(l.t("from other cities", "外地评审")),
        esc(l.t("share", "外地比例")),
        esc(l.t("required by the panel rule", "每组规则要求")),
        esc(l.t("target", "目标")),
        esc(l.t("target from", "目标来源"))
    );
    for c in &f.city_shares {
        let _ = write!(
            body,
            "<tr{}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><code>{}</code></td></tr>",
            if c.meets_target() { "" } else { " class=\"warn\"" },
            esc(&c.city),
            count(c.applications),
            int(c.reviews),
            int(c.outside_reviews),
            pct(c.share()),
            pct(c.required_share),
            esc(&words::target(l, c.target)),
            esc(&words::target_from(l, c.target_from.as_deref()))
        );
    }
    body.push_str("</table>\n");
    keep(
        s,
        "h3",
        l.t(
            "Outside-city share, against each city's target",
            "外地评审比例与各市目标",
        ),
        &body,
    );
    s.push_str("</section>\n");
}

fn panels(s: &mut String, f: &Figures) {
    let l = f.lang;
    s.push_str("<section>\n");
    let bins: Vec<(String, u64)> = f
        .outside_histogram
        .iter()
        .enumerate()
        .map(|(n, &c)| (n.to_string(), c))
        .collect();
    let mins: Vec<usize> = f.common_minimum.map(|q| q as usize).into_iter().collect();
    let mut body = svg::histogram(
        &bins,
        &mins,
        l.t("outside-city members in the panel", "组内外地专家人数"),
        l.t("panels", "专家组数"),
        l.t(
            "panels by number of outside-city members",
            "按外地专家人数统计的专家组",
        ),
    );
    let at_min = match l {
        Lang::En => format!(
            "{} of {} applications with an outside-city minimum sit exactly at it (the orange bar, when all share one minimum); the rest have more outside members than required.",
            count(f.at_minimum_count),
            count(f.with_minimum)
        ),
        Lang::Zh => format!(
            "有外地人数下限的 {} 个项目中，{} 个恰好等于下限（所有项目下限相同时为橙色柱），其余多于要求。",
            count(f.with_minimum),
            count(f.at_minimum_count)
        ),
    };
    let _ = writeln!(body, "<p>{}</p>", esc(&at_min));
    if f.at_minimum_count > 0 {
        let _ = writeln!(
            body,
            "<p class=\"muted\">{}{}{}</p>",
            esc(l.t("At the minimum", "恰好等于下限")),
            l.colon(),
            esc(&words::list_some(
                l,
                &f.at_minimum,
                f.at_minimum_count,
                30,
                words::Unit::Applications
            ))
        );
    }
    keep(
        s,
        "h2",
        l.t("3. Panels", "3. 专家组"),
        &format!(
            "<h3>{}</h3>{body}",
            esc(l.t(
                "Members from outside the applicant's city",
                "来自申报城市以外的专家"
            ))
        ),
    );
    let mut body = format!(
        "<table><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        esc(l.t("application", "项目")),
        esc(l.t("city", "城市")),
        esc(l.t("members", "人数")),
        esc(l.t("panel score", "组匹配分"))
    );
    for p in &f.lowest_panels {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.application.label()),
            esc(&p.city),
            count(p.members),
            score(p.score_micro)
        );
    }
    body.push_str("</table>\n");
    keep(
        s,
        "h3",
        l.t("Lowest-scoring panels", "匹配分最低的专家组"),
        &body,
    );
    s.push_str("</section>\n");
}

fn loads(s: &mut String, f: &Figures) {
    let l = f.lang;
    s.push_str("<section>\n");
    let lbins: Vec<(String, u64)> = f
        .load_histogram
        .iter()
        .enumerate()
        .map(|(n, &c)| (n.to_string(), c))
        .collect();
    let mut body = svg::histogram(
        &lbins,
        &[],
        l.t("reviews per expert", "每位专家的评审数"),
        l.t("experts", "专家人数"),
        l.t("experts by number of reviews", "按评审数统计的专家"),
    );
    let cap = match l {
        Lang::En => format!("{} expert(s) at their load cap", count(f.at_cap_count)),
        Lang::Zh => format!("{} 位专家达到评审上限", count(f.at_cap_count)),
    };
    let _ = writeln!(
        body,
        "<p>{}{}</p>",
        esc(&cap),
        if f.at_cap_count == 0 {
            l.t(".", "。").to_string()
        } else {
            format!(
                "{}{}{}",
                l.t(": ", "："),
                esc(&words::list_some(
                    l,
                    &f.at_cap,
                    f.at_cap_count,
                    30,
                    words::Unit::Experts
                )),
                l.t(".", "。")
            )
        }
    );
    keep(s, "h2", l.t("4. Load fairness", "4. 评审负担"), &body);
    let mut t = String::new();
    load_table(&mut t, l, &f.load_by_city, usize::MAX);
    keep(s, "h3", l.t("By city of the experts", "按专家所在城市"), &t);
    let mut t = String::new();
    load_table(&mut t, l, &f.load_by_institution, LIST_LIMIT);
    if f.load_by_institution.len() > LIST_LIMIT {
        let more = f.load_by_institution.len() - LIST_LIMIT;
        let _ = write!(
            t,
            "<p class=\"muted\">{}</p>",
            esc(&match l {
                Lang::En => format!("… and {} more institutions.", count(more)),
                Lang::Zh => format!("……另有 {} 个单位。", count(more)),
            })
        );
    }
    keep(
        s,
        "h3",
        l.t(
            "By institution (most reviews first)",
            "按单位（评审最多者在前）",
        ),
        &t,
    );
    s.push_str("</section>\n");
}

fn load_table(s: &mut String, l: Lang, groups: &[super::LoadGroup], limit: usize) {
    let _ = write!(
        s,
        "<table><tr><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        esc(l.t("experts", "可用专家")),
        esc(l.t("used", "已用")),
        esc(l.t("reviews", "评审次数")),
        esc(l.t("per expert", "人均")),
        esc(l.t("at cap", "达上限"))
    );
    for g in groups.iter().take(limit) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{}</td></tr>",
            esc(&g.name),
            count(g.experts),
            count(g.used),
            int(g.reviews),
            g.mean_load(),
            count(g.at_cap)
        );
    }
    s.push_str("</table>");
}

fn exclusions(s: &mut String, f: &Figures) {
    let l = f.lang;
    let x = &f.exclusions;
    s.push_str("<section>\n");
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<table><tr><th></th><th class=\"n\">{}</th></tr><tr><td>{}</td><td class=\"n\">{}</td></tr><tr><td>{}</td><td class=\"n\">{}</td></tr><tr><td>{}</td><td class=\"n\">{}</td></tr><tr><td>{}</td><td class=\"n\">{}</td></tr><tr><td>{}</td><td class=\"n\">{}</td></tr></table>",
        esc(l.t("(application, expert) pairs", "（项目，专家）对")),
        esc(l.t("all pairs", "全部组合")),
        int(x.all_pairs),
        esc(&match l {
            Lang::En => format!("unavailable experts ({}), not conflicts", int(x.unavailable_experts)),
            Lang::Zh => format!("不可用专家（{} 人），不属于利益冲突", int(x.unavailable_experts)),
        }),
        int(x.unavailable_pairs),
        esc(l.t("conflicts avoided", "回避的利益冲突")),
        int(x.conflict_pairs),
        esc(crate::other_reasons_label(l)),
        int(x.other_pairs),
        esc(l.t("eligible", "符合资格")),
        int(x.eligible_pairs)
    );
    keep(
        s,
        "h2",
        l.t("5. Conflicts avoided", "5. 回避的利益冲突"),
        &body,
    );
    let cmax = x.conflicts.iter().map(|c| c.pairs).max().unwrap_or(0) as f64;
    let cbars: Vec<Bar> = x
        .conflicts
        .iter()
        .map(|c| Bar {
            label: words::conflict(l, &c.kind),
            value: c.pairs as f64,
            text: int(c.pairs),
            warn: false,
        })
        .collect();
    let mut body = format!(
        "<p>{}</p>",
        esc(l.t(
            "Among available experts; a pair with two kinds of conflict counts under both.",
            "仅统计可用专家；同时有两种冲突的组合在两类中各计一次。"
        ))
    );
    body.push_str(&svg::hbars(
        &cbars,
        cmax,
        None,
        l.t(
            "pairs kept out by kind of conflict",
            "按冲突类型统计的回避组合",
        ),
    ));
    keep(s, "h3", l.t("By kind of conflict", "按冲突类型"), &body);
    s.push_str("</section>\n");
}

fn prices(s: &mut String, f: &Figures) {
    let l = f.lang;
    s.push_str("<section>\n");
    let mut body = format!("<p>{}</p>", esc(&crate::words::price_intro(l)));
    if f.prices.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(l.t(
                "No rule family to price in this round (no city, senior, coverage or co-panel rule).",
                "本轮没有需要计算代价的规则（无城市、职称、学科覆盖或同组规则）。"
            ))
        );
    } else {
        let _ = write!(
            body,
            "<table><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
            esc(l.t("rule family", "规则类别")),
            esc(l.t("rules dropped", "去掉的规则")),
            esc(l.t("with every rule", "全部规则")),
            esc(l.t("without this family", "去掉此类规则")),
            esc(l.t("price", "代价"))
        );
        for p in &f.prices {
            let (with, without) = match &p.outcome {
                PriceOutcome::Priced { with, without, .. } => (
                    format!(
                        "{}<br><span class=\"muted\">{}</span>",
                        esc(&words::side(l, with)),
                        esc(&words::source(l, &with.source))
                    ),
                    format!(
                        "{}<br><span class=\"muted\">{}</span>",
                        esc(&words::side(l, without)),
                        esc(&words::source(l, &without.source))
                    ),
                ),
                _ => (String::new(), String::new()),
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{with}</td><td class=\"n\">{without}</td><td class=\"n\"><strong>{}</strong><br><span class=\"muted\">{}</span></td></tr>",
                esc(words::family(l, p.family)),
                esc(&words::dropped(p)),
                esc(&words::price_value(l, p)),
                esc(&words::price_note(l, p))
            );
        }
        body.push_str("</table>\n");
    }
    keep(
        s,
        "h2",
        l.t("6. The price of the rules", "6. 规则的代价"),
        &body,
    );
    s.push_str("</section>\n");
}

/// Programmes and history, when the figures carry them.
fn programmes(s: &mut String, f: &Figures) {
    let l = f.lang;
    let row = |cells: &[String], th: bool| {
        let tag = if th { "th" } else { "td" };
        let mut r = String::from("<tr>");
        for (i, c) in cells.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"n\"" };
            let _ = write!(r, "<{tag}{class}>{}</{tag}>", esc(c));
        }
        r.push_str("</tr>");
        r
    };
    if let Some(ps) = &f.programmes {
        let head: Vec<String> = words::programme_head(l).map(String::from).to_vec();
        let mut body = format!(
            "<p>{}</p><table>{}",
            esc(l.t(
                "Each programme is judged by its own rules: its outside-city share against its own target.",
                "各计划类别按各自的规则评判：外地评审比例与本类别的目标相比。"
            )),
            row(&head, true)
        );
        for p in ps {
            let r = row(&words::programme_row(l, p), false);
            if p.meets_target() {
                body.push_str(&r);
            } else {
                body.push_str(&r.replacen("<tr>", "<tr class=\"warn\">", 1));
            }
        }
        body.push_str("</table>");
        keep(
            s,
            "h2",
            l.t(
                "Programmes: outside-city share per programme",
                "各计划类别的外地评审比例",
            ),
            &body,
        );
    }
    if let Some(h) = &f.history {
        let mut body = String::from("<table>");
        for (label, value) in words::history_lines(l, h) {
            let _ = write!(
                body,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(&label),
                esc(&value)
            );
        }
        body.push_str("</table>");
        if !h.yearly.is_empty() {
            let head: Vec<String> = words::yearly_head(l).map(String::from).to_vec();
            body.push_str("<table>");
            body.push_str(&row(&head, true));
            let shown = h.yearly.len().min(LIST_LIMIT);
            for y in h.yearly.iter().take(shown) {
                body.push_str(&row(
                    &[y.expert.label(), int(y.earlier), int(y.now), int(y.cap)],
                    false,
                ));
            }
            body.push_str("</table>");
            if let Some(more) = words::yearly_more(l, h, shown) {
                let _ = write!(body, "<p class=\"muted\">{}</p>", esc(&more));
            }
        }
        keep(
            s,
            "h2",
            l.t(
                "History: repeats, rest and yearly loads",
                "历年记录：重复评审、轮空与全年负担",
            ),
            &body,
        );
    }
}

fn how_to_check(s: &mut String, f: &Figures) {
    let l = f.lang;
    let c = &f.check;
    s.push_str("<section>\n");
    let mut body = String::from("<table>");
    let none = l.t("none", "无");
    let _ = write!(
        body,
        "<tr><th>{}</th><td class=\"mono\">{}</td></tr>",
        esc(l.t("input SHA-256", "输入数据 SHA-256")),
        esc(c
            .input_sha256
            .as_deref()
            .unwrap_or(l.t("not computed", "未计算")))
    );
    let _ = write!(
        body,
        "<tr><th>{}</th><td class=\"mono\">{}{}</td></tr>",
        esc(l.t(
            "input SHA-256 recorded in the panels file",
            "分组文件记录的输入 SHA-256"
        )),
        esc(c.file_input_sha256.as_deref().unwrap_or(none)),
        esc(match c.hashes_match() {
            Some(true) => l.t(" (matches)", "（一致）"),
            Some(false) => l.t(
                " (DIFFERS: these panels were made for other input)",
                "（不一致：该分组是为其他输入数据生成的）"
            ),
            None => "",
        })
    );
    let _ = write!(
        body,
        "<tr><th>{}</th><td class=\"mono\">{}</td></tr>",
        esc(l.t("panels file SHA-256", "分组文件 SHA-256")),
        esc(c
            .panels_sha256
            .as_deref()
            .unwrap_or(l.t("not computed", "未计算")))
    );
    let _ = write!(
        body,
        "<tr><th>{}</th><td class=\"mono\">{}</td></tr>",
        esc(l.t("seed", "随机种子")),
        esc(&c.seed.map(|x| x.to_string()).unwrap_or_else(|| none.into()))
    );
    let _ = write!(
        body,
        "<tr><th>{}</th><td>{}</td></tr>",
        esc(l.t("optimality certificate", "最优性证书")),
        esc(if c.certificate {
            l.t(
                "present: verify --certificate re-checks it",
                "有：verify --certificate 可复核",
            )
        } else {
            l.t(
                "none in this file (verify checks every rule without it)",
                "本文件没有（verify 不用证书也检查全部规则）",
            )
        })
    );
    for (k, v) in words::draw_rows(l, f)
        .into_iter()
        .chain(words::replace_rows(l, f))
    {
        let _ = write!(
            body,
            "<tr><th>{}</th><td class=\"mono\">{}</td></tr>",
            esc(&k),
            esc(&v)
        );
    }
    body.push_str("</table>");
    let _ = writeln!(
        body,
        "<p>{}</p><pre>{}</pre>",
        esc(words::check_intro(l, f)),
        esc(&c.commands.join("\n"))
    );
    keep(s, "h2", l.t("7. How to check this", "7. 如何核对"), &body);
    s.push_str("</section>\n");
}
