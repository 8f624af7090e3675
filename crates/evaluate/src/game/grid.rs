//! Grids of exact decimals: `LO:HI:STEP` gives `LO, LO + STEP, ..., HI`.
//!
//! Each bound is read as an integer count of the smallest unit written (`0.01` is
//! 1 hundredth), so value `i` is `LO + i * STEP` computed in integers and printed
//! back as text: `0:1:0.01` gives exactly 101 values, `0, 0.01, ..., 0.99, 1`, with
//! none of the drift of adding a float step a hundred times.

use serde_json::Value as Json;
use std::fmt;

/// The most values one grid may have (a grid is enumerated whole).
pub const MAX_GRID_VALUES: u64 = 1_000_000;

/// The most digits after the point a bound may have.
const MAX_DECIMALS: u32 = 18;

/// A decimal number, `units / 10^decimals`, exactly. Equality is of the form
/// (`0.5` and `0.50` differ; the values of one grid share theirs);
/// [`Decimal::cmp_value`] compares values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    units: i128,
    decimals: u32,
}

impl Decimal {
    /// Reads `-12.345`, `7`, `+0.5`: an optional sign, digits, and optionally a point
    /// and more digits. Nothing else (no exponent, no spaces).
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || digits.ends_with('.')
        {
            return None;
        }
        let decimals = u32::try_from(fraction.len())
            .ok()
            .filter(|d| *d <= MAX_DECIMALS)?;
        let mut units: i128 = 0;
        for byte in whole.bytes().chain(fraction.bytes()) {
            units = units
                .checked_mul(10)?
                .checked_add(i128::from(byte - b'0'))?;
        }
        // At most 38 digits; a bound past 10^30 is refused so that products stay exact.
        if units > 10i128.pow(30) {
            return None;
        }
        Some(Decimal {
            units: if negative { -units } else { units },
            decimals,
        })
    }

    /// The value as `(units, decimals)`: `units / 10^decimals` exactly (`0.25` is
    /// `(25, 2)`), for arithmetic that must stay exact.
    pub fn units_and_decimals(self) -> (i128, u32) {
        (self.units, self.decimals)
    }

    /// The value as JSON: an integer when whole, else a decimal number as written
    /// (the JSON number keeps the text exactly).
    pub fn to_json(self) -> Json {
        serde_json::from_str(&self.to_string()).unwrap_or(Json::Null)
    }

    /// The same value with `decimals` digits after the point (`decimals` at least
    /// this one's).
    fn rescaled(self, decimals: u32) -> Option<i128> {
        self.units
            .checked_mul(10i128.checked_pow(decimals - self.decimals)?)
    }

    /// The smallest form: no trailing zeros after the point.
    fn normalized(self) -> Decimal {
        let mut value = self;
        while value.decimals > 0 && value.units % 10 == 0 {
            value.units /= 10;
            value.decimals -= 1;
        }
        value
    }

    /// Compares exactly, whatever the number of decimals written.
    pub fn cmp_value(self, other: Decimal) -> std::cmp::Ordering {
        let decimals = self.decimals.max(other.decimals);
        match (self.rescaled(decimals), other.rescaled(decimals)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Not reached for parsed bounds (30 digits and 18 decimals fit).
            _ => self.decimals.cmp(&other.decimals),
        }
    }

    /// The distance to `other`, as a decimal.
    fn distance(self, other: Decimal) -> Option<Decimal> {
        let decimals = self.decimals.max(other.decimals);
        let units = self
            .rescaled(decimals)?
            .checked_sub(other.rescaled(decimals)?)?;
        Some(Decimal {
            units: units.abs(),
            decimals,
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.normalized();
        let scale = 10u128.pow(value.decimals);
        let magnitude = value.units.unsigned_abs();
        let sign = if value.units < 0 { "-" } else { "" };
        if value.decimals == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let (whole, fraction) = (magnitude / scale, magnitude % scale);
        let width = value.decimals as usize;
        write!(f, "{sign}{whole}.{fraction:0width$}")
    }
}

/// The values of one `--grid`, in increasing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// As written, for messages and reports.
    pub text: String,
    pub values: Vec<Decimal>,
}

