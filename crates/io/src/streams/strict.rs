//! JSON values read strictly: a key given twice in one object is an error
//! (serde_json's own `Value` keeps the last silently, so
//! `"max_load": 0, "max_load": 6` would load as 6), and a list longer than
//! [`MAX_LIST_ITEMS`] is refused before it is built.
//!
//! Every JSON record, policy and nested object of a bundle (and
//! `policy.json`) is read through [`Strict`], by both bundle parsers: the
//! fast path gives up on the item, and the full parser reports the error
//! with its line and column.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Most items a list (a JSON array, or a CSV/workbook list cell) may hold.
/// Real lists (fields, keywords, a team) hold tens; a cell of millions of
/// items costs memory out of proportion to its bytes.
pub const MAX_LIST_ITEMS: usize = 10_000;

/// A JSON value without repeated keys or overlong lists.
pub(crate) struct Strict(pub(crate) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

/// Reads a JSON text strictly (see the module docs).
pub(crate) fn from_str(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

/// The message for a key given twice.
pub(crate) fn repeated_key(key: &str) -> String {
    format!("the key {key:?} is given twice in one object; keep one")
}

pub(crate) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            if items.len() == MAX_LIST_ITEMS {
                return Err(A::Error::custom(format!(
                    "a list of more than {MAX_LIST_ITEMS} items; split it or check the file"
                )));
            }
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if obj.contains_key(&key) {
                return Err(A::Error::custom(repeated_key(&key)));
            }
            let Strict(v) = map.next_value()?;
            obj.insert(key, v);
        }
        Ok(Value::Object(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        assert!(from_str(r#"{"a": 1, "b": {"c": 1}}"#).is_ok());
        let e = from_str(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(
            e.to_string().contains(r#"the key "a" is given twice"#),
            "{e}"
        );
        assert!(e.line() == 1, "{e}");
        assert!(from_str(r#"[{"x": {"c": 1, "c": 1}}]"#).is_err());
    }

    #[test]
    fn lists_are_capped() {
        let ok = format!("[{}0]", "0,".repeat(MAX_LIST_ITEMS - 1));
        assert!(from_str(&ok).is_ok());
        let long = format!("[{}0]", "0,".repeat(MAX_LIST_ITEMS));
        assert!(from_str(&long)
            .unwrap_err()
            .to_string()
            .contains("more than"));
    }
}
