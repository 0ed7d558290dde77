//! Sentences and labels shared by the HTML and Markdown reports, in both
//! languages: one place for each wording, so the two forms say the same.

use super::lang::{count, int, num, pct, score, Lang};
use super::{Family, FamilyPrice, Named, PriceOutcome, RuleInForce, Side};

/// The label of a policy rule and its value in words.
pub fn rule(lang: Lang, r: &RuleInForce) -> (String, String) {
    let v = r.value.as_str();
    let share = |v: &str| v.parse::<f64>().map(pct).unwrap_or_else(|_| v.to_string());
    let (en, zh, value): (&str, &str, String) = match r.rule.as_str() {
        "panel_size" => ("panel size", "每组专家人数", v.into()),
        "min_outside_share" => (
            "outside-city share of each panel, at least",
            "每组外地专家比例不低于",
            share(v),
        ),
        "min_outside" => (
            "outside-city members of each panel, at least",
            "每组外地专家不少于",
            v.into(),
        ),
        "max_per_city" => (
            "members from one city, at most",
            "每组同一城市专家不超过",
            v.into(),
        ),
        "max_per_institution" => (
            "members from one institution, at most",
            "每组同一单位专家不超过",
            v.into(),
        ),
        "max_load" => (
            "reviews per expert, at most",
            "每位专家评审不超过",
            v.into(),
        ),
        "min_load" => (
            "reviews per expert, at least",
            "每位专家评审不少于",
            v.into(),
        ),
        "avoid_same_institution" => (
            "no expert reviews their own institution",
            "本单位专家回避",
            lang.t("yes", "是").into(),
        ),
        "coauthor_hops" => (
            "co-authors kept out (links / years)",
            "合作者回避（关系层数 / 年数）",
            v.into(),
        ),
        "min_affinity" => ("match score, at least", "匹配度不低于", v.into()),
        "min_senior" => (
            "senior members of each panel, at least (titles)",
            "每组高级职称专家不少于（职称）",
            v.into(),
        ),
        "cover_fields" => (
            "every field of an application covered by the panel",
            "申报学科均有对口专家",
            lang.t("yes", "是").into(),
        ),
        "min_outside_share_round" => (
            "outside-city share of all the round's reviews, at least",
            "全轮外地评审比例不低于",
            share(v),
        ),
        "min_outside_share_by_city" => (
            "outside-city share of this city's reviews, at least",
            "该市申报的外地评审比例不低于",
            share(v),
        ),
        "max_copanel" => (
            "panels any two experts share, at most",
            "两位专家同组次数不超过",
            v.into(),
        ),
        "bonus_per_city" => (
            "bonus per extra city on a panel (soft)",
            "每组多一个城市的加分（软性）",
            v.into(),
        ),
        "year" => ("year of the round", "本轮年度", v.into()),
        "history_years" => ("years of history that count", "计入的历史年数", v.into()),
        "avoid_repeat" => (
            "no expert reviews the same applicants again (institution / team)",
            "避免重复评审同一单位或团队",
            avoid_repeat(lang, v),
        ),
        "repeat_penalty" => (
            "a repeat costs (score, instead of a ban)",
            "重复评审扣分（代替禁止）",
            v.into(),
        ),
        "max_reviews_per_year" => (
            "reviews per expert in the year, at most",
            "每位专家全年评审不超过",
            v.into(),
        ),
        "max_consecutive_years" => (
            "consecutive years of reviewing, at most (then a year of rest)",
            "连续评审年数不超过（之后轮空一年）",
            v.into(),
        ),
        "max_declines" => (
            "declines and no-shows in the window, at most",
            "期内拒评或缺席次数不超过",
            v.into(),
        ),
        "min_rating" => (
            "mean rating of past reviews, at least",
            "历次评审平均评分不低于",
            v.into(),
        ),
        other => (other, other, v.into()),
    };
    (lang.t(en, zh).to_string(), value)
}

/// What `avoid_repeat` counts as a repeat, in words.
fn avoid_repeat(lang: Lang, v: &str) -> String {
    match v {
        "off" => lang.t("off", "未启用"),
        "institution" => lang.t("same institution", "同一单位"),
        "team" => lang.t("same team member", "同一团队成员"),
        "both" => lang.t("same institution or team member", "同一单位或团队成员"),
        other => other,
    }
    .into()
}

