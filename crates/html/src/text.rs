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
    fn markup_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}
