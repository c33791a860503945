//! What the scenario says about the array's equipment, as storops reads it (issue 14's
//! leftovers): the DPE and the Ethernet ports (`dpe`, `ethernetPort`), the management address,
//! the pools' sizes and the licences from `unity.array`; an Info alert for each SP reboot an
//! upgrade makes; and a candidate whose identity comes from the uploaded image's header or the
//! scenario's `unity.images`, never from its file name.

use axum::http::StatusCode;
use serde_json::{json, Value};
use upgrade_sim::{Scenario, Sim, SimOptions};

use super::around::{advance_into_task, entries};
use crate::support::unity::*;
use crate::support::{default_sim, pinned_wall, sim_from};

/// The error a scenario gets when it is loaded, as text.
fn load_error(yaml: &str) -> String {
    let opts = SimOptions {
        speed: 0.0,
        seed: None,
        wall: pinned_wall(),
    };
    match Scenario::parse(yaml, "test scenario") {
        Err(e) => e.to_string(),
        Ok(s) => match Sim::new(s, opts) {
            Err(e) => format!("{e:#}"),
            Ok(_) => panic!("the scenario loads: {yaml}"),
        },
    }
}

async fn ids(sim: &Sim, type_name: &str) -> Vec<String> {
    entries(sim, type_name, "id")
        .await
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn the_default_array_has_the_recorded_dpe_and_each_sp_its_ports() {
    let sim = default_sim();
    assert_eq!(
        ids(&sim, "ethernetPort").await,
        ["spa_eth2", "spa_eth3", "spa_mgmt", "spb_eth2", "spb_eth3", "spb_mgmt"]
    );
    let port = uget(
        &sim,
        "/api/instances/ethernetPort/spa_eth2?compact=True&fields=name,speed,mtu,isLinkUp,parent,storageProcessor,health",
    )
    .await;
    assert_eq!(port.status, StatusCode::OK, "{}", port.text());
    let c = &port.json()["content"];
    assert_eq!(c["name"], "SP A Ethernet Port 2");
    assert_eq!(
        (c["speed"].clone(), c["mtu"].clone()),
        (json!(10000), json!(1500))
    );
    assert_eq!(c["isLinkUp"], true);
    assert_eq!(
        c["parent"],
        json!({"id": "spa", "resource": "storageProcessor"})
    );
    assert_eq!(c["health"]["descriptionIds"], json!(["ALRT_PORT_LINK_UP"]));
    let eth3 = uget(
        &sim,
        "/api/instances/ethernetPort/spb_eth3?compact=True&fields=speed,isLinkUp,health",
    )
    .await
    .json()["content"]
        .clone();
    assert_eq!(eth3["isLinkUp"], false);
    assert!(eth3.get("speed").is_none(), "no link, no speed: {eth3}");
    assert_eq!(
        eth3["health"]["descriptionIds"],
        json!(["ALRT_PORT_LINK_DOWN_NOT_IN_USE"])
    );

    let dpe = entries(&sim, "dpe", "name,model,emcSerialNumber,health,parent").await;
    assert_eq!(dpe.len(), 1);
    assert_eq!(dpe[0]["id"], "dpe");
    assert_eq!(dpe[0]["model"], "OBERON 25 DRIVE CHASSIS");
    assert_eq!(dpe[0]["emcSerialNumber"], "CF2CV150500005");
    assert_eq!(dpe[0]["parent"], json!({"id": "0", "resource": "system"}));
    assert_eq!(dpe[0]["health"]["value"], 5);
}

#[tokio::test]
async fn ports_dpe_and_their_health_come_from_the_scenario() {
    let sim = sim_from(
        "unity:\n  array:\n    components: {spa: OK, spb: OK, dpe: MAJOR, spb_eth4: DEGRADED}\n    dpe: {model: OBERON 12 DRIVE CHASSIS, serial_number: CF2XX000000001}\n    ethernet_ports:\n      - {port: 4, speed: 1000, mtu: 9000}\n",
    );
    assert_eq!(
        ids(&sim, "ethernetPort").await,
        ["spa_eth4", "spa_mgmt", "spb_eth4", "spb_mgmt"]
    );
    let ports = entries(&sim, "ethernetPort", "speed,mtu,health").await;
    assert_eq!(
        (ports[0]["speed"].clone(), ports[0]["mtu"].clone()),
        (json!(1000), json!(9000))
    );
    assert_eq!(ports[0]["health"]["value"], 5);
    assert_eq!(ports[2]["health"]["value"], 10, "spb_eth4 is DEGRADED");
    let dpe = entries(
        &sim,
        "dpe",
        "model,emcSerialNumber,health,operationalStatus",
    )
    .await;
    assert_eq!(dpe[0]["model"], "OBERON 12 DRIVE CHASSIS");
    assert_eq!(dpe[0]["emcSerialNumber"], "CF2XX000000001");
    assert_eq!(dpe[0]["health"]["value"], 20);
    assert_eq!(dpe[0]["operationalStatus"], json!([3]));
    let alerts = entries(&sim, "alert", "component,message").await;
    assert!(
        alerts
            .iter()
            .any(|a| a["component"] == json!({"id": "spb_eth4", "resource": "ethernetPort"})),
        "the degraded port raised an alert naming it: {alerts:?}"
    );
}

#[tokio::test]
async fn a_rebooting_sp_has_its_ports_down_and_an_info_alert_each() {
    let sim = default_sim();
    assert_eq!(create(&sim, json!({})).await.status, StatusCode::CREATED);
    assert!(entries(&sim, "alert", "id").await.is_empty());

    advance_into_task(&sim, 6).await; // Rebooting peer SP
    let ports = entries(&sim, "ethernetPort", "isLinkUp,health").await;
    let up: Vec<bool> = ports.iter().map(|p| p["isLinkUp"] == true).collect();
    assert_eq!(
        up,
        [true, false, true, false, false, false],
        "SP B's ports are down"
    );
    assert_eq!(ports[3]["health"]["value"], 10);
    let alerts = entries(&sim, "alert", "severity,component,message,messageId").await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["severity"], 6, "Info");
    assert_eq!(
        alerts[0]["component"],
        json!({"id": "spb", "resource": "storageProcessor"})
    );
    assert!(alerts[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("SP B is rebooting") && m.contains(SESSION)));

    advance_into_task(&sim, 9).await; // Rebooting the primary SP
    let alerts = entries(&sim, "alert", "severity,component").await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1]["component"]["id"], "spa");
    sim.run_until_idle().unwrap();
    let after: Vec<Value> = entries(&sim, "alert", "severity").await;
    assert_eq!(after.len(), 2, "alerts stay listed after the upgrade");
    let ports = entries(&sim, "ethernetPort", "isLinkUp").await;
    assert_eq!(ports[5]["isLinkUp"], true, "spb_mgmt is back");
}

