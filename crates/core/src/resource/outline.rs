//! How much of a value a resource's view keeps ([`Outline`]), and the deserializers that parse
//! a value in its outline, skipping the rest unparsed.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// How much of a value a view keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum Outline {
    /// All of it.
    Whole,
    /// Of an object, or of each object in a list, only these keys, each in outline; other
    /// values whole. `Keys(&[])` keeps only that the object is there (as `{}`).
    Keys(&'static [(&'static str, Outline)]),
}

/// The JSON value `text` in `outline`, its lists at their exact length.
pub(super) fn parse(outline: &'static Outline, text: &str) -> Result<Value, serde_json::Error> {
    match outline {
        Outline::Whole => Ok(exact(serde_json::from_str(text)?)),
        Outline::Keys(keys) => InOutline(keys).deserialize(&mut serde_json::Deserializer::from_str(text)),
    }
}

/// Deserializes a JSON object keeping only the keys `keep` gives an outline for, each in its
/// outline; the rest are skipped unparsed.
struct PrunedObject<F: Fn(&str) -> Option<&'static Outline>> {
    keep: F,
}

impl<'de, F: Fn(&str) -> Option<&'static Outline>> Visitor<'de> for PrunedObject<F> {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match (self.keep)(&key) {
                Some(Outline::Whole) => {
                    out.insert(key.into_owned(), exact(map.next_value::<Value>()?));
                }
                Some(Outline::Keys(keys)) => {
                    out.insert(key.into_owned(), map.next_value_seed(InOutline(keys))?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// `v` with every list in it at its exact length: a view is kept for the whole run, and a
/// parsed list of one tag or one device mapping has room for four.
fn exact(mut v: Value) -> Value {
    fn shrink(v: &mut Value) {
        match v {
            Value::Array(items) => {
                items.iter_mut().for_each(shrink);
                items.shrink_to_fit();
            }
            Value::Object(m) => m.values_mut().for_each(shrink),
            _ => {}
        }
    }
    shrink(&mut v);
    v
}

/// A value in outline: of an object (or of each object in a list) only the listed keys.
struct InOutline(&'static [(&'static str, Outline)]);

impl InOutline {
    fn keep(&self, key: &str) -> Option<&'static Outline> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, o)| o)
    }
}

impl<'de> DeserializeSeed<'de> for InOutline {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for InOutline {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let keys = self.0;
        let keep = move |k: &str| InOutline(keys).keep(k);
        PrunedObject { keep }.visit_map(map).map(Value::Object)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(InOutline(self.0))? {
            out.push(v);
        }
        out.shrink_to_fit();
        Ok(Value::Array(out))
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
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}
