//! Where the time of a solve goes: wall-clock phases in order (load,
//! candidate scan, network build, each solve, each pricing pass,
//! certificate, write).
//!
//! `panels solve -v` prints them on stderr, one line each, in a fixed form
//! the benchmark scripts read:
//!
//! ```text
//! phase candidates 12.345s: 300000 applications, K 40, 12000000 pairs
//! ```
//!
//! Timings never go into the panels file (same input ⇒ same bytes).

use std::time::Instant;

/// One phase: its name, wall seconds and what it did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Phase {
    /// Short name without spaces (`load`, `candidates`, `network`,
    /// `solve.1`, `pricing.1`, `certificate`, `write`, …).
    pub name: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Sizes and counts of the phase (free text, may be empty).
    pub detail: String,
}

/// The phases of one solve, in the order they ran.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Profile {
    /// The phases.
    pub phases: Vec<Phase>,
}

impl Profile {
    /// Records a phase that started at `started` and ends now.
    pub fn add(&mut self, name: impl Into<String>, started: Instant, detail: impl Into<String>) {
        self.phases.push(Phase {
            name: name.into(),
            seconds: started.elapsed().as_secs_f64(),
            detail: detail.into(),
        });
    }

    /// Appends the phases of `other`.
    pub fn extend(&mut self, other: Profile) {
        self.phases.extend(other.phases);
    }

    /// Total seconds of the phases whose name is `name` or starts with
    /// `name.` (so `solve` sums `solve.1`, `solve.2`, …).
    pub fn total(&self, name: &str) -> f64 {
        self.phases
            .iter()
            .filter(|p| {
                p.name == name
                    || p.name
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .map(|p| p.seconds)
            .sum()
    }

    /// The lines `-v` prints: `phase NAME SECONDSs[: DETAIL]`.
    pub fn lines(&self) -> Vec<String> {
        self.phases
            .iter()
            .map(|p| {
                if p.detail.is_empty() {
                    format!("phase {} {:.3}s", p.name, p.seconds)
                } else {
                    format!("phase {} {:.3}s: {}", p.name, p.seconds, p.detail)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_sum_numbered_phases_only() {
        let p = Profile {
            phases: vec![
                Phase {
                    name: "solve.1".into(),
                    seconds: 1.5,
                    detail: String::new(),
                },
                Phase {
                    name: "solve.2".into(),
                    seconds: 2.0,
                    detail: "warm".into(),
                },
                Phase {
                    name: "solver".into(),
                    seconds: 7.0,
                    detail: String::new(),
                },
            ],
        };
        assert_eq!(p.total("solve"), 3.5);
        assert_eq!(p.total("solver"), 7.0);
        assert_eq!(
            p.lines(),
            vec![
                "phase solve.1 1.500s",
                "phase solve.2 2.000s: warm",
                "phase solver 7.000s"
            ]
        );
    }
}
