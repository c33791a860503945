//! A stored record serialized as the [`Entry`](super::Entry) it stands for: the same fields in
//! the same order, byte for byte what serde writes for the entry itself.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::text::Shown;
use super::{Journal, Record, Shape};

/// A stored entry serialized as its [`Entry`] would be: the same fields in the same order.
pub(super) struct View<'a> {
    pub(super) journal: &'a Journal,
    pub(super) seq: u64,
    pub(super) record: &'a Record,
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (j, r) = (self.journal, self.record);
        let (from, to) = (j.from(r), j.to(r));
        let n = 7 + usize::from(from.is_some()) + usize::from(to.is_some());
        let n = n + usize::from(r.shape != Shape::Null);
        let mut st = s.serialize_struct("Entry", n)?;
        st.serialize_field("seq", &self.seq)?;
        st.serialize_field("at_ms", &r.at_ms)?;
        st.serialize_field("at", &j.at(r))?;
        st.serialize_field("wall", &r.wall.to_rfc3339())?;
        st.serialize_field("kind", &r.kind)?;
        st.serialize_field("vendor", j.vendor(r))?;
        match r.shape {
            Shape::Request { .. } => st.serialize_field("resource", "request")?,
            _ => {
                let mut text = j.reading.borrow_mut();
                st.serialize_field("resource", j.names.string_in(&r.resource, &mut text))?
            }
        }
        if let Some(from) = from {
            st.serialize_field("from", from)?;
        }
        if let Some(to) = to {
            st.serialize_field("to", to)?;
        }
        if r.shape != Shape::Null {
            st.serialize_field(
                "detail",
                &DetailView {
                    journal: j,
                    record: r,
                },
            )?;
        }
        st.end()
    }
}

pub(super) struct DetailView<'a> {
    pub(super) journal: &'a Journal,
    pub(super) record: &'a Record,
}

impl Serialize for DetailView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (names, r) = (&self.journal.names, self.record);
        match r.shape {
            Shape::Null => s.serialize_unit(),
            Shape::Empty => s.serialize_map(Some(0))?.end(),
            Shape::Json => {
                let mut text = self.journal.reading.borrow_mut();
                match serde_json::from_str::<&RawValue>(names.string_in(&r.detail, &mut text)) {
                    Ok(raw) => raw.serialize(s),
                    Err(_) => s.serialize_unit(),
                }
            }
            Shape::Request { with_query } => {
                let mut line = self.journal.reading.borrow_mut();
                let line = names.string_in(&r.resource, &mut line);
                let (method, path) = line.split_once(' ').unwrap_or(("", line));
                let query = with_query.then_some(Shown(names, &r.detail));
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("method", method)?;
                m.serialize_entry("path", path)?;
                m.serialize_entry("query", &query)?;
                m.serialize_entry("status", &r.to)?;
                m.end()
            }
        }
    }
}
