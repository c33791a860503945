//! Properties: random paths, queries and bodies never get a 5xx (the SP-reboot outage is off, so
//! every answer comes from the handlers), and every error answer is
//! Unity's error body.

use axum::body::Body;
use axum::http::Method;
use proptest::prelude::*;

use crate::support::unity::{token, unity};
use crate::support::{send, sim_from};

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("softwareUpgradeSession".to_string()),
        Just("upgradeSession".to_string()),
        Just("system".to_string()),
        Just("job".to_string()),
        Just("candidateSoftwareVersion".to_string()),
        Just("Upgrade_5.3.0.120".to_string()),
        Just("0".to_string()),
        "[a-zA-Z0-9_.%-]{0,12}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("/api/types/"),
            Just("/api/instances/"),
            Just("/upload/files/types/")
        ],
        proptest::collection::vec(segment(), 1..5),
        proptest::option::of(prop_oneof![
            Just("fields=".to_string()),
            "fields=[a-zA-Z,.]{0,20}",
            "filter=[a-zA-Z0-9 ()\"%]{0,25}",
            "page=[0-9a-z-]{0,4}&per_page=[0-9-]{0,5}",
            "compact=[a-zA-Z]{0,5}&with_entrycount=[a-z]{0,4}",
            "timeout=[0-9a-z]{0,3}",
        ]),
    )
        .prop_map(|(prefix, segs, q)| {
            let mut p = format!("{prefix}{}", segs.join("/"));
            if let Some(q) = q {
                p.push('?');
                p.push_str(&q.replace(' ', "%20").replace('"', "%22"));
            }
            p
        })
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("{}".to_string()),
        Just(r#"{"pauseBeforeReboot": true}"#.to_string()),
        Just(r#"{"candidate": {"id": "candidate_1"}, "selectedModel": 11}"#.to_string()),
        "[ -~]{0,40}",
        Just(r#"{"candidate": 7, "pauseBeforeReboot": {"x": 1}}"#.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_requests_never_get_a_5xx(
        reqs in proptest::collection::vec((prop_oneof![Just(Method::GET), Just(Method::POST), Just(Method::DELETE)], path(), body()), 1..6),
        advance_s in 0u64..7200,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = sim_from("unity:\n  primary_reboot_outage: 0s\n");
            let t = token(&sim).await;
            for (i, (method, path, body)) in reqs.into_iter().enumerate() {
                if i == 1 {
                    sim.advance(advance_s * 1000).unwrap();
                }
                let Ok(req) = unity(method.clone(), &path)
                    .header("emc-csrf-token", &t)
                    .body(Body::from(body.clone()))
                else {
                    continue;
                };
                let r = send(&sim, req).await;
                prop_assert!(r.status.as_u16() < 500, "{method} {path} {body} -> {} {}", r.status, r.text());
                if r.status.is_client_error() {
                    let v = r.json();
                    prop_assert!(v["error"]["messages"][0]["en-US"].is_string(), "{method} {path}: {v}");
                    prop_assert!(v["error"]["errorCode"].is_u64());
                }
            }
            Ok(())
        })?;
    }
}
