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

/// The longest echo shown whole, in characters.
pub const MAX_ECHO_CHARS: usize = 80;

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
        assert_eq!(clip(&long), format!("{}… (81 characters)", "é".repeat(60)));
        let token = format!("ab{}", "z".repeat(199_998));
        let shown = clip(&token);
        assert_eq!(shown, format!("ab{}… (200000 characters)", "z".repeat(58)));
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
