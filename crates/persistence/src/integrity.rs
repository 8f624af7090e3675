//! Whether a run's stored events are still the ones written: the blocks read back
//! in order, checked to be complete and consecutive, and hashed, as a whole (to set
//! against the run's `event_log_hash` or a checkpoint's) and day by day (to set
//! against the `event_days` rows written when each day completed, which name the
//! day that changed).
//!
//! This module does not know what an event means: it counts and hashes lines.

use crate::error::{AtPath, StoreError};
use crate::records::EventDayRow;
use crate::store::Store;
use rusqlite::params;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use std::fmt;

/// What the stored event log of a run is, read back block by block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLog {
    /// Events in the blocks read.
    pub events: u64,
    /// SHA-256 of the lines of the blocks read, in seq order, lowercase hex: the
    /// run's `event_log_hash` when the log is whole.
    pub sha256: String,
    /// Each day found in the blocks, as the blocks have it.
    pub days: Vec<EventDayRow>,
    /// What is wrong with the blocks themselves: gaps, overlaps, counts that are not
    /// their lines. Empty when they are consecutive and whole.
    pub problems: Vec<LogProblem>,
}

/// Something wrong with a run's stored events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogProblem {
    /// No block holds events `from..to` (`to` exclusive).
    Missing { from: u64, to: u64 },
    /// A block starts at `first_seq`, inside the block before it (which ended at
    /// `expected`).
    Overlap { first_seq: u64, expected: u64 },
    /// A block's count is not the number of its lines.
    Count {
        first_seq: u64,
        day: u32,
        count: u64,
        lines: u64,
    },
    /// A block of an earlier day after one of a later day.
    DayOrder {
        first_seq: u64,
        day: u32,
        after: u32,
    },
    /// The blocks end at `found` events where `expected` were written.
    Length { found: u64, expected: u64 },
    /// Day `day` has no stored events, or other ones than when it completed.
    DayMissing { day: u32, recorded: u64 },
    DayCount {
        day: u32,
        stored: u64,
        recorded: u64,
    },
    DayChanged {
        day: u32,
        stored: String,
        recorded: String,
    },
    /// Events stored for a day the run did not complete.
    DayExtra { day: u32, events: u64 },
}

impl fmt::Display for LogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogProblem::Missing { from, to } => write!(
                f,
                "events {from} to {} are missing (no stored block holds them)",
                to - 1
            ),
            LogProblem::Overlap {
                first_seq,
                expected,
            } => write!(
                f,
                "a block starts at event {first_seq}, inside the one before it (which ends before event {expected})"
            ),
            LogProblem::Count {
                first_seq,
                day,
                count,
                lines,
            } => write!(
                f,
                "the block at event {first_seq} (day {day}) holds {lines} lines but says {count}"
            ),
            LogProblem::DayOrder {
                first_seq,
                day,
                after,
            } => write!(
                f,
                "the block at event {first_seq} is of day {day}, after a block of day {after}"
            ),
            LogProblem::Length { found, expected } => {
                write!(f, "{found} events are stored where {expected} were written")
            }
            LogProblem::DayMissing { day, recorded } => write!(
                f,
                "day {day}: no events stored (it had {recorded} when it completed)"
            ),
            LogProblem::DayCount {
                day,
                stored,
                recorded,
            } => write!(
                f,
                "day {day}: {stored} events stored, {recorded} when it completed"
            ),
            LogProblem::DayChanged {
                day,
                stored,
                recorded,
            } => write!(
                f,
                "day {day}: its stored events were changed (their SHA-256 is {}, it was {} when the day completed)",
                short(stored),
                short(recorded)
            ),
            LogProblem::DayExtra { day, events } => write!(
                f,
                "day {day}: {events} events stored for a day the run has not completed"
            ),
        }
    }
}

impl Store {
    /// Reads a run's stored events back, in seq order, and checks and hashes them:
    /// the first `upto` (the events of a checkpoint), or all of them (`None`: as
    /// many as the run's `events` says were written).
    pub fn stored_log(&self, run: i64, upto: Option<u64>) -> Result<StoredLog, StoreError> {
        let written = self.run(run)?.events;
        let limit = upto.map_or(i64::MAX, |n| n.min(i64::MAX as u64) as i64);
        let mut statement = self
            .conn
            .prepare(
                "SELECT first_seq, count, day, lines FROM event_blocks
                 WHERE run_id = ?1 AND first_seq < ?2 ORDER BY first_seq",
            )
            .at(&self.path)?;
        let mut rows = statement.query(params![run, limit]).at(&self.path)?;
        let mut scan = Scan::default();
        while let Some(row) = rows.next().at(&self.path)? {
            let first_seq = row.get::<_, i64>(0).at(&self.path)?.max(0) as u64;
            let count = row.get::<_, i64>(1).at(&self.path)?.max(0) as u64;
            let day: u32 = row.get(2).at(&self.path)?;
            // The lines as stored, whatever SQLite holds: a block changed to a blob
            // or a number hashes as its bytes and shows as changed.
            let value = row.get_ref(3).at(&self.path)?;
            let number;
            let lines: &[u8] = match value {
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => bytes,
                ValueRef::Null => b"",
                ValueRef::Integer(n) => {
                    number = n.to_string();
                    number.as_bytes()
                }
                ValueRef::Real(x) => {
                    number = x.to_string();
                    number.as_bytes()
                }
            };
            scan.block(first_seq, count, day, lines);
        }
        Ok(scan.finish(upto.unwrap_or(written)))
    }

