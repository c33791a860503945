//! The journal: every request and every state transition, with virtual and wall time, in a
//! bounded ring. Unbounded request logs are what ran WireMock out of memory (WireMock #29, #51);
//! here the oldest entries fall off and `dropped` says how many did.
//!
//! The ring is compact: a stored entry ([`Record`], 88 bytes, nothing on the heap for most
//! entries) holds numbers and interned names, not text. Its sequence number is its place in
//! the ring. Times are kept as the virtual millisecond and the wall instant and formatted as
//! RFC 3339 only when an entry is read; vendor and state names are interned ([`Names`]); a
//! resource, a request's method and path, its query and a detail's compact JSON text are each
//! an interned template with their last digit runs lifted out as numbers ([`Text`]), so the
//! task paths of a plan, "plan/p-1/batch/7/task/agent-0000123", share one template and
//! `{"durationMs":61234}` shares one with every other start. Reading renders an [`Entry`]
//! exactly as one was written before the ring was compact, byte for byte ([`Journal::render`]
//! writes the `GET /_sim/journal` body straight to bytes). A journal file ([`Sink`]) gets every
//! entry as a JSON line, so a long run loses nothing when the ring wraps. The ring is reserved
//! up front (up to [`RESERVED`] entries): its pages are touched only as it fills, and it is
//! never copied while it grows.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
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

#[cfg(test)]
mod tests;
mod text;
mod view;

use text::{Names, Sym, Text, Within, MAX_NAMES, NO_SYM};
use view::{DetailView, View};

/// What a record's `detail` text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Null,
    /// `{}`, what most transitions carry.
    Empty,
    /// Any other detail, its compact JSON text.
    Json,
    /// A request: the resource text is "METHOD path", the detail text its query if it had
    /// one (with_query), and `to` its status.
    Request {
        with_query: bool,
    },
}

/// Names that found no room in the table (never in practice): a vendor, from and to.
type Spill = [Option<Box<str>>; 3];

