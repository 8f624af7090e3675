//! A JSON value read strictly: a map with the same key twice, or a number that is not
//! finite, is an error instead of a silent choice (serde_json keeps the last of two
//! keys, and a YAML `.inf` would become `null`). Used wherever users write values
//! that are checked later: scenario sections and policy documents.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// A JSON value with no duplicate keys and only finite numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrictJson(pub Value);

impl serde::Serialize for StrictJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

/// Parses JSON text strictly.
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<StrictJson>(text).map(|v| v.0)
}

struct StrictVisitor;

/// The key under which serde_json's `arbitrary_precision` passes a number.
const ARBITRARY_PRECISION_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(|v| Value::Number(v.into()))
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(|v| Value::Number(v.into()))
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == ARBITRARY_PRECISION_TOKEN {
                // serde_json with `arbitrary_precision` hands a number over as a map
                // holding its text under this key.
                let text: String = map.next_value()?;
                let number: Number = text
                    .parse()
                    .map_err(|_| de::Error::custom(format!("{text} is not a number")))?;
                if !number.as_f64().is_some_and(f64::is_finite) {
                    return Err(de::Error::custom(format!("{text} is not a finite number")));
                }
                return Ok(Value::Number(number));
            }
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let StrictJson(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_errors_at_any_depth() {
        let error = from_str(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate key `b`"), "{error}");
        assert_eq!(from_str(r#"{"a": [1, {"b": 2}]}"#).unwrap()["a"][1]["b"], 2);
    }

    #[test]
    fn numbers_keep_their_value() {
        let value = from_str(r#"[1.5, -3, 18446744073709551615]"#).unwrap();
        assert_eq!(value[0].as_f64(), Some(1.5));
        assert_eq!(value[1].as_i64(), Some(-3));
        assert_eq!(value[2].as_u64(), Some(u64::MAX));
    }
}
