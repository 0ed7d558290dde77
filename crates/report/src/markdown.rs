//! The report as Markdown: the same numbers as the HTML page, as tables
//! (the heat map becomes a table of counts, histograms tables of bins),
//! every name escaped ([`md`]), and the figures as JSON in an HTML comment
//! at the end (invisible when rendered; read by `panels report --check`).

use std::fmt::Write as _;

use super::html::LIST_LIMIT;
use super::lang::{count, int, pct, score, Lang};
use super::{words, Figures, LoadGroup, PriceOutcome};

/// The first line of the data block.
pub const DATA_START: &str = "<!-- panels-figures";

/// Escapes text for Markdown, inline or in a table cell (never at the
/// start of a line): every character that Markdown or HTML could read
/// there (`\`, `` ` ``, `*`, `_`, `[`, `]`, `<`, `>`, `|`, `#`, `!`, `&`,
/// `~`) gets a backslash, and line breaks become spaces, so a name can
/// neither format, link, open HTML nor break a table.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The figures as JSON inside an HTML comment; `<`, `>` and `&` are JSON
/// escapes, so the comment cannot end early.
pub(crate) fn data_block(f: &Figures) -> String {
    let json = super::figures_json(f)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!("{DATA_START}\n{json}-->\n")
}

/// Renders the whole report.
pub fn render(f: &Figures) -> String {
    let mut s = String::new();
    summary(&mut s, f);
    cities(&mut s, f);
    panels(&mut s, f);
    loads(&mut s, f);
    exclusions(&mut s, f);
    prices(&mut s, f);
    extras(&mut s, f);
    how_to_check(&mut s, f);
    s.push('\n');
    s.push_str(&data_block(f));
    s
}

fn summary(s: &mut String, f: &Figures) {
    let l = f.lang;
    let g = &f.glance;
    let _ = writeln!(
        s,
        "# {}\n\n{} {}{}{} {}{}{}\n",
        l.t("Review panels: fairness report", "评审专家组公平性报告"),
        l.t("Instance", "输入数据"),
        md(&f.settings.instance),
        l.t(", ", "，"),
        l.t("panels", "分组结果"),
        md(&f.settings.panels),
        l.t(". ", "。"),
        l.t(
            "Every number is recomputed from the instance.",
            "所有数字均由输入数据重新计算。"
        )
    );
    if f.violations.is_empty() {
        let _ = writeln!(
            s,
            "**{}**\n",
            l.t(
                "This assignment obeys every rule checked.",
                "本次分组符合所有检查的规则。"
            )
        );
    } else {
        let head = match l {
            Lang::En => format!(
                "This assignment breaks {} rule(s).",
                count(f.violations.len())
            ),
            Lang::Zh => format!(
                "本次分组有 {} 处不符合规则（verify 检查结果的中文表述，与 panels verify 英文输出的编号逐条对应）。",
                count(f.violations.len())
            ),
        };
        let _ = writeln!(s, "> **{head}**\n>");
        for (i, v) in f.violations.iter().enumerate() {
            let _ = writeln!(s, "> {}\\. {}", i + 1, md(v));
        }
        s.push('\n');
    }
    let (warn, notes) = words::notes(l, f);
    if !notes.is_empty() {
        let _ = writeln!(s, "> **{}**\n>", words::notes_title(l, warn));
        for n in &notes {
            let _ = writeln!(s, "> - {}", md(n));
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "## {}\n\n| | |\n|---|---:|",
        l.t("1. The round at a glance", "1. 本轮概况")
    );
    let none = l.t("none", "无");
    let rows: Vec<(&str, String)> = vec![
        (l.t("applications", "申报项目"), count(g.applications)),
        (l.t("panels in the file", "文件中的专家组"), count(g.panels)),
        (l.t("experts in the pool", "专家库人数"), count(g.pool)),
        (l.t("experts available", "可用专家"), count(g.available)),
        (l.t("experts used", "已用专家"), count(g.experts_used)),
        (l.t("reviews assigned", "评审任务"), int(g.reviews)),
        (
            l.t("total score (recomputed)", "总匹配分（重算）"),
            score(g.objective_micro),
        ),
        (
            l.t("total score claimed by the file", "文件声明的总分"),
            g.claimed_objective
                .map(super::lang::claimed)
                .unwrap_or_else(|| none.into()),
        ),
        (
            l.t("bound claimed by the file", "文件声明的上界"),
            g.bound
                .map(super::lang::claimed)
                .unwrap_or_else(|| none.into()),
        ),
        (
            l.t("status claimed", "文件声明的状态"),
            words::status(l, &g.status),
        ),
        (
            l.t("solver named by the file", "文件记录的求解方法"),
            words::solver(l, g.solver.as_deref()),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "| {} | {} |", k, md(&v));
    }
    let _ = writeln!(
        s,
        "\n### {}\n\n| {} | {} | {} | {} |\n|---|---:|---|---|",
        l.t("Rules of the round", "本轮规则"),
        l.t("rule", "规则"),
        l.t("target", "要求"),
        l.t("applies to", "适用范围"),
        l.t("policy field", "参数名")
    );
    for r in &f.rules {
        let (label, value) = words::rule(l, r);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            md(&label),
            md(&value),
            md(&words::applies_to(l, r)),
            match &r.programme {
                Some(p) => format!("programmes.{}.{}", md(p), r.rule),
                None => r.rule.clone(),
            }
        );
    }
}