/// The history rules: they apply to experts, not to applications.
const EXPERT_RULES: [&str; 8] = [
    "year",
    "history_years",
    "avoid_repeat",
    "repeat_penalty",
    "max_reviews_per_year",
    "max_consecutive_years",
    "max_declines",
    "min_rating",
];

/// What a rule in force applies to: its city, its programme, the experts
/// (history rules) or every application.
pub fn applies_to(lang: Lang, r: &RuleInForce) -> String {
    if let Some(c) = &r.city {
        return c.clone();
    }
    if let Some(p) = &r.programme {
        return format!("{}{p}", lang.t("programme ", "计划类别："));
    }
    if EXPERT_RULES.contains(&r.rule.as_str()) {
        return lang.t("every expert", "全部专家").into();
    }
    lang.t("every application", "全部项目").into()
}

/// The policy field of a rule in force, as the policy file names it
/// (`programmes.<name>.<field>` for a programme's own rule).
pub fn field(r: &RuleInForce) -> String {
    match &r.programme {
        Some(p) => format!("programmes.{p}.{}", r.rule),
        None => r.rule.clone(),
    }
}

/// The name of a rule family.
pub fn family(lang: Lang, f: Family) -> &'static str {
    match f {
        Family::City => lang.t("city rules", "城市规则"),
        Family::Senior => lang.t("senior members", "高级职称要求"),
        Family::CoverFields => lang.t("field coverage", "学科覆盖"),
        Family::Copanel => lang.t("co-panel limit", "同组次数上限"),
    }
}

/// A conflict kind's label.
pub fn conflict(lang: Lang, key: &str) -> String {
    match key {
        "institution" => lang.t("same institution", "同一单位"),
        "team" => lang.t("team member", "团队成员"),
        "coauthor" => lang.t("co-author", "合作者"),
        "declared" => lang.t("declared conflict", "申报的利益冲突"),
        "applicant_request" => lang.t("applicants asked to avoid", "申请人要求回避"),
        other => other,
    }
    .to_string()
}

/// What the price of a rule family is and where its two sides come from
/// (the table names each side's source: [`source`]).
pub fn price_intro(lang: Lang) -> String {
    lang.t(
        "The price of a rule family is the best total score without it minus the best total score with every rule (the rest of the rules unchanged). The side without the family drops the family's rules wherever they apply, the round's and each programme's own; the table lists every rule it drops. That side is solved again in this run; the side with every rule is read from these panels and their optimality certificate when the panels keep every rule and the certificate checks, and is solved again otherwise. A re-solve that gives an LP certificate has it re-checked here as verify --certificate checks a file; section 7 gives the commands that write the round without a family, solve it and re-check that certificate. The table names the source of each side.",
        "某类规则的代价 = 去掉这类规则后的最优总分 − 全部规则下的最优总分（其他规则不变）。去掉一类规则时，凡是该类规则适用之处都去掉：全轮的规则和各计划类别自己的规则；表中列出去掉的每一条规则。去掉该类规则的一边在本次运行中重新求解；全部规则的一边，在本组结果遵守全部规则且其最优性证书通过检查时取自本组结果及其证书，否则也重新求解。重新求解给出最优性证书时，本次按 verify --certificate 的方式复核该证书；第 7 节给出写出去掉该类规则的输入数据、求解并复核其证书的命令。表中注明每一边的来源。",
    )
    .to_string()
}

