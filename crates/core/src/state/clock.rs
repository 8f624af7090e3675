//! Days and ticks: the run's length, checked once, and where the run is in it.

use crate::ids::Tick;
use crate::limits::{MAX_TICKS_PER_DAY, MAX_TOTAL_TICKS};
use thiserror::Error;

/// A clock the engine cannot run. The messages are the ones users see.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum ClockError {
    #[error("ticks_per_day must be 1..={MAX_TICKS_PER_DAY}, got {ticks_per_day}")]
    TicksPerDay { ticks_per_day: Tick },
    #[error(
        "a run needs at least one day and at most {MAX_TOTAL_TICKS} ticks, got {num_days} days of {ticks_per_day} ticks"
    )]
    RunLength { num_days: u32, ticks_per_day: Tick },
}

/// Days and ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    ticks_per_day: Tick,
    num_days: u32,
    tick: Tick,
}

impl Clock {
    /// A clock at tick 0. Errors when a day has no ticks or the run is too long.
    pub fn new(ticks_per_day: Tick, num_days: u32) -> Result<Clock, ClockError> {
        let total = u64::from(ticks_per_day) * u64::from(num_days);
        if ticks_per_day == 0 || ticks_per_day > MAX_TICKS_PER_DAY {
            return Err(ClockError::TicksPerDay { ticks_per_day });
        }
        if num_days == 0 || total > MAX_TOTAL_TICKS {
            return Err(ClockError::RunLength {
                num_days,
                ticks_per_day,
            });
        }
        Ok(Clock {
            ticks_per_day,
            num_days,
            tick: 0,
        })
    }

    pub fn tick(&self) -> Tick {
        self.tick
    }

    /// Moves to `tick`; ticks only move forward.
    pub(super) fn set_tick(&mut self, tick: Tick) {
        debug_assert!(tick >= self.tick);
        self.tick = tick;
    }

    pub fn ticks_per_day(&self) -> Tick {
        self.ticks_per_day
    }

    pub fn num_days(&self) -> u32 {
        self.num_days
    }

    /// Ticks in the whole run.
    pub fn total_ticks(&self) -> Tick {
        // Bounded by MAX_TOTAL_TICKS, which fits a Tick.
        self.ticks_per_day * self.num_days
    }

    /// The last tick of the run.
    pub fn last_tick(&self) -> Tick {
        self.total_ticks() - 1
    }

    pub fn day(&self) -> u32 {
        self.tick / self.ticks_per_day
    }

    pub fn tick_in_day(&self) -> Tick {
        self.tick % self.ticks_per_day
    }

    pub fn is_first_tick_of_day(&self) -> bool {
        self.tick_in_day() == 0
    }

    pub fn is_last_tick_of_day(&self) -> bool {
        self.tick_in_day() + 1 == self.ticks_per_day
    }

    /// Ticks left in the day after the current one.
    pub fn ticks_remaining_in_day(&self) -> Tick {
        self.ticks_per_day - self.tick_in_day() - 1
    }
}
