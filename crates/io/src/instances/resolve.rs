//! The one place where read records become an [`Instance`]: ids are
//! interned, references resolved and cross-record rules checked, for the
//! bundle and the CSV directory alike (so both load to equal instances).
//!
//! Interning order (the model's invariant): cities and institutions in
//! first-appearance order over experts then applications; persons are the
//! experts first, in input order (`PersonIx(i) == ExpertIx(i)`), then other
//! person ids in first-appearance order: teams in application order, then
//! co-authorships (`a` before `b`). A conflict's `with` must name an
//! application or an already known person, so it never adds one.
//!
//! The id maps here are hash maps used for lookups only (never iterated),
//! so no output depends on hash order.
//!
//! Decision: an application id may not also be a person id (expert, team
//! member or co-author), because a conflict's `with` could then mean
//! either; such a clash is an input error.

use crate::error::{Errs, IdOf, NoneIn, PersonId, Said};
use crate::names::{normalize, place_key};
use crate::note::{Noted, PlaceOf};
use crate::streams::intern::FxMap;
use std::path::Path;

use crate::instances::records::{
    HistoryList, Origin, Raw, RawAffinity, RawAffinityList, RawApplication, RawCoauthorship,
    RawConflict, RawExpert, RepeatsSought, Site,
};
use crate::model::{
    Affinity, AppIx, Application, CityIx, Coauthorship, Conflict, ConflictWith, Expert, ExpertIx,
    InstIx, Instance, Interner, Kept, KeptColumns, PersonIx, Policy, ProgIx,
};

