//! What a number in a scenario must be, said when one is refused before it can be
//! checked. serde refuses `median: 1e+18` (a float where whole cents belong) as
//! "invalid number" or "invalid type: floating point ..., expected i64", which says
//! neither what is expected nor, in words, what was written; these messages say
//! both: `expected a whole number of cents from 1 to 100000000000000, written: 1e+18`.

use rtgsim_core::limits::{MAX_PRIORITY, MAX_RATE_PER_TICK, MAX_TICKS_PER_DAY};
use rtgsim_core::money::MAX_MONEY_CENTS;
use rtgsim_diagnostics::clip;

/// A number refusal's message: what the number under `path` must be and what was
/// written; `None` when serde's `message` is not about a number.
pub(super) fn refusal(path: &str, message: &str, written: &str) -> Option<String> {
    let expected = expected(path, message)?;
    Some(format!(
        "expected {expected}, written: {}",
        clip(written.trim())
    ))
}

/// What the number under `path` must be: by the key it is written under, or else by
/// the type serde wanted. `None` when the refusal is not about a number.
fn expected(path: &str, message: &str) -> Option<String> {
    let refused = ["invalid number", "invalid type:", "invalid value:"]
        .iter()
        .any(|start| message.starts_with(start));
    if !refused {
        return None;
    }
    let cents = |min: i64| format!("a whole number of cents from {min} to {MAX_MONEY_CENTS}");
    let by_key = match last_key(path) {
        "opening_balance" => Some(format!(
            "a whole number of cents from -{MAX_MONEY_CENTS} to {MAX_MONEY_CENTS}"
        )),
        "unsecured_cap"
        | "collateral_capacity"
        | "posted_collateral"
        | "liquidity_buffer"
        | "target_buffer"
        | "deadline_penalty"
        | "eod_penalty"
        | "split_friction" => Some(cents(0)),
        // Amount distributions and scripted payments.
        "median" | "min" | "max" | "value" | "amount" => Some(cents(1)),
        "mean" | "sd" => Some(format!("a number of cents up to {MAX_MONEY_CENTS}")),
        // An empirical amount's values, or a categorical priority's.
        "values" if path.contains(".priority.") => {
            Some(format!("a whole priority from 0 to {MAX_PRIORITY}"))
        }
        "values" => Some(cents(1)),
        "weights" => Some("a weight: a number from 0 up".into()),
        "factor" => Some("a factor on the rate: a number from 0 up".into()),
        "from_tick_in_day" => Some(format!(
            "a whole tick of the day from 0 to {}",
            MAX_TICKS_PER_DAY - 1
        )),
        "overdraft_bps_per_tick" | "delay_cost_per_tick_bps" | "collateral_bps_per_tick" => {
            Some("a rate from 0 to 10000 basis points".into())
        }
        "ticks_per_day" => Some(format!(
            "a whole number of ticks from 1 to {MAX_TICKS_PER_DAY}"
        )),
        "num_days" => Some(format!("a whole number of days from 1 to {}", u32::MAX)),
        "deadline_ticks" | "tick" | "deadline" | "urgency_threshold" => {
            Some(format!("a whole number of ticks from 0 to {}", u32::MAX))
        }
        "priority" => Some(format!("a whole priority from 0 to {MAX_PRIORITY}")),
        "rate_per_tick" => Some(format!(
            "a number of payments per tick from 0 to {MAX_RATE_PER_TICK}"
        )),
        "sigma" => Some("a number from 0 to 10".into()),
        "collateral_haircut" | "divisible_share" => Some("a share from 0 to 1".into()),
        _ => None,
    };
    by_key.or_else(|| by_type(message))
}

/// The last named part of a path: `deadline_ticks` for `agents[0].arrivals.deadline_ticks[1]`.
fn last_key(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

/// What the type serde names after "expected" holds.
fn by_type(message: &str) -> Option<String> {
    let wanted = message.rsplit("expected ").next()?;
    let wanted = wanted.split_whitespace().next().unwrap_or("");
    Some(match wanted {
        "i64" => format!("a whole number from {} to {}", i64::MIN, i64::MAX),
        "i32" => format!("a whole number from {} to {}", i32::MIN, i32::MAX),
        "u64" => format!("a whole number from 0 to {}", u64::MAX),
        "u32" => format!("a whole number from 0 to {}", u32::MAX),
        "u16" => format!("a whole number from 0 to {}", u16::MAX),
        "u8" => format!("a whole number from 0 to {}", u8::MAX),
        "usize" => format!("a whole number from 0 to {}", usize::MAX),
        "f64" | "f32" => "a number".into(),
        _ if message.starts_with("invalid number") => "a number".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_number_says_what_is_expected_and_what_was_written() {
        assert_eq!(
            refusal(
                "agents[0].arrivals.amount.median",
                "invalid number",
                "1e+18"
            )
            .as_deref(),
            Some("expected a whole number of cents from 1 to 100000000000000, written: 1e+18")
        );
        assert_eq!(
            refusal(
                "agents[0].arrivals.deadline_ticks[1]",
                "invalid value: integer `-1`, expected u32",
                "-1"
            )
            .as_deref(),
            Some("expected a whole number of ticks from 0 to 4294967295, written: -1")
        );
        // A field the table does not name: by the type serde wanted.
        assert_eq!(
            refusal(
                "governance.x",
                "invalid type: string \"a\", expected u64",
                "a"
            )
            .as_deref(),
            Some("expected a whole number from 0 to 18446744073709551615, written: a")
        );
        // Not about a number: left to serde's message.
        assert_eq!(refusal("agents[0].id", "missing field `id`", ""), None);
        assert_eq!(
            refusal(
                "agents[0].policy",
                "unknown variant `X`, expected one of",
                "X"
            ),
            None
        );
    }
}
