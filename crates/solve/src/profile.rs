//! Where the time of a solve goes: wall-clock phases in order (load,
//! candidate scan, network build, each solve, each pricing pass,
//! certificate, write).
//!
//! `panels solve -v` prints them on stderr, one line each, in a fixed form
//! the benchmark scripts read:
//!
//! ```text
//! phase candidates 12.345s (peak 1510 MiB): 300000 applications, K 40, 12000000 pairs
//! ```
//!
//! The peak is the process's largest resident memory so far, read when the
//! phase ended (on Linux; left out where the system does not tell it), so
//! the first phase whose peak jumps is the one that raised it.
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
    /// The process's peak resident memory in bytes when the phase ended
    /// ([`peak_resident_bytes`]; `None` where the system does not tell).
    pub peak_memory: Option<u64>,
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
            peak_memory: peak_resident_bytes(),
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

    /// The lines `-v` prints: `phase NAME SECONDSs[ (peak N MiB)][: DETAIL]`.
    pub fn lines(&self) -> Vec<String> {
        self.phases
            .iter()
            .map(|p| {
                let mut line = phase_line(&p.name, p.seconds, p.peak_memory);
                if !p.detail.is_empty() {
                    line.push_str(": ");
                    line.push_str(&p.detail);
                }
                line
            })
            .collect()
    }
}

/// `phase NAME SECONDSs[ (peak N MiB)]`: the start of a `-v` line (the
/// caller adds `: DETAIL`).
pub fn phase_line(name: &str, seconds: f64, peak_memory: Option<u64>) -> String {
    match peak_memory {
        Some(bytes) => format!(
            "phase {name} {seconds:.3}s (peak {} MiB)",
            bytes.div_ceil(1 << 20)
        ),
        None => format!("phase {name} {seconds:.3}s"),
    }
}

/// The process's peak resident memory so far, in bytes: `VmHWM` of
/// `/proc/self/status` on Linux; `None` elsewhere or when it cannot be
/// read.
pub fn peak_resident_bytes() -> Option<u64> {
    peak_in_status(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// The `VmHWM` of a `/proc/PID/status` text, in bytes.
fn peak_in_status(status: &str) -> Option<u64> {
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    kib.checked_mul(1024)
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
                    peak_memory: None,
                },
                Phase {
                    name: "solve.2".into(),
                    seconds: 2.0,
                    detail: "warm".into(),
                    peak_memory: Some(3 << 20),
                },
                Phase {
                    name: "solver".into(),
                    seconds: 7.0,
                    detail: String::new(),
                    peak_memory: Some((1 << 20) + 1),
                },
            ],
        };
        assert_eq!(p.total("solve"), 3.5);
        assert_eq!(p.total("solver"), 7.0);
        assert_eq!(
            p.lines(),
            vec![
                "phase solve.1 1.500s",
                "phase solve.2 2.000s (peak 3 MiB): warm",
                "phase solver 7.000s (peak 2 MiB)"
            ]
        );
    }

    #[test]
    fn the_peak_is_read_off_its_status_line() {
        let status = "Name:\tpanels\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(peak_in_status(status), Some(2048 * 1024));
        assert_eq!(peak_in_status("VmRSS:\t1024 kB\n"), None);
        assert_eq!(peak_in_status("VmHWM:\t12 MB\n"), None);
        assert_eq!(peak_in_status("VmHWM:\tmany kB\n"), None);
        assert_eq!(peak_in_status(&format!("VmHWM:\t{} kB\n", u64::MAX)), None);
    }

    #[test]
    fn the_peak_is_read_where_the_system_tells_it() {
        let peak = peak_resident_bytes();
        if cfg!(target_os = "linux") {
            // This process holds at least its own code and stack.
            let bytes = peak.expect("Linux tells VmHWM");
            assert!(bytes >= 1 << 20, "{bytes}");
            // Touching 64 MiB more raises the peak by about as much.
            let block = std::hint::black_box(vec![1u8; 64 << 20]);
            let after = peak_resident_bytes().expect("still told");
            assert!(after >= bytes.max(64 << 20), "{after} after {bytes}");
            drop(block);
        } else {
            assert_eq!(peak, None);
        }
    }
}