/// Where a side's numbers come from, in words. `certificate` after
/// `panels` is the panels file's own certificate; after a re-solve it is
/// the re-solve's, checked in this run as `verify --certificate` checks a
/// file.
pub fn source(lang: Lang, s: &str) -> String {
    let mut prev = "";
    s.split('+')
        .map(|p| {
            let word = match p {
                "panels" => lang.t("these panels", "本组结果"),
                "certificate" if prev == "panels" => lang.t("their certificate", "其最优性证书"),
                "certificate" => lang.t(
                    "its LP certificate, re-checked here",
                    "其最优性证书（本次已复核）",
                ),
                "flow" => lang.t("exact flow re-solve", "网络流精确重算"),
                "mip" => lang.t("MIP re-solve", "整数规划重算"),
                "lagrange" => lang.t("Lagrangian re-solve", "拉格朗日重算"),
                other => other,
            };
            prev = p;
            word
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// One side as "X (optimal)" or "X … at most Y".
pub fn side(lang: Lang, s: &Side) -> String {
    match s.bound_micro {
        Some(b) if b == s.objective_micro => {
            format!("{} ({})", score(b), lang.t("proven optimal", "已证明最优"))
        }
        Some(b) => format!(
            "{} – {} ({})",
            score(s.objective_micro),
            score(b),
            lang.t("best found – proven bound", "已找到的最好值 – 已证明的上界")
        ),
        None => format!(
            "≥ {} ({})",
            score(s.objective_micro),
            lang.t("no bound proven", "未证明上界")
        ),
    }
}

/// The price itself: one number when proven, else an interval.
pub(crate) fn price_value(lang: Lang, p: &FamilyPrice) -> String {
    match &p.outcome {
        PriceOutcome::Priced {
            low_micro,
            high_micro,
            ..
        } => match high_micro {
            Some(h) if h == low_micro => score(*h),
            Some(h) => format!("{} – {}", score(*low_micro), score(*h)),
            None => format!(
                "≥ {} ({})",
                score(*low_micro),
                lang.t("no upper end proven", "上限未证明")
            ),
        },
        PriceOutcome::NotInForce => lang.t("not in force", "未启用").into(),
        PriceOutcome::Skipped => lang
            .t("not computed (--no-price)", "未计算（--no-price）")
            .into(),
        PriceOutcome::Failed { message } => {
            format!("{}{}{message}", lang.t("no answer", "无结果"), lang.colon())
        }
    }
}

/// What the price means, in one sentence.
pub(crate) fn price_note(lang: Lang, p: &FamilyPrice) -> String {
    match &p.outcome {
        PriceOutcome::Priced { .. } if p.outcome.exact().is_some() => lang
            .t(
                "Proven: both sides are solved to optimality.",
                "已证明：两边都求得最优解。",
            )
            .into(),
        PriceOutcome::Priced { .. } => lang
            .t(
                "An interval: at least one side is not proven optimal, so the price lies between the ends (never below 0: dropping rules cannot lower the best score).",
                "区间：至少一边未证明最优，代价在两端之间（不会低于 0：去掉规则不会降低最优总分）。",
            )
            .into(),
        _ => String::new(),
    }
}

/// The rules the side without a family drops, joined (policy paths).
pub(crate) fn dropped(p: &FamilyPrice) -> String {
    p.dropped.join(", ")
}

/// What a list counts, for the measure word of "and N more" in Chinese
/// (位 for people, 项 for applications).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Experts: 另有 N 位.
    Experts,
    /// Applications: 另有 N 项.
    Applications,
}

/// The first `n` labels joined with commas, then "and N more" (counted
/// from `total`).
pub(crate) fn list_some(lang: Lang, items: &[Named], total: usize, n: usize, unit: Unit) -> String {
    let mut out = items
        .iter()
        .take(n)
        .map(Named::label)
        .collect::<Vec<_>>()
        .join(lang.t(", ", "，"));
    let shown = items.len().min(n);
    if total > shown {
        let more = count(total - shown);
        out.push_str(&match (lang, unit) {
            (Lang::En, _) => format!(" and {more} more"),
            (Lang::Zh, Unit::Experts) => format!(" 等，另有 {more} 位"),
            (Lang::Zh, Unit::Applications) => format!(" 等，另有 {more} 项"),
        });
    }
    out
}

/// The status a panels file claims, in the report's language: Chinese
/// reports give the word in Chinese with the file's own word beside it
/// (`可行（feasible）`), English reports the file's word.
pub fn status(lang: Lang, s: &str) -> String {
    let zh = match s {
        "optimal" => "最优",
        "feasible" => "可行",
        "" => return lang.t("", "未记录").into(),
        _ => return s.into(),
    };
    match lang {
        Lang::En => s.into(),
        Lang::Zh => format!("{zh}（{s}）"),
    }
}

/// The method a panels file names, in the report's language (as
/// [`status`]: Chinese with the file's word beside it).
pub fn solver(lang: Lang, s: Option<&str>) -> String {
    let Some(s) = s else {
        return lang.t("not recorded", "未记录").into();
    };
    let zh = match s {
        "flow" => "网络流",
        "mip" => "整数规划",
        "lagrange" => "拉格朗日松弛",
        "draw" => "随机抽取",
        "replace" => "替换",
        _ => return s.into(),
    };
    match lang {
        Lang::En => s.into(),
        Lang::Zh => format!("{zh}（{s}）"),
    }
}

/// A target share, or "none".
pub fn target(lang: Lang, t: Option<f64>) -> String {
    t.map(pct).unwrap_or_else(|| lang.t("none", "无").into())
}

/// Where a city's target comes from.
pub fn target_from(lang: Lang, from: Option<&str>) -> String {
    match from {
        Some("--target") => lang.t("--target option", "--target 参数").into(),
        Some(k) => k.to_string(),
        None => String::new(),
    }
}

/// "yes" / "no".
pub fn yes_no(lang: Lang, b: bool) -> &'static str {
    if b {
        lang.t("yes", "是")
    } else {
        lang.t("no", "否")
    }
}

/// A plain count, for the few places that show one inline.
pub fn n(x: u64) -> String {
    int(x)
}

/// A policy value shown as written.
pub fn value(x: f64) -> String {
    num(x)
}

/// The programme table's column headings (the HTML and Markdown forms).
pub fn programme_head(lang: Lang) -> [&'static str; 8] {
    [
        lang.t("programme", "计划类别"),
        lang.t("applications", "项目数"),
        lang.t("reviews", "评审次数"),
        lang.t("from other cities", "外地评审"),
        lang.t("target (its own)", "目标（本类别）"),
        lang.t("the per-panel rule guarantees", "每组规则保证"),
        lang.t(
            "reviews per expert in it, at most",
            "每位专家在本类别评审上限",
        ),
        lang.t("experts at that cap", "达到上限的专家"),
    ]
}

/// One programme's row: name, applications, reviews, outside reviews with
/// their share, target with its source, required share, `max_load`,
/// experts at it.
pub fn programme_row(lang: Lang, p: &super::ProgrammeShare) -> [String; 8] {
    let target = match (&p.target, &p.target_from) {
        (Some(t), Some(from)) => format!("{} ({from})", pct(*t)),
        (t, _) => target(lang, *t),
    };
    let short = if p.meets_target() {
        ""
    } else {
        lang.t(" — below target", " — 低于目标")
    };
    [
        p.programme
            .clone()
            .unwrap_or_else(|| lang.t("(no programme)", "（未分类）").into()),
        count(p.applications),
        int(p.reviews),
        format!("{} ({}){short}", int(p.outside_reviews), pct(p.share())),
        target,
        pct(p.required_share),
        p.max_load.map_or_else(|| "–".into(), int),
        count(p.at_cap),
    ]
}

/// The history section's lines: (label, value), in order.
pub fn history_lines(lang: Lang, h: &super::HistoryFigures) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut line = |en: &str, zh: &str, v: String| out.push((lang.t(en, zh).into(), v));
    let window = match h.year {
        Some(y) => format!(
            "{y} ({} {}–{y})",
            lang.t("records count from", "计入"),
            i64::from(y) - i64::from(h.history_years)
        ),
        None => lang.t("none", "无").into(),
    };
    line("year of the round", "本轮年度", window);
    line(
        "past reviews on record / within the window",
        "历史评审记录 / 计入期内",
        format!("{} / {}", count(h.records), count(h.counting)),
    );
    line(
        "repeats (avoid_repeat)",
        "重复评审（avoid_repeat）",
        avoid_repeat(lang, &h.avoid_repeat),
    );
    match h.repeat_penalty {
        None => line(
            "repeats avoided: pairs the ban alone keeps out (every other rule of eligibility holds; counted under other reasons in section 5)",
            "避免的重复评审：仅因禁止重复评审而排除的配对（其余资格条件均符合；计入第 5 节“其他原因”）",
            int(h.repeat_pairs),
        ),
        Some(pen) => {
            line(
                "eligible pairs that would repeat (each costs repeat_penalty; among the eligible pairs of section 5)",
                "符合资格但会构成重复评审的配对（每对扣 repeat_penalty；含在第 5 节“符合资格”之内）",
                format!(
                    "{} ({} {})",
                    int(h.repeat_pairs),
                    lang.t("penalty", "扣分"),
                    num(pen)
                ),
            );
            line(
                "repeats paid: assigned anyway, total cost",
                "仍被安排的重复评审及总扣分",
                format!("{} ({})", int(h.repeats_paid), score(h.penalty_micro)),
            );
        }
    }
    let shown = |l: &super::ExpertList| {
        if l.count == 0 {
            "0".to_string()
        } else {
            format!(
                "{}{}{}",
                count(l.count),
                lang.colon(),
                list_some(
                    lang,
                    &l.experts,
                    l.count,
                    super::html::LIST_LIMIT,
                    Unit::Experts
                )
            )
        }
    };
    line(
        "experts resting (max_consecutive_years)",
        "轮空休息的专家（max_consecutive_years）",
        shown(&h.resting),
    );
    line(
        "experts barred for declines (max_declines)",
        "因拒评过多不予邀请（max_declines）",
        shown(&h.barred_declines),
    );
    line(
        "experts barred for their rating (min_rating)",
        "因评分过低不予邀请（min_rating）",
        shown(&h.barred_rating),
    );
    if let Some(cap) = h.max_reviews_per_year {
        line(
            "reviews per expert in the year, at most (max_reviews_per_year)",
            "每位专家全年评审上限（max_reviews_per_year）",
            int(cap),
        );
        let alone = h.at_yearly_cap.saturating_sub(h.at_yearly_cap_earlier);
        if h.year.is_none() {
            // No round year, so no past: the cap holds this round's load.
            line(
                "experts whose load this round reaches the cap (no year: no earlier reviews count)",
                "本轮评审次数达到上限的专家（未设年份：不计此前的评审）",
                count(h.at_yearly_cap),
            );
            return out;
        }
        line(
            "experts who reviewed earlier this year / whose year reaches the cap",
            "本年度已参加评审的专家 / 全年达到上限的专家",
            match lang {
                Lang::En => format!(
                    "{} / {} ({} of them reviewed earlier this year, first in the table below; {} reach the cap with this round's reviews alone)",
                    count(h.reviewed_earlier),
                    count(h.at_yearly_cap),
                    count(h.at_yearly_cap_earlier),
                    count(alone)
                ),
                Lang::Zh => format!(
                    "{} / {}（其中本年度此前已有评审的 {} 位，排在下表最前；仅本轮评审即达到上限的 {} 位）",
                    count(h.reviewed_earlier),
                    count(h.at_yearly_cap),
                    count(h.at_yearly_cap_earlier),
                    count(alone)
                ),
            },
        );
    } else if h.year.is_some() {
        line(
            "experts who reviewed earlier this year (no yearly cap: max_reviews_per_year is not set)",
            "本年度已参加评审的专家（未设全年评审上限 max_reviews_per_year）",
            count(h.reviewed_earlier),
        );
    }
    out
}

