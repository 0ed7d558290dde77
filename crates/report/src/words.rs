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
        other => (other, other, v.into()),
    };
    (lang.t(en, zh).to_string(), value)
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
pub fn price_value(lang: Lang, p: &FamilyPrice) -> String {
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
pub fn price_note(lang: Lang, p: &FamilyPrice) -> String {
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
pub fn family_fields(f: Family) -> String {
    f.policy_fields().join(", ")
}

/// The first `n` labels joined with commas, then "and N more" (counted
/// from `total`).
pub fn list_some(lang: Lang, items: &[Named], total: usize, n: usize) -> String {
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
