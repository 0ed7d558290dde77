//! The violations `verify` reports: one variant per rule, each carrying its
//! evidence (ids, counts, limits), and their wording for a program officer.

use crate::eligibility::Reason;
use crate::model::{total_as_f64, AppIx, CityIx, ExpertIx, InstIx, Instance, Score};

use super::fmt_micro;

/// The rules of SPEC.md, in the order the report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Every application has exactly one panel.
    Coverage,
    /// Every record names a known application.
    UnknownApplication,
    /// Every listed expert id is known.
    UnknownExpert,
    /// Panels are listed in the order of the applications in the input.
    PanelOrder,
    /// A panel has exactly the application's panel size.
    PanelSize,
    /// The experts of a panel are distinct.
    Distinct,
    /// Every assigned pair is eligible.
    Eligibility,
    /// No panel holds a declined pair or a withdrawn expert (the round's
    /// state in the file).
    Declined,
    /// Enough panel members come from outside the applicant's city.
    OutsideCity,
    /// `max_per_city`.
    CityCap,
    /// `max_per_institution`.
    InstitutionCap,
    /// Each expert's load is within `[min_load, max_load]`.
    Load,
    /// Programmes: experts serve their programmes, programme `max_load`.
    Programme,
    /// History rules: repeats, rest, declines, rating, yearly cap.
    History,
    /// `min_senior` (crossing rule).
    Senior,
    /// `cover_fields` (crossing rule).
    FieldCoverage,
    /// `min_outside_share_round` / `min_outside_share_by_city` (crossing rule).
    RoundOutsideShare,
    /// `max_copanel` (crossing rule).
    Copanel,
    /// Per-pair `scores` in the file match the recomputed scores.
    ListedScores,
    /// A panel's `programme`, when the file names one, is the
    /// application's programme in the instance.
    ListedProgramme,
    /// The claimed objective equals the recomputed one.
    Objective,
    /// The objective does not exceed the claimed bound.
    Bound,
    /// The status is known and consistent with the bound.
    Status,
}

impl Rule {
    /// A short label for the report.
    pub fn label(self) -> &'static str {
        match self {
            Rule::Coverage => "coverage",
            Rule::UnknownApplication => "unknown application",
            Rule::UnknownExpert => "unknown expert",
            Rule::PanelOrder => "panel order",
            Rule::PanelSize => "panel size",
            Rule::Distinct => "distinct experts",
            Rule::Eligibility => "eligibility",
            Rule::Declined => "declined",
            Rule::OutsideCity => "outside city",
            Rule::CityCap => "max_per_city",
            Rule::InstitutionCap => "max_per_institution",
            Rule::Load => "load",
            Rule::Programme => "programme",
            Rule::History => "history",
            Rule::Senior => "min_senior",
            Rule::FieldCoverage => "cover_fields",
            Rule::RoundOutsideShare => "round outside share",
            Rule::Copanel => "max_copanel",
            Rule::ListedScores => "listed scores",
            Rule::ListedProgramme => "listed programme",
            Rule::Objective => "objective",
            Rule::Bound => "bound",
            Rule::Status => "status",
        }
    }

    /// True for the file's claims about its panels (listed scores and
    /// programmes, objective, bound, status), false for the rules the
    /// panels must keep.
    pub fn is_claim(self) -> bool {
        matches!(
            self,
            Rule::ListedScores
                | Rule::ListedProgramme
                | Rule::Objective
                | Rule::Bound
                | Rule::Status
        )
    }
}

