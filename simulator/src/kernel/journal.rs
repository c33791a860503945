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

/// An interned name's number.
type Sym = u16;

/// No name (an entry without `from` or `to`), or one kept in the record's spill.
const NO_SYM: Sym = Sym::MAX;

/// How many distinct names the journal interns: vendor and state names (few) up to this, and
/// templates of resources, request lines and details up to [`MAX_TEMPLATES`], so that a run
/// making millions of resources cannot grow the table without bound, and vendor and state names
/// always find room after it. A text that finds no room is kept as its own text.
const MAX_NAMES: usize = NO_SYM as usize;
const MAX_TEMPLATES: usize = 1 << 15;

/// A packed text lifts out at most this many digit runs (its last ones), each of at most
/// [`MAX_DIGITS`] digits (so its value and width fit one `u64`).
const HOLES: usize = 2;
const MAX_DIGITS: usize = 17;

/// Where a template had a digit run. A text holding this byte is interned as it is.
const MARK: u8 = 0x01;

/// The interned names: each distinct string stored once.
#[derive(Debug, Default)]
struct Names {
    texts: Vec<Arc<str>>,
    /// Looked up for every name of every entry: FxHash, not SipHash (the names are ours).
    index: rustc_hash::FxHashMap<Arc<str>, Sym>,
}

impl Names {
    /// `text`'s number, interned if the table has fewer than `limit` names; `None` if not.
    fn sym(&mut self, text: &str, limit: usize) -> Option<Sym> {
        if let Some(&sym) = self.index.get(text) {
            return Some(sym);
        }
        if self.texts.len() >= limit.min(MAX_NAMES) {
            return None;
        }
        let sym = self.texts.len() as Sym;
        let shared: Arc<str> = text.into();
        self.texts.push(shared.clone());
        self.index.insert(shared, sym);
        Some(sym)
    }

    fn text(&self, sym: Sym) -> &str {
        self.texts.get(usize::from(sym)).map_or("", |t| t)
    }

    /// `text` as a template (its last digit runs replaced by [`MARK`]) and the runs lifted
    /// out; its own text if the template finds no room. `scratch` is where the template is
    /// written (no allocation per entry).
    fn pack(&mut self, text: &str, scratch: &mut String) -> Text {
        let bytes = text.as_bytes();
        // The last HOLES digit runs short enough to lift out, last first.
        let mut runs = [(0, 0); HOLES];
        let mut n = 0;
        if !bytes.contains(&MARK) {
            let mut i = bytes.len();
            while i > 0 && n < HOLES {
                if !bytes[i - 1].is_ascii_digit() {
                    i -= 1;
                    continue;
                }
                let end = i;
                while i > 0 && bytes[i - 1].is_ascii_digit() {
                    i -= 1;
                }
                if end - i <= MAX_DIGITS {
                    runs[n] = (i, end);
                    n += 1;
                }
            }
        }
        scratch.clear();
        let mut holes = [0; HOLES];
        let mut at = 0;
        for (k, &(start, end)) in runs[..n].iter().rev().enumerate() {
            scratch.push_str(&text[at..start]);
            scratch.push(char::from(MARK));
            holes[k] = Hole::of(&bytes[start..end]);
            at = end;
        }
        scratch.push_str(&text[at..]);
        match self.sym(scratch, MAX_TEMPLATES) {
            Some(template) => Text::Packed {
                template,
                n: n as u8,
                holes,
            },
            None => Text::Own(text.into()),
        }
    }

    /// Writes `t` back as the text it was packed from.
    fn write<W: std::fmt::Write>(&self, t: &Text, out: &mut W) -> std::fmt::Result {
        let (template, n, holes) = match t {
            Text::Own(text) => return out.write_str(text),
            Text::Packed { template, n, holes } => (self.text(*template), *n, holes),
        };
        if n == 0 {
            return out.write_str(template);
        }
        for (k, piece) in template.split(char::from(MARK)).enumerate() {
            if let Some(hole) = k.checked_sub(1).and_then(|k| holes.get(k)) {
                Hole::write(*hole, out)?;
            }
            out.write_str(piece)?;
        }
        Ok(())
    }

    fn string(&self, t: &Text) -> String {
        let mut out = String::new();
        let _ = self.write(t, &mut out);
        out
    }

    /// `t` written into `out` (cleared first), for a reader that writes many.
    fn string_in<'a>(&self, t: &Text, out: &'a mut String) -> &'a str {
        out.clear();
        let _ = self.write(t, out);
        out
    }
}

