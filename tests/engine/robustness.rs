//! Whatever arrives, no route of any vendor answers a 5xx unless a scenario injected it: bad
//! input gets the vendor's own error shape. (Each vendor's tests check its shapes; this property
//! sweeps every prefix at once with the default scenario.)

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;

use crate::support::{default_sim, send};

const PREFIXES: &[&str] = &[
    "/api/v1/agent/upgrade",
    "/api/v1/agent/upgrade/check",
    "/api/v1/ob/upgrade",
    "/api/v1/ob/upgrade/check",
    "/api/v1/task/dag/",
    "/api/v1/task/node/",
    "/api/v1/task/sub_task/",
    "/api/v1/info",
    "/api/v1/lifecycle/upgrade-plans",
    "/api/v1/lifecycle/upgrade-plans/",
    "/api/v1/lifecycle/agents/",
    "/v3/054e292c9880d4992f02c0196d3ea468/instances/database-version/upgrade",
    "/v3/054e292c9880d4992f02c0196d3ea468/jobs",
    "/v3/",
    "/api/types/softwareUpgradeSession/instances",
    "/api/instances/softwareUpgradeSession/",
    "/api/types/system/instances",
    "/upload/files/types/candidateSoftwareVersion",
    "/_sim/clock/advance",
    "/_sim/faults",
    "/_sim/actions",
];

fn request() -> impl Strategy<Value = Request<Body>> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        prop::sample::select(PREFIXES.to_vec()),
        "[a-zA-Z0-9_.%-]{0,12}",
        prop::option::of("[a-z_]{1,8}=[a-zA-Z0-9%,()\" ]{0,16}"),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::from),
            "\\{(\"[a-zA-Z]{1,10}\": ?(\"[^\"]{0,10}\"|[0-9]{1,5}|true|null|\\[\\]|\\{\\}), ?){0,4}\\}"
                .prop_map(Body::from),
        ],
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "content-type",
                    "authorization",
                    "x-auth-token",
                    "x-ocs-header",
                    "x-ocs-auth",
                    "x-emc-rest-client",
                    "emc-csrf-token",
                    "x-sdk-date",
                ]),
                "[ -~]{0,24}",
            ),
            0..4,
        ),
    )
        .prop_map(|(method, prefix, tail, query, body, headers)| {
            let mut uri = format!("{prefix}{tail}");
            if let Some(q) = query {
                uri.push('?');
                uri.push_str(&q.replace(' ', "%20").replace('"', "%22"));
            }
            let mut b = Request::builder().method(method).uri(uri);
            for (k, v) in headers {
                b = b.header(k, v);
            }
            b.body(body).unwrap_or_default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_to_any_vendor_never_get_a_5xx(req in request()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let sim = default_sim();
        let method = req.method().clone();
        let uri = req.uri().clone();
        let reply = rt.block_on(send(&sim, req));
        prop_assert!(
            reply.status.as_u16() < 500,
            "{} {} got {}: {}", method, uri, reply.status, reply.text()
        );
    }
}
