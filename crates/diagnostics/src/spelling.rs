//! "Did you mean" suggestions with a bounded distance: a name is suggested only when
//! it is within about a third of the misspelling's length in edits, so a suggestion
//! is a likely typo, never a random guess. [`did_you_mean`] writes the words, so every
//! loader says it the same way.

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo (at
/// most a third of `name`'s length in edits, and at least one). Ties go to the
/// candidate listed first.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        // The distance is at least the difference in length: a candidate too short
        // or too long cannot be close, and is not compared (a 200,000-character
        // name against a catalog would take seconds).
        if length.abs_diff(candidate.chars().count()) > limit {
            continue;
        }
        let distance = edit_distance(name, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// How a suggested name is quoted: as the loader quotes names in its own messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// `"name"`, as in JSON documents and policy messages.
    Double,
    /// `` `name` ``, as serde and the Starlark analyzer quote names.
    Backtick,
}

/// `did you mean "x"?` (or `` did you mean `x`? ``) when a candidate is close to
/// `name` (see [`suggest`]); `None` otherwise. Callers that put the hint in
/// parentheses or after a semicolon wrap this text.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    quote: Quote,
) -> Option<String> {
    let close = suggest(name, candidates)?;
    Some(match quote {
        Quote::Double => format!("did you mean \"{close}\"?"),
        Quote::Backtick => format!("did you mean `{close}`?"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("amnout", "amount"), 2);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        let names = ["amount", "balance", "priority", "target_buffer"];
        assert_eq!(suggest("amnout", names), Some("amount"));
        assert_eq!(suggest("target_bufer", names), Some("target_buffer"));
        assert_eq!(suggest("xyz", names), None);
        // "bal" is 4 edits from "balance": too far for a 3-letter name.
        assert_eq!(suggest("bal", names), None);
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(suggest("cat", ["bat", "hat"]), Some("bat"));
        assert_eq!(suggest("cat", ["hat", "bat"]), Some("hat"));
    }

    #[test]
    fn did_you_mean_quotes_the_close_name_exactly() {
        let names = ["amount", "balance"];
        assert_eq!(
            did_you_mean("amnout", names, Quote::Double).as_deref(),
            Some("did you mean \"amount\"?")
        );
        assert_eq!(
            did_you_mean("balanse", names, Quote::Backtick).as_deref(),
            Some("did you mean `balance`?")
        );
    }

    #[test]
    fn did_you_mean_is_silent_when_nothing_is_close() {
        let names = ["amount", "balance"];
        assert_eq!(did_you_mean("zzzzzz", names, Quote::Double), None);
        // Two edits in a five-letter name is over the bound of one.
        assert_eq!(did_you_mean("amoxx", names, Quote::Backtick), None);
        assert_eq!(did_you_mean("x", std::iter::empty(), Quote::Double), None);
    }
}
