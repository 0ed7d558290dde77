//! The check `panels replace` runs on its input before it refills
//! anything: the seats that stay must keep every rule (docs/round-lifecycle.md
//! §3: replace refills declined seats of complete panels that keep the
//! rules; it does not mend a broken file).
//!
//! The rules are [`crate::verify`]'s, one rule in one place, read on two
//! files:
//!
//! - **the file as read** (its own state), for the rules a *complete*
//!   panel must meet and a refill only restores: panel size, distinct
//!   members, outside-city, load floors and the crossing minimums
//!   (`min_senior`, `cover_fields`, the round's outside shares);
//! - **the seats that stay** (the file less the seats this replacement
//!   vacates, with the state after it), for the rules a seat can break
//!   by itself: eligibility, declined pairs and withdrawn experts, the
//!   city and institution caps, load caps, programme and history rules and
//!   `max_copanel`. A seat that breaks one of these but is vacated now
//!   (e.g. an expert the round file marks unavailable, who withdraws) is
//!   no defect of the input.

use crate::io::panels::PanelsFile;
use crate::model::Instance;
use crate::{verify, Rule, Violation};

/// The rules the panels `replace` starts from break: `file` as read,
/// `kept` the same panels less the seats this replacement vacates, with
/// the round's state after it (see the module docs). Empty when the
/// input may be refilled.
pub fn replace_input(inst: &Instance, file: &PanelsFile, kept: &PanelsFile) -> Vec<Violation> {
    let complete = verify(inst, file);
    let mut out: Vec<Violation> = complete
        .rule_violations()
        .filter(|v| match v {
            Violation::Underloaded { .. } => true,
            _ => matches!(
                v.rule(),
                Rule::Coverage
                    | Rule::UnknownApplication
                    | Rule::UnknownExpert
                    | Rule::PanelSize
                    | Rule::Distinct
                    | Rule::OutsideCity
                    | Rule::Senior
                    | Rule::FieldCoverage
                    | Rule::RoundOutsideShare
            ),
        })
        .cloned()
        .collect();
    let staying = verify(inst, kept);
    out.extend(
        staying
            .rule_violations()
            .filter(|v| match v {
                Violation::Overloaded { .. } => true,
                _ => matches!(
                    v.rule(),
                    Rule::Eligibility
                        | Rule::Declined
                        | Rule::CityCap
                        | Rule::InstitutionCap
                        | Rule::Programme
                        | Rule::History
                        | Rule::Copanel
                ),
            })
            .cloned(),
    );
    out.sort_by_key(Violation::rule);
    out
}

/// [`replace_input`] as a replacement's check: `Ok` when the panels to
/// replace in keep every rule on the seats that stay, else the refusal
/// ([`replace_input_refusal`]) naming `instance` and `panels` as the user
/// gave them.
///
/// # Errors
/// The refusal, in the user's terms.
pub fn check_replace_input(
    inst: &Instance,
    file: &PanelsFile,
    kept: &PanelsFile,
    instance: &str,
    panels: &str,
) -> Result<(), String> {
    let broken = replace_input(inst, file, kept);
    if broken.is_empty() {
        return Ok(());
    }
    Err(replace_input_refusal(inst, &broken, instance, panels))
}

/// The refusal of a replacement whose input breaks `broken` (from
/// [`replace_input`]), in the user's terms: the panels file, each broken
/// rule with its application and expert, and the `panels verify` command
/// that lists what to fix (`instance` and `panels` as the user named them).
pub fn replace_input_refusal(
    inst: &Instance,
    broken: &[Violation],
    instance: &str,
    panels: &str,
) -> String {
    let mut s = format!(
        "{panels}: the panels to replace in break {} rule(s) on seats that stay; replace refills the declined seats of panels that keep every rule, it does not mend a file (nothing written):\n",
        broken.len()
    );
    for v in broken {
        let why = match v {
            Violation::Declined {
                withdrawn: false, ..
            } => "; the file records this decline (from an earlier replacement) and the pair is on its panel again: replace never puts a declined pair back, so take it off that panel (or out of the declined list, if the expert accepted after all)",
            Violation::Declined { withdrawn: true, .. } => {
                "; the file records this withdrawal (from an earlier replacement) and the expert is on a panel again: take them off it (or out of the withdrawn list, if they came back)"
            }
            _ => "",
        };
        s.push_str(&format!(
            "  - [{}] {}{why}\n",
            v.rule().label(),
            v.describe(inst)
        ));
    }
    // Experts marked unavailable since the panels were made: withdrawing
    // them is how a replacement refills their seats.
    let mut unavailable: Vec<&str> = broken
        .iter()
        .filter_map(|v| match v {
            Violation::Ineligible {
                expert, reasons, ..
            } if reasons
                .iter()
                .any(|r| r.kind() == crate::eligibility::ConflictKind::Unavailable) =>
            {
                Some(inst.experts[expert.ix()].id.as_str())
            }
            _ => None,
        })
        .collect();
    unavailable.sort_unstable();
    unavailable.dedup();
    if !unavailable.is_empty() {
        let flags: Vec<String> = unavailable
            .iter()
            .map(|e| format!("--decline {e}"))
            .collect();
        s.push_str(&format!(
            "an expert the round now marks unavailable can no longer serve: record their withdrawal with {} (an expert id alone) to refill their seats\n",
            flags.join(" ")
        ));
    }
    s.push_str(&format!(
        "run `panels verify {instance} {panels}` to list what to fix"
    ));
    s
}