/// The line under the yearly-load table when it shows fewer rows than
/// there are experts who reviewed earlier in the year.
pub fn yearly_more(lang: Lang, h: &super::HistoryFigures, shown: usize) -> Option<String> {
    let more = h.reviewed_earlier.checked_sub(shown).filter(|&m| m > 0)?;
    Some(match lang {
        Lang::En => format!(
            "… and {} more experts who reviewed earlier this year (the table shows the first {}, most reviews in the year first).",
            count(more),
            count(shown)
        ),
        Lang::Zh => format!(
            "……另有 {} 位本年度此前有评审的专家未列出（表中按全年评审数列出前 {} 位）。",
            count(more),
            count(shown)
        ),
    })
}

/// The yearly-load table's column headings.
pub fn yearly_head(lang: Lang) -> [&'static str; 4] {
    [
        lang.t("expert", "专家"),
        lang.t("reviews earlier this year", "本年度此前评审"),
        lang.t("this round", "本轮"),
        lang.t("max_reviews_per_year", "全年上限"),
    ]
}

/// The notes at the top of a report, each one line: `verify`'s notes on
/// the file, then what the draw log given shows against the file (or that
/// a file naming a draw came without its log). The flag is true when a
/// note is a warning (anything but a draw checked only by the commands of
/// section 7).
pub fn notes(lang: Lang, f: &super::Figures) -> (bool, Vec<String>) {
    let mut out: Vec<String> = f
        .notes
        .iter()
        .map(|n| format!("{}{n}", lang.t("verify: ", "verify 提示：")))
        .collect();
    let mut warn = !out.is_empty();
    if let Some(r) = &f.replace {
        let input = f.check.input_sha256.as_deref();
        warn |= r.differs(input);
        out.extend(replace_notes(lang, r, input));
    }
    let Some(d) = &f.draw else {
        return (warn, out);
    };
    match &d.log {
        Some(log) => {
            warn |= log.differs(d, f.check.input_sha256.as_deref());
            out.extend(log_notes(lang, d, log, f.check.input_sha256.as_deref()));
        }
        None if d.claimed => out.push(match lang {
            Lang::En => format!(
                "This file says its panels were drawn at random{}. This report was made without the draw log (--log), so it does not show that these panels are the draw's; section 7 gives the commands that check it.",
                d.seed.map(|s| format!(" (seed {s})")).unwrap_or_default()
            ),
            Lang::Zh => format!(
                "本文件声明其专家组为随机抽取{}。生成本报告时未提供抽取日志（--log），因此本报告不能说明这些专家组就是该次抽取的结果；核对命令见第 7 节。",
                d.seed.map(|s| format!("（随机种子 {s}）")).unwrap_or_default()
            ),
        }),
        None => {}
    }
    (warn, out)
}

