//! Reading a journal in any of the shapes the simulator writes it: the JSON of
//! `GET /_sim/journal` (`{"dropped":…, "entries":[…]}`), a bare JSON array of entries, or the
//! JSON lines of `upgrade-sim rehearse FILE --journal` (its other lines are skipped).

use serde::Deserialize;
use serde_json::Value;

use crate::kernel::Entry;

/// A journal, ready to draw.
#[derive(Debug, Clone, Default)]
pub struct JournalDoc {
    /// Entries in time order (then sequence order).
    pub entries: Vec<Entry>,
    /// How many older entries the simulator's ring dropped before this was read.
    pub dropped: u64,
    /// The scenario's name, from the journal's "scenario" event or the simulator's health.
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    /// Where it came from (a file name or a URL), for the page header.
    pub source: String,
}

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{source_name}: line {line}: not a journal entry: {message}")]
    Line {
        source_name: String,
        line: usize,
        message: String,
    },
    #[error("{source_name}: not a journal: {message}")]
    Shape {
        source_name: String,
        message: String,
    },
    #[error(
        "{source_name}: no journal entries; give the JSON of GET /_sim/journal, a JSON array \
         of entries, or the output of `upgrade-sim rehearse FILE --journal`"
    )]
    Empty { source_name: String },
}

#[derive(Deserialize)]
struct AdminJournal {
    #[serde(default)]
    dropped: u64,
    entries: Vec<Entry>,
}

/// Parses `text` (read from `source`) in whichever journal shape it is.
pub fn parse(text: &str, source: &str) -> Result<JournalDoc, InputError> {
    let trimmed = text.trim_start();
    let shape = |message: String| InputError::Shape {
        source_name: source.to_string(),
        message,
    };
    let (entries, dropped) = if trimmed.starts_with('[') {
        let entries: Vec<Entry> =
            serde_json::from_str(trimmed).map_err(|e| shape(e.to_string()))?;
        (entries, 0)
    } else {
        match serde_json::from_str::<Value>(trimmed) {
            // One JSON document holding "entries": the admin API's answer.
            Ok(v) if v.get("entries").is_some() => {
                let j: AdminJournal =
                    serde_json::from_value(v).map_err(|e| shape(e.to_string()))?;
                (j.entries, j.dropped)
            }
            _ => (json_lines(text, source)?, 0),
        }
    };
    if entries.is_empty() {
        return Err(InputError::Empty {
            source_name: source.to_string(),
        });
    }
    Ok(JournalDoc::new(entries, dropped, source))
}

/// One entry per line; lines that are not JSON objects (rehearse's own messages) are skipped.
fn json_lines(text: &str, source: &str) -> Result<Vec<Entry>, InputError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('{') {
            continue;
        }
        let entry: Entry = serde_json::from_str(line).map_err(|e| InputError::Line {
            source_name: source.to_string(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(entry);
    }
    Ok(out)
}

impl JournalDoc {
    /// Orders the entries and picks the scenario's name and seed out of its "scenario" event.
    pub fn new(mut entries: Vec<Entry>, dropped: u64, source: &str) -> Self {
        entries.sort_by_key(|e| (e.at_ms, e.seq));
        let loaded = entries.iter().rev().find(|e| {
            e.vendor == "sim" && e.resource == "scenario" && e.detail.get("loaded").is_some()
        });
        let scenario = loaded
            .and_then(|e| e.detail.get("loaded"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let seed = loaded
            .and_then(|e| e.detail.get("seed"))
            .and_then(Value::as_u64);
        Self {
            entries,
            dropped,
            scenario,
            seed,
            source: source.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"seq":1,"at_ms":0,"at":"2026-01-01T00:00:00+00:00","wall":"2026-01-01T00:00:00+00:00","kind":"event","vendor":"sim","resource":"scenario","detail":{"loaded":"demo","seed":7}}"#;

    #[test]
    fn rehearse_output_is_read_and_its_chatter_skipped() {
        let text = format!("rehearsing x.yaml with seed 7\n{LINE}\nended at virtual 0s\n");
        let doc = parse(&text, "x").unwrap();
        assert_eq!(doc.entries.len(), 1);
        assert_eq!(doc.scenario.as_deref(), Some("demo"));
        assert_eq!(doc.seed, Some(7));
    }

    #[test]
    fn the_admin_apis_answer_and_a_bare_array_are_both_read() {
        let admin = format!(r#"{{"dropped":3,"capacity":10,"entries":[{LINE}]}}"#);
        let doc = parse(&admin, "x").unwrap();
        assert_eq!((doc.entries.len(), doc.dropped), (1, 3));
        let doc = parse(&format!("[{LINE}]"), "x").unwrap();
        assert_eq!(doc.entries.len(), 1);
    }

    #[test]
    fn a_broken_line_is_named_by_its_number() {
        let text = format!("{LINE}\n{{\"seq\": 2}}\n");
        let err = parse(&text, "j.jsonl").unwrap_err().to_string();
        assert!(
            err.starts_with("j.jsonl: line 2: not a journal entry"),
            "{err}"
        );
    }

    #[test]
    fn nothing_to_draw_says_what_was_expected() {
        let err = parse("hello\n", "j").unwrap_err().to_string();
        assert!(err.contains("GET /_sim/journal"), "{err}");
    }
}
