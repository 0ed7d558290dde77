//! Progress of the long phases of a large round (reading, candidates,
//! solve, pricing), told to whoever watches: the command line draws bars
//! on a terminal, the console keeps the newest phase for the browser.
//!
//! The library draws nothing itself: a [`Progress`] passes each phase to a
//! [`ProgressObserver`], or to no one ([`Progress::hidden`], the default).

use std::fmt;
use std::sync::{Arc, Mutex};

/// What the steps of a phase count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Items (applications, pricing rounds).
    Steps,
    /// Bytes read.
    Bytes,
}

/// Someone watching the phases of a solve. One phase runs at a time:
/// [`start`](ProgressObserver::start), any number of
/// [`advance`](ProgressObserver::advance), then
/// [`finish`](ProgressObserver::finish).
pub trait ProgressObserver: Send + Sync {
    /// A phase named `what` starts, of `len` steps when known.
    fn start(&self, what: &str, len: Option<u64>, unit: Unit);
    /// `n` more steps of the current phase are done.
    fn advance(&self, n: u64);
    /// The current phase is over; what showed it should leave nothing
    /// behind.
    fn finish(&self);
}

/// Whether, and to whom, to tell progress.
#[derive(Clone, Default)]
pub struct Progress {
    observer: Option<Arc<dyn ProgressObserver>>,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

/// Where an observer (the console) reads the phase in progress: the newest
/// phase and how far it is.
#[derive(Debug, Default)]
pub struct ProgressSink {
    current: Mutex<Option<ProgressReading>>,
}

/// A reading of a [`ProgressSink`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProgressReading {
    /// The phase, e.g. `candidates` or `pricing`.
    pub what: String,
    /// Steps done.
    pub done: u64,
    /// Steps in all, when known.
    pub total: Option<u64>,
}

impl ProgressSink {
    /// The newest phase and how far it is, if any phase has started.
    pub fn reading(&self) -> Option<ProgressReading> {
        self.current.lock().ok()?.clone()
    }
}

impl ProgressObserver for ProgressSink {
    fn start(&self, what: &str, len: Option<u64>, _unit: Unit) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(ProgressReading {
                what: what.to_string(),
                done: 0,
                total: len,
            });
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut guard) = self.current.lock() {
            if let Some(r) = guard.as_mut() {
                r.done = r.done.saturating_add(n);
            }
        }
    }

    /// The last phase stays readable until the next starts.
    fn finish(&self) {}
}

impl Progress {
    /// Progress told to no one.
    pub fn hidden() -> Progress {
        Progress::default()
    }

    /// Progress told to `observer`.
    pub fn to(observer: Arc<dyn ProgressObserver>) -> Progress {
        Progress {
            observer: Some(observer),
        }
    }

    /// Progress kept in `sink` for another thread to read.
    pub fn observed(sink: Arc<ProgressSink>) -> Progress {
        Progress::to(sink)
    }

    fn start(&self, what: &str, len: Option<u64>, unit: Unit) -> Phase {
        if let Some(o) = &self.observer {
            o.start(what, len, unit);
        }
        Phase {
            observer: self.observer.clone(),
        }
    }

    /// A phase of `len` steps named `what`.
    pub fn bar(&self, len: u64, what: &str) -> Phase {
        self.start(what, Some(len), Unit::Steps)
    }

    /// A phase of `total` bytes named `what` (reading input).
    pub fn bytes(&self, total: u64, what: &str) -> Phase {
        self.start(what, Some(total), Unit::Bytes)
    }

    /// A phase of unknown length.
    pub fn spinner(&self, what: impl Into<String>) -> Phase {
        self.start(&what.into(), None, Unit::Steps)
    }
}

/// A phase in progress; it ends when finished or dropped.
pub struct Phase {
    observer: Option<Arc<dyn ProgressObserver>>,
}

impl Phase {
    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        if let Some(o) = &self.observer {
            o.advance(n);
        }
    }

    /// Ends the phase.
    pub fn finish_and_clear(self) {}
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(o) = self.observer.take() {
            o.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_reads_the_newest_phase() {
        let sink = Arc::new(ProgressSink::default());
        let progress = Progress::observed(sink.clone());
        assert_eq!(sink.reading(), None);
        let bar = progress.bar(10, "candidates");
        bar.inc(3);
        bar.inc(4);
        assert_eq!(
            sink.reading(),
            Some(ProgressReading {
                what: "candidates".into(),
                done: 7,
                total: Some(10)
            })
        );
        bar.finish_and_clear();
        let spin = progress.spinner("solve");
        assert_eq!(
            sink.reading().map(|r| (r.what, r.total)),
            Some(("solve".into(), None))
        );
        drop(spin);
        assert!(Progress::hidden().bar(5, "x").observer.is_none());
    }
}
