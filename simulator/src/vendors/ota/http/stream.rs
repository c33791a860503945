//! A large plan answer (a `?view=full` of 100,000 tasks is 39 MB) sent batch by batch
//! instead of built in one buffer. Under the world's lock the handler takes a snapshot that
//! costs no copy: the fleet's agents and the plan's tasks are `Arc`s the model shares (it
//! copies one only if it must change it while an answer is still being sent), the batches are
//! a few hundred bytes each. The snapshot is rendered once under the lock to count the body's
//! length, so the answer carries the same `Content-Length` as a buffered one, and again, a
//! batch at a time, as the client reads it: the same bytes, at one virtual instant.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::super::model::{Agent, Model, Names};
use super::super::plan::{Batch, Plan, Task};
use super::wire::{self, Tasks, View};
use crate::kernel::{Core, Millis};

/// What the streamed answer reads, taken at one instant.
struct Snapshot {
    /// The plan without its batches: up to and including `"batches":[`, and from the `]` on.
    head: Bytes,
    tail: Bytes,
    agents: Arc<Vec<Agent>>,
    names: Arc<Names>,
    tasks: Arc<Vec<Task>>,
    batches: Vec<Batch>,
    ordinal: usize,
    current: usize,
    now: Millis,
    view: View,
}

impl Snapshot {
    /// Batch `i`, preceded by the comma that separates it from the one before.
    fn batch(&self, i: usize) -> Vec<u8> {
        let of = Tasks {
            agents: &self.agents,
            names: &self.names,
            tasks: &self.tasks,
            ordinal: self.ordinal,
            now: self.now,
        };
        let b = &self.batches[i];
        let out = wire::batch_out(of, self.current, i, b, self.view);
        let mut buf = Vec::with_capacity(b.len() * 420 + 200);
        if i > 0 {
            buf.push(b',');
        }
        // Plain structs and strings: serializing them cannot fail.
        let _ = serde_json::to_writer(&mut buf, &out);
        buf
    }

    fn len(&self) -> usize {
        let batches: usize = (0..self.batches.len()).map(|i| self.batch(i).len()).sum();
        self.head.len() + batches + self.tail.len()
    }
}

/// The chunks of the body in order: the head, each batch, the tail.
struct Chunks {
    snap: Snapshot,
    next: usize,
}

impl Iterator for Chunks {
    type Item = Result<Bytes, Infallible>;
    fn next(&mut self) -> Option<Self::Item> {
        let n = self.next;
        self.next += 1;
        let batches = self.snap.batches.len();
        let chunk = match n {
            0 => self.snap.head.clone(),
            _ if n <= batches => Bytes::from(self.snap.batch(n - 1)),
            _ if n == batches + 1 => self.snap.tail.clone(),
            _ => return None,
        };
        Some(Ok(chunk))
    }
}

/// Plan `plan` in `view` as a streamed `application/json` answer, or `None` when the plan's
/// fields could not be split around its batches (then the caller buffers it).
pub fn plan(model: &Model, core: &Core, plan: &Plan, view: View) -> Option<Response> {
    let bare = serde_json::to_vec(&wire::plan_head(core, plan, view, Vec::new())).ok()?;
    // Keys are written unescaped and string values escaped, so the first `"batches":[]` is
    // the key: everything before it comes from the plan's id, name and versions.
    const KEY: &[u8] = b"\"batches\":[]";
    let at = bare.windows(KEY.len()).position(|w| w == KEY)?;
    let split = at + KEY.len() - 1;
    let snap = Snapshot {
        head: Bytes::copy_from_slice(&bare[..split]),
        tail: Bytes::copy_from_slice(&bare[split..]),
        agents: model.agents.clone(),
        names: model.names.clone(),
        tasks: plan.tasks.clone(),
        batches: plan.batches.clone(),
        ordinal: plan.ordinal,
        current: plan.current_batch,
        now: core.now(),
        view,
    };
    let len = snap.len();
    let body = Body::from_stream(futures_util::stream::iter(Chunks { snap, next: 0 }));
    Some(
        (
            [
                (CONTENT_TYPE, "application/json".to_string()),
                (CONTENT_LENGTH, len.to_string()),
            ],
            body,
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use serde_json::json;

    use super::*;
    use crate::engine::VendorModel;
    use crate::kernel::clock::{Clock, WallClock};
    use crate::kernel::Journal;
    use crate::vendors::ota::Config;

    async fn bytes(r: Response) -> (Option<String>, Bytes) {
        let length = r
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = r.into_body().collect().await.map(|b| b.to_bytes());
        (length, body.unwrap_or_default())
    }

    #[tokio::test]
    async fn a_streamed_plan_is_the_buffered_one_byte_for_byte() {
        let config: Config = serde_json::from_value(json!({
            "fleet": {"generate": [{"prefix": "a-", "count": 2500}]},
            "faults": {"failure_rates": [{"rate": 0.1}]}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let epoch = chrono::DateTime::parse_from_rfc3339("2026-01-15T08:00:00Z")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut core = Core::new(Clock::new(epoch), Journal::new(16), 3, WallClock::system());
        let mut model = Model::from_config(&config, &mut core).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<String> = (1..=2500).map(|n| format!("a-{n:04}")).collect();
        let body = json!({"name": "p", "fromVersion": "1.2.0", "toVersion": "1.3.0",
            "toRelease": "2", "agentIds": ids, "batchSize": 1000, "concurrency": 50});
        let created = VendorModel::apply(&mut model, &mut core, "create_plan", &body);
        assert_eq!(created, Ok(()));
        // Part-way: tasks pending, running (some restarting), succeeded and failed.
        while let Some(due) = model.next_due().filter(|&d| d <= 25 * 60_000) {
            core.clock.set(due.max(core.now()));
            model.fire_due(&mut core);
        }
        let p = &model.plans[0];
        let at = (p.succeeded, p.failed, p.current_batch);
        assert!(at.0 > 0 && at.1 > 0 && at.2 < 2, "{at:?}");
        for view in [View::Full, View::Summary { batch: Some(2) }] {
            let Some(streamed) = plan(&model, &core, p, view) else {
                panic!("the plan splits around its batches")
            };
            let buffered = wire::json(&wire::plan_out(&model, &core, p, view), 0);
            let (length, streamed) = bytes(streamed).await;
            let (_, buffered) = bytes(buffered).await;
            assert!(streamed == buffered, "{view:?}: the bodies differ");
            assert_eq!(length, Some(buffered.len().to_string()));
        }
    }
}