impl Origin {
    /// Where, for a cross reference from another record: `experts.csv row 3`
    /// or `experts[2]` (the file's name for a table's row, the place
    /// without the record's id).
    fn place(&self) -> (Option<String>, Option<crate::error::Location>) {
        let name = || {
            self.file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match self.site {
            Site::Row(row) => (Some(name()), Some(crate::error::Location::row(row))),
            Site::Whole => (Some(self.file.display().to_string()), None),
            _ => (
                None,
                Origin {
                    id: None,
                    ..self.clone()
                }
                .location(),
            ),
        }
    }
}

/// The names a resolve interns, in input order (see the module docs).
#[derive(Default)]
struct Names {
    cities: Places,
    institutions: Places,
    persons: Interner,
    programmes: Interner,
}

/// Builds the instance, or pushes every problem found and returns `None`.
/// Consumes the raw records, moving their texts into the model.
pub(crate) fn resolve(mut raw: Raw, errs: &mut Errs) -> Option<Instance> {
    // The history's repeated records are sought beside the rest, and
    // reported where they always were (after the policy's checks).
    let history_given = raw.history.is_some();
    let history = raw.history.take().map(HistoryList::seek_repeats);
    let base = resolve_base(raw, history_given, errs);
    resolve_history(base, history, errs)
}

/// What [`resolve`] makes of everything but the history table: the
/// instance without its history. It reads nothing of the history but
/// whether the input has one, so a bundle whose history comes last has it
/// made on another thread while the history is read
/// ([`crate::instances::bundle_fast`]); [`resolve_history`] ends the
/// resolve either way.
pub(crate) struct Base {
    /// The instance, its history still empty.
    instance: Instance,
    /// False when the input has no policy, or one that did not read (the
    /// load then fails).
    policy_read: bool,
}

/// The first part of [`resolve`]: everything but the history table, which
/// `raw` no longer holds (`history_given` says whether the input had one).
/// Problems go to `errs` in the order [`resolve`] finds them.
pub(crate) fn resolve_base(mut raw: Raw, history_given: bool, errs: &mut Errs) -> Base {
    let mut policy = raw.policy.clone().unwrap_or_default();
    let mut names = Names::default();
    let kept = Kept {
        experts: KeptColumns::from_records(raw.experts.iter().map(|e| kept_pairs(&e.kept))),
        applications: KeptColumns::from_records(
            raw.applications.iter().map(|a| kept_pairs(&a.kept)),
        ),
    };
    for a in &raw.applications {
        if let Some(p) = &a.programme {
            names.programmes.intern(p);
        }
    }
    check_not_empty(&raw, errs);
    let (experts, expert_index) = resolve_experts(&mut raw.experts, &policy, &mut names, errs);
    let (applications, app_index) =
        resolve_applications(&mut raw.applications, &expert_index, &mut names, errs);
    let coauthorships = resolve_coauthorships(&raw.coauthorships, &mut names.persons, errs);
    check_application_ids(&raw, &expert_index, &names.persons, errs);
    let conflicts = resolve_conflicts(
        &mut raw.conflicts,
        &expert_index,
        &app_index,
        &names.persons,
        errs,
    );
    let affinity = raw
        .affinity
        .as_ref()
        .map(|list| resolve_affinity(list, &app_index, &expert_index, errs));

    let Names {
        cities,
        institutions,
        persons,
        programmes,
    } = names;
    for note in cities
        .notes(PlaceOf::City)
        .into_iter()
        .chain(institutions.notes(PlaceOf::Institution))
    {
        errs.note(note);
    }
    let (cities, institutions) = (cities.names, institutions.names);
    for note in near_same_city_notes(&cities)
        .into_iter()
        .chain(case_only_person_notes(&persons))
        .chain(case_only_field_notes(&experts, &applications))
    {
        errs.note(note);
    }
    let policy_at = raw.policy_file.as_ref().map(|file| PolicyAt {
        file,
        sites: &raw.policy_sites,
    });
    merge_city_spellings(&mut policy, &cities, policy_at.as_ref(), errs);
    if let Some(at) = &policy_at {
        check_cities_of_targets(&policy, &cities, &applications, at, errs);
        check_programmes(&policy, &applications, &programmes, at, errs);
        if history_given && policy.history_rules_on() && policy.year.is_none() {
            errs.push(at.error("year", Said::NoRoundYear));
        }
    }

    Base {
        instance: Instance {
            policy,
            experts,
            applications,
            conflicts,
            coauthorships,
            affinity,
            cities,
            institutions,
            persons,
            kept,
            programmes,
            history: crate::history::History::default(),
        },
        policy_read: raw.policy.is_some(),
    }
}

/// The second part of [`resolve`]: the history table's repeated records
/// reported and, when nothing is wrong so far, its records resolved
/// against the rest and the instance made.
pub(crate) fn resolve_history(
    base: Base,
    history: Option<RepeatsSought>,
    errs: &mut Errs,
) -> Option<Instance> {
    let history = history.map(|h| h.found(errs));
    if !errs.is_empty() || !base.policy_read {
        return None;
    }
    let mut inst = base.instance;
    if let Some(list) = history {
        let h = crate::history::History::resolve(
            list.into_records(),
            &inst.persons,
            inst.experts.len(),
            &inst.institutions,
        );
        for note in history_spelling_notes(&h, &inst.institutions) {
            errs.note(note);
        }
        inst.history = h;
    }
    for unnamed in super::unnamed::unnamed_programmes(&inst) {
        errs.note(Noted::UnnamedProgramme(unnamed));
    }
    Some(inst)
}

/// Most pairs of names listed in one note of [`near_same_city_notes`]
/// or of the letter-case notes.
const NEAR_NAMES_SHOWN: usize = 10;

/// One note per pair of cities that differ only by a trailing 市
/// (`武汉市` and `武汉`): SPEC keeps them two cities, so an expert of one
/// counts as outside the other; the officer is told, as a merge would be.
fn near_same_city_notes(cities: &Interner) -> Vec<Noted> {
    let mut by_key: FxMap<String, &str> = FxMap::default();
    for name in cities.names() {
        by_key.insert(place_key(name), name);
    }
    cities
        .names()
        .iter()
        .filter_map(|name| {
            let short = name.strip_suffix('市').filter(|s| !s.trim().is_empty())?;
            let other = by_key.get(&place_key(short))?;
            Some(Noted::CitySuffix {
                city: name.clone(),
                other: other.to_string(),
            })
        })
        .take(NEAR_NAMES_SHOWN)
        .collect()
}

/// The first [`NEAR_NAMES_SHOWN`] of a note's pairs and how many more
/// there are; `None` when there are none (no note).
fn shown_and_more<T>(mut pairs: Vec<T>) -> Option<(Vec<T>, usize)> {
    if pairs.is_empty() {
        return None;
    }
    let more = pairs.len().saturating_sub(NEAR_NAMES_SHOWN);
    pairs.truncate(NEAR_NAMES_SHOWN);
    Some((pairs, more))
}

/// A note naming the person ids (experts, team members, co-authors,
/// conflicts' persons) that differ only in letter case: ids keep their
/// letter case, so `p1` and `P1` are two people and a conflict or
/// co-authorship with one does not reach the other.
fn case_only_person_notes(persons: &Interner) -> Vec<Noted> {
    // Looked up, not grouped: a round has up to millions of person ids.
    let pairs: Vec<(String, String)> = persons
        .names()
        .iter()
        .filter_map(|name| {
            crate::names::case_twin(name, |t| persons.get(t).is_some())
                .map(|twin| (name.clone(), twin))
        })
        .collect();
    shown_and_more(pairs)
        .map(|(pairs, more)| Noted::CaseOnlyIds { pairs, more })
        .into_iter()
        .collect()
}

/// A note naming the field codes of experts and applications that differ
/// only in letter case (`F0301` and `f0301`), with the records that list
/// each: codes keep their letter case (SPEC compares them as names, and
/// folds case for places only), so an expert who lists one does not match
/// an application that lists the other, in the computed score and in
/// `cover_fields`.
fn case_only_field_notes(experts: &[Expert], applications: &[Application]) -> Vec<Noted> {
    // Per code, the ids of the experts and of the applications listing it.
    let mut sites: std::collections::BTreeMap<&str, (Vec<&str>, Vec<&str>)> =
        std::collections::BTreeMap::new();
    for e in experts {
        for f in &e.fields {
            let ids = &mut sites.entry(f.as_str()).or_default().0;
            if ids.last() != Some(&e.id.as_str()) {
                ids.push(&e.id);
            }
        }
    }
    for a in applications {
        for f in &a.fields {
            let ids = &mut sites.entry(f.as_str()).or_default().1;
            if ids.last() != Some(&a.id.as_str()) {
                ids.push(&a.id);
            }
        }
    }
    let listed = |code: &str| {
        const IDS_SHOWN: usize = 3;
        let (experts, apps) = &sites[code];
        let first = |ids: &[&str]| -> Vec<String> {
            ids.iter().take(IDS_SHOWN).map(|x| x.to_string()).collect()
        };
        crate::note::FieldListed {
            code: code.to_string(),
            experts: first(experts),
            experts_more: experts.len().saturating_sub(IDS_SHOWN),
            applications: first(apps),
            applications_more: apps.len().saturating_sub(IDS_SHOWN),
        }
    };
    let pairs: Vec<_> = sites
        .keys()
        .filter_map(|&code| {
            crate::names::case_twin(code, |t| sites.contains_key(t))
                .map(|twin| (listed(code), listed(&twin)))
        })
        .collect();
    shown_and_more(pairs)
        .map(|(pairs, more)| Noted::CaseOnlyFields { pairs, more })
        .into_iter()
        .collect()
}

/// An experts or applications table read but empty is an error.
fn check_not_empty(raw: &Raw, errs: &mut Errs) {
    if raw.experts_seen && raw.experts.is_empty() {
        if let Some(f) = &raw.experts_file {
            errs.push(crate::LoadError::said(
                f.to_path_buf(),
                Said::NoRecords { of: IdOf::Expert },
            ));
        }
    }
    if raw.applications_seen && raw.applications.is_empty() {
        if let Some(f) = &raw.applications_file {
            errs.push(crate::LoadError::said(
                f.to_path_buf(),
                Said::NoRecords {
                    of: IdOf::Application,
                },
            ));
        }
    }
}

/// The error for an id given a second time at `at`, first at `first`.
fn duplicate_id(
    at: &crate::instances::records::Origin,
    of: IdOf,
    id: &str,
    first: &crate::instances::records::Origin,
) -> crate::error::LoadError {
    let (file, first) = first.place();
    at.error(
        Some("id"),
        Said::DuplicateId {
            of,
            id: id.to_string(),
            file,
            first,
        },
    )
}

/// The experts, their ids' index, and their places, persons and
/// programmes interned; duplicate ids and a `min_load` over `max_load`
/// reported.
fn resolve_experts(
    raw: &mut [RawExpert],
    policy: &Policy,
    names: &mut Names,
    errs: &mut Errs,
) -> (Vec<Expert>, FxMap<String, ExpertIx>) {
    let n_experts = raw.len();
    let mut expert_index: FxMap<String, ExpertIx> =
        FxMap::with_capacity_and_hasher(n_experts, Default::default());
    let mut experts = Vec::with_capacity(n_experts);
    for i in 0..n_experts {
        let e = &raw[i];
        if let Some(first) = expert_index.get(e.id.as_str()) {
            errs.push(duplicate_id(
                &e.at,
                IdOf::Expert,
                &e.id,
                &raw[first.ix()].at,
            ));
        } else {
            expert_index.insert(e.id.clone(), ExpertIx(i as u32));
        }
        names.persons.intern(&e.id);
        check_loads(e, policy, errs);
        let e = &mut raw[i];
        experts.push(Expert {
            id: e.id.clone(),
            name: e.name.take(),
            city: CityIx(names.cities.intern(&e.city)),
            institution: InstIx(names.institutions.intern(&e.institution)),
            fields: std::mem::take(&mut e.fields),
            keywords: std::mem::take(&mut e.keywords),
            title: e.title.take(),
            max_load: e.max_load,
            min_load: e.min_load,
            available: e.available,
            programmes: e
                .programmes
                .iter()
                .map(|p| ProgIx(names.programmes.intern(p.trim())))
                .collect(),
        });
    }
    (experts, expert_index)
}

/// An available expert's `min_load` (own or the policy's) must not exceed
/// their `max_load` when either is their own.
fn check_loads(e: &RawExpert, policy: &Policy, errs: &mut Errs) {
    let max = e.max_load.unwrap_or(policy.max_load);
    let min = e.min_load.unwrap_or(policy.min_load);
    if e.available && min > max && (e.min_load.is_some() || e.max_load.is_some()) {
        let field = if e.min_load.is_some() {
            "min_load"
        } else {
            "max_load"
        };
        errs.push(e.at.error(
            Some(field),
            Said::LoadsCrossed {
                min,
                max,
                min_own: e.min_load.is_some(),
                max_own: e.max_load.is_some(),
            },
        ));
    }
}

/// The applications and their ids' index, their places and team members
/// interned, `avoid` resolved against the experts; duplicate ids and
/// unknown avoided experts reported.
fn resolve_applications(
    raw: &mut [RawApplication],
    expert_index: &FxMap<String, ExpertIx>,
    names: &mut Names,
    errs: &mut Errs,
) -> (Vec<Application>, FxMap<String, AppIx>) {
    let n_apps = raw.len();
    let mut app_index: FxMap<String, AppIx> =
        FxMap::with_capacity_and_hasher(n_apps, Default::default());
    let mut applications = Vec::with_capacity(n_apps);
    for j in 0..n_apps {
        let a = &raw[j];
        if let Some(first) = app_index.get(a.id.as_str()) {
            errs.push(duplicate_id(
                &a.at,
                IdOf::Application,
                &a.id,
                &raw[first.ix()].at,
            ));
        } else {
            app_index.insert(a.id.clone(), AppIx(j as u32));
        }
        let team = a
            .team
            .iter()
            .map(|p| PersonIx(names.persons.intern(p)))
            .collect();
        let mut avoid = Vec::with_capacity(a.avoid.len());
        for x in &a.avoid {
            match expert_index.get(x.as_str()) {
                Some(&e) => avoid.push(e),
                None => {
                    errs.push(a.at.error(Some("avoid"), Said::AvoidNotExpert { id: x.clone() }))
                }
            }
        }
        let a = &mut raw[j];
        applications.push(Application {
            id: a.id.clone(),
            title: a.title.take(),
            city: CityIx(names.cities.intern(&a.city)),
            institution: InstIx(names.institutions.intern(&a.institution)),
            fields: std::mem::take(&mut a.fields),
            keywords: std::mem::take(&mut a.keywords),
            panel_size: a.panel_size,
            team,
            avoid,
            programme: a
                .programme
                .as_deref()
                .and_then(|p| names.programmes.get(p))
                .map(ProgIx),
        });
    }
    (applications, app_index)
}

/// The co-authorships, their persons interned (`a` before `b`); a person
/// linked to themselves reported.
fn resolve_coauthorships(
    raw: &[RawCoauthorship],
    persons: &mut Interner,
    errs: &mut Errs,
) -> Vec<Coauthorship> {
    let mut coauthorships = Vec::with_capacity(raw.len());
    for c in raw {
        if c.a == c.b {
            errs.push(c.at.error(Some("b"), Said::SelfCoauthor { id: c.a.clone() }));
        }
        coauthorships.push(Coauthorship {
            a: PersonIx(persons.intern(&c.a)),
            b: PersonIx(persons.intern(&c.b)),
            year: c.year,
        });
    }
    coauthorships
}

/// Application ids must not be person ids (see the module docs).
fn check_application_ids(
    raw: &Raw,
    expert_index: &FxMap<String, ExpertIx>,
    persons: &Interner,
    errs: &mut Errs,
) {
    for a in &raw.applications {
        if let Some(p) = persons.get(&a.id) {
            let person = match expert_index.get(a.id.as_str()) {
                Some(e) => {
                    let (file, at) = raw.experts[e.ix()].at.place();
                    PersonId::Expert { file, at }
                }
                None if (p as usize) < raw.experts.len() => PersonId::Expert {
                    file: None,
                    at: None,
                },
                None => PersonId::Person,
            };
            errs.push(a.at.error(
                Some("id"),
                Said::AppIdIsPerson {
                    id: a.id.clone(),
                    person,
                },
            ));
        }
    }
}

/// The conflicts whose expert and `with` resolve (an application, else a
/// known person); the others reported.
fn resolve_conflicts(
    raw: &mut [RawConflict],
    expert_index: &FxMap<String, ExpertIx>,
    app_index: &FxMap<String, AppIx>,
    persons: &Interner,
    errs: &mut Errs,
) -> Vec<Conflict> {
    let mut conflicts = Vec::with_capacity(raw.len());
    for c in raw {
        let expert = expert_index.get(c.expert.as_str()).copied();
        if expert.is_none() {
            errs.push(
                c.at.error(Some("expert"), String::new())
                    .saying(Said::UnknownId {
                        of: IdOf::Expert,
                        id: c.expert.to_string(),
                    }),
            );
        }
        let with = if let Some(&a) = app_index.get(c.with.as_str()) {
            Some(ConflictWith::Application(a))
        } else if let Some(p) = persons.get(&c.with) {
            Some(ConflictWith::Person(PersonIx(p)))
        } else {
            errs.push(c.at.error(
                Some("with"),
                Said::UnknownWith {
                    id: c.with.to_string(),
                },
            ));
            None
        };
        if let (Some(expert), Some(with)) = (expert, with) {
            conflicts.push(Conflict {
                expert,
                with,
                reason: c.reason.take(),
            });
        }
    }
    conflicts
}

/// Where the policy was read, for errors found while resolving: the file
/// (`policy.json`, `policy.csv`, the workbook) and, for a policy given as
/// rows, each key's row.
struct PolicyAt<'a> {
    file: &'a std::sync::Arc<Path>,
    sites: &'a std::collections::BTreeMap<String, crate::instances::records::Site>,
}

