//! The state of a round between replacements: declined pairs, withdrawn
//! experts, confirmed and locked panels ([`RoundState`], read from a
//! panels file by [`crate::io::assignment::Assignment`]), added to by
//! `panels replace`, and written into the next panels file
//! (docs/round-lifecycle.md).

use super::log::ReplaceAsked;
pub use crate::io::assignment::RoundState;
use crate::model::{AppIx, ExpertIx, Instance};

/// `state` after what `asked` adds: declines (`A:E` a pair, `E` a
/// withdrawal), locks, and the confirmed panels locked when asked.
/// `panels` are the current panels (per application, sorted); `note`
/// receives remarks for stderr (a decline, withdrawal or lock the state
/// holds already is one, not an error: the caller refuses a call that
/// changes nothing at all, [`nothing_changes`]).
///
/// # Errors
/// A message in the user's terms for an unknown id or a pair that is
/// neither on its panel nor declined already.
pub fn apply(
    mut state: RoundState,
    inst: &Instance,
    panels: &[Vec<ExpertIx>],
    asked: &ReplaceAsked,
    note: &mut dyn FnMut(String),
) -> Result<RoundState, String> {
    for d in &asked.declines {
        match parse_decline(inst, d)? {
            Decline::Pair(a, e) => {
                if panels[a.ix()].contains(&e) {
                    state.declined.push((a, e));
                } else if state.declined.contains(&(a, e)) {
                    note(format!(
                        "--decline {d}: declined already (the panels file records it)"
                    ));
                } else {
                    return Err(format!(
                        "--decline {d}: {} is not on the panel of {}",
                        inst.experts[e.ix()].id,
                        inst.applications[a.ix()].id
                    ));
                }
            }
            Decline::Withdraw(e) if state.withdrawn.contains(&e) => {
                note(format!(
                    "--decline {d}: withdrawn already (the panels file records it)"
                ));
            }
            Decline::Withdraw(e) => {
                let seats = panels.iter().filter(|p| p.contains(&e)).count();
                note(format!(
                    "--decline {d}: {} withdraws from the round ({seats} seat(s) to refill; on no panel from now on)",
                    inst.experts[e.ix()].id
                ));
                state.withdrawn.push(e);
            }
        }
    }
    for id in &asked.lock {
        let a = inst
            .app_by_id(id)
            .ok_or_else(|| format!("--lock {id}: no application with id {id}"))?;
        if state.locked.contains(&a) {
            note(format!(
                "--lock {id}: locked already (the panels file records it)"
            ));
        }
        state.locked.push(a);
    }
    if asked.lock_confirmed {
        if state.confirmed.is_empty() {
            note("--lock-confirmed: the panels file marks no panel confirmed".into());
        }
        state.locked.extend(state.confirmed.iter().copied());
    }
    for id in &asked.unlock {
        let a = inst
            .app_by_id(id)
            .ok_or_else(|| format!("--unlock {id}: no application with id {id}"))?;
        if asked.lock.iter().any(|l| inst.app_by_id(l) == Some(a))
            || (asked.lock_confirmed && state.confirmed.contains(&a))
        {
            return Err(format!(
                "--unlock {id}: the same replacement also locks it; give one or the other"
            ));
        }
        if !state.locked.contains(&a) {
            note(format!("--unlock {id}: the panel is not locked"));
        }
        state.locked.retain(|&x| x != a);
    }
    state.normalise();
    Ok(state)
}

/// One `--decline` value.
enum Decline {
    Pair(AppIx, ExpertIx),
    Withdraw(ExpertIx),
}

fn parse_decline(inst: &Instance, d: &str) -> Result<Decline, String> {
    if let Some((app, ex)) = d.split_once(':') {
        let (app, ex) = (app.trim(), ex.trim());
        let a = inst
            .app_by_id(app)
            .ok_or_else(|| format!("--decline {d}: no application with id {app}"))?;
        let e = inst
            .expert_by_id(ex)
            .ok_or_else(|| format!("--decline {d}: no expert with id {ex}"))?;
        return Ok(Decline::Pair(a, e));
    }
    inst.expert_by_id(d).map(Decline::Withdraw).ok_or_else(|| {
        format!(
            "--decline {d}: no expert with id {d} (give APPLICATION:EXPERT for one declined pair, e.g. A017:E0420, or an EXPERT alone who withdraws from the round)"
        )
    })
}

/// The refusal of a replacement whose `asked` leaves the round's state as
/// it was (`before` and `after` normalised): every decline, withdrawal and
/// lock it gives is in the panels file already (a decline repeated from
/// an earlier call), so no seat is vacated and nothing would change but
/// an empty step in the round's logs. `said` are the remarks of
/// [`apply`], which say what was there already.
pub fn nothing_changes(
    before: &RoundState,
    after: &RoundState,
    panels_path: &std::path::Path,
    said: &[String],
) -> Option<String> {
    if before != after {
        return None;
    }
    let why = if said.is_empty() {
        String::new()
    } else {
        format!(" ({})", said.join("; "))
    };
    Some(format!(
        "{}: nothing to replace: every decline, withdrawal and lock asked is in the panels file \
         already{why}, so no seat is vacated and no panels file or log is written; give the \
         decline of a seat on a panel now, or an expert who has not withdrawn",
        panels_path.display()
    ))
}
