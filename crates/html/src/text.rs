//! Text as a page shows it: escaped for HTML and SVG, counts grouped by thousands,
//! money in currency units with two decimals (exact, from integer cents).

use std::borrow::Cow;

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `1234567` as `1,234,567`.
pub fn count(value: impl Into<i128>) -> String {
    let value: i128 = value.into();
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Cents as currency units: `123456` as `1,234.56`, exact at any size.
pub fn money(cents: impl Into<i128>) -> String {
    rtgsim_core::money::format_cents(cents.into())
}

/// Cents written as a JSON number (exact: an integer, or a mean with decimals) as
/// currency units; a mean is rounded to the cent. `-` for anything else.
pub fn money_json(cents: &serde_json::Value) -> String {
    let text = cents.to_string();
    if let Ok(whole) = text.parse::<i128>() {
        return money(whole);
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() < 1e30)
        .map_or_else(|| "-".into(), |v| money(v.round() as i128))
}

/// A JSON number as an `f64` for drawing (0 when it is not one).
pub fn json_f64(value: &serde_json::Value) -> f64 {
    value.to_string().parse().unwrap_or(0.0)
}

/// A share as a percentage with one decimal, or `-` when there is none.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.1}%", s * 100.0))
}

/// A mean or other real figure with two decimals, or `-`.
pub fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_by_thousands() {
        assert_eq!(count(0u64), "0");
        assert_eq!(count(999u64), "999");
        assert_eq!(count(1_000u64), "1,000");
        assert_eq!(count(-1_234_567i64), "-1,234,567");
    }

    #[test]
    fn money_is_exact_beyond_f64() {
        assert_eq!(money(123_456i64), "1,234.56");
        assert_eq!(money(-5i64), "-0.05");
        // 2^63 + 1 cents: an f64 would round it.
        assert_eq!(
            money(9_223_372_036_854_775_809i128),
            "92,233,720,368,547,758.09"
        );
    }

    #[test]
    fn json_money_is_exact_when_whole_and_rounded_to_the_cent_when_a_mean() {
        let whole: serde_json::Value = serde_json::from_str("100000000000000000001").unwrap();
        assert_eq!(money_json(&whole), "1,000,000,000,000,000,000.01");
        assert_eq!(money_json(&serde_json::json!(1234.5)), "12.35");
        assert_eq!(money_json(&serde_json::json!("x")), "-");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}