impl Grid {
    /// Reads `LO:HI:STEP`; the message says what is wrong with the text.
    pub fn parse(text: &str) -> Result<Grid, String> {
        let refuse = |why: &str| format!("--grid {text}: {why}");
        let parts: Vec<&str> = text.split(':').collect();
        let [lo, hi, step] = parts[..] else {
            return Err(refuse("write LO:HI:STEP, for example 0:1:0.01"));
        };
        let number = |part: &str, name: &str| {
            Decimal::parse(part.trim()).ok_or_else(|| {
                refuse(&format!(
                    "{name} \"{part}\" is not a decimal number (digits, at most one point, \
                     at most {MAX_DECIMALS} decimals)"
                ))
            })
        };
        let (lo, hi, step) = (number(lo, "LO")?, number(hi, "HI")?, number(step, "STEP")?);
        let decimals = lo.decimals.max(hi.decimals).max(step.decimals);
        let units = |d: Decimal| {
            d.rescaled(decimals)
                .ok_or_else(|| refuse("too many digits"))
        };
        let (lo_units, hi_units, step_units) = (units(lo)?, units(hi)?, units(step)?);
        if step_units <= 0 {
            return Err(refuse("STEP must be above 0"));
        }
        if hi_units < lo_units {
            return Err(refuse("HI must be at least LO"));
        }
        let span = hi_units - lo_units;
        if span % step_units != 0 {
            return Err(refuse(&format!(
                "HI - LO ({}) is not a whole number of steps of {step}",
                Decimal {
                    units: span,
                    decimals
                }
            )));
        }
        let count = span / step_units + 1;
        if count > i128::from(MAX_GRID_VALUES) {
            return Err(refuse(&format!(
                "{count} values; at most {MAX_GRID_VALUES}"
            )));
        }
        let values = (0..count)
            .map(|i| Decimal {
                units: lo_units + i * step_units,
                decimals,
            })
            .collect();
        Ok(Grid {
            text: text.to_string(),
            values,
        })
    }

    /// The index of the grid value nearest `value` (the lower on a tie).
    pub fn nearest(&self, value: Decimal) -> usize {
        let mut best = 0;
        let mut best_distance: Option<Decimal> = None;
        for (index, candidate) in self.values.iter().enumerate() {
            let Some(distance) = candidate.distance(value) else {
                continue;
            };
            if best_distance.is_none_or(|b| distance.cmp_value(b).is_lt()) {
                best = index;
                best_distance = Some(distance);
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(grid: &Grid) -> Vec<String> {
        grid.values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn a_hundredth_step_gives_101_exact_values() {
        let grid = Grid::parse("0:1:0.01").unwrap();
        assert_eq!(grid.values.len(), 101);
        // Written out independently: "0", "0.01", ..., "0.1", ..., "0.99", "1".
        let mut expected = vec!["0".to_string()];
        expected.extend((1..100).map(|i| format!("0.{i:02}").trim_end_matches('0').to_string()));
        expected.push("1".to_string());
        assert_eq!(texts(&grid), expected);
        // Each value is the JSON number of its text, not a float sum.
        assert_eq!(grid.values[7].to_json().to_string(), "0.07");
        assert_eq!(grid.values[100].to_json(), serde_json::json!(1));
    }

    #[test]
    fn grids_with_mixed_decimals_signs_and_integers() {
        assert_eq!(
            texts(&Grid::parse("-1:1:0.5").unwrap()),
            ["-1", "-0.5", "0", "0.5", "1"]
        );
        assert_eq!(
            texts(&Grid::parse("0:100000:50000").unwrap()),
            ["0", "50000", "100000"]
        );
        assert_eq!(
            texts(&Grid::parse("0.1:0.3:0.1").unwrap()),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(texts(&Grid::parse("5:5:1").unwrap()), ["5"]);
        assert_eq!(
            texts(&Grid::parse("1.50:2:0.25").unwrap()),
            ["1.5", "1.75", "2"]
        );
    }

    #[test]
    fn bad_grids_are_refused_with_the_text() {
        for (text, says) in [
            ("0:1", "write LO:HI:STEP"),
            ("0:1:0.01:3", "write LO:HI:STEP"),
            ("a:1:0.1", "LO \"a\" is not a decimal number"),
            ("0:1e3:1", "HI \"1e3\" is not a decimal number"),
            ("0:1:.", "STEP \".\" is not a decimal number"),
            ("0:1:1.", "STEP \"1.\" is not a decimal number"),
            ("0:1:0", "STEP must be above 0"),
            ("0:1:-0.1", "STEP must be above 0"),
            ("1:0:0.1", "HI must be at least LO"),
            (
                "0:1:0.3",
                "HI - LO (1) is not a whole number of steps of 0.3",
            ),
            ("0:10000000:1", "10000001 values; at most 1000000"),
            ("0:1:0.0000000000000000001", "is not a decimal number"),
        ] {
            let error = Grid::parse(text).unwrap_err();
            assert!(error.starts_with(&format!("--grid {text}: ")), "{error}");
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn nearest_grid_value() {
        let grid = Grid::parse("0:1:0.25").unwrap();
        let at = |text: &str| grid.nearest(Decimal::parse(text).unwrap());
        assert_eq!(at("0.25"), 1);
        assert_eq!(at("0.3"), 1);
        assert_eq!(at("0.375"), 1); // a tie: the lower
        assert_eq!(at("0.4"), 2);
        assert_eq!(at("-7"), 0);
        assert_eq!(at("9"), 4);
    }
}