impl PolicyAt<'_> {
    /// An error about a policy field, at its key's row when known.
    fn error(&self, field: &str, message: impl Into<crate::error::Msg>) -> crate::LoadError {
        match self.sites.get(field) {
            Some(site) => crate::instances::records::Origin {
                file: self.file.clone(),
                site: site.clone(),
                id: None,
            }
            .error(Some(field), message),
            None => crate::LoadError::of(self.file.to_path_buf(), message).in_field(field),
        }
    }
}

/// Per-city outside targets named as the city's first spelling (a city
/// is named as its places are compared); two spellings of one city given
/// twice are reported when the policy has a file.
fn merge_city_spellings(
    policy: &mut Policy,
    cities: &Interner,
    policy_at: Option<&PolicyAt<'_>>,
    errs: &mut Errs,
) {
    let by_city = std::mem::take(&mut policy.min_outside_share_by_city);
    for (city, share) in by_city {
        let key = place_key(&city);
        let shown = cities
            .names()
            .iter()
            .find(|n| place_key(n) == key)
            .cloned()
            .unwrap_or_else(|| city.clone());
        if shown != city {
            errs.note(format!(
                "note: min_outside_share_by_city: the city {city:?} is taken as {shown:?} \
                 (cities are compared without regard to letter case)"
            ));
        }
        if policy
            .min_outside_share_by_city
            .insert(shown.clone(), share)
            .is_some()
        {
            if let Some(at) = policy_at {
                errs.push(at.error(
                    "min_outside_share_by_city",
                    Said::CityTwice {
                        city: shown.clone(),
                    },
                ));
            }
        }
    }
}