/// One broken rule, with its evidence. `record` fields are 0-based positions
/// in the file's `panels` array.
#[derive(Clone, Debug, PartialEq)]
pub enum Violation {
    /// The application has no panel in the file.
    MissingApplication {
        /// The application.
        app: AppIx,
    },
    /// The application has more than one panel in the file.
    DuplicateApplication {
        /// The application.
        app: AppIx,
        /// The records naming it, in file order.
        records: Vec<usize>,
    },
    /// A record names an application the instance does not have.
    UnknownApplication {
        /// The record.
        record: usize,
        /// The id as written in the file.
        id: String,
    },
    /// A record lists an expert id the instance does not have.
    UnknownExpert {
        /// The record.
        record: usize,
        /// The application id of the record, as written in the file.
        application: String,
        /// Position of the id in the record's `experts` (0-based).
        position: usize,
        /// The id as written in the file.
        id: String,
    },
    /// A record comes earlier in the instance than the one before it
    /// (reported once, at the first such record).
    PanelOrder {
        /// The record out of place.
        record: usize,
        /// Its application.
        app: AppIx,
        /// The application of the nearest earlier record that comes later
        /// in the instance.
        after: AppIx,
    },
    /// A panel lists more or fewer experts than the application's k.
    WrongPanelSize {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// Number of expert ids listed (known or not, repeated or not).
        listed: usize,
        /// The application's panel size.
        k: u32,
    },
    /// The same expert id appears more than once in one panel.
    RepeatedExpert {
        /// The record.
        record: usize,
        /// The application id of the record, as written in the file.
        application: String,
        /// The repeated expert id, as written.
        id: String,
        /// How many times it is listed.
        times: usize,
    },
    /// An assigned pair is not eligible.
    Ineligible {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// Every reason the pair is excluded.
        reasons: Vec<Reason>,
    },
    /// Too few panel members from outside the applicant's city.
    TooFewOutside {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// Distinct known experts from another city.
        outside: u32,
        /// The required minimum, `inst.min_outside(app)`.
        min: u32,
    },
    /// Too many panel members from one city.
    CityCap {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The city.
        city: CityIx,
        /// The panel's experts from that city, in file order.
        experts: Vec<ExpertIx>,
        /// `max_per_city`.
        max: u32,
    },
    /// Too many panel members from one institution.
    InstitutionCap {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The institution.
        institution: InstIx,
        /// The panel's experts from that institution, in file order.
        experts: Vec<ExpertIx>,
        /// `max_per_institution`.
        max: u32,
    },
    /// An expert reviews fewer applications than their `min_load`.
    Underloaded {
        /// The expert.
        expert: ExpertIx,
        /// Panels the expert sits on.
        load: u32,
        /// `inst.min_load(expert)`.
        min: u32,
    },
    /// An expert reviews more applications than their `max_load`.
    Overloaded {
        /// The expert.
        expert: ExpertIx,
        /// The applications whose panels the expert sits on, in file order
        /// (load = its length).
        apps: Vec<AppIx>,
        /// `inst.max_load(expert)`.
        max: u32,
    },
    /// A programme or history rule is broken (see
    /// [`super::history::HistoryBreach`]).
    History(super::history::HistoryBreach),
    /// Too few panel members hold a senior title.
    TooFewSenior {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// Distinct known experts with a senior title.
        seniors: u32,
        /// `min_senior`.
        min: u32,
    },
    /// No panel member lists one of the application's fields.
    FieldNotCovered {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The uncovered field.
        field: String,
    },
    /// Too few of the round's (or a home city's) reviews come from outside
    /// the application's city.
    RoundOutsideShare {
        /// The home city the target is for; `None` for the whole round.
        city: Option<CityIx>,
        /// The share in the policy.
        share: f64,
        /// Reviews in scope (Σ panel sizes of the applications).
        reviews: u64,
        /// Reviews in the file by an expert from outside the application's
        /// city.
        outside: u64,
        /// Outside reviews needed: `ceil(share × reviews)`.
        need: u64,
    },
    /// Two experts sit together on more panels than `max_copanel`.
    CopanelExceeded {
        /// The first expert (lower index).
        a: ExpertIx,
        /// The second expert.
        b: ExpertIx,
        /// The applications whose panels both sit on, in file order.
        apps: Vec<AppIx>,
        /// `max_copanel`.
        max: u32,
    },
    /// A panel holds a pair the file records as declined, or an expert it
    /// records as withdrawn.
    Declined {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// The expert withdrew from the round (else: declined this pair).
        withdrawn: bool,
    },
    /// A record's `scores` list is not aligned with its `experts`.
    ListedScoresLength {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// Number of scores listed.
        scores: usize,
        /// Number of experts listed.
        experts: usize,
    },
    /// A record's listed score of a pair differs from the recomputed one.
    ListedScore {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// The score in the file.
        listed: f64,
        /// The recomputed score.
        actual: Score,
    },
    /// A record names a programme other than its application's (compared
    /// as names are: SPEC "Names as offices type them").
    ListedProgramme {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The programme the file names.
        listed: String,
    },
    /// The file's `objective` differs from the recomputed Σ scores.
    ObjectiveMismatch {
        /// The file's value.
        claimed: f64,
        /// The recomputed value, in millionths.
        recomputed_micro: i64,
    },
    /// The recomputed objective exceeds the file's `bound`, so the bound is
    /// not an upper bound.
    AboveBound {
        /// The file's bound.
        bound: f64,
        /// The recomputed objective, in millionths.
        recomputed_micro: i64,
    },
    /// The status is neither `optimal` nor `feasible`.
    BadStatus {
        /// The status as written.
        status: String,
    },
    /// The status is `optimal` but the bound differs from the objective.
    OptimalWithGap {
        /// The file's bound.
        bound: f64,
        /// The recomputed objective, in millionths.
        recomputed_micro: i64,
    },
}