    /// The `event_days` rows of a run: each completed day's events as written.
    pub fn event_days(&self, run: i64) -> Result<Vec<EventDayRow>, StoreError> {
        self.all(
            "SELECT day, first_seq, events, sha256 FROM event_days WHERE run_id = ?1 ORDER BY day",
            [run],
            |row| {
                Ok(EventDayRow {
                    day: row.get(0)?,
                    first_seq: row.get::<_, i64>(1)? as u64,
                    events: row.get::<_, i64>(2)? as u64,
                    sha256: row.get(3)?,
                })
            },
        )
    }
}

impl StoredLog {
    /// The days `0..days` as stored, against `recorded` (the `event_days` rows
    /// written when each completed): every difference, by day. A day with no
    /// recorded row is not judged (a run stored before schema 3 has none).
    pub fn check_days(&self, recorded: &[EventDayRow], days: u32) -> Vec<LogProblem> {
        let mut problems = Vec::new();
        for expected in recorded.iter().filter(|r| r.day < days) {
            let Some(stored) = self.days.iter().find(|d| d.day == expected.day) else {
                if expected.events > 0 {
                    problems.push(LogProblem::DayMissing {
                        day: expected.day,
                        recorded: expected.events,
                    });
                }
                continue;
            };
            if stored.events != expected.events {
                problems.push(LogProblem::DayCount {
                    day: expected.day,
                    stored: stored.events,
                    recorded: expected.events,
                });
            } else if stored.sha256 != expected.sha256 {
                problems.push(LogProblem::DayChanged {
                    day: expected.day,
                    stored: stored.sha256.clone(),
                    recorded: expected.sha256.clone(),
                });
            }
        }
        for stored in self.days.iter().filter(|d| d.day >= days) {
            problems.push(LogProblem::DayExtra {
                day: stored.day,
                events: stored.events,
            });
        }
        problems
    }
}

/// The blocks as they are read.
#[derive(Default)]
struct Scan {
    next_seq: u64,
    hasher: Sha256,
    days: Vec<(EventDayRow, Sha256)>,
    problems: Vec<LogProblem>,
}

impl Scan {
    fn block(&mut self, first_seq: u64, count: u64, day: u32, lines: &[u8]) {
        if first_seq > self.next_seq {
            self.problems.push(LogProblem::Missing {
                from: self.next_seq,
                to: first_seq,
            });
        } else if first_seq < self.next_seq {
            self.problems.push(LogProblem::Overlap {
                first_seq,
                expected: self.next_seq,
            });
        }
        let line_count = lines.iter().filter(|&&b| b == b'\n').count() as u64
            + u64::from(lines.last().is_some_and(|&b| b != b'\n'));
        if line_count != count {
            self.problems.push(LogProblem::Count {
                first_seq,
                day,
                count,
                lines: line_count,
            });
        }
        match self.days.last_mut() {
            Some((last, hasher)) if last.day == day => {
                last.events += count;
                hasher.update(lines);
            }
            last => {
                if let Some((last, _)) = last
                    && last.day > day
                {
                    self.problems.push(LogProblem::DayOrder {
                        first_seq,
                        day,
                        after: last.day,
                    });
                }
                let mut hasher = Sha256::new();
                hasher.update(lines);
                let row = EventDayRow {
                    day,
                    first_seq,
                    events: count,
                    sha256: String::new(),
                };
                self.days.push((row, hasher));
            }
        }
        self.hasher.update(lines);
        self.next_seq = self.next_seq.max(first_seq.saturating_add(count));
    }

    fn finish(mut self, expected: u64) -> StoredLog {
        if self.next_seq != expected {
            if self.next_seq < expected {
                self.problems.push(LogProblem::Missing {
                    from: self.next_seq,
                    to: expected,
                });
            } else {
                self.problems.push(LogProblem::Length {
                    found: self.next_seq,
                    expected,
                });
            }
        }
        StoredLog {
            events: self.next_seq,
            sha256: crate::hex(&self.hasher.finalize()),
            days: self
                .days
                .into_iter()
                .map(|(mut row, hasher)| {
                    row.sha256 = crate::hex(&hasher.finalize());
                    row
                })
                .collect(),
            problems: self.problems,
        }
    }
}

/// The first hex digits of a hash, for a message.
fn short(hash: &str) -> String {
    match hash.get(..12) {
        Some(start) if hash.len() > 12 => format!("{start}…"),
        _ => hash.to_string(),
    }
}
