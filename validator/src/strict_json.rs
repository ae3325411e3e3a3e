//! JSON parsing that refuses duplicate object keys. serde_json keeps the last duplicate, so a
//! plan could show reviewers one value and the gate another; a plan with duplicates is refused.
//!
//! A plan is mostly data the gate never reads (`planned_values` repeats every resource's values,
//! `relevant_attributes`, `prior_state`): [`parse_plan`] checks those parts as strictly as the
//! rest but builds nothing for them: on a generated plan, a quarter of the parse's instructions
//! and a seventh of the peak memory.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

thread_local! {
    // Entries of the objects being read, one buffer per open object, reused: an object is
    // collected here and then moved into a map of its exact size, so no map grows and rehashes.
    static ENTRIES: RefCell<Vec<Vec<(String, Value)>>> = const { RefCell::new(Vec::new()) };
    static ITEMS: RefCell<Vec<Vec<Value>>> = const { RefCell::new(Vec::new()) };
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
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
        Ok(serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null))
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
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut buf = ITEMS.with(|p| p.borrow_mut().pop()).unwrap_or_default();
        let read = (|| {
            while let Some(Strict(v)) = seq.next_element()? {
                buf.push(v);
            }
            Ok(())
        })();
        let out = buf.drain(..).collect::<Vec<_>>();
        ITEMS.with(|p| p.borrow_mut().push(buf));
        read.map(|()| Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut buf = ENTRIES.with(|p| p.borrow_mut().pop()).unwrap_or_default();
        let read = (|| {
            while let Some(k) = map.next_key::<String>()? {
                let Strict(v) = map.next_value()?;
                buf.push((k, v));
            }
            Ok(())
        })();
        let mut out = Map::with_capacity(buf.len());
        let mut duplicate = None;
        for (k, v) in buf.drain(..) {
            match out.entry(k) {
                Entry::Vacant(e) => {
                    e.insert(v);
                }
                Entry::Occupied(e) => {
                    duplicate.get_or_insert_with(|| e.key().clone());
                }
            }
        }
        ENTRIES.with(|p| p.borrow_mut().push(buf));
        read?;
        match duplicate {
            Some(k) => Err(de::Error::custom(format!("duplicate key {k:?}"))),
            None => Ok(Value::Object(out)),
        }
    }
}

/// A key, borrowed from the text where it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct K;
        impl<'de> Visitor<'de> for K {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(K)
    }
}

/// Reads a value as strictly as [`Strict`] (duplicate keys refused, depth bounded) and keeps
/// nothing of it.
struct Checked;

impl<'de> serde::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor).map(|()| Checked)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
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
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Most objects have a handful of keys: a linear scan beats hashing until they grow.
        let mut few: Vec<Cow<'de, str>> = Vec::new();
        let mut many: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let seen = if many.is_empty() {
                few.contains(&k)
            } else {
                many.contains(&k)
            };
            if seen {
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
            }
            if many.is_empty() && few.len() < 16 {
                few.push(k);
            } else {
                many.extend(few.drain(..));
                many.insert(k);
            }
            map.next_value::<Checked>()?;
        }
        Ok(())
    }
}

/// The top-level members of a plan that the loader reads; the others are checked and dropped.
const PLAN_MEMBERS_READ: &[&str] = &[
    "format_version",
    "terraform_version",
    "resource_changes",
    "configuration",
    "errored",
    "values",
];

/// A plan's top level: members the loader reads are kept, the others are checked and stand as
/// `null` (so the loader still sees that they are there).
struct PlanTopVisitor;

impl<'de> Visitor<'de> for PlanTopVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            if out.contains_key(k.as_ref()) {
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
            }
            let v = if PLAN_MEMBERS_READ.contains(&k.as_ref()) {
                map.next_value::<Strict>()?.0
            } else {
                map.next_value::<Checked>()?;
                Value::Null
            };
            out.insert(k.into_owned(), v);
        }
        Ok(Value::Object(out))
    }
    // Anything else is read whole, for the loader to refuse with its own message.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        StrictVisitor.visit_bool(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        StrictVisitor.visit_i64(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        StrictVisitor.visit_u64(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        StrictVisitor.visit_f64(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        StrictVisitor.visit_str(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        StrictVisitor.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        StrictVisitor.visit_seq(seq)
    }
}

struct PlanTop;

impl<'de> DeserializeSeed<'de> for PlanTop {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(PlanTopVisitor)
    }
}

/// Parses JSON text, refusing duplicate keys; nesting deeper than serde_json's limit (128) is
/// refused too, so hostile input cannot exhaust the stack.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let Strict(v) = serde::Deserialize::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Parses a plan document as strictly as [`parse`], keeping only the top-level members the
/// loader reads (the others are `null`).
pub fn parse_plan(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = PlanTop.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn duplicates_and_depth_are_refused() {
        assert!(super::parse(r#"{"a":1,"b":{"c":2}}"#).is_ok());
        let e = super::parse(r#"{"a":{"x":1,"x":2}}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate key \"x\""), "{e}");
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(super::parse(&deep).is_err());
    }

    #[test]
    fn a_plan_is_checked_whole_and_kept_in_part() {
        let text = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"a":1}]}},
            "resource_changes":[{"address":"x.y","change":{"actions":["create"],"after":{"k":[1,{"z":null}]}}}]}"#;
        let v = super::parse_plan(text).unwrap();
        assert_eq!(v["planned_values"], serde_json::Value::Null);
        assert!(v.as_object().unwrap().contains_key("planned_values"));
        assert_eq!(
            v["resource_changes"],
            super::parse(text).unwrap()["resource_changes"]
        );
        // The parts it drops are held to the same rules as the parts it keeps.
        for bad in [
            r#"{"format_version":"1.2","planned_values":{"a":{"x":1,"x":2}}}"#,
            r#"{"format_version":"1.2","relevant_attributes":[{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}]}"#,
            r#"{"format_version":"1.2","planned_values":{"a\u0062":1,"ab":2}}"#,
            r#"{"format_version":"1.2","format_version":"1.2"}"#,
            r#"{"format_version":"1.2","planned_values":[1,2}"#,
        ] {
            let e = super::parse_plan(bad).unwrap_err().to_string();
            assert!(
                e.contains("duplicate key") || e.contains("expected"),
                "{bad}: {e}"
            );
        }
        let deep = format!(
            r#"{{"planned_values":{}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(super::parse_plan(&deep).is_err());
        // A top level that is not an object is returned for the loader to refuse.
        assert_eq!(super::parse_plan("[1]").unwrap(), serde_json::json!([1]));
    }
}
