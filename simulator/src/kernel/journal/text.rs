//! The journal's stored texts: names interned once ([`Names`]), and resources, request lines
//! and details kept as an interned template with their last digit runs lifted out as numbers
//! ([`Text`]), so that the paths of a plan's tasks share one template. Also how a stored text
//! is written back: as a string, through a prefix check ([`Within`]), or as JSON ([`Shown`]).

use std::sync::Arc;

use serde::{Serialize, Serializer};

/// An interned name's number.
pub(super) type Sym = u16;

/// No name (an entry without `from` or `to`), or one kept in the record's spill.
pub(super) const NO_SYM: Sym = Sym::MAX;

/// How many distinct names the journal interns: vendor and state names (few) up to this, and
/// templates of resources, request lines and details up to [`MAX_TEMPLATES`], so that a run
/// making millions of resources cannot grow the table without bound, and vendor and state names
/// always find room after it. A text that finds no room is kept as its own text.
pub(super) const MAX_NAMES: usize = NO_SYM as usize;
pub(super) const MAX_TEMPLATES: usize = 1 << 15;

/// A packed text lifts out at most this many digit runs (its last ones), each of at most
/// [`MAX_DIGITS`] digits (so its value and width fit one `u64`).
pub(super) const HOLES: usize = 2;
pub(super) const MAX_DIGITS: usize = 17;

/// Where a template had a digit run. A text holding this byte is interned as it is.
pub(super) const MARK: u8 = 0x01;

/// The interned names: each distinct string stored once.
#[derive(Debug, Default)]
pub(super) struct Names {
    pub(super) texts: Vec<Arc<str>>,
    /// Looked up for every name of every entry: FxHash, not SipHash (the names are ours).
    pub(super) index: rustc_hash::FxHashMap<Arc<str>, Sym>,
}

impl Names {
    /// `text`'s number, interned if the table has fewer than `limit` names; `None` if not.
    pub(super) fn sym(&mut self, text: &str, limit: usize) -> Option<Sym> {
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

    pub(super) fn text(&self, sym: Sym) -> &str {
        self.texts.get(usize::from(sym)).map_or("", |t| t)
    }

    /// `text` as a template (its last digit runs replaced by [`MARK`]) and the runs lifted
    /// out; its own text if the template finds no room. `scratch` is where the template is
    /// written (no allocation per entry).
    pub(super) fn pack(&mut self, text: &str, scratch: &mut String) -> Text {
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
    pub(super) fn write<W: std::fmt::Write>(&self, t: &Text, out: &mut W) -> std::fmt::Result {
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

    pub(super) fn string(&self, t: &Text) -> String {
        let mut out = String::new();
        let _ = self.write(t, &mut out);
        out
    }

    /// `t` written into `out` (cleared first), for a reader that writes many.
    pub(super) fn string_in<'a>(&self, t: &Text, out: &'a mut String) -> &'a str {
        out.clear();
        let _ = self.write(t, out);
        out
    }
}

/// A digit run lifted out of a text: its value above five bits of its width (leading zeros
/// kept: "0000123" is 123 in 7 digits).
pub(super) struct Hole;

impl Hole {
    pub(super) fn of(digits: &[u8]) -> u64 {
        let value = (digits.iter()).fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        value << 5 | digits.len() as u64
    }

    /// Writes the run back: its digits, after as many zeros as its width asks.
    pub(super) fn write<W: std::fmt::Write>(hole: u64, out: &mut W) -> std::fmt::Result {
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
pub(super) enum Text {
    Packed {
        template: Sym,
        n: u8,
        holes: [u64; HOLES],
    },
    Own(Box<str>),
}

/// A `fmt::Write` that checks, as a text is written, that it starts with `want`, and keeps
/// the byte after it.
pub(super) struct Within<'a> {
    pub(super) want: &'a [u8],
    pub(super) seen: usize,
    pub(super) next: Option<u8>,
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
pub(super) struct Shown<'a>(pub(super) &'a Names, pub(super) &'a Text);

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