/// The title of the notes at the top: a warning, or information only.
pub fn notes_title(lang: Lang, warn: bool) -> &'static str {
    if warn {
        lang.t(
            "Notes: check these before relying on this file",
            "提示：使用本文件前请先核对以下各点",
        )
    } else {
        lang.t("Notes", "提示")
    }
}

/// What a draw log given to the report shows against the file and the
/// round, one line per difference (none when it is this file's draw).
fn log_notes(
    lang: Lang,
    d: &super::DrawFigures,
    log: &super::LogFigures,
    input: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = &log.problem {
        out.push(match lang {
            Lang::En => format!("The draw log {} cannot be read: {p}.", log.file),
            Lang::Zh => format!("抽取日志 {} 无法读取：{p}。", log.file),
        });
        return out;
    }
    if let Some(r) = d
        .recorded_log_sha256
        .as_deref()
        .filter(|r| !r.eq_ignore_ascii_case(&log.sha256))
    {
        out.push(match lang {
            Lang::En => format!(
                "The panels file records draw log SHA-256 {r}; the log given ({}) has SHA-256 {}: it is not this file's log.",
                log.file, log.sha256
            ),
            Lang::Zh => format!(
                "分组文件记录的抽取日志 SHA-256 为 {r}；所给日志（{}）的 SHA-256 为 {}：不是本文件的抽取日志。",
                log.file, log.sha256
            ),
        });
    }
    if log.seed != d.seed {
        let show = |s: Option<u64>| {
            s.map(|s| s.to_string())
                .unwrap_or_else(|| lang.t("none", "无").into())
        };
        out.push(match lang {
            Lang::En => format!(
                "The draw log records seed {}; the panels file records {}.",
                show(log.seed),
                show(d.seed)
            ),
            Lang::Zh => format!(
                "抽取日志记录的随机种子为 {}，分组文件记录的为 {}。",
                show(log.seed),
                show(d.seed)
            ),
        });
    }
    if let (Some(here), Some(logged)) = (input, log.input_sha256.as_deref()) {
        if !here.eq_ignore_ascii_case(logged) {
            out.push(match lang {
                Lang::En => format!(
                    "The draw log was made for other input (SHA-256 {logged}; this input's is {here})."
                ),
                Lang::Zh => format!(
                    "抽取日志是为其他输入数据生成的（其输入 SHA-256 为 {logged}；本输入为 {here}）。"
                ),
            });
        }
    }
    if log.panels_differ > 0 {
        out.push(differing_note(
            lang,
            ("the draw's", "该次抽取的结果"),
            &log.file,
            &log.differing,
            log.panels_differ,
        ));
    }
    out
}

