//! Reading a report's headline figure back into the exact integer it shows.

/// The exact integer a `[data-total]` text stands for, by its `data-unit`:
///
/// * `count`: digits grouped in threes with commas, `12,345` -> 12345;
/// * `cents`: currency units with exactly two decimals, `1,234.56` -> 123456,
///   `-0.05` -> -5.
///
/// Either may have a leading `-`. Anything else (no grouping or wrong grouping,
/// leading zeros, a missing or third decimal, `-0`, spaces, another unit) is an
/// `Err` quoting the text, so a page that drifts from the contract fails its test.
pub fn contract_integer(text: &str, unit: &str) -> Result<i64, String> {
    let refuse = |why: &str| {
        Err(format!(
            "{text:?} (unit {unit:?}) is not a contract figure: {why}"
        ))
    };
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, cents) = match unit {
        "count" => (unsigned, None),
        "cents" => match unsigned.split_once('.') {
            Some((whole, fraction))
                if fraction.len() == 2 && fraction.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (
                    whole,
                    Some(
                        i64::from(fraction.as_bytes()[0] - b'0') * 10
                            + i64::from(fraction.as_bytes()[1] - b'0'),
                    ),
                )
            }
            _ => return refuse("money needs exactly two decimals after a '.'"),
        },
        _ => return refuse("the unit is neither \"count\" nor \"cents\""),
    };
    let Some(whole) = grouped_digits(whole) else {
        return refuse(
            "the whole part must be digits grouped in threes by commas, without leading zeros",
        );
    };
    let magnitude = match cents {
        None => Some(whole),
        Some(cents) => whole
            .checked_mul(100)
            .and_then(|value| value.checked_add(cents)),
    };
    let Some(magnitude) = magnitude else {
        return refuse("too large");
    };
    if negative && magnitude == 0 {
        return refuse("a negative zero");
    }
    Ok(if negative { -magnitude } else { magnitude })
}

/// `1,234,567` -> 1234567: a first group of one to three digits (no leading zero
/// unless it is `0` alone), then groups of exactly three.
fn grouped_digits(text: &str) -> Option<i64> {
    let mut groups = text.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len()) && !(first.len() > 1 && first.starts_with('0'));
    if !first_ok || (first == "0" && text.len() > 1) {
        return None;
    }
    let mut value: i64 = 0;
    for (index, group) in std::iter::once(first).chain(groups).enumerate() {
        if (index > 0 && group.len() != 3) || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for digit in group.bytes() {
            value = value
                .checked_mul(10)?
                .checked_add(i64::from(digit - b'0'))?;
        }
    }
    Some(value)
}
