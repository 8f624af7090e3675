//! Segment-aware wildcard patterns for principals and capabilities.
//!
//! A name is a list of segments joined by a separator: `:` for principals
//! (`optimizer:llm-7`), `.` for capabilities (`policy.action.drop`). A
//! pattern is matched segment by segment, so a wildcard never reaches across
//! a separator except in the one place where that is the point: a trailing
//! `*` segment, which stands for one or more further segments.

use std::fmt;

/// Longest pattern accepted, in bytes. Rule files are written by people; a
/// longer "pattern" is a mistake, and the limit bounds matching cost.
pub const PATTERN_BYTES_MAX: usize = 256;

/// Which kind of name a pattern is for; it fixes the separator and the
/// characters a segment may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternKind {
    /// `kind:name`, segments split on `:`; `.` is an ordinary character.
    Principal,
    /// `a.b.c`, segments split on `.`.
    Capability,
}

impl PatternKind {
    /// The character between segments.
    pub fn separator(self) -> char {
        match self {
            PatternKind::Principal => ':',
            PatternKind::Capability => '.',
        }
    }

    /// Characters a segment may hold, besides the `*` wildcard.
    fn allows(self, ch: char) -> bool {
        let common = ch.is_ascii_alphanumeric() || ch == '_' || ch == '-';
        match self {
            PatternKind::Principal => common || ch == '.',
            PatternKind::Capability => common,
        }
    }

    /// The allowed set, spelled out for error messages.
    fn allowed_description(self) -> &'static str {
        match self {
            PatternKind::Principal => {
                "ASCII letters, digits, `_`, `-`, `.`, the separator `:` and `*`"
            }
            PatternKind::Capability => "ASCII letters, digits, `_`, `-`, the separator `.` and `*`",
        }
    }
}

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is empty")]
    Empty,
    #[error("the pattern is {bytes} bytes long; the limit is {PATTERN_BYTES_MAX}")]
    TooLong { bytes: usize },
    #[error("segment {segment} is empty (a separator at an end, or two in a row)")]
    EmptySegment { segment: usize },
    #[error(
        "`**` is not allowed: `*` already matches within a segment, and a trailing `*` segment matches one or more segments"
    )]
    DoubleStar,
    #[error("character {ch:?} at byte {offset} is not allowed; use {}", .kind.allowed_description())]
    BadCharacter {
        ch: char,
        offset: usize,
        kind: PatternKind,
    },
}

/// A validated pattern, ready to match names of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: Box<str>,
    kind: PatternKind,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// The lone `*`: every name.
    Any,
    /// No `*` at all: exactly this text.
    Exact,
    /// Segment by segment; `trailing_any` when the pattern ends in a `*`
    /// segment (which is not in `segments`).
    Segmented {
        segments: Vec<Segment>,
        trailing_any: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(Box<str>),
    /// A segment holding at least one `*`, each matching any run of
    /// characters (possibly none) inside one segment.
    Glob(Box<str>),
}

impl Segment {
    fn matches(&self, name_segment: &str) -> bool {
        match self {
            Segment::Literal(literal) => **literal == *name_segment,
            Segment::Glob(glob) => glob_matches(glob, name_segment),
        }
    }
}

impl Pattern {
    /// Parses a principal pattern such as `user:alice`, `optimizer:llm-*`, `agent:*` or `*`.
    pub fn principal(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse(text, PatternKind::Principal)
    }

    /// Parses a capability pattern such as `sim.run`, `policy.action.*` or `*`.
    pub fn capability(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse(text, PatternKind::Capability)
    }

