//! The field's standard indicators (the BoF-PSS tradition), accumulated from the
//! events like every other figure. `docs/indicators.md` gives each formula.
//!
//! - **Upper bound of liquidity**: the liquidity with which every payment would
//!   settle the moment it arrives, with no queue: per day, the largest cumulative net
//!   outflow of the bank's payments (sent minus received) in arrival order; the
//!   run's figure is the largest over its days.
//! - **Lower bound of liquidity**: what settling everything by the end of the day
//!   needs with full multilateral netting: per day, the bank's end-of-day net debit
//!   of that day's payments (0 if it is a net receiver); the largest over the days.
//! - **Value-weighted average delay**: the sum over settled payments (and parts) of
//!   amount x (settlement tick - arrival tick of the original payment), over the
//!   value settled.
//! - **On-time settlement rate**, by count (payments settled in full by their
//!   deadline over payments) and by value (value settled by the original payment's
//!   deadline over the value of the payments).
//!
//! Both bounds depend only on the payments that arrive, not on any policy: they
//! are the yardsticks a run's actual liquidity use is measured against.

use serde::{Deserialize, Serialize};

/// One agent's running accumulators; part of the metrics (and so of checkpoints).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorAccumulators {
    /// Value of the payments the agent had to send.
    pub payments_value: i128,
    /// Value settled no later than the original payment's deadline.
    pub settled_on_time_value: i128,
    /// Sum of amount x delay ticks over what settled.
    pub delay_value_sum: i128,
    /// Largest daily bounds of the days completed.
    upper_bound: i128,
    lower_bound: i128,
    /// Today so far: received minus sent, by arrival, and its lowest value.
    day_net: i128,
    day_lowest_net: i128,
}

impl IndicatorAccumulators {
    /// A payment arrived: `amount` leaves the sender (`outgoing`) or reaches the
    /// receiver.
    pub fn arrival(&mut self, amount: i128, outgoing: bool) {
        if outgoing {
            self.payments_value += amount;
            self.day_net -= amount;
            self.day_lowest_net = self.day_lowest_net.min(self.day_net);
        } else {
            self.day_net += amount;
        }
    }

    /// Something the agent sent settled: `amount` at `delay_ticks` after the original
    /// payment arrived, on time or not.
    pub fn settled(&mut self, amount: i128, delay_ticks: u64, on_time: bool) {
        self.delay_value_sum += amount * i128::from(delay_ticks);
        if on_time {
            self.settled_on_time_value += amount;
        }
    }

    /// The day is over: its bounds are kept, the next starts from zero.
    pub fn end_day(&mut self) {
        self.upper_bound = self.upper_bound();
        self.lower_bound = self.lower_bound();
        self.day_net = 0;
        self.day_lowest_net = 0;
    }

    /// The upper bound so far, the day in progress included.
    pub fn upper_bound(&self) -> i128 {
        self.upper_bound.max(-self.day_lowest_net)
    }

    /// The lower bound so far, the day in progress included.
    pub fn lower_bound(&self) -> i128 {
        self.lower_bound.max(-self.day_net)
    }

    /// The sum of two agents' accumulators (the bounds add: a system's bound is the
    /// sum of its banks').
    pub fn plus(&self, other: &IndicatorAccumulators) -> IndicatorAccumulators {
        IndicatorAccumulators {
            payments_value: self.payments_value + other.payments_value,
            settled_on_time_value: self.settled_on_time_value + other.settled_on_time_value,
            delay_value_sum: self.delay_value_sum + other.delay_value_sum,
            upper_bound: self.upper_bound() + other.upper_bound(),
            lower_bound: self.lower_bound() + other.lower_bound(),
            day_net: 0,
            day_lowest_net: 0,
        }
    }
}

/// The indicators of an agent or of the whole system, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Indicators {
    /// Cents.
    pub liquidity_upper_bound: i128,
    /// Cents.
    pub liquidity_lower_bound: i128,
    /// `None` when nothing settled.
    pub value_weighted_avg_delay_ticks: Option<f64>,
    /// Payments settled in full by their deadline over payments.
    pub on_time_rate_by_count: Option<f64>,
    /// Value settled by the deadline over the value of the payments.
    pub on_time_rate_by_value: Option<f64>,
}

impl Indicators {
    /// From the accumulators and the counts the metrics keep.
    pub fn new(
        acc: &IndicatorAccumulators,
        payments: u64,
        settled_on_time: u64,
        settled_value: i128,
    ) -> Indicators {
        Indicators {
            liquidity_upper_bound: acc.upper_bound(),
            liquidity_lower_bound: acc.lower_bound(),
            value_weighted_avg_delay_ticks: (settled_value > 0)
                .then(|| acc.delay_value_sum as f64 / settled_value as f64),
            on_time_rate_by_count: (payments > 0).then(|| settled_on_time as f64 / payments as f64),
            on_time_rate_by_value: (acc.payments_value > 0)
                .then(|| acc.settled_on_time_value as f64 / acc.payments_value as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: a day where the bank sends 100, receives 50, sends 80, receives 200.
    /// Net by arrival: -100, -50, -130, +70: upper bound 130; end of day +70, lower
    /// bound 0. The next day it sends 40 and receives 10: -40, -30: upper 40, lower
    /// 30. The run: upper max(130, 40) = 130, lower max(0, 30) = 30.
    #[test]
    fn bounds_by_day_computed_by_hand() {
        let mut acc = IndicatorAccumulators::default();
        for (amount, outgoing) in [(100, true), (50, false), (80, true), (200, false)] {
            acc.arrival(amount, outgoing);
        }
        assert_eq!((acc.upper_bound(), acc.lower_bound()), (130, 0));
        acc.end_day();
        acc.arrival(40, true);
        acc.arrival(10, false);
        // The day in progress counts: lower bound 30 before the day ends.
        assert_eq!((acc.upper_bound(), acc.lower_bound()), (130, 30));
        acc.end_day();
        assert_eq!((acc.upper_bound(), acc.lower_bound()), (130, 30));
        assert_eq!(acc.payments_value, 220);
    }

    /// Settled 100 after 2 ticks on time and 300 after 5 ticks late, of 500 to send
    /// in 3 payments, 1 of them settled on time: delay (200 + 1500) / 400 = 4.25,
    /// on time by value 100 / 500, by count 1 / 3.
    #[test]
    fn delay_and_on_time_rates_computed_by_hand() {
        let mut acc = IndicatorAccumulators::default();
        acc.arrival(100, true);
        acc.arrival(300, true);
        acc.arrival(100, true);
        acc.settled(100, 2, true);
        acc.settled(300, 5, false);
        let indicators = Indicators::new(&acc, 3, 1, 400);
        assert_eq!(indicators.value_weighted_avg_delay_ticks, Some(4.25));
        assert_eq!(indicators.on_time_rate_by_value, Some(0.2));
        assert_eq!(indicators.on_time_rate_by_count, Some(1.0 / 3.0));
    }
}
