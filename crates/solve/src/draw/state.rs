//! The state of a round between replacements: declined pairs, withdrawn
//! experts, confirmed and locked panels, read from a panels file, added to
//! by `panels replace`, and written into the next panels file
//! (docs/round-lifecycle.md).

use std::borrow::Cow;
use std::path::Path;

use super::log::ReplaceAsked;
use crate::io::panels::{DeclinedPair, PanelsFile};
use crate::model::{AppIx, ExpertIx, Instance};

/// A round's state by model indices, each list sorted (input order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundState {
    /// Declined (application, expert) pairs.
    pub declined: Vec<(AppIx, ExpertIx)>,
    /// Experts who withdrew from the round.
    pub withdrawn: Vec<ExpertIx>,
    /// Panels the office marked confirmed.
    pub confirmed: Vec<AppIx>,
    /// Locked panels.
    pub locked: Vec<AppIx>,
}

impl RoundState {
    /// The state a panels file records.
    ///
    /// # Errors
    /// A message naming the unknown id and where it stands.
    pub fn from_file(inst: &Instance, file: &PanelsFile, path: &Path) -> Result<Self, String> {
        let app = |id: &str, what: &str| {
            inst.app_by_id(id).ok_or_else(|| {
                format!(
                    "{}: {what} names application {id}, which the instance does not have",
                    path.display()
                )
            })
        };
        let expert = |id: &str, what: &str| {
            inst.expert_by_id(id).ok_or_else(|| {
                format!(
                    "{}: {what} names expert {id}, which the instance does not have",
                    path.display()
                )
            })
        };
        let mut out = RoundState::default();
        for d in &file.declined {
            out.declined.push((
                app(&d.application, "a declined pair")?,
                expert(&d.expert, "a declined pair")?,
            ));
        }
        for id in &file.withdrawn {
            out.withdrawn.push(expert(id, "the withdrawn list")?);
        }
        for id in &file.confirmed {
            out.confirmed.push(app(id, "the confirmed list")?);
        }
        for id in &file.locked {
            out.locked.push(app(id, "the locked list")?);
        }
        out.normalise();
        Ok(out)
    }

    fn normalise(&mut self) {
        self.declined.sort_unstable();
        self.declined.dedup();
        self.withdrawn.sort_unstable();
        self.withdrawn.dedup();
        self.confirmed.sort_unstable();
        self.confirmed.dedup();
        self.locked.sort_unstable();
        self.locked.dedup();
    }

    /// The state after what `asked` adds: declines (`A:E` a pair, `E` a
    /// withdrawal), locks, and the confirmed panels locked when asked.
    /// `panels` are the current panels (per application, sorted); `note`
    /// receives remarks for stderr.
    ///
    /// # Errors
    /// A message in the user's terms for an unknown id or a pair that is
    /// neither on its panel nor declined already.
    pub fn apply(
        mut self,
        inst: &Instance,
        panels: &[Vec<ExpertIx>],
        asked: &ReplaceAsked,
        note: &mut dyn FnMut(String),
    ) -> Result<Self, String> {
        for d in &asked.declines {
            match parse_decline(inst, d)? {
                Decline::Pair(a, e) => {
                    if panels[a.ix()].contains(&e) {
                        self.declined.push((a, e));
                    } else if self.declined.contains(&(a, e)) {
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
                Decline::Withdraw(e) => {
                    let seats = panels.iter().filter(|p| p.contains(&e)).count();
                    note(format!(
                        "--decline {d}: {} withdraws from the round ({seats} seat(s) to refill; on no panel from now on)",
                        inst.experts[e.ix()].id
                    ));
                    self.withdrawn.push(e);
                }
            }
        }
        for id in &asked.lock {
            let a = inst
                .app_by_id(id)
                .ok_or_else(|| format!("--lock {id}: no application with id {id}"))?;
            self.locked.push(a);
        }
        if asked.lock_confirmed {
            if self.confirmed.is_empty() {
                note("--lock-confirmed: the panels file marks no panel confirmed".into());
            }
            self.locked.extend(self.confirmed.iter().copied());
        }
        self.normalise();
        Ok(self)
    }

    /// The instance to solve with: withdrawn experts marked unavailable (so
    /// they are eligible for nothing and have no load floor).
    pub fn instance_for_solving<'a>(&self, inst: &'a Instance) -> Cow<'a, Instance> {
        if self.withdrawn.is_empty() {
            return Cow::Borrowed(inst);
        }
        let mut owned = inst.clone();
        for &e in &self.withdrawn {
            owned.experts[e.ix()].available = false;
        }
        Cow::Owned(owned)
    }

    /// Writes the state into `out` by ids, in input order.
    pub fn write_into(&self, inst: &Instance, out: &mut PanelsFile) {
        let app = |a: &AppIx| inst.applications[a.ix()].id.clone();
        let expert = |e: &ExpertIx| inst.experts[e.ix()].id.clone();
        out.declined = self
            .declined
            .iter()
            .map(|(a, e)| DeclinedPair {
                application: app(a),
                expert: expert(e),
            })
            .collect();
        out.withdrawn = self.withdrawn.iter().map(expert).collect();
        out.confirmed = self.confirmed.iter().map(app).collect();
        out.locked = self.locked.iter().map(app).collect();
    }
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