/// The note on the applications of the file whose panels are not the
/// log's (`whose`: the panels the log holds, in English and Chinese), by
/// id alone (the list can be long, and the titles are in the tables),
/// `n` in all.
fn differing_note(
    lang: Lang,
    (en, zh): (&str, &str),
    file: &str,
    differing: &[Named],
    n: usize,
) -> String {
    let ids: Vec<Named> = differing
        .iter()
        .map(|x| Named {
            id: x.id.clone(),
            name: None,
        })
        .collect();
    let list = list_some(lang, &ids, n, super::html::LIST_LIMIT, Unit::Applications);
    match lang {
        Lang::En => format!(
            "The panels of {} application(s) in this file are not {en} (the log {file} names other members): {list}.",
            count(n)
        ),
        Lang::Zh => format!(
            "本文件中 {} 个项目的专家组不是{zh}（日志 {file} 记录的成员不同）：{list}。",
            count(n)
        ),
    }
}

/// What a replacement's log given to the report shows against the file
/// and the round, one line per difference (none when the file holds the
/// panels it wrote, for this input).
fn replace_notes(lang: Lang, r: &super::ReplaceFigures, input: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(here) = input.filter(|i| !i.eq_ignore_ascii_case(&r.input_sha256)) {
        out.push(match lang {
            Lang::En => format!(
                "The replacement log {} was made for other input (SHA-256 {}; this input's is {here}).",
                r.file, r.input_sha256
            ),
            Lang::Zh => format!(
                "替换日志 {} 是为其他输入数据生成的（其输入 SHA-256 为 {}；本输入为 {here}）。",
                r.file, r.input_sha256
            ),
        });
    }
    if r.panels_differ > 0 {
        out.push(differing_note(
            lang,
            ("the ones the replacement wrote", "该次替换写出的结果"),
            &r.file,
            &r.differing,
            r.panels_differ,
        ));
    }
    out
}