    /// Parses `text` as a pattern of the given kind.
    pub fn parse(text: &str, kind: PatternKind) -> Result<Pattern, PatternError> {
        validate(text, kind)?;
        let shape = if text == "*" {
            Shape::Any
        } else if !text.contains('*') {
            Shape::Exact
        } else {
            let mut parts: Vec<&str> = text.split(kind.separator()).collect();
            let trailing_any = parts.last() == Some(&"*");
            if trailing_any {
                parts.pop();
            }
            let segments = parts
                .into_iter()
                .map(|part| {
                    if part.contains('*') {
                        Segment::Glob(part.into())
                    } else {
                        Segment::Literal(part.into())
                    }
                })
                .collect();
            Shape::Segmented {
                segments,
                trailing_any,
            }
        };
        Ok(Pattern {
            text: text.into(),
            kind,
            shape,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kind of name this pattern matches.
    pub fn kind(&self) -> PatternKind {
        self.kind
    }

    /// True when the pattern holds no `*` and so matches only its own text.
    pub fn is_exact(&self) -> bool {
        self.shape == Shape::Exact
    }

    /// Whether `name` matches. Names are not validated: a malformed name
    /// is simply compared segment by segment like any other.
    pub fn matches(&self, name: &str) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact => *self.text == *name,
            Shape::Segmented {
                segments,
                trailing_any,
            } => {
                let mut name_segments = name.split(self.kind.separator());
                for segment in segments {
                    match name_segments.next() {
                        Some(name_segment) if segment.matches(name_segment) => {}
                        _ => return false,
                    }
                }
                // A trailing `*` needs at least one more segment; otherwise
                // the name must end exactly where the pattern does.
                name_segments.next().is_some() == *trailing_any
            }
        }
    }

    /// The leading segments that hold no `*`: every name this pattern
    /// matches starts with them. The rule index files wildcard patterns
    /// under this path. Empty for `*` and for patterns starting with a glob.
    pub(crate) fn literal_prefix(&self) -> impl Iterator<Item = &str> {
        let segments: &[Segment] = match &self.shape {
            Shape::Segmented { segments, .. } => segments,
            Shape::Any | Shape::Exact => &[],
        };
        segments.iter().map_while(|segment| match segment {
            Segment::Literal(literal) => Some(&**literal),
            Segment::Glob(_) => None,
        })
    }
}

impl Pattern {
    /// For a pattern whose first wildcard is a glob segment (`llm-*` in
    /// `optimizer:llm-*`), the characters of that segment before its first
    /// `*` (`llm-`): the matching name's segment must start with them.
    /// `None` for exact patterns, `*`, and patterns whose only wildcard is
    /// the trailing `*` segment.
    pub(crate) fn glob_head(&self) -> Option<&str> {
        let Shape::Segmented { segments, .. } = &self.shape else {
            return None;
        };
        segments.iter().find_map(|segment| match segment {
            Segment::Literal(_) => None,
            Segment::Glob(glob) => glob.split('*').next(),
        })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn validate(text: &str, kind: PatternKind) -> Result<(), PatternError> {
    if text.is_empty() {
        return Err(PatternError::Empty);
    }
    if text.len() > PATTERN_BYTES_MAX {
        return Err(PatternError::TooLong { bytes: text.len() });
    }
    if let Some((offset, ch)) = text
        .char_indices()
        .find(|&(_, ch)| ch != '*' && ch != kind.separator() && !kind.allows(ch))
    {
        return Err(PatternError::BadCharacter { ch, offset, kind });
    }
    if text.contains("**") {
        return Err(PatternError::DoubleStar);
    }
    if let Some(segment) = text.split(kind.separator()).position(str::is_empty) {
        return Err(PatternError::EmptySegment { segment });
    }
    Ok(())
}

/// Glob match inside one segment: `*` matches any run of characters, the
/// rest must be equal. `text` holds no separator (it is already one
/// segment), so a `*` can never cross one.
fn glob_matches(glob: &str, text: &str) -> bool {
    let mut parts = glob.split('*');
    let head = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(head) else {
        return false;
    };
    let mut parts = parts.peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            // The last part must end the text; everything between the
            // previous part and it is what the final `*` absorbs.
            return rest.ends_with(part);
        }
        // Leftmost placement of a middle part is always safe: it leaves the
        // most room for the parts after it.
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    // No `*` at all: the head had to be the whole text.
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capability(text: &str) -> Pattern {
        Pattern::capability(text).unwrap()
    }

    fn principal(text: &str) -> Pattern {
        Pattern::principal(text).unwrap()
    }

    #[test]
    fn trailing_star_matches_one_or_more_further_segments_only() {
        let pattern = capability("io.fs.*");
        assert!(pattern.matches("io.fs.read"));
        assert!(pattern.matches("io.fs.write.x"));
        assert!(!pattern.matches("io.fs"));
        assert!(!pattern.matches("io.fsx.read"));
        assert!(!pattern.matches("io.f.read"));
        assert!(!pattern.matches("xio.fs.read"));
    }

    #[test]
    fn star_inside_a_segment_stays_inside_it() {
        let pattern = principal("optimizer:llm-*");
        assert!(pattern.matches("optimizer:llm-7"));
        assert!(pattern.matches("optimizer:llm-"));
        assert!(
            pattern.matches("optimizer:llm-7.b"),
            "`.` is ordinary in principal names"
        );
        assert!(
            !pattern.matches("optimizer:llm-7:x"),
            "`*` must not cross `:`"
        );
        assert!(!pattern.matches("optimizer:llx-7"));
        assert!(!pattern.matches("optimizers:llm-7"));

        let inner = capability("policy.*.starlark");
        assert!(inner.matches("policy.deploy.starlark"));
        assert!(
            !inner.matches("policy.deploy.x.starlark"),
            "a middle `*` is one segment"
        );
        assert!(!inner.matches("policy.starlark"));
    }

    #[test]
    fn globs_with_several_stars_place_parts_in_order_without_overlap() {
        assert!(glob_matches("a*b*c", "aXbYc"));
        assert!(glob_matches("a*b*c", "abc"));
        assert!(glob_matches("*ab", "ab"));
        assert!(
            !glob_matches("ab*ba", "aba"),
            "prefix and suffix must not overlap"
        );
        assert!(!glob_matches("a*b*c", "acb"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("abc", "abc"));
        assert!(!glob_matches("abc", "abcd"));
    }

    #[test]
    fn lone_star_matches_everything_and_exact_matches_itself() {
        let any = capability("*");
        assert!(any.matches("sim.run"));
        assert!(any.matches("x"));
        assert!(any.matches(""));
        let exact = capability("gate.reset");
        assert!(exact.is_exact());
        assert!(exact.matches("gate.reset"));
        assert!(!exact.matches("gate.reset.now"));
        assert!(!exact.matches("gate"));
    }

    #[test]
    fn trailing_star_on_principals_means_any_name() {
        let pattern = principal("agent:*");
        assert!(pattern.matches("agent:BANK_A"));
        assert!(!pattern.matches("agent"));
        assert!(!pattern.matches("agents:BANK_A"));
    }

    #[test]
    fn literal_prefix_stops_at_the_first_glob() {
        let prefix = |text: &str| {
            let pattern = capability(text);
            pattern
                .literal_prefix()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(prefix("policy.action.*"), ["policy", "action"]);
        assert_eq!(prefix("policy.de*.starlark"), ["policy"]);
        assert_eq!(prefix("*.run"), Vec::<&str>::new());
        assert_eq!(prefix("*"), Vec::<&str>::new());
    }

    #[test]
    fn glob_head_is_the_literal_start_of_the_first_glob_segment() {
        assert_eq!(principal("optimizer:llm-*").glob_head(), Some("llm-"));
        assert_eq!(capability("policy.*.x").glob_head(), Some(""));
        assert_eq!(capability("a.b*c.d*").glob_head(), Some("b"));
        assert_eq!(capability("policy.action.*").glob_head(), None);
        assert_eq!(capability("*").glob_head(), None);
        assert_eq!(capability("sim.run").glob_head(), None);
    }

    #[test]
    fn invalid_patterns_say_what_is_wrong() {
        assert_eq!(Pattern::capability(""), Err(PatternError::Empty));
        assert_eq!(
            Pattern::capability("a..b"),
            Err(PatternError::EmptySegment { segment: 1 })
        );
        assert_eq!(
            Pattern::capability(".a"),
            Err(PatternError::EmptySegment { segment: 0 })
        );
        assert_eq!(
            Pattern::principal("agent:"),
            Err(PatternError::EmptySegment { segment: 1 })
        );
        assert_eq!(Pattern::capability("io.**"), Err(PatternError::DoubleStar));
        assert_eq!(
            Pattern::capability("io.fs/read"),
            Err(PatternError::BadCharacter {
                ch: '/',
                offset: 5,
                kind: PatternKind::Capability,
            })
        );
        assert!(matches!(
            Pattern::capability("user:alice"),
            Err(PatternError::BadCharacter { ch: ':', .. })
        ));
        assert!(Pattern::principal("user:alice.smith").is_ok());
        let long = "a".repeat(PATTERN_BYTES_MAX + 1);
        assert_eq!(
            Pattern::capability(&long),
            Err(PatternError::TooLong {
                bytes: PATTERN_BYTES_MAX + 1
            })
        );
    }
}
