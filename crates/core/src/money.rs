//! Money is integer cents; rates are integer micro-basis-points.
//!
//! Nothing that moves or charges money uses floating point. A rate applied to a
//! balance rarely gives a whole number of cents, so [`RateAccrual`] carries the
//! fractional remainder from one tick to the next: over a run, the total charged
//! is exactly `floor(sum(base * rate))`, never less because of rounding.

use serde::{Deserialize, Serialize};

/// An amount of central-bank money in cents.
pub type Cents = i64;

/// The largest amount, balance, limit or capacity a scenario may state, in cents
/// (10^14 cents = 10^12 units of currency). With at most [`crate::limits::MAX_AGENTS`]
/// agents, every balance and every sum of balances stays far inside `i64`.
pub const MAX_MONEY_CENTS: Cents = 100_000_000_000_000;

/// Micro-basis-points in one whole (1 bps = 10^-4, so 1 = 10^-10 of the base).
const MICRO_BPS_PER_WHOLE: i128 = 10_000_000_000;

/// A rate per tick, stored in micro-basis-points so that realistic intraday rates
/// (an annual 5% is about 0.003 bps per minute) are representable exactly enough.
///
/// Always within `0..=`[`MAX_RATE_BPS`] (every constructor, deserialising included,
/// keeps it there), so a tick's charge never exceeds its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(try_from = "RawRate")]
pub struct Rate {
    micro_bps: i64,
}

/// The largest rate accepted: 100% of the base per tick.
pub const MAX_RATE_BPS: f64 = 10_000.0;

/// [`MAX_RATE_BPS`] in micro-basis-points: one whole.
const MAX_RATE_MICRO_BPS: i64 = MICRO_BPS_PER_WHOLE as i64;

/// A [`Rate`] as written, before its bounds are checked.
#[derive(Deserialize)]
struct RawRate {
    micro_bps: i64,
}

impl TryFrom<RawRate> for Rate {
    type Error = String;

    fn try_from(raw: RawRate) -> Result<Rate, String> {
        if (0..=MAX_RATE_MICRO_BPS).contains(&raw.micro_bps) {
            Ok(Rate {
                micro_bps: raw.micro_bps,
            })
        } else {
            Err(format!(
                "a rate of {} micro-bps is outside 0..={MAX_RATE_MICRO_BPS}",
                raw.micro_bps
            ))
        }
    }
}

impl Rate {
    pub const ZERO: Rate = Rate { micro_bps: 0 };

    /// A rate from basis points, rounded to the nearest micro-bps. `None` when the value
    /// is negative, not finite, or above [`MAX_RATE_BPS`].
    pub fn from_bps(bps: f64) -> Option<Rate> {
        if !bps.is_finite() || !(0.0..=MAX_RATE_BPS).contains(&bps) {
            return None;
        }
        // At most 10^4 * 10^6 = 10^10: exact in f64 and in i64.
        let micro_bps = libm::round(bps * 1_000_000.0) as i64;
        Some(Rate { micro_bps })
    }

    /// A rate from micro-basis-points, clamped to `0..=`[`MAX_RATE_BPS`].
    pub fn from_micro_bps(micro_bps: i64) -> Rate {
        Rate {
            micro_bps: micro_bps.clamp(0, MAX_RATE_MICRO_BPS),
        }
    }

    pub fn micro_bps(self) -> i64 {
        self.micro_bps
    }

    /// The rate in basis points, for display and for policies that reason in floats.
    pub fn as_bps(self) -> f64 {
        self.micro_bps as f64 / 1_000_000.0
    }

    /// The rate as a fraction of the base per tick (1 bps = 0.0001).
    pub fn as_fraction(self) -> f64 {
        self.micro_bps as f64 / MICRO_BPS_PER_WHOLE as f64
    }

    pub fn is_zero(self) -> bool {
        self.micro_bps == 0
    }
}

/// Charges a [`Rate`] on a base every tick, carrying the fraction of a cent forward.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRateAccrual")]
pub struct RateAccrual {
    /// Accrued but not yet charged, in units of 10^-10 cent. Always in `0..10^10`
    /// (deserialising checks it: a checkpoint is outside data).
    remainder: i128,
}

/// A [`RateAccrual`] as written, before its bounds are checked.
#[derive(Deserialize)]
struct RawRateAccrual {
    remainder: i128,
}

impl TryFrom<RawRateAccrual> for RateAccrual {
    type Error = String;

    fn try_from(raw: RawRateAccrual) -> Result<RateAccrual, String> {
        if (0..MICRO_BPS_PER_WHOLE).contains(&raw.remainder) {
            Ok(RateAccrual {
                remainder: raw.remainder,
            })
        } else {
            Err(format!(
                "an accrued remainder of {} is outside 0..{MICRO_BPS_PER_WHOLE}",
                raw.remainder
            ))
        }
    }
}

impl RateAccrual {
    /// Adds one tick of `rate` on `base` and returns the whole cents now due.
    /// A base at or below zero accrues nothing.
    pub fn accrue(&mut self, base: Cents, rate: Rate) -> Cents {
        if base <= 0 || rate.micro_bps == 0 {
            return 0;
        }
        self.remainder += i128::from(base) * i128::from(rate.micro_bps);
        let due = self.remainder / MICRO_BPS_PER_WHOLE;
        self.remainder %= MICRO_BPS_PER_WHOLE;
        // Cannot fail: the remainder was below one cent (10^10) and the rate is at most
        // one whole (10^10 micro-bps), so `due <= base`, a Cents. In i128, the product
        // is at most ~10^29, far from overflow.
        let due = Cents::try_from(due);
        debug_assert!(due.is_ok(), "a tick's charge exceeds its base");
        due.unwrap_or(Cents::MAX)
    }

