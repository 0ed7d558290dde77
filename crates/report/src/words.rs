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
        "The price of a rule family is the best total score without it minus the best total score with every rule (the rest of the rules unchanged). The side without the family is solved again in this run; the side with every rule is read from these panels and their optimality certificate when the panels keep every rule and the certificate checks, and is solved again otherwise. The table names the source of each side.",
        "某类规则的代价 = 去掉这类规则后的最优总分 − 全部规则下的最优总分（其他规则不变）。去掉该类规则的一边在本次运行中重新求解；全部规则的一边，在本组结果遵守全部规则且其最优性证书通过检查时取自本组结果及其证书，否则也重新求解。表中注明每一边的来源。",
    )
    .to_string()
}

/// Where a side's numbers come from, in words.
pub fn source(lang: Lang, s: &str) -> String {
    s.split('+')
        .map(|p| match p {
            "panels" => lang.t("these panels", "本组结果"),
            "certificate" => lang.t("their certificate", "其最优性证书"),
            "flow" => lang.t("exact flow re-solve", "网络流精确重算"),
            "mip" => lang.t("MIP re-solve", "整数规划重算"),
            "lagrange" => lang.t("Lagrangian re-solve", "拉格朗日重算"),
            other => other,
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
            format!("{}: {message}", lang.t("no answer", "无结果"))
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

/// The policy fields of a family, joined.
pub(crate) fn family_fields(f: Family) -> String {
    f.policy_fields().join(", ")
}

/// The first `n` labels joined with commas, then "and N more" (counted
/// from `total`).
pub(crate) fn list_some(lang: Lang, items: &[Named], total: usize, n: usize) -> String {
    let mut out = items
        .iter()
        .take(n)
        .map(Named::label)
        .collect::<Vec<_>>()
        .join(lang.t(", ", "，"));
    let shown = items.len().min(n);
    if total > shown {
        out.push_str(&match lang {
            Lang::En => format!(" and {} more", count(total - shown)),
            Lang::Zh => format!(" 等，另有 {} 项", count(total - shown)),
        });
    }
    out
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
            "repeats avoided: pairs kept out",
            "避免的重复评审：排除的配对",
            int(h.repeat_pairs),
        ),
        Some(pen) => {
            line(
                "pairs that would repeat (each costs repeat_penalty)",
                "会构成重复评审的配对（每对扣 repeat_penalty）",
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
                "{}: {}",
                count(l.count),
                list_some(lang, &l.experts, l.count, super::html::LIST_LIMIT)
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
        line(
            "experts who reviewed earlier this year / whose year reaches the cap",
            "本年度已参加评审的专家 / 全年达到上限的专家",
            format!("{} / {}", count(h.reviewed_earlier), count(h.at_yearly_cap)),
        );
    }
    out
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
