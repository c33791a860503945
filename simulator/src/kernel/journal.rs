//! The journal: every request and every state transition, with virtual and wall time, in a
//! bounded ring. Unbounded request logs are what ran WireMock out of memory (WireMock #29, #51);
//! here the oldest entries fall off and `dropped` says how many did.
//!
//! The ring is compact: a stored entry ([`Record`]) holds numbers and interned names, not text.
//! Times are kept as the virtual millisecond and the wall instant and formatted as RFC 3339 only
//! when an entry is read; vendor, resource and state names are interned ([`Names`]); a
//! request's detail is its method, path, query and status, not a JSON tree; any other detail is
//! its compact JSON text. Reading renders an [`Entry`] exactly as one was written before the
//! ring was compact, byte for byte ([`Journal::render`] writes the `GET /_sim/journal` body
//! straight to bytes). A journal file ([`Sink`]) gets every entry as a JSON line, so a long run
//! loses nothing when the ring wraps.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, Utc};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::clock::{Clock, Millis};

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// An HTTP request and the status it got.
    Request,
    /// A resource moved from one state to another.
    Transition,
    /// A fault fired (HTTP or domain).
    Fault,
    /// Something worth knowing that is neither (a scenario load, a clock step).
    Event,
}

/// One journal line as a reader sees it. Resources are named as paths ("dag/12",
/// "dag/12/node/3", "plan/p-1/batch/0") so that a reader can group a resource with its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// Virtual milliseconds since the scenario epoch.
    pub at_ms: Millis,
    /// The same instant as a date.
    pub at: String,
    /// Wall time, for people correlating with their own logs (pinned in tests).
    pub wall: String,
    pub kind: EntryKind,
    pub vendor: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Entry {
    /// Whether this entry is about `resource` or one of its children ("dag/1" covers
    /// "dag/1/node/2" but not "dag/12").
    pub fn is_within(&self, resource: &str) -> bool {
        within(&self.resource, resource)
    }
}

fn within(name: &str, resource: &str) -> bool {
    name.strip_prefix(resource)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Which entries a reader wants.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// Only entries with a sequence number greater than this.
    pub since: Option<u64>,
    /// Only this resource and its children ("dag/12" matches "dag/12/node/3").
    pub resource: Option<String>,
    pub vendor: Option<String>,
    pub kind: Option<EntryKind>,
    /// At most this many entries (the newest ones).
    pub limit: Option<usize>,
}

/// A request as the journal keeps it: what `{"method", "path", "query", "status"}` says.
#[derive(Debug, Clone, Copy)]
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub status: u16,
}

/// How many distinct names the journal interns. Vendor, state and method names are few; a
/// resource name is interned while there is room, and kept as its own text after, so that a
/// run creating millions of resources cannot grow the table without bound.
const MAX_NAMES: usize = 1 << 15;

/// A name: interned, or its own text once the table is full.
#[derive(Debug, Clone)]
enum Name {
    Sym(u32),
    Own(Box<str>),
}

/// The interned names: each distinct string stored once.
#[derive(Debug, Default)]
struct Names {
    texts: Vec<Arc<str>>,
    /// Looked up for every name of every entry: FxHash, not SipHash (the names are ours).
    index: rustc_hash::FxHashMap<Arc<str>, u32>,
}

impl Names {
    fn name(&mut self, text: &str) -> Name {
        if let Some(&sym) = self.index.get(text) {
            return Name::Sym(sym);
        }
        if self.texts.len() >= MAX_NAMES {
            return Name::Own(text.into());
        }
        let sym = self.texts.len() as u32;
        let shared: Arc<str> = text.into();
        self.texts.push(shared.clone());
        self.index.insert(shared, sym);
        Name::Sym(sym)
    }

    fn text<'a>(&'a self, name: &'a Name) -> &'a str {
        match name {
            Name::Sym(s) => self.texts.get(*s as usize).map_or("", |t| t),
            Name::Own(t) => t,
        }
    }
}

/// What a stored entry says beyond its names.
#[derive(Debug, Clone)]
enum Detail {
    Null,
    /// `{}`, what most transitions carry.
    Empty,
    Request {
        method: Name,
        path: Box<str>,
        query: Option<Box<str>>,
        status: u16,
    },
    /// Any other detail, as its compact JSON text.
    Json(Box<str>),
}