/// The rows of section 7 about a replacement whose log was given: the
/// log's SHA-256, the file it started from and that file's SHA-256, the
/// declines and withdrawals, who replaced whom, whether the file holds
/// the panels it wrote, and the command that replays it.
pub fn replace_rows(lang: Lang, f: &super::Figures) -> Vec<(String, String)> {
    let Some(r) = &f.replace else {
        return Vec::new();
    };
    let sep = lang.t(", ", "，");
    let none = lang.t("none", "无");
    let joined = |items: &[String]| {
        if items.is_empty() {
            none.to_string()
        } else {
            items.join(sep)
        }
    };
    let mut out: Vec<(String, String)> = vec![
        (
            lang.t(
                "replacement log given to this report",
                "本报告所用的替换日志",
            )
            .into(),
            format!("{}{sep}SHA-256 {}", r.file, r.sha256),
        ),
        (
            lang.t(
                "panels file it started from (the step before)",
                "替换所依据的分组文件（上一步）",
            )
            .into(),
            format!("{}{sep}SHA-256 {}", r.started_from, r.started_from_sha256),
        ),
        (
            lang.t("input SHA-256 it records", "日志记录的输入 SHA-256")
                .into(),
            r.input_sha256.clone(),
        ),
        (
            lang.t("declines given (--decline)", "本次拒绝（--decline）")
                .into(),
            joined(&r.declines),
        ),
        (
            lang.t(
                "declined pairs of the round after it",
                "替换后本轮已拒绝的配对",
            )
            .into(),
            if r.declined.is_empty() {
                none.to_string()
            } else {
                r.declined
                    .iter()
                    .map(|(a, e)| format!("{a}:{e}"))
                    .collect::<Vec<_>>()
                    .join(sep)
            },
        ),
        (
            lang.t("experts withdrawn from the round", "退出本轮的专家")
                .into(),
            joined(&r.withdrawn),
        ),
    ];
    let arrow = |c: &super::ChangeFigure| -> String {
        let side = |v: &[String]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join(sep)
            }
        };
        format!("{} → {}", side(&c.removed), side(&c.added))
    };
    for c in &r.changes {
        out.push((
            match lang {
                Lang::En => format!("replaced on {}", c.application.label()),
                Lang::Zh => format!("{} 的替换", c.application.label()),
            },
            arrow(c),
        ));
    }
    if r.changed > r.changes.len() {
        out.push((
            lang.t("more panels changed", "其余变动的专家组").into(),
            match lang {
                Lang::En => format!("{} more (the log lists them)", r.changed - r.changes.len()),
                Lang::Zh => format!("另有 {} 个（见日志）", r.changed - r.changes.len()),
            },
        ));
    }
    out.push((
        lang.t("total score before → after", "替换前 → 替换后总分")
            .into(),
        format!("{} → {}", num(r.objective_before), num(r.objective_after)),
    ));
    out.push((
        lang.t(
            "the panels it wrote are this file's",
            "日志写出的专家组与本文件一致",
        )
        .into(),
        if r.differs(f.check.input_sha256.as_deref()) {
            lang.t("NO (see the notes at the top)", "否（见报告开头的提示）")
                .to_string()
        } else {
            lang.t("yes", "是").to_string()
        },
    ));
    out.push((
        lang.t(
            "recompute the replacement from its log, byte for byte",
            "由日志重算该次替换（逐字节比对）",
        )
        .into(),
        format!("panels replace --replay {}", super::shell_quote(&r.file)),
    ));
    out
}

