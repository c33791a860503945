//! A create body read in one pass of serde_json's parser, without a `Value` tree for the
//! part that is big: `agentIds` (a million ids is a 16 MB body) goes straight into one
//! [`AgentIds`] arena; every other member is small and kept as a `Value`, for request.rs to
//! check field by field as before. The parser is the one `Value` uses and every member is
//! read through it, so a body that is not JSON gets serde's own message at the same place,
//! and a duplicate member replaces the earlier one, as in a `Value` map.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::request::{kind, shown};

/// Agent ids, in order, in one string (no allocation per id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentIds {
    text: String,
    ends: Vec<u32>,
}

impl AgentIds {
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| &self.text[a as usize..b as usize])
    }
    /// The ids of one comma-separated string (blank parts left out).
    fn from_list(s: &str) -> Self {
        let mut ids = Self::default();
        for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            ids.push(p);
        }
        ids
    }
}

impl<'a> FromIterator<&'a str> for AgentIds {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut ids = Self::default();
        for id in iter {
            ids.push(id);
        }
        ids
    }
}

/// A body as read: the members but `agentIds`, and `agentIds` read, or why it cannot be.
#[derive(Debug, Clone)]
pub struct Body {
    pub fields: Map<String, Value>,
    /// The message of the 400 when `agentIds` is missing or not a list of ids.
    pub agent_ids: Result<AgentIds, String>,
}

impl Default for Body {
    fn default() -> Self {
        Self {
            fields: Map::new(),
            agent_ids: Err("agentIds is required".into()),
        }
    }
}

/// A JSON document: an object read as a [`Body`], or the kind of anything else.
pub enum Document {
    Object(Body),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocumentVisitor)
    }
}

/// A value read only to be described: through `Value`, so it is checked as strictly.
fn other<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Value::deserialize(d)
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Document, E> {
        Ok(Document::Other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Document, E> {
        Ok(Document::Other("a string"))
    }
    fn visit_unit<E>(self) -> Result<Document, E> {
        Ok(Document::Other("null"))
    }
    fn visit_none<E>(self) -> Result<Document, E> {
        Ok(Document::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
        other(SeqAccessDeserializer::new(seq))?;
        Ok(Document::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut body = Body::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == "agentIds" {
                body.agent_ids = map.next_value_seed(IdsSeed)?;
            } else {
                let v = map.next_value::<Value>()?;
                body.fields.insert(key, v);
            }
        }
        Ok(Document::Object(body))
    }
}

/// `agentIds`: a list of non-empty id strings, or one comma-separated string.
struct IdsSeed;

impl<'de> DeserializeSeed<'de> for IdsSeed {
    type Value = Result<AgentIds, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IdsVisitor)
    }
}

struct IdsVisitor;

const F: &str = "agentIds";

fn not_ids(v: &Value) -> Result<AgentIds, String> {
    Err(format!(
        "{F} must be a list of agent ids or a comma-separated string, not {}",
        kind(v)
    ))
}

impl<'de> Visitor<'de> for IdsVisitor {
    type Value = Result<AgentIds, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(not_ids(&Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(not_ids(&Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(not_ids(&Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(not_ids(&Value::from(v)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Ok(AgentIds::from_list(s)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(format!("{F} is required")))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(not_ids(&other(MapAccessDeserializer::new(map))?))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut ids = AgentIds::default();
        if let Some(n) = seq.size_hint() {
            ids.ends.reserve(n);
        }
        let mut bad = None;
        let mut i = 0;
        while seq
            .next_element_seed(IdSeed {
                ids: &mut ids,
                bad: &mut bad,
                i,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(match bad {
            Some(e) => Err(e),
            None => Ok(ids),
        })
    }
}

/// One element of an `agentIds` list: pushed when it is a non-empty string; the first that
/// is not one is remembered (the rest are still read, so that a later syntax error wins).
struct IdSeed<'a> {
    ids: &'a mut AgentIds,
    bad: &'a mut Option<String>,
    i: usize,
}

impl IdSeed<'_> {
    fn refuse(self, v: &Value) {
        if self.bad.is_none() {
            *self.bad = Some(format!(
                "{F}[{}] must be a non-empty agent id string, not {}",
                self.i,
                shown(v)
            ));
        }
    }
}

impl<'de> DeserializeSeed<'de> for IdSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.refuse(&Value::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.refuse(&Value::from(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.refuse(&Value::from(v));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.refuse(&Value::from(v));
        Ok(())
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        let t = s.trim();
        if t.is_empty() {
            self.refuse(&Value::String(s.to_string()));
        } else if self.bad.is_none() {
            self.ids.push(t);
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.refuse(&Value::Null);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let v = other(MapAccessDeserializer::new(map))?;
        self.refuse(&v);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let v = other(SeqAccessDeserializer::new(seq))?;
        self.refuse(&v);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Body, String> {
        match serde_json::from_str::<Document>(text) {
            Ok(Document::Object(b)) => Ok(b),
            Ok(Document::Other(k)) => Err(k.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn ids_come_as_a_list_or_one_comma_separated_string() {
        let b = read(r#"{"agentIds": [" a ", "b"], "name": "x"}"#).unwrap_or_default();
        let ids = b.agent_ids.unwrap_or_default();
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(b.fields.get("name"), Some(&Value::from("x")));
        let b = read(r#"{"agentIds": "a, b,,c"}"#).unwrap_or_default();
        let ids = b.agent_ids.unwrap_or_default();
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn a_bad_element_is_named_by_its_index_and_the_last_duplicate_wins() {
        let b = read(r#"{"agentIds": ["a", "  ", {"x": 1}]}"#).unwrap_or_default();
        assert_eq!(
            b.agent_ids,
            Err(r#"agentIds[1] must be a non-empty agent id string, not "  ""#.into())
        );
        let b = read(r#"{"agentIds": 5, "agentIds": ["z"]}"#).unwrap_or_default();
        assert_eq!(b.agent_ids.map(|i| i.len()), Ok(1));
    }

    #[test]
    fn syntax_errors_are_serdes_own_even_after_a_bad_member() {
        for text in [
            r#"{"agentIds": [1, 2"#,
            r#"{"agentIds": [1e400]}"#,
            r#"{"batchSize": 1e400}"#,
            r#"{"a": "\ud800"}"#,
            r#"[1, {"a": 2}] x"#,
        ] {
            let want = serde_json::from_str::<Value>(text)
                .map(|_| ())
                .map_err(|e| e.to_string());
            let got = serde_json::from_str::<Document>(text)
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert_eq!(got, want, "{text}");
        }
        assert_eq!(read("[1]").err().as_deref(), Some("an array"));
        assert_eq!(read("null").err().as_deref(), Some("null"));
    }
}