fn cities(s: &mut String, f: &Figures) {
    let l = f.lang;
    let _ = writeln!(
        s,
        "\n## {}\n\n{}\n",
        l.t("2. Who reviewed whom: city × city", "2. 城市之间的评审分布"),
        l.t(
            "Rows: applicants' city; columns: reviewers' city; cells: reviews.",
            "行：申报所在城市；列：评审专家所在城市；数字：评审次数。"
        )
    );
    let _ = write!(
        s,
        "| {} |",
        l.t("applicants \\\\ reviewers", "申报 \\\\ 评审")
    );
    for c in &f.cities {
        let _ = write!(s, " {} |", md(c));
    }
    let _ = write!(s, " {} |\n|---|", l.t("total", "合计"));
    for _ in &f.cities {
        s.push_str("---:|");
    }
    s.push_str("---:|\n");
    for cs in &f.city_shares {
        let Some(i) = f.cities.iter().position(|c| *c == cs.city) else {
            continue;
        };
        let _ = write!(s, "| {} |", md(&cs.city));
        for v in &f.flow[i] {
            let _ = write!(s, " {} |", int(*v));
        }
        let _ = writeln!(s, " {} |", int(f.flow[i].iter().sum::<u64>()));
    }
    let _ = writeln!(
        s,
        "\n### {}\n\n| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---:|---:|---|---|",
        l.t("Outside-city share per city", "各市外地评审比例"),
        l.t("city", "城市"),
        l.t("applications", "项目数"),
        l.t("reviews", "评审次数"),
        l.t("from other cities", "外地评审"),
        l.t("share", "外地比例"),
        l.t("required by the panel rule", "每组规则要求"),
        l.t("target", "目标"),
        l.t("target from", "目标来源"),
        l.t("meets target", "是否达标")
    );
    for c in &f.city_shares {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&c.city),
            count(c.applications),
            int(c.reviews),
            int(c.outside_reviews),
            pct(c.share()),
            pct(c.required_share),
            md(&words::target(l, c.target)),
            match c.target_from.as_deref() {
                Some(k) if k.starts_with("min_") => format!("`{k}`"),
                other => md(&words::target_from(l, other)),
            },
            if c.meets_target() {
                words::yes_no(l, true).to_string()
            } else {
                format!("**{}**", words::yes_no(l, false))
            }
        );
    }
}

