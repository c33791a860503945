//! Properties: whatever body a client sends to the create, pause and retry endpoints, the
//! answer is never a 5xx, and every error is in the one OTA error body.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::support::ota::{authed_bytes, PLANS};
use crate::support::{default_sim, send};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-2.0f64..3.0).prop_map(Value::from),
        "[a-z0-9,. -]{0,12}".prop_map(Value::from),
        Just(json!("item1,item2")),
        Just(json!(["item1", "agent-0001"])),
        Just(json!("1h30m")),
        Just(json!("1.3.0")),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("fromVersion".to_string()),
        Just("toVersion".to_string()),
        Just("toRelease".to_string()),
        Just("agentIds".to_string()),
        Just("batchSize".to_string()),
        Just("failureThreshold".to_string()),
        Just("concurrency".to_string()),
        Just("createdBy".to_string()),
        Just("observeDuration".to_string()),
        Just("reason".to_string()),
        "[a-zA-Z]{1,8}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::btree_map(field(), leaf(), 0..10)
            .prop_map(|m| serde_json::to_vec(&m).unwrap_or_default()),
        // Mostly valid bodies with one field replaced.
        (field(), leaf()).prop_map(|(k, v)| {
            let mut b = json!({"name":"n","fromVersion":"1.2.0","toVersion":"1.3.0","toRelease":"221","agentIds":"item1,item2"});
            b[k] = v;
            serde_json::to_vec(&b).unwrap_or_default()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_never_get_a_5xx(bodies in proptest::collection::vec(body(), 1..4), path in 0usize..3) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let sim = default_sim();
            for b in bodies {
                let target = match path {
                    0 => PLANS.to_string(),
                    1 => format!("{PLANS}/x/pause"),
                    _ => format!("{PLANS}/x/retry"),
                };
                let r = send(&sim, authed_bytes("POST", &target, b)).await;
                prop_assert!(r.status.as_u16() < 500, "{} {}", r.status, r.text());
                if r.status != 200 {
                    let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                    prop_assert!(v["message"].is_string() && v["code"].is_string(), "{}", r.text());
                }
                sim.advance(45_000).unwrap_or_default();
            }
            Ok(())
        })?;
    }
}