#[tokio::test]
async fn management_address_pools_and_licenses_come_from_the_scenario() {
    let sim = sim_from(
        "unity:\n  array:\n    components: {spa: OK, spb: OK, pool_2: MINOR}\n    mgmt_interface: {ip_address: 192.168.10.20, netmask: 255.255.0.0, gateway: 192.168.0.1}\n    pools:\n      pool_1: {name: Gold, size_total: 2TiB, size_used: 512GiB, size_subscribed: 1TiB}\n    licenses: [NFS, {name: CIFS, expires: 2025-06-01T00:00:00Z}, {name: ISCSI, expires: 2027-01-01T00:00:00Z}]\n",
    );
    let mgmt = entries(&sim, "mgmtInterface", "ipAddress,netmask,gateway").await;
    assert_eq!(
        mgmt[0],
        json!({"id": "mgmt_ipv4", "ipAddress": "192.168.10.20", "netmask": "255.255.0.0", "gateway": "192.168.0.1"})
    );

    let pools = entries(
        &sim,
        "pool",
        "name,sizeTotal,sizeUsed,sizeFree,sizeSubscribed,health",
    )
    .await;
    assert_eq!(
        pools.len(),
        2,
        "the declared pool, then the pool_2 component"
    );
    assert_eq!(pools[0]["name"], "Gold");
    assert_eq!(pools[0]["sizeTotal"], 2_u64 << 40);
    assert_eq!(pools[0]["sizeUsed"], 512_u64 << 30);
    assert_eq!(pools[0]["sizeFree"], (2_u64 << 40) - (512_u64 << 30));
    assert_eq!(pools[0]["sizeSubscribed"], 1_u64 << 40);
    assert_eq!(pools[1]["id"], "pool_2");
    assert_eq!(pools[1]["health"]["value"], 15);
    let cap = entries(&sim, "systemCapacity", "sizeTotal").await;
    assert_eq!(
        cap[0]["sizeTotal"],
        (2_u64 << 40) + pools[1]["sizeTotal"].as_u64().unwrap_or_default()
    );

    let licenses = entries(&sim, "license", "name,isValid,isPermanent,expires").await;
    assert_eq!(
        licenses,
        [
            json!({"id": "NFS", "name": "NFS", "isValid": true, "isPermanent": true}),
            json!({"id": "CIFS", "name": "CIFS", "isValid": false, "isPermanent": false, "expires": "2025-06-01T00:00:00.000Z"}),
            json!({"id": "ISCSI", "name": "ISCSI", "isValid": true, "isPermanent": false, "expires": "2027-01-01T00:00:00.000Z"}),
        ]
    );
    let features = entries(&sim, "feature", "state,reason").await;
    assert_eq!(
        features,
        [
            json!({"id": "NFS", "state": 2}),
            json!({"id": "CIFS", "state": 1, "reason": 2}),
            json!({"id": "ISCSI", "state": 2}),
        ]
    );
    let alerts = entries(&sim, "alert", "severity,message,component").await;
    assert!(
        alerts.iter().any(|a| a["severity"] == 2
            && a["component"] == json!({"id": "CIFS", "resource": "license"})
            && a["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("The CIFS license has expired"))),
        "the expired license raised the recorded alert: {alerts:?}"
    );
}

#[test]
fn bad_equipment_in_the_scenario_is_refused_with_its_path() {
    for (yaml, path) in [
        (
            "unity:\n  array:\n    mgmt_interface: {ip_address: 10.0.0.300}\n",
            "unity.array.mgmt_interface.ip_address",
        ),
        (
            "unity:\n  array:\n    pools: {pool_1: {size_total: 1TiB, size_used: 2TiB}}\n",
            "unity.array.pools.pool_1.size_used",
        ),
        (
            "unity:\n  array:\n    pools: {pool_1: {size_total: lots}}\n",
            "unity.array.pools.pool_1.size_total",
        ),
        (
            "unity:\n  array:\n    ethernet_ports: [{port: 2, speed: 40000}]\n",
            "unity.array.ethernet_ports[0].speed",
        ),
        (
            "unity:\n  array:\n    licenses: [{name: NFS, expires: soon}]\n",
            "unity.array.licenses[0].expires",
        ),
    ] {
        let e = load_error(yaml);
        assert!(e.contains(path), "{path}: {e}");
    }
}

#[tokio::test]
async fn an_uploaded_image_is_what_its_header_says_whatever_its_name() {
    let sim = sim_from("unity:\n  candidate: null\n");
    let header = image_header("5.4.1", 9, "2024-05-06T07:08:09Z");
    let r = upload_content(&sim, "renamed-by-the-browser.bin", &header).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = entries(
        &sim,
        "candidateSoftwareVersion",
        "version,revision,releaseDate,fullVersion",
    )
    .await;
    assert_eq!(
        c[0],
        json!({"id": "candidate_1", "version": "5.4.1", "revision": 9,
               "releaseDate": "2024-05-06T07:08:09.000Z", "fullVersion": "5.4.1.0.5.009"})
    );
}

#[tokio::test]
async fn an_undeclared_image_without_a_header_gets_no_identity_from_its_name() {
    let sim = sim_from("unity:\n  candidate: null\n");
    let r = upload(&sim, "Unity-5.4.0.0.5.007.tgz.bin.gpg").await;
    assert_unity_error(&r, 422, 0x6101006);
    assert!(r.text().contains("unity.images"), "{}", r.text());
    assert!(ids(&sim, "candidateSoftwareVersion").await.is_empty());
    let bad = upload_content(
        &sim,
        "x.bin",
        "upgrade-sim-image version=5.4 build=7 release_date=2024-05-06T07:08:09Z\n",
    )
    .await;
    assert_unity_error(&bad, 422, 0x6101006);
    assert!(
        bad.text().contains("version=major.minor.patch"),
        "{}",
        bad.text()
    );
}