fn panels(s: &mut String, f: &Figures) {
    let l = f.lang;
    let _ = writeln!(
        s,
        "\n## {}\n\n### {}\n\n| {} | {} |\n|---:|---:|",
        l.t("3. Panels", "3. 专家组"),
        l.t(
            "Members from outside the applicant's city",
            "来自申报城市以外的专家"
        ),
        l.t("outside members", "外地专家人数"),
        l.t("panels", "专家组数")
    );
    for (n, c) in f.outside_histogram.iter().enumerate() {
        let _ = writeln!(s, "| {n} | {} |", int(*c));
    }
    let at_min = match l {
        Lang::En => format!(
            "{} of {} applications with an outside-city minimum sit exactly at it.",
            count(f.at_minimum_count),
            count(f.with_minimum)
        ),
        Lang::Zh => format!(
            "有外地人数下限的 {} 个项目中，{} 个恰好等于下限。",
            count(f.with_minimum),
            count(f.at_minimum_count)
        ),
    };
    let _ = writeln!(s, "\n{at_min}");
    if f.at_minimum_count > 0 {
        let _ = writeln!(
            s,
            "{}{}{}",
            l.t("At the minimum: ", "恰好等于下限："),
            md(&words::list_some(
                l,
                &f.at_minimum,
                f.at_minimum_count,
                30,
                words::Unit::Applications
            )),
            l.t(".", "。")
        );
    }
    let _ = writeln!(
        s,
        "\n### {}\n\n| {} | {} | {} | {} |\n|---|---|---:|---:|",
        l.t("Lowest-scoring panels", "匹配分最低的专家组"),
        l.t("application", "项目"),
        l.t("city", "城市"),
        l.t("members", "人数"),
        l.t("panel score", "组匹配分")
    );
    for p in &f.lowest_panels {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            md(&p.application.label()),
            md(&p.city),
            count(p.members),
            score(p.score_micro)
        );
    }
}

