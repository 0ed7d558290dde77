//! Broken rules in the report's language: `verify`'s violations
//! ([`crate::verify::Violation`]) worded for a Chinese office, with the
//! same evidence (ids, counts, limits, policy fields) as the English words
//! of [`crate::verify::Violation::describe`], which the English report
//! uses as they are.

use super::Lang;
use crate::eligibility::Reason;
use crate::model::{total_as_f64, AppIx, ExpertIx, Instance};
use crate::verify::history::HistoryBreach;
use crate::verify::{fmt_micro, Rule, Violation};

/// One broken rule as the report lists it: `[rule] words`.
pub fn line(inst: &Instance, v: &Violation, lang: Lang) -> String {
    match lang {
        Lang::En => format!("[{}] {}", v.rule().label(), v.describe(inst)),
        Lang::Zh => format!("[{}] {}", rule_zh(v.rule()), describe_zh(inst, v)),
    }
}

/// `verify`'s notes on a file (neither broken rules nor broken claims: an
/// edit after solving, panels made for another input), as the report
/// lists them: in English `verify`'s own lines
/// ([`crate::verify::Report::notes`], with the input note added when
/// `input_sha256` is known), in Chinese the same facts, in the same order.
pub fn notes(
    report: &crate::verify::Report,
    panels: &crate::io::panels::PanelsFile,
    input_sha256: Option<&str>,
    lang: Lang,
) -> Vec<String> {
    if lang == Lang::En {
        return report.notes.clone();
    }
    let mut out = Vec::new();
    if report.edited {
        out.push(format!(
            "求解后被修改过：总分现为 {}（文件记载 {}）{}",
            fmt_micro(report.objective_micro),
            panels.objective,
            if panels.status == "optimal" {
                "；不再是已证明的最优解"
            } else {
                ""
            }
        ));
    }
    if let (Some(theirs), Some(hash)) = (panels.input_sha256.as_deref(), input_sha256) {
        if theirs != hash {
            out.push(format!(
                "该分组文件是为另一版本的输入数据生成的（其输入 SHA-256 为 {theirs}；本输入为 {hash}）；以上规则按本输入检查"
            ));
        }
    }
    out
}

/// A rule's short label in Chinese.
pub fn rule_zh(r: Rule) -> &'static str {
    match r {
        Rule::Coverage => "每个项目一组",
        Rule::UnknownApplication => "未知项目",
        Rule::UnknownExpert => "未知专家",
        Rule::PanelOrder => "专家组顺序",
        Rule::PanelSize => "专家组人数",
        Rule::Distinct => "专家不重复",
        Rule::Eligibility => "回避与资格",
        Rule::Declined => "已拒评",
        Rule::OutsideCity => "外地专家",
        Rule::CityCap => "max_per_city 同城上限",
        Rule::InstitutionCap => "max_per_institution 同单位上限",
        Rule::Load => "评审负担",
        Rule::Programme => "计划类别",
        Rule::History => "历年记录",
        Rule::Senior => "min_senior 高级职称",
        Rule::FieldCoverage => "cover_fields 学科覆盖",
        Rule::RoundOutsideShare => "全轮外地比例",
        Rule::Copanel => "max_copanel 同组次数",
        Rule::ListedScores => "所列分数",
        Rule::ListedProgramme => "所列计划类别",
        Rule::Objective => "总分",
        Rule::Bound => "上界",
        Rule::Status => "状态",
    }
}