impl Detail {
    fn of(value: &Value) -> Self {
        match value {
            Value::Null => Detail::Null,
            Value::Object(m) if m.is_empty() => Detail::Empty,
            v => Detail::Json(serde_json::to_string(v).unwrap_or_default().into()),
        }
    }
}

/// One stored entry: numbers and names, formatted only when read.
#[derive(Debug, Clone)]
struct Record {
    seq: u64,
    at_ms: Millis,
    wall: DateTime<Utc>,
    kind: EntryKind,
    vendor: Name,
    resource: Name,
    from: Option<Name>,
    to: Option<Name>,
    detail: Detail,
}

/// Where every entry also goes, as one JSON line each (`serve --journal-file FILE`). Shared
/// by every world the simulator builds, so a reset or a scenario load keeps writing to it.
#[derive(Clone)]
pub struct Sink(Arc<Mutex<dyn Write + Send>>);

impl Sink {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(out)))
    }

    /// Writes one line (the caller's bytes and a newline) in one write.
    fn write(&self, line: &mut Vec<u8>) {
        line.push(b'\n');
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = out.write_all(line) {
            tracing::warn!("the journal file could not be written: {e}");
        }
    }

    /// Writes out what is buffered.
    pub fn flush(&self) {
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = out.flush() {
            tracing::warn!("the journal file could not be written: {e}");
        }
    }
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sink")
    }
}

#[derive(Debug)]
pub struct Journal {
    records: VecDeque<Record>,
    names: Names,
    /// The virtual clock's epoch, to date `at_ms` when an entry is read.
    epoch: Clock,
    capacity: usize,
    next_seq: u64,
    dropped: u64,
    sink: Option<Sink>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            records: VecDeque::with_capacity(capacity.min(4096)),
            names: Names::default(),
            epoch: Clock::new(DateTime::<FixedOffset>::default()),
            capacity: capacity.max(1),
            next_seq: 1,
            dropped: 0,
            sink: None,
        }
    }

    /// Dates entries from this clock's epoch (the world's clock; set when the core is made).
    pub(crate) fn set_epoch(&mut self, clock: &Clock) {
        self.epoch = Clock::new(clock.epoch());
    }

    /// Sends every entry to `sink` from now on, starting with those already in the ring.
    pub fn set_sink(&mut self, sink: Sink) {
        for r in &self.records {
            sink.write(&mut self.line(r));
        }
        self.sink = Some(sink);
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at_ms: Millis,
        wall: DateTime<Utc>,
        kind: EntryKind,
        vendor: &str,
        resource: &str,
        from: Option<&str>,
        to: Option<&str>,
        detail: Detail,
    ) -> u64 {
        let record = Record {
            seq: self.next_seq,
            at_ms,
            wall,
            kind,
            vendor: self.names.name(vendor),
            resource: self.names.name(resource),
            from: from.map(|s| self.names.name(s)),
            to: to.map(|s| self.names.name(s)),
            detail,
        };
        self.next_seq += 1;
        if let Some(sink) = &self.sink {
            sink.write(&mut self.line(&record));
        }
        if self.records.len() == self.capacity {
            self.records.pop_front();
            self.dropped += 1;
        }
        let seq = record.seq;
        self.records.push_back(record);
        seq
    }

    /// Appends any entry (its detail as a JSON value).
    pub(crate) fn push_value(
        &mut self,
        at_ms: Millis,
        wall: DateTime<Utc>,
        kind: EntryKind,
        names: (&str, &str, Option<&str>, Option<&str>),
        detail: &Value,
    ) -> u64 {
        let (vendor, resource, from, to) = names;
        let detail = Detail::of(detail);
        self.push(at_ms, wall, kind, vendor, resource, from, to, detail)
    }

    /// Appends a request entry: resource "request", detail method, path, query and status.
    pub(crate) fn push_request(
        &mut self,
        at_ms: Millis,
        wall: DateTime<Utc>,
        vendor: &str,
        request: RequestLine<'_>,
    ) -> u64 {
        let detail = Detail::Request {
            method: self.names.name(request.method),
            path: request.path.into(),
            query: request.query.map(Into::into),
            status: request.status,
        };
        let kind = EntryKind::Request;
        self.push(at_ms, wall, kind, vendor, "request", None, None, detail)
    }

    /// How many entries fell off the front of the ring.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Every entry in the ring, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        self.records.iter().map(|r| self.entry(r))
    }

    /// Every entry in the ring as its JSON line, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.records.iter().map(|r| self.line(r))
    }

    pub fn query(&self, q: &JournalQuery) -> Vec<Entry> {
        self.matching(q).map(|r| self.entry(r)).collect()
    }

    /// `{"dropped": N, "capacity": N, "entries": [...]}` for the entries `q` wants, written
    /// straight to bytes (the body of `GET /_sim/journal`).
    pub fn render(&self, q: &JournalQuery) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"dropped\":");
        out.extend_from_slice(self.dropped.to_string().as_bytes());
        out.extend_from_slice(b",\"capacity\":");
        out.extend_from_slice(self.capacity.to_string().as_bytes());
        out.extend_from_slice(b",\"entries\":[");
        for (i, r) in self.matching(q).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_record(&mut out, r);
        }
        out.extend_from_slice(b"]}");
        out
    }

    /// The records `q` wants, oldest first.
    fn matching<'a>(&'a self, q: &'a JournalQuery) -> impl Iterator<Item = &'a Record> + 'a {
        let names = &self.names;
        let mut matching = self.records.iter().filter(move |r| {
            q.since.is_none_or(|s| r.seq > s)
                && q.vendor
                    .as_deref()
                    .is_none_or(|v| names.text(&r.vendor) == v)
                && q.kind.is_none_or(|k| r.kind == k)
                && q.resource
                    .as_deref()
                    .is_none_or(|res| within(names.text(&r.resource), res))
        });
        let skip = match q.limit {
            Some(limit) => {
                let total = matching.clone().count();
                total.saturating_sub(limit)
            }
            None => 0,
        };
        if skip > 0 {
            matching.nth(skip - 1);
        }
        matching
    }

    fn line(&self, r: &Record) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_record(&mut out, r);
        out
    }

    fn write_record(&self, out: &mut Vec<u8>, r: &Record) {
        let view = View {
            journal: self,
            record: r,
        };
        // Writing to a Vec fails only if a serializer does, and none of these can.
        let _ = serde_json::to_writer(out, &view);
    }

    fn entry(&self, r: &Record) -> Entry {
        let text = |n: &Name| self.names.text(n).to_string();
        let detail = match &r.detail {
            Detail::Null => Value::Null,
            Detail::Empty => Value::Object(Default::default()),
            Detail::Json(t) => serde_json::from_str(t).unwrap_or(Value::Null),
            d @ Detail::Request { .. } => serde_json::to_value(DetailView {
                journal: self,
                detail: d,
            })
            .unwrap_or_default(),
        };
        Entry {
            seq: r.seq,
            at_ms: r.at_ms,
            at: self.at(r),
            wall: r.wall.to_rfc3339(),
            kind: r.kind,
            vendor: text(&r.vendor),
            resource: text(&r.resource),
            from: r.from.as_ref().map(text),
            to: r.to.as_ref().map(text),
            detail,
        }
    }

    fn at(&self, r: &Record) -> String {
        self.epoch.datetime_at(r.at_ms).to_rfc3339()
    }
}

