//! Whether an instance can be written and read back unchanged: the
//! checks every instance writer makes first.

use std::path::Path;

use super::{office, records};
use crate::error::WriteError;
use crate::history::ShortText;
use crate::model::Instance;
use crate::names;

/// Checks that an instance can be written and read back unchanged: indices
/// in range, ids non-empty, list items trimmed, non-empty and free of `;`,
/// optional texts not empty, numbers finite.
pub(crate) fn check_writable(inst: &Instance, path: &Path) -> Result<(), WriteError> {
    let bad = |m: String| Err(WriteError::unrepresentable(path, m));
    let (nc, ni, np, ne, na) = (
        inst.cities.len(),
        inst.institutions.len(),
        inst.persons.len(),
        inst.experts.len(),
        inst.applications.len(),
    );
    if np < ne {
        return bad(format!("the person table has {np} ids for {ne} experts"));
    }
    let list_ok = |items: &[String]| {
        items
            .iter()
            .all(|s| !s.is_empty() && names::is_normal(s) && !s.contains(names::is_list_separator))
    };
    let text_ok = |t: &Option<String>| t.as_deref() != Some("");
    let title_ok = |t: &Option<String>| t.as_deref().is_none_or(names::is_normal);
    if let Some(m) = places_unwritable(inst) {
        return bad(m);
    }
    if let Some(m) = control_unwritable(inst) {
        return bad(m);
    }
    for (what, kept, n) in [
        ("expert", &inst.kept.experts, inst.experts.len()),
        (
            "application",
            &inst.kept.applications,
            inst.applications.len(),
        ),
    ] {
        if let Some(m) = kept_unwritable(what, kept, n) {
            return bad(m);
        }
    }
    for (i, e) in inst.experts.iter().enumerate() {
        if e.id.trim().is_empty() || inst.persons.name(i as u32) != e.id {
            return bad(format!(
                "expert {i} ({:?}): empty id or not person {i}",
                e.id
            ));
        }
        if e.city.ix() >= nc || e.institution.ix() >= ni {
            return bad(format!(
                "expert {:?}: city or institution index out of range",
                e.id
            ));
        }
        if !list_ok(&e.fields) || !list_ok(&e.keywords) {
            return bad(format!(
                "expert {:?}: a field or keyword is empty, has spaces at its ends or contains ';'",
                e.id
            ));
        }
        if !text_ok(&e.name) || !text_ok(&e.title) || !title_ok(&e.title) {
            return bad(format!(
                "expert {:?}: name or title is Some(\"\"), or the title is not in normal form",
                e.id
            ));
        }
    }
    for a in &inst.applications {
        if a.id.trim().is_empty() {
            return bad("an application has an empty id".into());
        }
        if a.city.ix() >= nc || a.institution.ix() >= ni {
            return bad(format!(
                "application {:?}: city or institution index out of range",
                a.id
            ));
        }
        if a.team.iter().any(|p| p.ix() >= np) || a.avoid.iter().any(|e| e.ix() >= ne) {
            return bad(format!(
                "application {:?}: team or avoid index out of range",
                a.id
            ));
        }
        if !list_ok(&a.fields) || !list_ok(&a.keywords) {
            return bad(format!(
                "application {:?}: a field or keyword is empty, has spaces at its ends or contains ';'",
                a.id
            ));
        }
        if !text_ok(&a.title) || !title_ok(&a.title) {
            return bad(format!(
                "application {:?}: title is Some(\"\") or not in normal form",
                a.id
            ));
        }
    }
    for p in inst.persons.names() {
        if p.is_empty() || !names::is_normal(p) || p.contains(names::is_list_separator) {
            return bad(format!(
                "person id {p:?} is empty, not in normal form (spaces at its ends, \
                 full-width forms) or contains a list separator"
            ));
        }
    }
    for a in &inst.applications {
        if !names::is_normal(&a.id) {
            return bad(format!("application id {:?} is not in normal form", a.id));
        }
    }
    for c in &inst.conflicts {
        let with_ok = match c.with {
            crate::model::ConflictWith::Application(a) => a.ix() < na,
            crate::model::ConflictWith::Person(p) => p.ix() < np,
        };
        if c.expert.ix() >= ne || !with_ok || !text_ok(&c.reason) {
            return bad("a conflict has an index out of range or an empty reason".into());
        }
    }
    if inst
        .coauthorships
        .iter()
        .any(|c| c.a.ix() >= np || c.b.ix() >= np)
    {
        return bad("a co-authorship has a person index out of range".into());
    }
    if let Some(list) = &inst.affinity {
        if list
            .iter()
            .any(|f| f.application.ix() >= na || f.expert.ix() >= ne)
        {
            return bad("an affinity entry has an index out of range".into());
        }
    }
    let p = &inst.policy;
    let finite = [
        Some(p.min_outside_share),
        Some(p.default_affinity),
        p.min_affinity,
        p.min_outside_share_round,
        Some(p.bonus_per_city),
    ];
    let by_city_finite = p.min_outside_share_by_city.values().all(|x| x.is_finite());
    if finite.iter().flatten().any(|x| !x.is_finite()) || !by_city_finite {
        return bad("the policy has a number that is not finite".into());
    }
    Ok(())
}

