//! Input echoed in a message, clipped: a message quotes what the user wrote (an
//! unknown key, a misspelt name, a number refused) so that it can be found, but a
//! token of 200,000 characters quoted whole buries the message. Past
//! [`MAX_ECHO_CHARS`] characters, [`clip`] keeps the first [`CLIPPED_HEAD_CHARS`]
//! and says how long the whole was; the path or line and column in the message
//! still say where it is.
//!
//! ```
//! use rtgsim_diagnostics::clip;
//!
//! assert_eq!(clip("amnout"), "amnout");
//! let long = "x".repeat(200_000);
//! assert_eq!(clip(&long), format!("{}… (200000 characters)", "x".repeat(60)));
//! ```

use std::borrow::Cow;

/// The longest echo shown whole, in characters. Above the longest clipped echo
/// (60 characters, `… (`, 20 digits, ` characters)`: 95), so that clipping what
/// is already clipped changes nothing.
pub const MAX_ECHO_CHARS: usize = 100;

/// The characters kept of a longer echo.
pub const CLIPPED_HEAD_CHARS: usize = 60;

/// `text` itself when it has at most [`MAX_ECHO_CHARS`] characters; otherwise its
/// first [`CLIPPED_HEAD_CHARS`] characters, `…` and its length in characters.
pub fn clip(text: &str) -> Cow<'_, str> {
    if text.char_indices().nth(MAX_ECHO_CHARS).is_none() {
        return Cow::Borrowed(text);
    }
    let head_end = text
        .char_indices()
        .nth(CLIPPED_HEAD_CHARS)
        .map_or(text.len(), |(at, _)| at);
    let length = text.chars().count();
    Cow::Owned(format!("{}… ({length} characters)", &text[..head_end]))
}

/// A dotted path (`agents[2].policy.target_buffer`) with every part longer than
/// [`MAX_ECHO_CHARS`] clipped (see [`clip`]): paths are made of the keys a user
/// wrote, and a key can be as long as any other token.
pub fn clip_path(path: &str) -> Cow<'_, str> {
    if path.len() <= MAX_ECHO_CHARS {
        return Cow::Borrowed(path);
    }
    let parts: Vec<Cow<'_, str>> = path.split('.').map(clip).collect();
    if parts.iter().all(|part| matches!(part, Cow::Borrowed(_))) {
        return Cow::Borrowed(path);
    }
    Cow::Owned(parts.join("."))
}

/// A message with the user's text in it, from code that did not clip it (serde's
/// messages, a parser's): every stretch between backticks or double quotes, and
/// every word, longer than [`MAX_ECHO_CHARS`] characters is clipped (see [`clip`]).
/// The rest (the place, a list of known names) is kept as it is.
pub fn clip_message(message: &str) -> Cow<'_, str> {
    // Most messages hold nothing long: no allocation for them.
    let longest_run = message
        .split(char::is_whitespace)
        .map(|word| word.len())
        .max()
        .unwrap_or(0);
    let quoted_long = message
        .split(['`', '"'])
        .any(|part| part.len() > MAX_ECHO_CHARS);
    if longest_run <= MAX_ECHO_CHARS && !quoted_long {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len().min(4 * MAX_ECHO_CHARS));
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| c == '`' || c == '"' || !c.is_whitespace()) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let first = rest.chars().next().unwrap_or(' ');
        if first == '`' || first == '"' {
            // A quoted stretch: up to the same quote, or to the end if it has none.
            let inner = &rest[1..];
            let end = inner.find(first).unwrap_or(inner.len());
            out.push(first);
            out.push_str(&clip(&inner[..end]));
            if end < inner.len() {
                out.push(first);
                rest = &inner[end + 1..];
            } else {
                rest = "";
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '`' || c == '"')
                .unwrap_or(rest.len());
            out.push_str(&clip(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_shown_whole() {
        let eighty = "é".repeat(MAX_ECHO_CHARS);
        assert!(matches!(clip(&eighty), Cow::Borrowed(_)));
        assert_eq!(clip(""), "");
    }

    #[test]
    fn long_text_keeps_its_head_and_says_its_length_in_characters() {
        // 81 two-byte characters: one over the limit, counted as characters.
        let long = "é".repeat(MAX_ECHO_CHARS + 1);
        assert_eq!(clip(&long), format!("{}… (101 characters)", "é".repeat(60)));
        let token = format!("ab{}", "z".repeat(199_998));
        let shown = clip(&token);
        assert_eq!(shown, format!("ab{}… (200000 characters)", "z".repeat(58)));
    }

    #[test]
    fn a_message_keeps_its_words_and_clips_long_quoted_text_and_long_words() {
        let key = "k".repeat(200_000);
        let serde = format!(
            "unknown field `{key}`, expected one of `id`, `opening_balance` at line 3 column 5"
        );
        assert_eq!(
            clip_message(&serde),
            format!(
                "unknown field `{}… (200000 characters)`, expected one of `id`, `opening_balance` at line 3 column 5",
                "k".repeat(60)
            )
        );
        // A quoted stretch with spaces in it is one echo; a long word is one too.
        let spaced = format!(
            "invalid type: string \"{}\", expected u32",
            "ab ".repeat(40)
        );
        assert_eq!(
            clip_message(&spaced),
            format!(
                "invalid type: string \"{}… (120 characters)\", expected u32",
                &"ab ".repeat(20)
            ),
        );
        let number = format!("{} is outside 1..=10", "9".repeat(120));
        assert_eq!(
            clip_message(&number),
            format!("{}… (120 characters) is outside 1..=10", "9".repeat(60))
        );
        // An unclosed quote runs to the end.
        let open = format!("bad \"{}", "x".repeat(190));
        assert_eq!(
            clip_message(&open),
            format!("bad \"{}… (190 characters)", "x".repeat(60))
        );
        let plain = "agents[0].id: \"A\" is already the id of agents[1]";
        assert!(matches!(clip_message(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn clipping_twice_is_clipping_once() {
        // The longest count there is: a clipped echo of usize::MAX characters is
        // still within the limit.
        let widest = format!("{}… ({} characters)", "w".repeat(60), usize::MAX);
        assert!(matches!(clip(&widest), Cow::Borrowed(_)));
        let once = clip_message(&format!("unknown \"{}\"", "q".repeat(5_000))).into_owned();
        assert_eq!(clip_message(&once), once);
    }

    #[test]
    fn a_path_keeps_its_short_parts_and_clips_its_long_ones() {
        let key = "k".repeat(1000);
        let path = format!("agents[2].{key}.amount");
        assert_eq!(
            clip_path(&path),
            format!("agents[2].{}… (1000 characters).amount", "k".repeat(60))
        );
        assert_eq!(clip_path("payment_tree.on_true"), "payment_tree.on_true");
    }
}