    /// The fraction of a cent accrued but not yet charged, in 10^-10 cent.
    pub fn remainder(&self) -> i128 {
        self.remainder
    }
}

/// Applies a haircut in basis points: the credit value of `collateral` posted.
pub fn after_haircut(collateral: Cents, haircut_bps: u32) -> Cents {
    let keep = 10_000_i128 - i128::from(haircut_bps.min(10_000));
    let value = i128::from(collateral.max(0)) * keep / 10_000;
    // Cannot fail: `keep <= 10_000`, so `value <= collateral`, a Cents.
    let value = Cents::try_from(value);
    debug_assert!(value.is_ok(), "a haircut raised the collateral's value");
    value.unwrap_or(Cents::MAX)
}

/// Cents written as currency units for people: `-1234567` becomes `-12,345.67`.
pub fn format_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// A factor a value is multiplied by (a scenario's revaluation of collateral), exact
/// to a millionth: `0.3` is 300,000 parts per million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValueFactor {
    ppm: u32,
}

/// The largest factor accepted: values can at most be multiplied by a thousand at
/// once (and are capped at [`MAX_MONEY_CENTS`] whatever the factor).
pub const MAX_VALUE_FACTOR: f64 = 1_000.0;

impl ValueFactor {
    /// The factor nearest `factor` in parts per million; `None` when not finite or
    /// outside 0 to [`MAX_VALUE_FACTOR`].
    pub fn from_f64(factor: f64) -> Option<ValueFactor> {
        if !factor.is_finite() || !(0.0..=MAX_VALUE_FACTOR).contains(&factor) {
            return None;
        }
        // At most 10^9: exact in f64, and inside u32.
        Some(ValueFactor {
            ppm: libm::round(factor * 1e6) as u32,
        })
    }

    pub fn ppm(self) -> u32 {
        self.ppm
    }

    /// `value` times the factor, rounded down to a cent and capped at
    /// [`MAX_MONEY_CENTS`]; a negative value counts as 0.
    pub fn of(self, value: Cents) -> Cents {
        let scaled = i128::from(value.max(0)) * i128::from(self.ppm) / 1_000_000;
        Cents::try_from(scaled.min(i128::from(MAX_MONEY_CENTS))).unwrap_or(MAX_MONEY_CENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rate_from_bps_rejects_bad_values() {
        assert_eq!(Rate::from_bps(-0.1), None);
        assert_eq!(Rate::from_bps(f64::NAN), None);
        assert_eq!(Rate::from_bps(10_000.5), None);
        assert_eq!(Rate::from_bps(1.5).map(Rate::micro_bps), Some(1_500_000));
        assert_eq!(Rate::from_bps(0.003).map(Rate::micro_bps), Some(3_000));
    }

    #[test]
    fn accrual_carries_the_fraction_of_a_cent() {
        // 1 bps of 5,000 cents is half a cent per tick: one cent every second tick.
        let rate = Rate::from_bps(1.0).unwrap();
        let mut accrual = RateAccrual::default();
        let charged: Vec<Cents> = (0..4).map(|_| accrual.accrue(5_000, rate)).collect();
        assert_eq!(charged, vec![0, 1, 0, 1]);
    }

    #[test]
    fn negative_base_accrues_nothing() {
        let rate = Rate::from_bps(100.0).unwrap();
        let mut accrual = RateAccrual::default();
        assert_eq!(accrual.accrue(-1_000_000, rate), 0);
        assert_eq!(accrual.remainder(), 0);
    }

    #[test]
    fn haircut_reduces_credit_value() {
        assert_eq!(after_haircut(1_000_000, 0), 1_000_000);
        assert_eq!(after_haircut(1_000_000, 250), 975_000);
        assert_eq!(after_haircut(999, 5_000), 499);
        assert_eq!(after_haircut(1_000, 10_000), 0);
    }

    #[test]
    fn formats_cents_as_units() {
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-1_234_567), "-12,345.67");
        assert_eq!(format_cents(100_000_000), "1,000,000.00");
    }

    proptest! {
        /// Over any sequence of ticks nothing is lost to rounding: the cents charged plus
        /// the carried remainder equal the exact accrued amount.
        #[test]
        fn accrual_loses_nothing(
            bases in proptest::collection::vec(0i64..MAX_MONEY_CENTS, 1..50),
            micro_bps in 0i64..10_000_000_000,
        ) {
            let rate = Rate::from_micro_bps(micro_bps);
            let mut accrual = RateAccrual::default();
            let charged: i128 = bases.iter().map(|&b| i128::from(accrual.accrue(b, rate))).sum();
            let exact: i128 = bases.iter().map(|&b| i128::from(b) * i128::from(micro_bps)).sum();
            prop_assert_eq!(charged * MICRO_BPS_PER_WHOLE + accrual.remainder(), exact);
            prop_assert!(accrual.remainder() >= 0 && accrual.remainder() < MICRO_BPS_PER_WHOLE);
        }
    }
}