impl Violation {
    /// The rule this violation breaks.
    pub fn rule(&self) -> Rule {
        match self {
            Violation::MissingApplication { .. } | Violation::DuplicateApplication { .. } => {
                Rule::Coverage
            }
            Violation::UnknownApplication { .. } => Rule::UnknownApplication,
            Violation::UnknownExpert { .. } => Rule::UnknownExpert,
            Violation::PanelOrder { .. } => Rule::PanelOrder,
            Violation::WrongPanelSize { .. } => Rule::PanelSize,
            Violation::RepeatedExpert { .. } => Rule::Distinct,
            Violation::Ineligible { .. } => Rule::Eligibility,
            Violation::Declined { .. } => Rule::Declined,
            Violation::TooFewOutside { .. } => Rule::OutsideCity,
            Violation::CityCap { .. } => Rule::CityCap,
            Violation::InstitutionCap { .. } => Rule::InstitutionCap,
            Violation::Underloaded { .. } | Violation::Overloaded { .. } => Rule::Load,
            Violation::History(b) if b.is_programme() => Rule::Programme,
            Violation::History(_) => Rule::History,
            Violation::TooFewSenior { .. } => Rule::Senior,
            Violation::FieldNotCovered { .. } => Rule::FieldCoverage,
            Violation::RoundOutsideShare { .. } => Rule::RoundOutsideShare,
            Violation::CopanelExceeded { .. } => Rule::Copanel,
            Violation::ListedScoresLength { .. } | Violation::ListedScore { .. } => {
                Rule::ListedScores
            }
            Violation::ListedProgramme { .. } => Rule::ListedProgramme,
            Violation::ObjectiveMismatch { .. } => Rule::Objective,
            Violation::AboveBound { .. } => Rule::Bound,
            Violation::BadStatus { .. } | Violation::OptimalWithGap { .. } => Rule::Status,
        }
    }

