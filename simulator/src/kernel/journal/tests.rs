//! The journal's unit tests: compact records render as the entries they stand for.

use super::text::MAX_TEMPLATES;
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