fn loads(s: &mut String, f: &Figures) {
    let l = f.lang;
    let _ = writeln!(
        s,
        "\n## {}\n\n| {} | {} |\n|---:|---:|",
        l.t("4. Load fairness", "4. 评审负担"),
        l.t("reviews per expert", "每位专家的评审数"),
        l.t("experts", "专家人数")
    );
    for (n, c) in f.load_histogram.iter().enumerate() {
        let _ = writeln!(s, "| {n} | {} |", int(*c));
    }
    let cap = match l {
        Lang::En => format!("{} expert(s) at their load cap", count(f.at_cap_count)),
        Lang::Zh => format!("{} 位专家达到评审上限", count(f.at_cap_count)),
    };
    let _ = writeln!(
        s,
        "\n{cap}{}",
        if f.at_cap_count == 0 {
            l.t(".", "。").to_string()
        } else {
            format!(
                "{}{}{}",
                l.t(": ", "："),
                md(&words::list_some(
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
    let _ = writeln!(
        s,
        "\n### {}\n",
        l.t("By city of the experts", "按专家所在城市")
    );
    load_table(s, l, &f.load_by_city, usize::MAX);
    let _ = writeln!(
        s,
        "\n### {}\n",
        l.t(
            "By institution (most reviews first)",
            "按单位（评审最多者在前）"
        )
    );
    load_table(s, l, &f.load_by_institution, LIST_LIMIT);
    if f.load_by_institution.len() > LIST_LIMIT {
        let more = f.load_by_institution.len() - LIST_LIMIT;
        let _ = writeln!(
            s,
            "\n{}",
            match l {
                Lang::En => format!("… and {} more institutions.", count(more)),
                Lang::Zh => format!("……另有 {} 个单位。", count(more)),
            }
        );
    }
}

fn load_table(s: &mut String, l: Lang, groups: &[LoadGroup], limit: usize) {
    let _ = writeln!(
        s,
        "| | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---:|",
        l.t("experts", "可用专家"),
        l.t("used", "已用"),
        l.t("reviews", "评审次数"),
        l.t("per expert", "人均"),
        l.t("at cap", "达上限")
    );
    for g in groups.iter().take(limit) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} | {} |",
            md(&g.name),
            count(g.experts),
            count(g.used),
            int(g.reviews),
            g.mean_load(),
            count(g.at_cap)
        );
    }
}

fn exclusions(s: &mut String, f: &Figures) {
    let l = f.lang;
    let x = &f.exclusions;
    let _ = writeln!(
        s,
        "\n## {}\n\n| | {} |\n|---|---:|",
        l.t("5. Conflicts avoided", "5. 回避的利益冲突"),
        l.t("(application, expert) pairs", "（项目，专家）对")
    );
    let unavailable = match l {
        Lang::En => format!(
            "unavailable experts ({}), not conflicts",
            int(x.unavailable_experts)
        ),
        Lang::Zh => format!(
            "不可用专家（{} 人），不属于利益冲突",
            int(x.unavailable_experts)
        ),
    };
    for (k, v) in [
        (l.t("all pairs", "全部组合").to_string(), x.all_pairs),
        (unavailable, x.unavailable_pairs),
        (
            l.t("conflicts avoided", "回避的利益冲突").to_string(),
            x.conflict_pairs,
        ),
        (crate::other_reasons_label(l).to_string(), x.other_pairs),
        (l.t("eligible", "符合资格").to_string(), x.eligible_pairs),
    ] {
        let _ = writeln!(s, "| {} | {} |", md(&k), int(v));
    }
    let _ = writeln!(
        s,
        "\n### {}\n\n{}\n\n| {} | {} |\n|---|---:|",
        l.t("By kind of conflict", "按冲突类型"),
        l.t(
            "Among available experts; a pair with two kinds of conflict counts under both.",
            "仅统计可用专家；同时有两种冲突的组合在两类中各计一次。"
        ),
        l.t("kind", "类型"),
        l.t("pairs", "组合数")
    );
    for c in &x.conflicts {
        let _ = writeln!(
            s,
            "| {} | {} |",
            md(&words::conflict(l, &c.kind)),
            int(c.pairs)
        );
    }
}

fn prices(s: &mut String, f: &Figures) {
    let l = f.lang;
    let _ = writeln!(
        s,
        "\n## {}\n\n{}\n",
        l.t("6. The price of the rules", "6. 规则的代价"),
        crate::words::price_intro(l)
    );
    if f.prices.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            l.t(
                "No rule family to price in this round (no city, senior, coverage or co-panel rule).",
                "本轮没有需要计算代价的规则（无城市、职称、学科覆盖或同组规则）。"
            )
        );
        return;
    }
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} | {} |\n|---|---|---:|---:|---:|---|",
        l.t("rule family", "规则类别"),
        l.t("rules dropped", "去掉的规则"),
        l.t("with every rule", "全部规则"),
        l.t("without this family", "去掉此类规则"),
        l.t("price", "代价"),
        l.t("what it means", "含义")
    );
    for p in &f.prices {
        let (with, without) = match &p.outcome {
            PriceOutcome::Priced { with, without, .. } => (
                format!(
                    "{} ({})",
                    words::side(l, with),
                    words::source(l, &with.source)
                ),
                format!(
                    "{} ({})",
                    words::side(l, without),
                    words::source(l, &without.source)
                ),
            ),
            _ => (String::new(), String::new()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | **{}** | {} |",
            md(words::family(l, p.family)),
            md(&words::dropped(p)),
            md(&with),
            md(&without),
            md(&words::price_value(l, p)),
            md(&words::price_note(l, p))
        );
    }
}

