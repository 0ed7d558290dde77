//! JSON values read strictly: a key given twice in one object is an error
//! (serde_json's own `Value` keeps the last silently, so
//! `"max_load": 0, "max_load": 6` would load as 6), and a list longer than
//! [`MAX_LIST_ITEMS`] is refused before it is built.
//!
//! Every JSON record, policy and nested object of a bundle (and
//! `policy.json`) is read through [`Strict`], by both bundle parsers: the
//! fast path gives up on the item, and the full parser reports the error
//! with its line and column. The JSON of a policy table's cell is read by
//! [`from_str`] too. Every other JSON text a user hands the program (panels
//! files, history files, draw and replacement logs, a report's figures, a
//! console request) is checked by [`check_keys`] and then read as its own
//! type ([`from_str_unique`], [`from_slice_unique`]): the same refusal of
//! a repeated key, without the list limit (a panels file lists every
//! application).

use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed as _, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::error::{JsonKind, Said};

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

/// The message for a key given twice (read back into its kind by
/// [`said`]).
pub(crate) fn repeated_key(key: &str) -> String {
    Said::KeyTwice {
        key: key.to_string(),
        first: None,
    }
    .to_string()
}

/// Checks a JSON text for a key given twice in one object, at any depth,
/// without building its values (lists of any length pass). Syntax errors
/// are reported as serde_json reports them.
///
/// # Errors
/// The first repeated key (or syntax error), with its line and column.
pub fn check_keys(text: &str) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_str(text);
    KeysOnce.deserialize(&mut de)?;
    de.end()
}

/// Reads a JSON text as a `T`, as `serde_json::from_str` does, but
/// refusing a key given twice in one object at any depth ([`check_keys`]):
/// serde_json keeps the last of a repeated key in maps and `Value`s.
///
/// # Errors
/// A repeated key, a syntax error, or a value `T` does not take.
pub fn from_str_unique<T: serde::de::DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    check_keys(text)?;
    serde_json::from_str(text)
}

/// [`from_str_unique`] for bytes (which must be UTF-8, as
/// `serde_json::from_slice` requires).
///
/// # Errors
/// As [`from_str_unique`].
pub fn from_slice_unique<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    KeysOnce.deserialize(&mut de)?;
    de.end()?;
    serde_json::from_slice(bytes)
}

/// A serde_json error as the kind of problem it is ([`Said`]), its words
/// without their position: a key given twice and an overlong list (this
/// reader's own refusals, made inside serde_json) as their kinds, the rest
/// as serde_json says them.
pub(crate) fn said(e: &serde_json::Error) -> Said {
    use serde_json::error::Category;
    let detail = without_position(e);
    if let Some(key) = detail
        .strip_prefix("the key ")
        .and_then(|k| k.strip_suffix(" is given twice in one object; keep one"))
        .and_then(|k| serde_json::from_str::<String>(k).ok())
    {
        return Said::KeyTwice { key, first: None };
    }
    if detail == long_list() {
        return Said::ListTooLong {
            items: None,
            max: MAX_LIST_ITEMS,
        };
    }
    let kind = match e.classify() {
        Category::Eof => JsonKind::Eof,
        Category::Syntax | Category::Io => JsonKind::Syntax,
        Category::Data => JsonKind::Data,
    };
    Said::Json { kind, detail }
}

/// The refusal of a list over [`MAX_LIST_ITEMS`].
fn long_list() -> String {
    Said::ListTooLong {
        items: None,
        max: MAX_LIST_ITEMS,
    }
    .to_string()
}

/// A message of serde_json's without its position (` at line L column
/// C`), for a caller that says where in its own words.
pub(crate) fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

/// The walk of [`check_keys`]: every value visited, each object's keys
/// compared, nothing kept.
#[derive(Clone, Copy)]
struct KeysOnce;

impl<'de> serde::de::DeserializeSeed<'de> for KeysOnce {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeysOnce {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(KeysOnce)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Objects are small (a record's fields); a large one (a map keyed
        // by names) is compared through a set once it grows.
        let mut keys: Vec<String> = Vec::new();
        let mut set: Option<std::collections::HashSet<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            let seen = match &mut set {
                Some(set) => !set.insert(key.clone()),
                None => keys.contains(&key),
            };
            if seen {
                return Err(A::Error::custom(repeated_key(&key)));
            }
            if set.is_none() {
                keys.push(key);
                if keys.len() > 16 {
                    set = Some(keys.drain(..).collect());
                }
            }
            map.next_value_seed(KeysOnce)?;
        }
        Ok(())
    }
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
                return Err(A::Error::custom(long_list()));
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
    fn check_keys_refuses_what_strict_refuses_and_takes_long_lists() {
        assert!(check_keys(r#"{"a": 1, "b": {"c": [1, {"d": 2}]}}"#).is_ok());
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"[{"x": {"c": 1, "c": 1}}]"#,
            r#"{"p": {"panel_size": 3, "panel_size": 5}}"#,
        ] {
            let e = check_keys(text).unwrap_err();
            assert!(e.to_string().contains("is given twice"), "{text}: {e}");
            assert_eq!(
                e.to_string(),
                from_str(text).unwrap_err().to_string(),
                "the same message and place as the strict reader"
            );
        }
        // A large object: past the first keys, through the set.
        let mut big: String = (0..40).map(|i| format!("\"k{i}\": {i},")).collect();
        assert!(check_keys(&format!("{{{}}}", big.trim_end_matches(','))).is_ok());
        big.push_str("\"k7\": 0");
        let e = check_keys(&format!("{{{big}}}")).unwrap_err();
        assert!(e.to_string().contains(r#"the key "k7""#), "{e}");
        let long = format!("[{}0]", "0,".repeat(MAX_LIST_ITEMS + 5));
        assert!(check_keys(&long).is_ok());
        assert!(check_keys("{} x").is_err(), "trailing text");
        let v: serde_json::Value = from_slice_unique(br#"{"a": [1, 2]}"#).unwrap();
        assert_eq!(v["a"][1], 2);
        assert!(from_slice_unique::<serde_json::Value>(br#"{"a": 1, "a": 1}"#).is_err());
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
