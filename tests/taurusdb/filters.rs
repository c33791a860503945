//! The instance list's filters as ListGaussMySqlInstancesRequest documents them: `id` and
//! `name` exact unless they start with `*` (then fuzzy), the network, type and tag filters,
//! an empty list when nothing matches, and `limit`/`offset` within their documented ranges.

use serde_json::Value;

use super::*;
use crate::support::default_sim;

/// The names the v3 list answers for `query`.
async fn names(sim: &upgrade_sim::Sim, query: &str) -> Vec<String> {
    let r = read(sim, &format!("/v3/{PROJECT}/instances?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.json()["instances"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn name_and_id_match_exactly_unless_they_start_with_a_star() {
    let sim = default_sim();
    assert_eq!(names(&sim, "name=taurus-orders").await, ["taurus-orders"]);
    assert!(names(&sim, "name=orders").await.is_empty());
    assert_eq!(names(&sim, "name=*orders").await, ["taurus-orders"]);
    // The SDK quotes * as %2A.
    assert_eq!(
        names(&sim, "name=%2Aor").await,
        ["taurus-orders", "taurus-reports"]
    );
    assert!(names(&sim, "id=6754902da1f4").await.is_empty());
    assert_eq!(names(&sim, "id=*6754902da1f4").await, ["taurus-orders"]);
    for only_star in ["name=*", "id=%2A"] {
        let r = read(&sim, &format!("/v3/{PROJECT}/instances?{only_star}")).await;
        assert_eq!(r.status, 400, "{only_star}");
        assert_eq!(r.json()["error_code"], "DBS.200001");
    }
}

#[tokio::test]
async fn the_network_type_and_tag_filters_select_instances_and_nothing_matching_is_empty() {
    let sim = default_sim();
    let orders = instance(&sim, ORDERS).await;
    let private_ip = orders["private_write_ips"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        names(&sim, &format!("private_ip={private_ip}")).await,
        ["taurus-orders"]
    );
    let listed = read(&sim, &format!("/v3/{PROJECT}/instances?id={BILLING}"))
        .await
        .json();
    let replica = listed["instances"][0]["readonly_private_ips"][1]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        names(&sim, &format!("readonly_private_ip={replica}")).await,
        ["taurus-billing"]
    );
    assert_eq!(
        listed["instances"][0]["proxy_ips"],
        serde_json::json!(["192.168.0.200"])
    );
    assert_eq!(
        names(&sim, "proxy_ip=192.168.0.200").await,
        ["taurus-billing"]
    );
    assert_eq!(
        names(&sim, "subnet_id=7b1f3a52-4c9d-4e0f-8a21-5d6c7e8f9a0b").await,
        ["taurus-reports"]
    );
    assert_eq!(
        names(&sim, "vpc_id=3cedfc54-b105-4652-a4e0-847b65d20f23")
            .await
            .len(),
        5
    );
    assert!(names(&sim, "vpc_id=00000000-0000-0000-0000-000000000000")
        .await
        .is_empty());
    assert_eq!(
        names(&sim, "type=Cluster&datastore_type=gaussdb-mysql")
            .await
            .len(),
        5
    );
    assert!(names(&sim, "type=Single").await.is_empty());
    assert!(names(&sim, "datastore_type=mysql").await.is_empty());
    assert_eq!(
        names(&sim, "tags=env%3Dprod").await,
        ["taurus-orders", "taurus-billing"]
    );
    assert_eq!(
        names(&sim, "tags=env%3Dprod%2Cteam%3Dfinance").await,
        ["taurus-billing"]
    );
    assert!(names(&sim, "tags=env%3Dstaging").await.is_empty());
    assert_eq!(
        orders["tags"][0],
        serde_json::json!({"key": "env", "value": "prod"})
    );
    for bad in ["tags=env", "tags=env%3Da%2Cenv%3Db"] {
        let r = read(&sim, &format!("/v3/{PROJECT}/instances?{bad}")).await;
        assert_eq!(r.json()["error_code"], "DBS.200001", "{bad}");
    }
}

#[tokio::test]
async fn limit_is_1_to_100_and_offset_counts_records_from_0() {
    let sim = default_sim();
    assert_eq!(names(&sim, "limit=1").await.len(), 1);
    assert_eq!(names(&sim, "limit=100&offset=4").await, ["taurus-archive"]);
    let past = read(&sim, &format!("/v3/{PROJECT}/instances?offset=9"))
        .await
        .json();
    assert_eq!(past["instances"], Value::Array(vec![]));
    assert_eq!(past["total_count"], 5);
    for (query, says) in [
        ("limit=0", "limit must be a number from 1 to 100, not 0."),
        (
            "limit=101",
            "limit must be a number from 1 to 100, not 101.",
        ),
        ("limit=-1", "limit must be a number from 1 to 100, not -1."),
        ("offset=-1", "offset must be a number from 0 up, not -1."),
        ("offset=one", "offset must be a number from 0 up, not one."),
    ] {
        let r = read(&sim, &format!("/v3/{PROJECT}/instances?{query}")).await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(
            r.json()["error_msg"],
            format!("Parameter error. {says}"),
            "{query}"
        );
    }
}