/// Per-city outside targets must name a city some application is in (a
/// typo must not silently drop a target).
fn check_cities_of_targets(
    policy: &Policy,
    cities: &Interner,
    applications: &[Application],
    at: &PolicyAt<'_>,
    errs: &mut Errs,
) {
    for city in policy.min_outside_share_by_city.keys() {
        let known = cities
            .get(city)
            .is_some_and(|c| applications.iter().any(|a| a.city.0 == c));
        if !known {
            let mut app_cities: Vec<&str> =
                applications.iter().map(|a| cities.name(a.city.0)).collect();
            app_cities.sort_unstable();
            app_cities.dedup();
            errs.push(at.error(
                "min_outside_share_by_city",
                Said::NoApplicationIn {
                    of: NoneIn::City,
                    name: city.clone(),
                    known: app_cities.iter().map(|c| c.to_string()).collect(),
                },
            ));
        }
    }
}

/// A record's kept cells as borrowed pairs.
fn kept_pairs(kept: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    kept.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Places (cities or institutions) interned as SPEC compares them: by
/// normal form ([`normalize`]) without letter case ([`place_key`]), shown
/// as the first spelling's normal form; the spellings merged are kept for
/// the notes.
#[derive(Default)]
struct Places {
    names: Interner,
    by_key: FxMap<String, u32>,
    /// Per place, the distinct spellings as written (at most a few).
    spellings: Vec<Vec<String>>,
}

impl Places {
    /// Most spellings of one place kept for its note.
    const SHOWN: usize = 6;

    fn intern(&mut self, written: &str) -> u32 {
        let norm = normalize(written);
        let i = match self.names.get(&norm) {
            Some(i) => i,
            None => {
                let key = norm.to_lowercase();
                match self.by_key.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = self.names.intern(&norm);
                        self.by_key.insert(key, i);
                        self.spellings.push(Vec::new());
                        i
                    }
                }
            }
        };
        let seen = &mut self.spellings[i as usize];
        if seen.len() < Self::SHOWN && !seen.iter().any(|s| s == written) {
            seen.push(written.to_string());
        }
        i
    }

    /// One note per place written more than one way, in first-appearance
    /// order.
    fn notes(&self, of: PlaceOf) -> Vec<Noted> {
        self.spellings
            .iter()
            .enumerate()
            .filter(|(_, s)| s.len() > 1)
            .map(|(i, s)| Noted::SpellingsMerged {
                of,
                spellings: s.clone(),
                shown: self.names.name(i as u32).to_string(),
            })
            .collect()
    }
}

