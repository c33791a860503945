//! The create body's reader (body.rs reads it in one pass, with no `Value` tree for
//! `agentIds`) answers every body exactly as the `Value`-tree reader before it did: each row
//! of fixtures/ota/create-bodies.json was recorded from that reader (status and body bytes),
//! covering bodies that are not JSON, not objects, each field's wrong kinds, `agentIds` as a
//! list and as a string with bad, blank, duplicate and unknown ids, a duplicate key, and one
//! plan created (its answer byte for byte).

use serde_json::Value;

use crate::support::ota::{authed_bytes, PLANS};
use crate::support::{default_sim, send};

const ROWS: &str = include_str!("../../fixtures/ota/create-bodies.json");

#[tokio::test]
async fn every_recorded_create_body_gets_the_same_status_and_bytes() {
    let rows: Vec<Value> = serde_json::from_str(ROWS).unwrap_or_default();
    assert!(rows.len() >= 30, "the fixture holds the recorded rows");
    for row in rows {
        let body = row["body"].as_str().unwrap_or_default();
        let sim = default_sim();
        let r = send(&sim, authed_bytes("POST", PLANS, body.as_bytes().to_vec())).await;
        let want = (row["status"].as_u64(), row["answer"].as_str());
        let text = r.text();
        assert_eq!(
            (Some(u64::from(r.status.as_u16())), Some(text.as_str())),
            want,
            "body: {body}"
        );
    }
}