/// Why an instance's texts cannot be written and read back: one holds a
/// control character the readers refuse ([`records::control_char`]).
fn control_unwritable(inst: &Instance) -> Option<String> {
    let e = &inst.experts;
    let a = &inst.applications;
    let texts = (inst.cities.names().iter())
        .chain(inst.institutions.names())
        .chain(inst.persons.names())
        .chain(inst.programmes.names())
        .map(String::as_str)
        .chain(e.iter().flat_map(|x| {
            let opt = x.name.iter().chain(&x.title).map(String::as_str);
            std::iter::once(x.id.as_str())
                .chain(opt)
                .chain(x.fields.iter().chain(&x.keywords).map(String::as_str))
        }))
        .chain(a.iter().flat_map(|x| {
            std::iter::once(x.id.as_str())
                .chain(x.title.as_deref())
                .chain(x.fields.iter().chain(&x.keywords).map(String::as_str))
        }))
        .chain(inst.conflicts.iter().filter_map(|c| c.reason.as_deref()))
        .chain(
            [&inst.kept.experts, &inst.kept.applications]
                .into_iter()
                .flat_map(|k| {
                    k.columns
                        .iter()
                        .chain(k.rows.iter().flatten())
                        .map(String::as_str)
                }),
        )
        .chain(inst.history.records.iter().flat_map(|r| {
            [&r.round, &r.programme, &r.application]
                .into_iter()
                .filter_map(|t| t.as_deref())
                .chain([r.institution.as_str(), r.expert.as_str()])
                .chain(r.team.iter().map(ShortText::as_str))
        }));
    for t in texts {
        if let Some(m) = records::control_message(t) {
            return Some(format!("a text {m}"));
        }
    }
    None
}

/// Why the places cannot be written and read back as they are: a name
/// not in normal form, or two names that read back as one place.
fn places_unwritable(inst: &Instance) -> Option<String> {
    for (what, names) in [
        ("city", inst.cities.names()),
        ("institution", inst.institutions.names()),
    ] {
        let mut keys = std::collections::BTreeSet::new();
        for n in names {
            if n.is_empty() || !names::is_normal(n) {
                return Some(format!(
                    "the {what} name {n:?} is empty or not in normal form"
                ));
            }
            if !keys.insert(names::place_key(n)) {
                return Some(format!(
                    "two {what} names differ only in letter case ({n:?}); they would read back \
                     as one"
                ));
            }
        }
    }
    None
}

/// Why kept columns cannot be written and read back: a column name not in
/// normal form, naming a known column (or a near-typo of one), given
/// twice; rows not one per record; a value with spaces at its ends.
fn kept_unwritable(what: &str, kept: &crate::model::KeptColumns, n: usize) -> Option<String> {
    if kept.columns.is_empty() {
        return (!kept.rows.is_empty()).then(|| format!("{what} kept rows without columns"));
    }
    let kind = if what == "expert" {
        office::TableKind::Experts
    } else {
        office::TableKind::Applications
    };
    let mut keys = std::collections::BTreeSet::new();
    for c in &kept.columns {
        let known = office::vocab(kind)
            .columns
            .iter()
            .flat_map(|k| std::iter::once(k.field).chain(k.zh.iter().copied()));
        if c.is_empty()
            || !names::is_normal(c)
            || office::field_of_header(kind, c).is_some()
            || office::near_typo(c, known).is_some()
            || c == records::KEPT_KEY
            || !keys.insert(office::header_key(c))
        {
            return Some(format!(
                "{what} kept column {c:?} is empty, not in normal form, repeated, or (nearly) \
                 the name of a known column"
            ));
        }
    }
    let rows_ok = kept.rows.len() == n
        && kept.rows.iter().all(|r| {
            r.len() == kept.columns.len() && r.iter().all(|v| v.trim() == v && !v.contains('\r'))
        });
    (!rows_ok).then(|| format!("{what} kept cells are not one row per record, trimmed"))
}