/// Most spellings of the history's institutions noted one by one; the rest
/// are counted in one note.
const HISTORY_SPELLINGS_NOTED: usize = 10;

/// One note per institution spelling the history writes otherwise than the
/// round (SPEC: every merge of spellings is noted), in first-appearance
/// order: the first [`HISTORY_SPELLINGS_NOTED`], then one note counting
/// the rest.
fn history_spelling_notes(h: &crate::history::History, institutions: &Interner) -> Vec<Noted> {
    let mut seen: std::collections::BTreeSet<&str> = Default::default();
    let mut notes = Vec::new();
    for i in h.respelled_institutions() {
        let (r, Some(ix)) = (&h.records[i], h.institution_of(i)) else {
            continue;
        };
        if seen.insert(&r.institution) && notes.len() < HISTORY_SPELLINGS_NOTED {
            notes.push(Noted::HistoryInstitution {
                written: r.institution.to_string(),
                shown: institutions.name(ix.0).to_string(),
            });
        }
    }
    let more = seen.len() - notes.len();
    if more > 0 {
        notes.push(Noted::HistoryInstitutionsMore { count: more });
    }
    notes
}

/// Every key of the policy's `programmes` must be named by an application
/// (a typo must not silently drop a programme's rules).
fn check_programmes(
    policy: &crate::model::Policy,
    applications: &[Application],
    programmes: &Interner,
    at: &PolicyAt<'_>,
    errs: &mut Errs,
) {
    let named = |name: &str| {
        programmes
            .get(name)
            .is_some_and(|p| applications.iter().any(|a| a.programme == Some(ProgIx(p))))
    };
    for name in policy.programmes.keys() {
        if named(name) {
            continue;
        }
        let mut known: Vec<&str> = applications
            .iter()
            .filter_map(|a| a.programme.map(|p| programmes.name(p.0)))
            .collect();
        known.sort_unstable();
        known.dedup();
        errs.push(at.error(
            "programmes",
            Said::NoApplicationIn {
                of: NoneIn::Programme,
                name: name.clone(),
                known: known.iter().map(|k| k.to_string()).collect(),
            },
        ));
    }
}