/// The rows of section 7 about a draw: the cap and where it came from,
/// the expected score, the log's SHA-256 as the file records it and as
/// given, and the command that replays the draw.
pub fn draw_rows(lang: Lang, f: &super::Figures) -> Vec<(String, String)> {
    let Some(d) = &f.draw else {
        return Vec::new();
    };
    let none = lang.t("none", "无");
    let mut out: Vec<(String, String)> = Vec::new();
    let from = |s: &str| -> String {
        match s {
            "flag" => lang.t("--max-probability", "--max-probability 参数"),
            "policy" => lang.t("the policy's max_probability", "参数 max_probability"),
            "default" => lang.t("the default cap", "默认上限"),
            "panels" => lang.t("as the panels file records it", "分组文件的记录"),
            other => other,
        }
        .to_string()
    };
    out.push((
        lang.t(
            "probability cap on every (application, expert) pair",
            "每个（项目，专家）配对被抽中的概率上限",
        )
        .into(),
        match (d.max_probability, d.max_probability_from.as_deref()) {
            (Some(p), Some(src)) => match lang {
                Lang::En => format!("{} ({})", num(p), from(src)),
                Lang::Zh => format!("{}（{}）", num(p), from(src)),
            },
            (Some(p), None) => num(p),
            (None, _) => lang.t("not recorded", "未记录").into(),
        },
    ));
    if let Some(e) = d.expected_objective {
        out.push((
            lang.t("expected total score of the draw", "抽取的期望总分")
                .into(),
            num(e),
        ));
    }
    out.push((
        lang.t(
            "draw log SHA-256 recorded in the panels file",
            "分组文件记录的抽取日志 SHA-256",
        )
        .into(),
        d.recorded_log_sha256.clone().unwrap_or_else(|| none.into()),
    ));
    let given = match &d.log {
        None => lang
            .t(
                "not given (panels report --log LOG)",
                "未提供（panels report --log 抽取日志）",
            )
            .to_string(),
        Some(log) if log.differs(d, f.check.input_sha256.as_deref()) => format!(
            "{}{}SHA-256 {}{}",
            log.file,
            lang.t(", ", "，"),
            log.sha256,
            lang.t(
                ": does NOT match this file (see the notes at the top)",
                "：与本文件不符（见报告开头的提示）"
            )
        ),
        Some(log) => format!(
            "{}{}SHA-256 {}{}",
            log.file,
            lang.t(", ", "，"),
            log.sha256,
            lang.t(
                ": the same panels, seed and input as this file",
                "：专家组、随机种子和输入数据均与本文件一致"
            )
        ),
    };
    out.push((
        lang.t("draw log given to this report", "本报告所用的抽取日志")
            .into(),
        given,
    ));
    let log = d.log.as_ref().map_or_else(
        || lang.t("LOG", "抽取日志").to_string(),
        |l| super::shell_quote(&l.file),
    );
    out.push((
        lang.t(
            "recompute the draw from its log, byte for byte",
            "由日志重算该次抽取（逐字节比对）",
        )
        .into(),
        format!(
            "panels draw --replay {log} {}",
            super::shell_quote(&f.settings.instance)
        ),
    ));
    out
}

/// The sentence above the commands of section 7.
pub fn check_intro(lang: Lang, f: &super::Figures) -> &'static str {
    if f.replace.is_some() {
        lang.t(
            "Anyone with the three files (the instance, the panels file and the replacement log) can re-check every rule and every figure of this report, without trusting it:",
            "持有这三个文件（输入数据、分组文件和替换日志）的任何人都可以复核全部规则和本报告的每个数字，无需信任本报告：",
        )
    } else if f.settings.log.is_some() {
        lang.t(
            "Anyone with the three files (the instance, the panels file and the draw log) can re-check every rule and every figure of this report, without trusting it:",
            "持有这三个文件（输入数据、分组文件和抽取日志）的任何人都可以复核全部规则和本报告的每个数字，无需信任本报告：",
        )
    } else {
        lang.t(
            "Anyone with the two files can re-check every rule and every figure of this report, without trusting it:",
            "持有这两个文件的任何人都可以复核全部规则和本报告的每个数字，无需信任本报告：",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yearly_cap_without_a_year_counts_this_rounds_load_only() {
        let h = crate::HistoryFigures {
            max_reviews_per_year: Some(2),
            at_yearly_cap: 3,
            ..Default::default()
        };
        for lang in [Lang::En, Lang::Zh] {
            let lines = history_lines(lang, &h);
            let capped = lines
                .iter()
                .find(|(l, _)| {
                    l.starts_with("experts whose load this round reaches the cap")
                        || l.starts_with("本轮评审次数达到上限的专家")
                })
                .unwrap_or_else(|| panic!("{lines:?}"));
            assert_eq!(capped.1, "3");
            assert!(
                !lines
                    .iter()
                    .any(|(l, _)| l.contains("earlier this year") || l.contains("本年度已参加")),
                "{lines:?}"
            );
        }
    }
}