    /// The violation in plain words, naming ids, counts and limits, e.g.
    /// `A017: 1 expert from outside 长沙, policy needs at least 2
    /// (min_outside_share 0.4 of 5)`.
    ///
    /// A per-panel message starts with the application id; the file record
    /// (`panels[i]`, 0-based) is added when it is not at the application's
    /// own position in input order.
    pub fn describe(&self, inst: &Instance) -> String {
        let app_id = |a: AppIx| inst.applications[a.ix()].id.as_str();
        let ex_id = |e: ExpertIx| inst.experts[e.ix()].id.as_str();
        let at = |record: usize, a: AppIx| panel_at(inst, record, a);
        match self {
            Violation::MissingApplication { app } => {
                format!("{}: no panel in the file", app_id(*app))
            }
            Violation::DuplicateApplication { app, records } => {
                let list: Vec<String> = records.iter().map(|r| format!("panels[{r}]")).collect();
                format!(
                    "{}: {} panels in the file ({}), must be exactly one",
                    app_id(*app),
                    records.len(),
                    list.join(", ")
                )
            }
            Violation::UnknownApplication { record, id } => {
                format!("panels[{record}]: application id {id:?} is not in the instance")
            }
            Violation::UnknownExpert {
                record,
                application,
                position,
                id,
            } => format!(
                "{application} (panels[{record}]): expert id {id:?} at experts[{position}] is not in the instance"
            ),
            Violation::PanelOrder { record, app, after } => format!(
                "{} (panels[{record}]) is listed after {}, but comes before it in the input; panels must follow the input order of applications",
                app_id(*app),
                app_id(*after)
            ),
            Violation::WrongPanelSize { record, app, listed, k } => format!(
                "{}: {} listed, panel size is {k}{}",
                at(*record, *app),
                count(*listed as u64, "expert"),
                if inst.applications[app.ix()].panel_size.is_some() {
                    String::new()
                } else {
                    by_programme(inst, *app, |r| r.panel_size.is_some())
                }
            ),
            Violation::RepeatedExpert {
                record,
                application,
                id,
                times,
            } => format!(
                "{application} (panels[{record}]): expert {id} is listed {times} times in one panel"
            ),
            Violation::Ineligible {
                record,
                app,
                expert,
                reasons,
            } => {
                let words: Vec<String> = reasons
                    .iter()
                    .map(|r| r.describe(inst, *app, *expert))
                    .collect();
                format!(
                    "{}: {} is not eligible: {}",
                    at(*record, *app),
                    ex_id(*expert),
                    words.join("; ")
                )
            }
            Violation::TooFewOutside {
                record,
                app,
                outside,
                min,
            } => format!(
                "{}: {} from outside {}, policy needs at least {min} ({})",
                at(*record, *app),
                count(*outside as u64, "expert"),
                inst.app_city(*app),
                outside_rule(inst, *app)
            ),
            Violation::CityCap {
                record,
                app,
                city,
                experts,
                max,
            } => city_cap(inst, *record, *app, *city, experts, *max),
            Violation::InstitutionCap {
                record,
                app,
                institution,
                experts,
                max,
            } => format!(
                "{}: {} from {} ({}), max_per_institution is {max}{}",
                at(*record, *app),
                count(experts.len() as u64, "expert"),
                inst.institutions.name(institution.0),
                ids(inst, experts),
                by_programme(inst, *app, |r| r.max_per_institution.is_some())
            ),
            Violation::Underloaded { expert, load, min } => underloaded(inst, *expert, *load, *min),
            Violation::History(b) => b.describe(inst),
            Violation::Overloaded { expert, apps, max } => overloaded(inst, *expert, apps, *max),
            Violation::TooFewSenior {
                record,
                app,
                seniors,
                min,
            } => format!(
                "{}: {} with a senior title ({}), min_senior is {min}{}",
                at(*record, *app),
                count(*seniors as u64, "expert"),
                inst.policy.senior_titles.join(", "),
                by_programme(inst, *app, |r| r.min_senior.is_some())
            ),
            Violation::FieldNotCovered { record, app, field } => format!(
                "{}: no panel member lists the application's field {field} (cover_fields is on{})",
                at(*record, *app),
                programme_of(inst, *app)
                    .filter(|(_, r)| r.cover_fields.is_some())
                    .map(|(n, _)| format!(" for programme {n}"))
                    .unwrap_or_default()
            ),
            Violation::RoundOutsideShare {
                city,
                share,
                reviews,
                outside,
                need,
            } => round_outside_share(inst, *city, *share, *reviews, *outside, *need),
            Violation::CopanelExceeded { a, b, apps, max } => {
                let list: Vec<&str> = apps.iter().map(|&x| app_id(x)).collect();
                format!(
                    "{} and {} sit together on {} ({}), max_copanel is {max}",
                    ex_id(*a),
                    ex_id(*b),
                    count(apps.len() as u64, "panel"),
                    list.join(", ")
                )
            }
            Violation::Declined {
                record,
                app,
                expert,
                withdrawn,
            } => declined(inst, *record, *app, *expert, *withdrawn),
            Violation::ListedScoresLength { .. }
            | Violation::ListedScore { .. }
            | Violation::ListedProgramme { .. }
            | Violation::ObjectiveMismatch { .. }
            | Violation::AboveBound { .. }
            | Violation::BadStatus { .. }
            | Violation::OptimalWithGap { .. } => self.describe_claim(inst),
        }
    }