fn ids(inst: &Instance, experts: &[ExpertIx]) -> String {
    experts
        .iter()
        .map(|&e| inst.experts[e.ix()].id.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

fn apps(inst: &Instance, list: &[AppIx]) -> String {
    list.iter()
        .map(|&a| inst.applications[a.ix()].id.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// The difference between a claimed and a recomputed number.
fn differs(value: f64, reference: f64) -> String {
    if !value.is_finite() {
        return "不是有限数".into();
    }
    format!("相差 {}", (value - reference).abs())
}

/// A violation in Chinese.
pub fn describe_zh(inst: &Instance, v: &Violation) -> String {
    let app_id = |a: AppIx| inst.applications[a.ix()].id.as_str();
    let ex_id = |e: ExpertIx| inst.experts[e.ix()].id.as_str();
    let at = |record: usize, a: AppIx| panel_at_zh(inst, record, a);
    match v {
        Violation::MissingApplication { app } => format!("{}：文件中没有它的专家组", app_id(*app)),
        Violation::DuplicateApplication { app, records } => {
            let list: Vec<String> = records.iter().map(|r| format!("panels[{r}]")).collect();
            format!(
                "{}：文件中有 {} 个专家组（{}），应恰好一个",
                app_id(*app),
                records.len(),
                list.join("、")
            )
        }
        Violation::UnknownApplication { record, id } => {
            format!("panels[{record}]：项目编号 {id:?} 不在输入数据中")
        }
        Violation::UnknownExpert {
            record,
            application,
            position,
            id,
        } => format!(
            "{application}（panels[{record}]）：experts[{position}] 的专家编号 {id:?} 不在输入数据中"
        ),
        Violation::PanelOrder { record, app, after } => format!(
            "{}（panels[{record}]）排在 {} 之后，但在输入中排在它之前；专家组须按项目的输入顺序排列",
            app_id(*app),
            app_id(*after)
        ),
        Violation::WrongPanelSize {
            record,
            app,
            listed,
            k,
        } => format!("{}：列出 {listed} 位专家，每组应为 {k} 人", at(*record, *app)),
        Violation::RepeatedExpert {
            record,
            application,
            id,
            times,
        } => format!("{application}（panels[{record}]）：专家 {id} 在同一组中出现 {times} 次"),
        Violation::Ineligible {
            record,
            app,
            expert,
            reasons,
        } => {
            let words: Vec<String> = reasons
                .iter()
                .map(|r| reason_zh(inst, r, *app, *expert))
                .collect();
            format!(
                "{}：{} 不符合评审资格：{}",
                at(*record, *app),
                ex_id(*expert),
                words.join("；")
            )
        }
        Violation::Underloaded { expert, load, min } => format!(
            "{}：只参加 {load} 个专家组，min_load 为 {min}",
            ex_id(*expert)
        ),
        Violation::Overloaded {
            expert,
            apps: list,
            max,
        } => format!(
            "{}：参加 {} 个专家组（{}），max_load 为 {max}",
            ex_id(*expert),
            list.len(),
            apps(inst, list)
        ),
        Violation::History(b) => breach_zh(inst, b),
        Violation::Declined {
            record,
            app,
            expert,
            withdrawn,
        } => format!(
            "{} 的第 {} 组：{} {}",
            app_id(*app),
            record + 1,
            ex_id(*expert),
            if *withdrawn {
                "已退出本轮（文件的退出名单）"
            } else {
                "已拒评该项目（文件的拒评名单）"
            }
        ),
        Violation::TooFewOutside { .. }
        | Violation::CityCap { .. }
        | Violation::InstitutionCap { .. }
        | Violation::TooFewSenior { .. }
        | Violation::FieldNotCovered { .. }
        | Violation::RoundOutsideShare { .. }
        | Violation::CopanelExceeded { .. } => composition_zh(inst, v),
        Violation::ListedScoresLength { .. }
        | Violation::ListedScore { .. }
        | Violation::ListedProgramme { .. }
        | Violation::ObjectiveMismatch { .. }
        | Violation::AboveBound { .. }
        | Violation::BadStatus { .. }
        | Violation::OptimalWithGap { .. } => claim_zh(inst, v),
    }
}

/// A violation of the file's claims (listed scores, objective, bound,
/// status) in Chinese; see [`describe_zh`].
/// A violation of a panel's or the round's composition (outside
/// members, caps, seniority, fields, round shares, co-panels) in Chinese;
/// see [`describe_zh`].
fn composition_zh(inst: &Instance, v: &Violation) -> String {
    let ex_id = |e: ExpertIx| inst.experts[e.ix()].id.as_str();
    let at = |record: usize, a: AppIx| panel_at_zh(inst, record, a);
    match v {
        Violation::TooFewOutside {
            record,
            app,
            outside,
            min,
        } => format!(
            "{}：来自{}以外的专家 {outside} 位，规则要求至少 {min} 位",
            at(*record, *app),
            inst.app_city(*app)
        ),
        Violation::CityCap {
            record,
            app,
            city,
            experts,
            max,
        } => {
            let home = if *city == inst.applications[app.ix()].city {
                "（本市）"
            } else {
                ""
            };
            format!(
                "{}：来自{}{home}的专家 {} 位（{}），max_per_city 为 {max}",
                at(*record, *app),
                inst.cities.name(city.0),
                experts.len(),
                ids(inst, experts)
            )
        }
        Violation::InstitutionCap {
            record,
            app,
            institution,
            experts,
            max,
        } => format!(
            "{}：来自{}的专家 {} 位（{}），max_per_institution 为 {max}",
            at(*record, *app),
            inst.institutions.name(institution.0),
            experts.len(),
            ids(inst, experts)
        ),
        Violation::TooFewSenior {
            record,
            app,
            seniors,
            min,
        } => format!(
            "{}：高级职称专家 {seniors} 位（{}），min_senior 为 {min}",
            at(*record, *app),
            inst.policy.senior_titles.join("、")
        ),
        Violation::FieldNotCovered { record, app, field } => format!(
            "{}：没有专家组成员的学科包含申报学科 {field}（cover_fields 已启用）",
            at(*record, *app)
        ),
        Violation::RoundOutsideShare {
            city,
            share,
            reviews,
            outside,
            need,
        } => match city {
            None => format!(
                "全轮 {reviews} 次评审中外地评审 {outside} 次；min_outside_share_round {share} 要求至少 {need} 次"
            ),
            Some(c) => {
                let name = inst.cities.name(c.0);
                format!(
                    "{name}申报项目的 {reviews} 次评审中来自{name}以外的 {outside} 次；min_outside_share_by_city {share} 要求至少 {need} 次"
                )
            }
        },
        Violation::CopanelExceeded {
            a,
            b,
            apps: list,
            max,
        } => format!(
            "{} 与 {} 同组 {} 次（{}），max_copanel 为 {max}",
            ex_id(*a),
            ex_id(*b),
            list.len(),
            apps(inst, list)
        ),
        // Every other violation is described by `describe_zh` itself.
        other => describe_zh(inst, other),
    }
}

fn claim_zh(inst: &Instance, v: &Violation) -> String {
    let at = |record: usize, a: AppIx| panel_at_zh(inst, record, a);
    let ex_id = |e: ExpertIx| inst.experts[e.ix()].id.as_str();
    match v {
        Violation::ListedScoresLength {
            record,
            app,
            scores,
            experts,
        } => format!(
            "{}：为 {experts} 位专家列出 {scores} 个分数",
            at(*record, *app)
        ),
        Violation::ListedProgramme {
            record,
            app,
            listed,
        } => format!(
            "{}：文件所列计划类别为“{listed}”，本轮数据中该项目{}",
            at(*record, *app),
            match inst.applications[app.ix()].programme {
                Some(p) => format!("属于“{}”", inst.programmes.name(p.0)),
                None => "不属于任何计划类别".to_string(),
            }
        ),
        Violation::ListedScore {
            record,
            app,
            expert,
            listed,
            actual,
        } => format!(
            "{}：{} 的分数列为 {listed}，重新计算为 {}（{}）",
            at(*record, *app),
            ex_id(*expert),
            fmt_micro(actual.0),
            differs(*listed, actual.as_f64())
        ),
        Violation::ObjectiveMismatch {
            claimed,
            recomputed_micro,
        } => format!(
            "文件所列总分为 {claimed}，重新计算的总分为 {}（{}）",
            fmt_micro(*recomputed_micro),
            differs(*claimed, total_as_f64(*recomputed_micro))
        ),
        Violation::AboveBound {
            bound,
            recomputed_micro,
        } => format!(
            "重新计算的总分 {} 超过文件所列上界 {bound}（{}）；该上界不成立",
            fmt_micro(*recomputed_micro),
            differs(*bound, total_as_f64(*recomputed_micro))
        ),
        Violation::BadStatus { status } => {
            format!("状态 {status:?} 既不是 \"optimal\" 也不是 \"feasible\"")
        }
        Violation::OptimalWithGap {
            bound,
            recomputed_micro,
        } => format!(
            "状态为 \"optimal\"，但上界 {bound} 与重新计算的总分 {} 不同（{}）",
            fmt_micro(*recomputed_micro),
            differs(*bound, total_as_f64(*recomputed_micro))
        ),
        // Every other violation is described by `describe_zh` itself.
        other => describe_zh(inst, other),
    }
}

/// A panel named by its application id, with the file record
/// (`panels[i]`) when it is not at the application's own position.
fn panel_at_zh(inst: &Instance, record: usize, a: AppIx) -> String {
    let id = inst.applications[a.ix()].id.as_str();
    if record == a.ix() {
        id.to_string()
    } else {
        format!("{id}（panels[{record}]）")
    }
}

/// Why a pair is not eligible, in Chinese
/// ([`crate::eligibility::Reason::describe_zh`]).
pub fn reason_zh(inst: &Instance, r: &Reason, a: AppIx, e: ExpertIx) -> String {
    r.describe_zh(inst, a, e)
}

fn breach_zh(inst: &Instance, b: &HistoryBreach) -> String {
    let app_id = |a: &AppIx| inst.applications[a.ix()].id.as_str();
    let ex_id = |e: &ExpertIx| inst.experts[e.ix()].id.as_str();
    let year = inst.policy.year.unwrap_or_default();
    match b {
        HistoryBreach::OutsideProgramme { app, expert, .. } => format!(
            "{}：{} 不参加计划类别 {} 的评审",
            app_id(app),
            ex_id(expert),
            inst.programme_name(*app).unwrap_or("-")
        ),
        HistoryBreach::ProgrammeLoad {
            expert,
            programme,
            apps: list,
            max,
        } => format!(
            "{}：参加计划类别 {programme} 的 {} 个专家组（{}），该类别 max_load 为 {max}",
            ex_id(expert),
            list.len(),
            apps(inst, list)
        ),
        HistoryBreach::Repeat {
            app,
            expert,
            past,
            kind,
            ..
        } => format!(
            "{}：{} 在 {} 年评审过{}的{}（avoid_repeat {kind}）",
            app_id(app),
            ex_id(expert),
            past.year,
            past.institution,
            past.application.as_deref().unwrap_or("项目")
        ),
        HistoryBreach::Resting {
            app, expert, years, ..
        } => format!(
            "{}：{} 在 {year} 年之前连续 {years} 年参加评审，本轮应轮空（max_consecutive_years {years}）",
            app_id(app),
            ex_id(expert)
        ),
        HistoryBreach::Declines {
            app,
            expert,
            count,
            max,
            ..
        } => format!(
            "{}：{} 拒评或缺席 {count} 次，max_declines 为 {max}",
            app_id(app),
            ex_id(expert)
        ),
        HistoryBreach::Rating {
            app,
            expert,
            mean,
            min,
            ..
        } => format!(
            "{}：{} 的平均评分 {mean:.2} 低于 min_rating {min}",
            app_id(app),
            ex_id(expert)
        ),
        HistoryBreach::YearlyCap {
            expert,
            past,
            load,
            max,
        } => match inst.policy.year {
            Some(year) => format!(
                "{}：{year} 年已评审 {past} 次，本轮 {load} 次，超过 max_reviews_per_year {max}",
                ex_id(expert)
            ),
            None => format!(
                "{}：本轮 {load} 次，超过 max_reviews_per_year {max}",
                ex_id(expert)
            ),
        },
    }
}