/// A stored entry serialized as its [`Entry`] would be: the same fields in the same order.
struct View<'a> {
    journal: &'a Journal,
    record: &'a Record,
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (j, r) = (self.journal, self.record);
        let n = 7 + usize::from(r.from.is_some()) + usize::from(r.to.is_some());
        let n = n + usize::from(!matches!(r.detail, Detail::Null));
        let mut st = s.serialize_struct("Entry", n)?;
        st.serialize_field("seq", &r.seq)?;
        st.serialize_field("at_ms", &r.at_ms)?;
        st.serialize_field("at", &j.at(r))?;
        st.serialize_field("wall", &r.wall.to_rfc3339())?;
        st.serialize_field("kind", &r.kind)?;
        st.serialize_field("vendor", j.names.text(&r.vendor))?;
        st.serialize_field("resource", j.names.text(&r.resource))?;
        if let Some(from) = &r.from {
            st.serialize_field("from", j.names.text(from))?;
        }
        if let Some(to) = &r.to {
            st.serialize_field("to", j.names.text(to))?;
        }
        if !matches!(r.detail, Detail::Null) {
            st.serialize_field(
                "detail",
                &DetailView {
                    journal: j,
                    detail: &r.detail,
                },
            )?;
        }
        st.end()
    }
}

struct DetailView<'a> {
    journal: &'a Journal,
    detail: &'a Detail,
}