    /// The violations of the file's claims (listed scores, objective,
    /// bound, status) in plain words; see [`Violation::describe`].
    fn describe_claim(&self, inst: &Instance) -> String {
        let at = |record: usize, a: AppIx| panel_at(inst, record, a);
        match self {
            Violation::ListedScoresLength {
                record,
                app,
                scores,
                experts,
            } => format!(
                "{}: {} listed for {}",
                at(*record, *app),
                count(*scores as u64, "score"),
                count(*experts as u64, "expert")
            ),
            Violation::ListedScore {
                record,
                app,
                expert,
                listed,
                actual,
            } => format!(
                "{}: score of {} is listed as {listed}, recomputed {} ({})",
                at(*record, *app),
                inst.experts[expert.ix()].id,
                fmt_micro(actual.0),
                beyond(*listed, actual.as_f64())
            ),
            Violation::ListedProgramme {
                record,
                app,
                listed,
            } => format!(
                "{}: the file names programme {listed:?}, the instance puts the application {}",
                at(*record, *app),
                match inst.applications[app.ix()].programme {
                    Some(p) => format!("in programme {:?}", inst.programmes.name(p.0)),
                    None => "in no programme".to_string(),
                }
            ),
            Violation::ObjectiveMismatch {
                claimed,
                recomputed_micro,
            } => format!(
                "the file's objective is {claimed}, the recomputed sum of scores{} is {} ({})",
                if inst.policy.bonus_micro() > 0 {
                    " plus city bonuses"
                } else {
                    ""
                },
                fmt_micro(*recomputed_micro),
                beyond(*claimed, total_as_f64(*recomputed_micro))
            ),
            Violation::AboveBound {
                bound,
                recomputed_micro,
            } => format!(
                "the recomputed objective {} exceeds the file's bound {bound} ({}); the bound is not an upper bound",
                fmt_micro(*recomputed_micro),
                beyond(*bound, total_as_f64(*recomputed_micro))
            ),
            Violation::BadStatus { status } => {
                format!("status {status:?} is neither \"optimal\" nor \"feasible\"")
            }
            Violation::OptimalWithGap {
                bound,
                recomputed_micro,
            } => format!(
                "status is \"optimal\" but the bound {bound} differs from the recomputed objective {} ({})",
                fmt_micro(*recomputed_micro),
                beyond(*bound, total_as_f64(*recomputed_micro))
            ),
            // Every other violation is described by `describe` itself.
            other => other.describe(inst),
        }
    }
}

/// A panel named by its application id, with the file record
/// (`panels[i]`) when it is not at the application's own position.
fn panel_at(inst: &Instance, record: usize, a: AppIx) -> String {
    let id = inst.applications[a.ix()].id.as_str();
    if record == a.ix() {
        id.to_string()
    } else {
        format!("{id} (panels[{record}])")
    }
}

/// [`Violation::CityCap`] in words.
fn city_cap(
    inst: &Instance,
    record: usize,
    app: AppIx,
    city: CityIx,
    experts: &[ExpertIx],
    max: u32,
) -> String {
    let home = if city == inst.applications[app.ix()].city {
        " (the home city)"
    } else {
        ""
    };
    format!(
        "{}: {} from {}{home} ({}), max_per_city is {max}{}",
        panel_at(inst, record, app),
        count(experts.len() as u64, "expert"),
        inst.cities.name(city.0),
        ids(inst, experts),
        by_programme(inst, app, |r| r.max_per_city.is_some())
    )
}

/// Whether an expert's load bound is their own or the policy's.
fn own_or_policy(own: bool) -> &'static str {
    if own {
        "own"
    } else {
        "policy"
    }
}

/// [`Violation::Underloaded`] in words.
fn underloaded(inst: &Instance, expert: ExpertIx, load: u32, min: u32) -> String {
    let own = own_or_policy(inst.experts[expert.ix()].min_load.is_some());
    format!(
        "{}: sits on {}, min_load is {min} ({own})",
        inst.experts[expert.ix()].id,
        count(u64::from(load), "panel")
    )
}

