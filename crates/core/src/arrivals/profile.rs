//! Intraday arrival profiles: a factor on an agent's arrival rates for each part of
//! the day, for the morning peak and the end-of-day rush real systems show.

use crate::ids::Tick;

/// Factors on the arrival rate by the tick within the day: from each step's
/// `from_tick_in_day` to the next step's, the rate is `factor` times the band's.
/// The first step starts at tick 0, so every tick of the day has a factor.
#[derive(Debug, Clone, PartialEq)]
pub struct RateProfile {
    ticks_per_day: Tick,
    /// `(from_tick_in_day, factor)`: starting at 0, strictly increasing, each below
    /// `ticks_per_day`; factors finite and at least 0.
    steps: Vec<(Tick, f64)>,
}

impl RateProfile {
    /// A profile of `steps` (`(from_tick_in_day, factor)`) for days of
    /// `ticks_per_day` ticks; an error says which step is at fault and why.
    pub fn new(ticks_per_day: Tick, steps: Vec<(Tick, f64)>) -> Result<RateProfile, String> {
        if ticks_per_day == 0 {
            return Err("a day needs at least one tick".into());
        }
        match steps.first() {
            None => return Err("no steps: give at least one, from tick 0".into()),
            Some(&(from, _)) if from != 0 => {
                return Err(format!(
                    "the first step starts at tick {from}; it must start at 0 so that every tick has a factor"
                ));
            }
            Some(_) => {}
        }
        for (index, &(from, factor)) in steps.iter().enumerate() {
            if from >= ticks_per_day {
                return Err(format!(
                    "step {index} starts at tick {from}, not a tick of a day of {ticks_per_day}"
                ));
            }
            if index > 0 && from <= steps[index - 1].0 {
                return Err(format!(
                    "step {index} starts at tick {from}, not after step {} at {}",
                    index - 1,
                    steps[index - 1].0
                ));
            }
            if !(factor.is_finite() && factor >= 0.0) {
                return Err(format!(
                    "step {index}'s factor {factor} is not a finite number >= 0"
                ));
            }
        }
        Ok(RateProfile {
            ticks_per_day,
            steps,
        })
    }

    /// The factor at `tick` (a tick of the run, not of the day).
    pub fn factor_at(&self, tick: Tick) -> f64 {
        let in_day = tick % self.ticks_per_day;
        // The first step starts at 0, so at least one step starts at or before it.
        let after = self.steps.partition_point(|&(from, _)| from <= in_day);
        self.steps
            .get(after.wrapping_sub(1))
            .map_or(1.0, |&(_, factor)| factor)
    }

    /// The largest factor: the rate at the peak is this times the band's.
    pub fn peak_factor(&self) -> f64 {
        self.steps
            .iter()
            .map(|&(_, factor)| factor)
            .fold(0.0, f64::max)
    }

    /// The factor averaged over the ticks of a day: the expected arrivals of a day
    /// are this times the rate times the ticks per day.
    pub fn mean_factor(&self) -> f64 {
        let ends = self
            .steps
            .iter()
            .skip(1)
            .map(|&(from, _)| from)
            .chain([self.ticks_per_day]);
        let weighted: f64 = self
            .steps
            .iter()
            .zip(ends)
            .map(|(&(from, factor), end)| factor * f64::from(end - from))
            .sum();
        weighted / f64::from(self.ticks_per_day)
    }

    pub fn ticks_per_day(&self) -> Tick {
        self.ticks_per_day
    }

    /// `(from_tick_in_day, factor)`, in order.
    pub fn steps(&self) -> &[(Tick, f64)] {
        &self.steps
    }
}