impl Serialize for DetailView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.detail {
            Detail::Null => s.serialize_unit(),
            Detail::Empty => s.serialize_map(Some(0))?.end(),
            Detail::Json(text) => match serde_json::from_str::<&RawValue>(text) {
                Ok(raw) => raw.serialize(s),
                Err(_) => s.serialize_unit(),
            },
            Detail::Request {
                method,
                path,
                query,
                status,
            } => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("method", self.journal.names.text(method))?;
                m.serialize_entry("path", path)?;
                m.serialize_entry("query", query)?;
                m.serialize_entry("status", status)?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(j: &mut Journal, resource: &str) {
        j.push_value(
            0,
            DateTime::default(),
            EntryKind::Event,
            ("test", resource, None, None),
            &Value::Null,
        );
    }

    #[test]
    fn the_ring_keeps_the_newest_entries_and_counts_what_it_dropped() {
        let mut j = Journal::new(3);
        for i in 0..5 {
            push(&mut j, &format!("r/{i}"));
        }
        assert_eq!(j.len(), 3);
        assert_eq!(j.dropped(), 2);
        let seqs: Vec<u64> = j.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![3, 4, 5]);
    }

    #[test]
    fn a_resource_filter_matches_children_but_not_lookalikes() {
        let mut j = Journal::new(10);
        push(&mut j, "dag/1");
        push(&mut j, "dag/1/node/2");
        push(&mut j, "dag/12");
        let q = JournalQuery {
            resource: Some("dag/1".into()),
            ..Default::default()
        };
        let got: Vec<String> = j.query(&q).into_iter().map(|e| e.resource).collect();
        assert_eq!(got, vec!["dag/1", "dag/1/node/2"]);
    }

    #[test]
    fn a_limit_keeps_the_newest_matching_entries() {
        let mut j = Journal::new(10);
        for i in 0..6 {
            push(&mut j, &format!("r/{i}"));
        }
        let q = JournalQuery {
            limit: Some(2),
            ..Default::default()
        };
        let got: Vec<u64> = j.query(&q).into_iter().map(|e| e.seq).collect();
        assert_eq!(got, vec![5, 6]);
    }

    #[test]
    fn a_rendered_entry_is_the_json_of_the_entry_it_reads_as() {
        let mut j = Journal::new(10);
        let wall = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap_or_default();
        let detail = serde_json::json!({"b": 1.5, "a": [1, "x"], "nested": {"z": null}});
        j.push_value(
            5,
            wall,
            EntryKind::Transition,
            ("v", "dag/1", Some("pending"), Some("running")),
            &detail,
        );
        j.push_request(
            7,
            wall,
            "v",
            RequestLine {
                method: "GET",
                path: "/x",
                query: Some("a=1"),
                status: 200,
            },
        );
        push(&mut j, "r");
        let entries = j.query(&JournalQuery::default());
        let lines: Vec<Vec<u8>> = j.lines().collect();
        for (e, line) in entries.iter().zip(&lines) {
            assert_eq!(serde_json::to_vec(e).unwrap_or_default(), *line);
        }
        let body = serde_json::json!({"dropped": 0, "capacity": 10, "entries": entries});
        assert_eq!(
            serde_json::to_vec(&body).unwrap_or_default(),
            j.render(&JournalQuery::default())
        );
    }

    #[test]
    fn a_full_name_table_keeps_further_names_as_their_own_text() {
        let mut j = Journal::new(4);
        for i in 0..MAX_NAMES + 10 {
            push(&mut j, &format!("r/{i}"));
        }
        let last: Vec<String> = j.iter().map(|e| e.resource).collect();
        let want: Vec<String> = (MAX_NAMES + 6..MAX_NAMES + 10)
            .map(|i| format!("r/{i}"))
            .collect();
        assert_eq!(last, want);
        assert_eq!(j.names.texts.len(), MAX_NAMES);
    }

    /// A `Write` whose bytes a test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_journal_file_gets_every_entry_even_those_the_ring_dropped() {
        let mut j = Journal::new(2);
        push(&mut j, "before/1");
        let out = Shared::default();
        j.set_sink(Sink::new(out.clone()));
        for i in 0..4 {
            push(&mut j, &format!("after/{i}"));
        }
        let text = String::from_utf8(out.0.lock().map(|b| b.clone()).unwrap_or_default());
        let text = text.unwrap_or_default();
        let resources: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Entry>(l)
                    .map(|e| e.resource)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            resources,
            ["before/1", "after/0", "after/1", "after/2", "after/3"]
        );
        let kept: Vec<String> = j
            .lines()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .collect();
        assert_eq!(kept, text.lines().skip(3).collect::<Vec<_>>());
    }
}