/// [`Violation::Overloaded`] in words.
fn overloaded(inst: &Instance, expert: ExpertIx, apps: &[AppIx], max: u32) -> String {
    let own = own_or_policy(inst.experts[expert.ix()].max_load.is_some());
    let list: Vec<&str> = apps
        .iter()
        .map(|&a| inst.applications[a.ix()].id.as_str())
        .collect();
    format!(
        "{}: sits on {} ({}), max_load is {max} ({own})",
        inst.experts[expert.ix()].id,
        count(apps.len() as u64, "panel"),
        list.join(", ")
    )
}

/// [`Violation::RoundOutsideShare`] in words.
fn round_outside_share(
    inst: &Instance,
    city: Option<CityIx>,
    share: f64,
    reviews: u64,
    outside: u64,
    need: u64,
) -> String {
    match city {
        None => format!(
            "{outside} of the round's {reviews} reviews come from outside the application's city; min_outside_share_round {share} needs at least {need}"
        ),
        Some(c) => {
            let name = inst.cities.name(c.0);
            format!(
                "{outside} of the {reviews} reviews of applications from {name} come from outside {name}; min_outside_share_by_city {share} needs at least {need}"
            )
        }
    }
}

/// [`Violation::Declined`] in words.
fn declined(
    inst: &Instance,
    record: usize,
    app: AppIx,
    expert: ExpertIx,
    withdrawn: bool,
) -> String {
    format!(
        "panel #{} of {}: {} {}",
        record + 1,
        inst.applications[app.ix()].id,
        inst.experts[expert.ix()].id,
        if withdrawn {
            "withdrew from the round (the file's withdrawn list)"
        } else {
            "declined this application (the file's declined list)"
        }
    )
}

/// "1 expert", "2 experts".
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn ids(inst: &Instance, experts: &[ExpertIx]) -> String {
    let list: Vec<&str> = experts
        .iter()
        .map(|&e| inst.experts[e.ix()].id.as_str())
        .collect();
    list.join(", ")
}

/// The rules of application `a`'s programme, with its name, when the
/// policy lists that programme.
fn programme_of(inst: &Instance, a: AppIx) -> Option<(&str, &crate::model::ProgrammeRules)> {
    let name = inst.programme_name(a)?;
    inst.policy.programmes.get(name).map(|r| (name, r))
}

/// `" (programme NAME)"` when `a`'s programme sets the rule `set` reads
/// (so the message says whose value was applied), else empty.
fn by_programme(
    inst: &Instance,
    a: AppIx,
    set: impl Fn(&crate::model::ProgrammeRules) -> bool,
) -> String {
    match programme_of(inst, a) {
        Some((name, rules)) if set(rules) => format!(" (programme {name})"),
        _ => String::new(),
    }
}

/// Which policy field sets `inst.min_outside(a)`, in words: the
/// programme's when it sets it, else the round's.
fn outside_rule(inst: &Instance, a: AppIx) -> String {
    let k = inst.panel_size(a);
    let p = &inst.policy;
    let prog = programme_of(inst, a);
    let whose = |name: Option<&str>| {
        name.map(|n| format!("programme {n}'s "))
            .unwrap_or_default()
    };
    let (share, share_by) = prog
        .and_then(|(n, r)| r.min_outside_share.map(|s| (s, Some(n))))
        .unwrap_or((p.min_outside_share, None));
    let (count, count_by) = prog
        .and_then(|(n, r)| r.min_outside.map(|c| (c, Some(n))))
        .unwrap_or((p.min_outside, None));
    let by_share = inst.min_outside(a) > count.min(k);
    if by_share {
        format!("{}min_outside_share {share} of {k}", whose(share_by))
    } else {
        format!("{}min_outside {count}", whose(count_by))
    }
}

/// "differs by 0.001": scores are whole millionths, so claims are
/// compared exactly.
fn beyond(value: f64, reference: f64) -> String {
    if !value.is_finite() {
        return "not a finite number".to_string();
    }
    format!("differs by {}", short((value - reference).abs()))
}

/// A float for a message: up to 6 decimals when at least 0.001, else 4
/// significant digits in scientific notation (`1.150e-6`).
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    if x.abs() >= 1e-3 {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.3e}")
    }
}