fn extras(s: &mut String, f: &Figures) {
    let l = f.lang;
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| md(c)).collect();
        format!("| {} |", cells.join(" | "))
    };
    if let Some(ps) = &f.programmes {
        let head: Vec<String> = words::programme_head(l).map(String::from).to_vec();
        let _ = writeln!(
            s,
            "\n## {}\n\n{}\n\n{}\n|---|---:|---:|---:|---:|---:|---:|---:|",
            l.t("Programmes: outside-city share per programme", "各计划类别的外地评审比例"),
            l.t(
                "Each programme is judged by its own rules: its outside-city share against its own target.",
                "各计划类别按各自的规则评判：外地评审比例与本类别的目标相比。"
            ),
            row(&head)
        );
        for p in ps {
            let _ = writeln!(s, "{}", row(&words::programme_row(l, p)));
        }
    }
    if let Some(h) = &f.history {
        let _ = writeln!(
            s,
            "\n## {}\n\n| | |\n|---|---|",
            l.t(
                "History: repeats, rest and yearly loads",
                "历年记录：重复评审、轮空与全年负担",
            )
        );
        for (label, value) in words::history_lines(l, h) {
            let _ = writeln!(s, "{}", row(&[label, value]));
        }
        if !h.yearly.is_empty() {
            let head: Vec<String> = words::yearly_head(l).map(String::from).to_vec();
            let _ = writeln!(s, "\n{}\n|---|---:|---:|---:|", row(&head));
            let shown = h.yearly.len().min(LIST_LIMIT);
            for y in h.yearly.iter().take(shown) {
                let _ = writeln!(
                    s,
                    "{}",
                    row(&[y.expert.label(), int(y.earlier), int(y.now), int(y.cap)])
                );
            }
            if let Some(more) = words::yearly_more(l, h, shown) {
                let _ = writeln!(s, "\n{}", md(&more));
            }
        }
    }
}

fn how_to_check(s: &mut String, f: &Figures) {
    let l = f.lang;
    let c = &f.check;
    let none = l.t("none", "无");
    let _ = writeln!(s, "\n## {}\n", l.t("7. How to check this", "7. 如何核对"));
    let rows = [
        (
            l.t("input SHA-256", "输入数据 SHA-256"),
            c.input_sha256
                .clone()
                .unwrap_or_else(|| l.t("not computed", "未计算").into()),
        ),
        (
            l.t(
                "input SHA-256 recorded in the panels file",
                "分组文件记录的输入 SHA-256",
            ),
            format!(
                "{}{}",
                c.file_input_sha256.as_deref().unwrap_or(none),
                match c.hashes_match() {
                    Some(true) => l.t(" (matches)", "（一致）"),
                    Some(false) => l.t(
                        " (DIFFERS: these panels were made for other input)",
                        "（不一致：该分组是为其他输入数据生成的）",
                    ),
                    None => "",
                }
            ),
        ),
        (
            l.t("panels file SHA-256", "分组文件 SHA-256"),
            c.panels_sha256
                .clone()
                .unwrap_or_else(|| l.t("not computed", "未计算").into()),
        ),
        (
            l.t("seed", "随机种子"),
            c.seed.map(|x| x.to_string()).unwrap_or_else(|| none.into()),
        ),
        (
            l.t("optimality certificate", "最优性证书"),
            if c.certificate {
                l.t(
                    "present: verify --certificate re-checks it",
                    "有：verify --certificate 可复核",
                )
            } else {
                l.t(
                    "none in this file (verify checks every rule without it)",
                    "本文件没有（verify 不用证书也检查全部规则）",
                )
            }
            .into(),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "- {k}{}{}", l.colon(), md(&v));
    }
    for (title, rows) in [
        (l.t("The draw:", "随机抽取："), words::draw_rows(l, f)),
        (l.t("The replacement:", "替换："), words::replace_rows(l, f)),
    ] {
        if !rows.is_empty() {
            let _ = writeln!(s, "\n{title}\n");
            for (k, v) in rows {
                let _ = writeln!(s, "- {}{}{}", md(&k), l.colon(), md(&v));
            }
        }
    }
    // A fence longer than any backtick run in the commands.
    let longest = c
        .commands
        .iter()
        .flat_map(|x| x.split(|ch| ch != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(
        s,
        "\n{}\n\n{fence}sh\n{}\n{fence}",
        words::check_intro(l, f),
        c.commands
            .iter()
            .map(|x| x.replace(['\n', '\r'], " "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