/// The affinity entries with their ids resolved, in input order; unknown
/// ids and repeated pairs are reported (in input order) and left out.
fn resolve_affinity(
    list: &RawAffinityList,
    app_index: &FxMap<String, AppIx>,
    expert_index: &FxMap<String, ExpertIx>,
    errs: &mut Errs,
) -> Vec<Affinity> {
    // Each distinct id is looked up once, not once per record.
    let app_of: Vec<Option<AppIx>> = list
        .applications
        .names()
        .map(|n| app_index.get(normalize(n).as_ref()).copied())
        .collect();
    let expert_of: Vec<Option<ExpertIx>> = list
        .experts
        .names()
        .map(|n| expert_index.get(normalize(n).as_ref()).copied())
        .collect();
    let duplicates = repeated_pairs(list, &app_of, &expert_of);
    let mut duplicates = duplicates.iter().peekable();
    let mut out = Vec::with_capacity(list.records.len());
    for (k, rec) in list.records.iter().enumerate() {
        let app = app_of[rec.application as usize];
        let expert = expert_of[rec.expert as usize];
        let (Some(application), Some(expert)) = (app, expert) else {
            let at = list.origin(rec);
            if app.is_none() {
                let id = list.applications.name(rec.application);
                errs.push(
                    at.error(Some("application"), String::new())
                        .saying(Said::UnknownId {
                            of: IdOf::Application,
                            id: id.to_string(),
                        }),
                );
            }
            if expert.is_none() {
                let id = list.experts.name(rec.expert);
                errs.push(
                    at.error(Some("expert"), String::new())
                        .saying(Said::UnknownId {
                            of: IdOf::Expert,
                            id: id.to_string(),
                        }),
                );
            }
            continue;
        };
        if let Some(&(_, first)) = duplicates.next_if(|&&(dup, _)| dup as usize == k) {
            let first = &list.records[first as usize];
            let (file, first) = list.origin(first).place();
            errs.push(list.origin(rec).error(
                None,
                Said::DuplicatePair {
                    application: list.applications.name(rec.application).to_string(),
                    expert: list.experts.name(rec.expert).to_string(),
                    file,
                    first: first.map(Box::new),
                },
            ));
            continue;
        }
        out.push(Affinity {
            application,
            expert,
            score: rec.score,
        });
    }
    out
}

