//! The key serde refused as an unknown field, and the fields the struct there takes,
//! found without reading serde's error text: the type's own `Deserialize` is replayed
//! along the error's path, and serde hands the field list over when it refuses a key.
//!
//! A loader deserializes as usual; when that fails, it passes the error's path (for
//! instance from `serde_path_to_error`) to [`unknown_field`]. The replay reads no
//! document: it offers the type, step by step, exactly the keys and elements on the
//! path, so only the decision serde makes about the last key matters.
//!
//! ```
//! use rtgsim_diagnostics::unknown_field::{Step, unknown_field};
//!
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Agent { id: String, opening_balance: i64 }
//!
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct File { agents: Vec<Agent> }
//!
//! let path = [Step::Key("agents"), Step::Index(3), Step::Key("opening_balanse")];
//! let found = unknown_field::<File>(&path).unwrap();
//! assert_eq!(found.key, "opening_balanse");
//! assert_eq!(found.expected, ["id", "opening_balance"]);
//! // A known key is not an unknown field, whatever was wrong with its value.
//! let path = [Step::Key("agents"), Step::Index(0), Step::Key("id")];
//! assert_eq!(unknown_field::<File>(&path), None);
//! ```

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;

/// One step of a path into a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// The value under a map key (or a struct's field).
    Key(&'a str),
    /// An element of a list.
    Index(usize),
}

/// A key that is not a field of the struct it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    pub key: String,
    /// The fields that struct takes, as serde declares them.
    pub expected: &'static [&'static str],
}

/// The unknown field at the end of `path`, if `T` refuses the path's last key as
/// one; `None` when the key is known (the fault is in its value), or the path goes
/// through something the replay cannot follow.
///
/// Lists are taken to hold one type (a `Vec`, not a tuple of different types): the
/// replay goes straight to the element on the path. Maps and structs, options and
/// newtypes are followed; enums and buffered (flattened, untagged) types are not.
pub fn unknown_field<T: DeserializeOwned>(path: &[Step<'_>]) -> Option<UnknownField> {
    match T::deserialize(Replay { path }) {
        Err(Stop::UnknownField(found)) => Some(found),
        Ok(_) | Err(Stop::Elsewhere) => None,
    }
}

/// Why a replay stopped. It always stops: it offers only the keys on the path, so
/// the type either refuses the last key or fails for want of the rest.
#[derive(Debug)]
enum Stop {
    UnknownField(UnknownField),
    Elsewhere,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::UnknownField(found) => write!(f, "unknown field {}", found.key),
            Stop::Elsewhere => f.write_str("not an unknown field"),
        }
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop::Elsewhere
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Stop::UnknownField(UnknownField {
            key: field.to_string(),
            expected,
        })
    }
}

/// The value at the start of `path`.
struct Replay<'p> {
    path: &'p [Step<'p>],
}

impl<'de> de::Deserializer<'de> for Replay<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        match self.path.split_first() {
            Some((Step::Key(key), rest)) => visitor.visit_map(OneEntry {
                key: Some(key),
                rest,
            }),
            Some((Step::Index(_), rest)) => visitor.visit_seq(OneElement { rest: Some(rest) }),
            None => Err(Stop::Elsewhere),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        if self.path.is_empty() {
            return Err(Stop::Elsewhere);
        }
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// A map holding only the path's next key, its value the rest of the path.
struct OneEntry<'p> {
    key: Option<&'p str>,
    rest: &'p [Step<'p>],
}

impl<'de> de::MapAccess<'de> for OneEntry<'_> {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        match self.key.take() {
            // Here a struct with unknown fields denied refuses the key.
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        seed.deserialize(Replay { path: self.rest })
    }
}

/// A list holding only the element on the path.
struct OneElement<'p> {
    rest: Option<&'p [Step<'p>]>,
}

impl<'de> de::SeqAccess<'de> for OneElement<'_> {
    type Error = Stop;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Stop> {
        match self.rest.take() {
            Some(rest) => seed.deserialize(Replay { path: rest }).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only deserialized
    struct Limits {
        per_tick: Option<i64>,
        per_day: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // only deserialized
    struct Lenient {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only deserialized
    struct Root {
        budgets: BTreeMap<String, Limits>,
        extra: Option<Box<Limits>>,
        lenient: Lenient,
        list: Vec<Vec<Limits>>,
    }

    fn found(path: &[Step<'_>]) -> Option<(String, Vec<&'static str>)> {
        unknown_field::<Root>(path).map(|f| (f.key, f.expected.to_vec()))
    }

    #[test]
    fn an_unknown_key_at_any_depth_is_found_with_its_struct_fields() {
        let limits = vec!["per_tick", "per_day"];
        assert_eq!(
            found(&[Step::Key("budgets"), Step::Key("A"), Step::Key("per_tik")]),
            Some(("per_tik".into(), limits.clone()))
        );
        assert_eq!(
            found(&[Step::Key("extra"), Step::Key("per_dya")]),
            Some(("per_dya".into(), limits.clone()))
        );
        assert_eq!(
            found(&[
                Step::Key("list"),
                Step::Index(4),
                Step::Index(2),
                Step::Key("x")
            ]),
            Some(("x".into(), limits))
        );
        assert_eq!(
            found(&[Step::Key("budgetz")]),
            Some((
                "budgetz".into(),
                vec!["budgets", "extra", "lenient", "list"]
            ))
        );
    }

    #[test]
    fn known_keys_and_lenient_structs_are_not_unknown_fields() {
        assert_eq!(found(&[]), None);
        assert_eq!(found(&[Step::Key("budgets")]), None);
        assert_eq!(
            found(&[Step::Key("budgets"), Step::Key("A"), Step::Key("per_day")]),
            None
        );
        // Unknown keys of a struct that allows them are ignored, not refused.
        assert_eq!(found(&[Step::Key("lenient"), Step::Key("nme")]), None);
        // A path that does not fit the type.
        assert_eq!(found(&[Step::Index(0)]), None);
    }
}