/// One stored entry: numbers and interned names, formatted only when read. Its sequence
/// number is its place in the ring (the ring's entries are numbered one after another).
#[derive(Debug, Clone)]
struct Record {
    at_ms: Millis,
    wall: DateTime<Utc>,
    vendor: Sym,
    /// A transition's states ([`NO_SYM`]: none); a request's method is in its resource text
    /// and its status in `to`.
    from: Sym,
    to: Sym,
    kind: EntryKind,
    shape: Shape,
    resource: Text,
    detail: Text,
    spill: Option<Box<Spill>>,
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

/// The largest ring reserved up front (a larger one grows as it fills). Reserved pages are
/// touched only as entries are written, so an empty ring costs address space, not memory,
/// and a full one was never copied while it grew.
const RESERVED: usize = 1 << 20;

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
    /// Where a detail's JSON and a template are written before they are packed.
    scratch: (Vec<u8>, String),
    /// Where a stored text is written back while entries are read (one field at a time).
    reading: RefCell<String>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            records: VecDeque::with_capacity(capacity.min(RESERVED)),
            names: Names::default(),
            epoch: Clock::new(DateTime::<FixedOffset>::default()),
            capacity,
            next_seq: 1,
            dropped: 0,
            sink: None,
            scratch: Default::default(),
            reading: RefCell::default(),
        }
    }

    /// Dates entries from this clock's epoch (the world's clock; set when the core is made).
    pub(crate) fn set_epoch(&mut self, clock: &Clock) {
        self.epoch = Clock::new(clock.epoch());
    }

    /// Sends every entry to `sink` from now on, starting with those already in the ring.
    pub fn set_sink(&mut self, sink: Sink) {
        for (seq, r) in self.numbered() {
            sink.write(&mut self.line(seq, r));
        }
        self.sink = Some(sink);
    }

    /// A short name's number, or [`NO_SYM`] with the name in `spill[slot]`.
    fn short_name(&mut self, name: &str, spill: &mut Option<Box<Spill>>, slot: usize) -> Sym {
        match self.names.sym(name, MAX_NAMES) {
            Some(sym) => sym,
            None => {
                spill.get_or_insert_with(Box::default)[slot] = Some(name.into());
                NO_SYM
            }
        }
    }

    fn pack(&mut self, text: &str) -> Text {
        self.names.pack(text, &mut self.scratch.1)
    }

    /// Appends a record: numbers its entry, writes it to the sink, drops the oldest if full.
    fn push(&mut self, record: Record) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Some(sink) = &self.sink {
            sink.write(&mut self.line(seq, &record));
        }
        if self.records.len() == self.capacity {
            self.records.pop_front();
            self.dropped += 1;
        }
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
        let mut spill = None;
        let vendor = self.short_name(vendor, &mut spill, 0);
        let from = from.map_or(NO_SYM, |n| self.short_name(n, &mut spill, 1));
        let to = to.map_or(NO_SYM, |n| self.short_name(n, &mut spill, 2));
        let (shape, detail) = match detail {
            Value::Null => (Shape::Null, Text::Own(Box::default())),
            Value::Object(m) if m.is_empty() => (Shape::Empty, Text::Own(Box::default())),
            v => {
                let mut json = std::mem::take(&mut self.scratch.0);
                json.clear();
                // Writing a Value to a Vec cannot fail, and its text is UTF-8.
                let _ = serde_json::to_writer(&mut json, v);
                let text = self.pack(std::str::from_utf8(&json).unwrap_or("null"));
                self.scratch.0 = json;
                (Shape::Json, text)
            }
        };
        let record = Record {
            at_ms,
            wall,
            vendor,
            from,
            to,
            kind,
            shape,
            resource: self.pack(resource),
            detail,
            spill,
        };
        self.push(record)
    }

    /// Appends a request entry: resource "request", detail method, path, query and status.
    pub(crate) fn push_request(
        &mut self,
        at_ms: Millis,
        wall: DateTime<Utc>,
        vendor: &str,
        request: RequestLine<'_>,
    ) -> u64 {
        let mut spill = None;
        let vendor = self.short_name(vendor, &mut spill, 0);
        // A method is a token (no space), so the first space ends it when the line is read.
        let mut line = std::mem::take(&mut self.scratch.0);
        line.clear();
        line.extend_from_slice(request.method.as_bytes());
        line.push(b' ');
        line.extend_from_slice(request.path.as_bytes());
        let resource = self.pack(std::str::from_utf8(&line).unwrap_or_default());
        self.scratch.0 = line;
        let detail = match request.query {
            Some(q) => self.pack(q),
            None => Text::Own(Box::default()),
        };
        let record = Record {
            at_ms,
            wall,
            vendor,
            from: NO_SYM,
            to: request.status,
            kind: EntryKind::Request,
            shape: Shape::Request {
                with_query: request.query.is_some(),
            },
            resource,
            detail,
            spill,
        };
        self.push(record)
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

    /// The ring's records with their sequence numbers, oldest first.
    fn numbered(&self) -> impl Iterator<Item = (u64, &Record)> + Clone + '_ {
        let first = self.next_seq - self.records.len() as u64;
        (first..).zip(self.records.iter())
    }

    /// Every entry in the ring, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        self.numbered().map(|(seq, r)| self.entry(seq, r))
    }

    /// Every entry in the ring as its JSON line, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.numbered().map(|(seq, r)| self.line(seq, r))
    }

    pub fn query(&self, q: &JournalQuery) -> Vec<Entry> {
        self.matching(q)
            .map(|(seq, r)| self.entry(seq, r))
            .collect()
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
        for (i, (seq, r)) in self.matching(q).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_record(&mut out, seq, r);
        }
        out.extend_from_slice(b"]}");
        out
    }

    /// The records `q` wants, oldest first.
    fn matching<'a>(&'a self, q: &'a JournalQuery) -> impl Iterator<Item = (u64, &'a Record)> + 'a {
        // Sequence numbers are the records' places: `since` skips straight to its place.
        let first = self.next_seq - self.records.len() as u64;
        let skip = q
            .since
            .map_or(0, |s| s.saturating_add(1).saturating_sub(first));
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        let mut matching = self.numbered().skip(skip).filter(move |(_, r)| {
            q.vendor.as_deref().is_none_or(|v| self.vendor(r) == v)
                && q.kind.is_none_or(|k| r.kind == k)
                && q.resource
                    .as_deref()
                    .is_none_or(|res| self.resource_within(r, res))
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

    fn vendor<'a>(&'a self, r: &'a Record) -> &'a str {
        self.short(r, r.vendor, 0).unwrap_or_default()
    }

    /// A short name of `r` (slot 0 its vendor, 1 from, 2 to), `None` if it has none.
    fn short<'a>(&'a self, r: &'a Record, sym: Sym, slot: usize) -> Option<&'a str> {
        if sym != NO_SYM {
            return Some(self.names.text(sym));
        }
        r.spill.as_ref().and_then(|s| s[slot].as_deref())
    }

    fn from<'a>(&'a self, r: &'a Record) -> Option<&'a str> {
        match r.shape {
            Shape::Request { .. } => None,
            _ => self.short(r, r.from, 1),
        }
    }

    fn to<'a>(&'a self, r: &'a Record) -> Option<&'a str> {
        match r.shape {
            Shape::Request { .. } => None,
            _ => self.short(r, r.to, 2),
        }
    }

    /// Whether `r`'s resource is `resource` or one of its children, without writing it out.
    fn resource_within(&self, r: &Record, resource: &str) -> bool {
        if matches!(r.shape, Shape::Request { .. }) {
            return within("request", resource);
        }
        let mut check = Within {
            want: resource.as_bytes(),
            seen: 0,
            next: None,
        };
        self.names.write(&r.resource, &mut check).is_ok()
            && check.seen == resource.len()
            && check.next.is_none_or(|b| b == b'/')
    }

    fn line(&self, seq: u64, r: &Record) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_record(&mut out, seq, r);
        out
    }

    fn write_record(&self, out: &mut Vec<u8>, seq: u64, r: &Record) {
        let view = View {
            journal: self,
            seq,
            record: r,
        };
        // Writing to a Vec fails only if a serializer does, and none of these can.
        let _ = serde_json::to_writer(out, &view);
    }

    fn entry(&self, seq: u64, r: &Record) -> Entry {
        let detail = match r.shape {
            Shape::Null => Value::Null,
            Shape::Empty => Value::Object(Default::default()),
            Shape::Json => serde_json::from_str(&self.names.string(&r.detail)).unwrap_or_default(),
            Shape::Request { .. } => serde_json::to_value(DetailView {
                journal: self,
                record: r,
            })
            .unwrap_or_default(),
        };
        Entry {
            seq,
            at_ms: r.at_ms,
            at: self.at(r),
            wall: r.wall.to_rfc3339(),
            kind: r.kind,
            vendor: self.vendor(r).to_string(),
            resource: self.resource(r),
            from: self.from(r).map(str::to_string),
            to: self.to(r).map(str::to_string),
            detail,
        }
    }

    fn resource(&self, r: &Record) -> String {
        match r.shape {
            Shape::Request { .. } => "request".to_string(),
            _ => self.names.string(&r.resource),
        }
    }

    fn at(&self, r: &Record) -> String {
        self.epoch.datetime_at(r.at_ms).to_rfc3339()
    }
}