/// Records (by index) that repeat an earlier record's known pair, each with
/// the index of the pair's first record, in input order. Linear: records
/// are bucketed by application (input order kept), then each bucket marks
/// the experts it has seen.
fn repeated_pairs(
    list: &RawAffinityList,
    app_of: &[Option<AppIx>],
    expert_of: &[Option<ExpertIx>],
) -> Vec<(u32, u32)> {
    // Indices are record positions (a repeated application id keeps its
    // place), so size by the largest, not by the number of ids.
    let n_apps = app_of
        .iter()
        .flatten()
        .map(|a| a.ix() + 1)
        .max()
        .unwrap_or(0);
    let known = |rec: &RawAffinity| {
        Some((
            app_of[rec.application as usize]?,
            expert_of[rec.expert as usize]?,
        ))
    };
    let mut start = vec![0u32; n_apps + 1];
    for rec in &list.records {
        if let Some((a, _)) = known(rec) {
            start[a.ix() + 1] += 1;
        }
    }
    for i in 0..n_apps {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut by_app = vec![0u32; start[n_apps] as usize];
    for (k, rec) in list.records.iter().enumerate() {
        if let Some((a, _)) = known(rec) {
            by_app[next[a.ix()] as usize] = k as u32;
            next[a.ix()] += 1;
        }
    }
    drop(next);
    let n_experts = expert_of
        .iter()
        .flatten()
        .map(|e| e.ix() + 1)
        .max()
        .unwrap_or(0);
    // For each expert: the last application that named it (+1; 0 = none)
    // and that record's index.
    let mut seen_by = vec![(0u32, 0u32); n_experts];
    let mut out = Vec::new();
    for a in 0..n_apps {
        for &k in &by_app[start[a] as usize..start[a + 1] as usize] {
            let Some((_, e)) = known(&list.records[k as usize]) else {
                continue;
            };
            let slot = &mut seen_by[e.ix()];
            if slot.0 == a as u32 + 1 {
                out.push((k, slot.1));
            } else {
                *slot = (a as u32 + 1, k);
            }
        }
    }
    out.sort_unstable();
    out
}