/// A digit run lifted out of a text: its value above five bits of its width (leading zeros
/// kept: "0000123" is 123 in 7 digits).
struct Hole;

impl Hole {
    fn of(digits: &[u8]) -> u64 {
        let value = (digits.iter()).fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        value << 5 | digits.len() as u64
    }

    /// Writes the run back: its digits, after as many zeros as its width asks.
    fn write<W: std::fmt::Write>(hole: u64, out: &mut W) -> std::fmt::Result {
        let (mut value, width) = (hole >> 5, (hole & 31) as usize);
        let mut digits = [b'0'; MAX_DIGITS + 3];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        let start = at.min(digits.len().saturating_sub(width));
        out.write_str(std::str::from_utf8(&digits[start..]).unwrap_or_default())
    }
}

/// A stored text: an interned template and the digit runs lifted out of it (a task's path
/// "plan/p-1/batch/7/task/agent-0000123" is "plan/p-1/batch/\x01/task/agent-\x01", 7 and
/// 0000123: one template for every task of the plan), or, once the table is full, its own text.
#[derive(Debug, Clone)]
enum Text {
    Packed {
        template: Sym,
        n: u8,
        holes: [u64; HOLES],
    },
    Own(Box<str>),
}

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

/// A `fmt::Write` that checks, as a text is written, that it starts with `want`, and keeps
/// the byte after it.
struct Within<'a> {
    want: &'a [u8],
    seen: usize,
    next: Option<u8>,
}

impl std::fmt::Write for Within<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for &b in s.as_bytes() {
            if self.seen < self.want.len() {
                if self.want[self.seen] != b {
                    return Err(std::fmt::Error);
                }
                self.seen += 1;
            } else {
                self.next.get_or_insert(b);
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A stored text, written as a JSON string.
struct Shown<'a>(&'a Names, &'a Text);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.write(self.1, f)
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A stored entry serialized as its [`Entry`] would be: the same fields in the same order.
struct View<'a> {
    journal: &'a Journal,
    seq: u64,
    record: &'a Record,
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

struct DetailView<'a> {
    journal: &'a Journal,
    record: &'a Record,
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

    /// `n` written in letters only (no digit run to lift out): 0 "a", 25 "z", 26 "ba".
    fn letters(mut n: usize) -> String {
        let mut out = vec![b'a' + (n % 26) as u8];
        while n >= 26 {
            n /= 26;
            out.push(b'a' + (n % 26) as u8);
        }
        out.reverse();
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn a_full_name_table_keeps_further_names_as_their_own_text() {
        let mut j = Journal::new(4);
        for i in 0..MAX_TEMPLATES + 10 {
            push(&mut j, &format!("r/{}", letters(i)));
        }
        let last: Vec<String> = j.iter().map(|e| e.resource).collect();
        let want: Vec<String> = (MAX_TEMPLATES + 6..MAX_TEMPLATES + 10)
            .map(|i| format!("r/{}", letters(i)))
            .collect();
        assert_eq!(last, want);
        assert_eq!(j.names.texts.len(), MAX_TEMPLATES);
    }

    #[test]
    fn names_past_a_full_table_are_kept_and_read_back() {
        let mut j = Journal::new(2);
        for i in 0..MAX_NAMES {
            let name = letters(i);
            j.push_value(
                0,
                DateTime::default(),
                EntryKind::Event,
                (&name, "r", None, None),
                &Value::Null,
            );
        }
        assert_eq!(j.names.texts.len(), MAX_NAMES);
        let names = ("late-vendor", "x/late", Some("late-from"), Some("late-to"));
        j.push_value(
            3,
            DateTime::default(),
            EntryKind::Transition,
            names,
            &serde_json::json!({"k": 1}),
        );
        j.push_request(
            4,
            DateTime::default(),
            "late-vendor",
            RequestLine {
                method: "PATCH",
                path: "/late/9",
                query: None,
                status: 204,
            },
        );
        let got: Vec<Entry> = j.iter().collect();
        assert_eq!(got[0].vendor, "late-vendor");
        assert_eq!(got[0].resource, "x/late");
        assert_eq!(
            (got[0].from.as_deref(), got[0].to.as_deref()),
            (Some("late-from"), Some("late-to"))
        );
        assert_eq!(got[1].vendor, "late-vendor");
        assert_eq!((got[1].from.as_deref(), got[1].to.as_deref()), (None, None));
        let want =
            serde_json::json!({"method": "PATCH", "path": "/late/9", "query": null, "status": 204});
        assert_eq!(got[1].detail, want);
        for (e, line) in got.iter().zip(j.lines()) {
            assert_eq!(serde_json::to_vec(e).unwrap_or_default(), line);
        }
    }

    #[test]
    fn packed_texts_read_back_exactly() {
        let texts = [
            "",
            "0",
            "007",
            "plan/plan-6f1e9a2b-4c3d/batch/17/task/agent-0000123",
            "a1b22c333d4444",
            "n/123456789012345678901234567890/x/12345678901234567",
            "with\u{1}mark/12",
            "caf\u{e9}/42/\u{1f600}/7",
            "99999999999999999/00000000000000000",
        ];
        let mut j = Journal::new(64);
        for t in texts {
            let detail = serde_json::json!({"text": t, "n": 12, "f": 0.25, "neg": -3});
            j.push_value(
                1,
                DateTime::default(),
                EntryKind::Event,
                ("v", t, None, None),
                &detail,
            );
            let line = RequestLine {
                method: "GET",
                path: t,
                query: Some(t),
                status: 200,
            };
            j.push_request(2, DateTime::default(), "v", line);
        }
        let entries: Vec<Entry> = j.iter().collect();
        for (k, t) in texts.iter().enumerate() {
            let (event, request) = (&entries[2 * k], &entries[2 * k + 1]);
            assert_eq!(event.resource, *t);
            let detail = serde_json::json!({"text": t, "n": 12, "f": 0.25, "neg": -3});
            assert_eq!(event.detail, detail);
            assert_eq!(request.detail["path"], *t);
            assert_eq!(request.detail["query"], *t);
        }
        for (e, line) in entries.iter().zip(j.lines()) {
            assert_eq!(serde_json::to_vec(e).unwrap_or_default(), line);
        }
    }

    #[test]
    fn the_tasks_of_a_plan_share_one_template() {
        let mut j = Journal::new(10_000);
        for agent in 0..5_000 {
            let resource = format!("plan/plan-abc/batch/{}/task/agent-{agent:07}", agent / 1000);
            let detail = serde_json::json!({"durationMs": 30_000 + agent * 7});
            j.push_value(
                0,
                DateTime::default(),
                EntryKind::Transition,
                ("ota", &resource, Some("pending"), Some("running")),
                &detail,
            );
        }
        // "ota", the two states, one template for every task path and one for the details.
        assert_eq!(j.names.texts.len(), 3 + 1 + 1);
        let last = j.iter().last().map(|e| (e.resource, e.detail));
        let want = (
            "plan/plan-abc/batch/4/task/agent-0004999".to_string(),
            serde_json::json!({"durationMs": 64_993}),
        );
        assert_eq!(last, Some(want));
    }

    #[test]
    fn a_resource_filter_reads_packed_names() {
        let mut j = Journal::new(10);
        push(&mut j, "dag/1/node/2");
        push(&mut j, "dag/12/node/2");
        push(&mut j, "dag/1");
        j.push_request(
            0,
            DateTime::default(),
            "v",
            RequestLine {
                method: "GET",
                path: "/dag/1",
                query: None,
                status: 200,
            },
        );
        let resources = |res: &str| -> Vec<String> {
            let q = JournalQuery {
                resource: Some(res.into()),
                ..Default::default()
            };
            j.query(&q).into_iter().map(|e| e.resource).collect()
        };
        assert_eq!(resources("dag/1"), ["dag/1/node/2", "dag/1"]);
        assert_eq!(resources("dag/12/node"), ["dag/12/node/2"]);
        assert_eq!(resources("request"), ["request"]);
        assert!(resources("dag/1/node/23").is_empty());
    }

    #[test]
    fn since_counts_from_the_oldest_entry_kept() {
        let mut j = Journal::new(3);
        for i in 0..6 {
            push(&mut j, &format!("r/{i}"));
        }
        let since = |s: u64| -> Vec<u64> {
            let q = JournalQuery {
                since: Some(s),
                ..Default::default()
            };
            j.query(&q).into_iter().map(|e| e.seq).collect()
        };
        assert_eq!(since(0), [4, 5, 6]);
        assert_eq!(since(4), [5, 6]);
        assert!(since(6).is_empty());
        assert!(since(u64::MAX).is_empty());
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
