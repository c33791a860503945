"""storops 1.2.12, unchanged, drives a Unity software upgrade on `upgrade-sim serve`.

storops has no upgrade classes: a storops user scripts upgrades through UnityClient's generic
get/post/action/type_action calls, which is what these tests do. storops only builds https
URLs, so the simulator runs with `serve --tls` (a self-signed certificate made at start,
which storops does not verify). The clock is stopped; tests step it with sim.advance.
"""


import subprocess
import datetime

import pytest
from storops import UnitySystem
from storops.connection.connector import UnityRESTConnector
from storops.connection.exceptions import HttpServerError
from storops.exception import JobStateError, UnityActionNotAllowedError, UnityException, UnityResourceNotFoundError
from storops.unity.enums import HealthEnum, SeverityEnum
from storops.unity.resource.job import UnityJob
from upgrade_sim._simulator import find_binary

SESSION_TYPE = "softwareUpgradeSession"
PAUSED, COMPLETED, IN_PROGRESS = 6, 2, 1


# The simulator with HTTPS too (`serve --tls`): storops builds https URLs only.
pytestmark = pytest.mark.upgrade_sim(tls=True)


def connect(sim):
    # The token lives in a class-level dict shared by every client in the process: start clean.
    UnityRESTConnector.HEADERS.pop("emc-csrf-token", None)
    host, port = sim.https_url.split("//")[1].rsplit(":", 1)
    # storops' own https client, certificate unchecked (verify=False, its default).
    return UnitySystem(host=host, username="admin", password="Password123#", port=int(port), verify=False)


def requests_seen(sim):
    entries = sim.journal(vendor="unity", kind="request", limit=1000)
    return [(e["detail"]["method"], e["detail"]["path"], e["detail"]["status"]) for e in entries]


def poll_until(sim, cli, sid, want, step=60, limit=300):
    """Polls the session as a script would, stepping virtual time between polls. While the
    primary SP reboots the array answers 503, which storops raises as HttpServerError."""
    refused = 0
    for _ in range(limit):
        try:
            content = cli.get(SESSION_TYPE, sid).first_content
        except HttpServerError:
            refused += 1
            sim.advance(step)
            continue
        if content["status"] == want:
            return content, refused
        sim.advance(step)
    pytest.fail(f"session {sid} never reached status {want}")


def test_storops_reads_the_system_info(sim):
    unity = connect(sim)
    info = unity.info
    assert info.software_version == "5.2.0"
    assert info.model == "Unity 380F"
    assert info.api_version == "12.0"
    assert unity.serial_number == "CKM01204905476"
    assert unity.health.value == HealthEnum.OK
    assert unity.is_upgrade_complete is True
    assert unity._cli.system_version == "5.2.0"


def test_storops_runs_a_paused_upgrade_to_completion(sim):
    unity = connect(sim)
    cli = unity._cli

    verdict = cli.type_action(SESSION_TYPE, "verifyUpgradeEligibility")
    verdict.raise_if_err()
    assert "eligible" in verdict.first_content["messages"][0]["messages"][0]["en-US"]

    candidates = cli.get_all("candidateSoftwareVersion")
    candidate = candidates.first_content
    assert candidate["version"] == "5.3.0"

    created = cli.post(SESSION_TYPE, candidate={"id": candidate["id"]}, pauseBeforeReboot=True)
    created.raise_if_err()
    assert created.response.status_code == 201
    sid = created.resource_id
    assert sid == "Upgrade_5.3.0.120"

    paused, _ = poll_until(sim, cli, sid, PAUSED)
    assert paused["tasks"][3]["caption"] == "Waiting for reboot command"
    assert 0 < paused["percentComplete"] < 100

    resumed = cli.action(SESSION_TYPE, sid, "resume")
    resumed.raise_if_err()
    assert resumed.response.status_code == 204

    done, refused = poll_until(sim, cli, sid, COMPLETED)
    assert done["percentComplete"] == 100
    assert refused >= 1, "a poll during the primary SP's reboot is refused with 503"
    assert all(t["status"] == COMPLETED for t in done["tasks"])
    assert cli.get("basicSystemInfo", "0").first_content["softwareVersion"] == "5.3.0"


def test_a_post_without_a_token_takes_storops_through_its_csrf_refresh(sim):
    cli = connect(sim)._cli
    resp = cli.type_action(SESSION_TYPE, "verifyUpgradeEligibility")
    resp.raise_if_err()
    seen = requests_seen(sim)
    verify = "/api/types/softwareUpgradeSession/action/verifyUpgradeEligibility"
    assert seen[:3] == [
        ("POST", verify, 401),
        ("GET", "/api/types/user/instances", 200),
        ("POST", verify, 200),
    ]
    assert "emc-csrf-token" in UnityRESTConnector.HEADERS


def test_an_unknown_session_id_raises_unity_resource_not_found(sim):
    cli = connect(sim)._cli
    with pytest.raises(UnityResourceNotFoundError):
        cli.action(SESSION_TYPE, "no_such_session", "resume").raise_if_err()
    with pytest.raises(UnityResourceNotFoundError):
        cli.get(SESSION_TYPE, "no_such_session").raise_if_err()


def test_resuming_a_running_session_raises_action_not_allowed(sim):
    cli = connect(sim)._cli
    sid = cli.post(SESSION_TYPE, pauseBeforeReboot=False).resource_id
    sim.advance(600)
    assert cli.get(SESSION_TYPE, sid).first_content["status"] == IN_PROGRESS
    with pytest.raises(UnityActionNotAllowedError) as err:
        cli.action(SESSION_TYPE, sid, "resume").raise_if_err()
    assert "Upgrade_In_Progress" in str(err.value)


def test_an_unhealthy_component_makes_eligibility_fail_with_its_name(sim):
    sim.load_scenario("unity:\n  array:\n    components: {spa: OK, spb: DEGRADED}\n")
    cli = connect(sim)._cli
    with pytest.raises(UnityException) as err:
        cli.type_action(SESSION_TYPE, "verifyUpgradeEligibility").raise_if_err()
    assert "spb is DEGRADED" in str(err.value)


def test_storops_uploads_a_candidate_that_is_then_listed(sim, tmp_path):
    sim.load_scenario("unity:\n  candidate: null\n")
    cli = connect(sim)._cli
    image = tmp_path / "Unity-5.3.0.0.5.120.tgz.bin.gpg"
    image.write_bytes(b"not really a signed image")
    resp = cli.rest_post("/upload/files/types/candidateSoftwareVersion", files={"filename": str(image)})
    resp.raise_if_err()
    assert resp.response.status_code == 200
    listed = cli.get_all("candidateSoftwareVersion")
    assert [c["fullVersion"] for c in listed.contents] == ["5.3.0.0.5.120"]


def test_an_async_resume_gives_a_job_storops_can_read(sim):
    sim.load_scenario("unity:\n  faults:\n    fail_task: [{task: 1, at_percent: 20}]\n")
    cli = connect(sim)._cli
    sid = cli.post(SESSION_TYPE).resource_id
    sim.run_until_idle()
    assert cli.get(SESSION_TYPE, sid).first_content["status"] == 3
    resp = cli.action(SESSION_TYPE, sid, "resume", async_mode=True)
    assert resp.response.status_code == 202
    accepted = resp.job
    assert accepted.state.value[0] == 2
    sim.advance(5)
    job = UnityJob.get(cli, accepted.id)
    assert job.state.value[0] == 4
    assert job.progress_pct == 100
    assert cli.get(SESSION_TYPE, sid).first_content["status"] == IN_PROGRESS


def sp_health(unity):
    return {sp.name: sp.health.value for sp in unity.get_sp()}


def advance_into_task(sim, cli, sid, task, step=30, limit=400):
    """Steps virtual time until the session runs `task` and answers (not 503)."""
    for _ in range(limit):
        try:
            if cli.get(SESSION_TYPE, sid).first_content["tasks"][task]["status"] == IN_PROGRESS:
                return
        except HttpServerError:
            pass
        sim.advance(step)
    pytest.fail(f"task {task} never ran")


def test_storops_reads_the_array_before_during_and_after_an_upgrade(sim):
    unity = connect(sim)
    cli = unity._cli
    # Before: both SPs healthy, no alert, the virtual clock's time, the pool and the rest.
    assert sp_health(unity) == {"SP A": HealthEnum.OK, "SP B": HealthEnum.OK}
    assert len(unity.get_alert()) == 0
    assert unity.system_time == datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    pools = unity.get_pool()
    assert [p.name for p in pools] == ["pool_1"]
    assert pools[0].health.value == HealthEnum.OK
    capacity = unity.get_system_capacity()[0]
    assert capacity.size_total == pools[0].size_total
    assert "BASE_OE_V4_0" in [lic.name for lic in unity.get_license()]
    assert all(f.state.value[0] == 2 for f in unity.get_feature())
    assert unity.get_mgmt_interface()[0].ip_address == "10.245.101.39"
    full_version = lambda: cli.get("basicSystemInfo", "0").first_content["softwareFullVersion"]
    assert full_version() == "Unity 5.2.0.0 (Release, Build 173, 2022-06-24 10:14:36, 5.2.0.0.5.173)"

    sid = cli.post(SESSION_TYPE).resource_id
    # During: SP B shows its reboot, then SP A (after the primary's management outage).
    advance_into_task(sim, cli, sid, 6)
    assert sp_health(unity) == {"SP A": HealthEnum.OK, "SP B": HealthEnum.DEGRADED}
    advance_into_task(sim, cli, sid, 9)
    assert sp_health(unity) == {"SP A": HealthEnum.DEGRADED, "SP B": HealthEnum.OK}
    # The management address is on SP B's port while SP A reboots, and SP A's ports are down.
    mgmt = unity.get_mgmt_interface()[0]
    assert mgmt.ethernet_port.get_id() == "spb_mgmt"
    assert mgmt.ethernet_port.is_link_up is True
    assert [p.is_link_up for p in unity.get_ethernet_port() if p.get_id().startswith("spa_")] == [False] * 3
    unity._system_time.update()  # storops caches the systemTime resource; read it again
    assert unity.system_time > datetime.datetime(2026, 1, 1, 1, tzinfo=datetime.timezone.utc)

    # After: healthy again, one Info alert per SP reboot, the new version with its build date.
    poll_until(sim, cli, sid, COMPLETED)
    assert sp_health(unity) == {"SP A": HealthEnum.OK, "SP B": HealthEnum.OK}
    assert [(a.severity, a.component["id"]) for a in unity.get_alert()] == [
        (SeverityEnum.INFO, "spb"), (SeverityEnum.INFO, "spa")]
    assert full_version() == "Unity 5.3.0.0 (Release, Build 120, 2023-03-18 19:02:01, 5.3.0.0.5.120)"


def test_storops_sees_the_degraded_sp_and_its_alert(sim):
    sim.load_scenario("unity:\n  array:\n    components: {spa: OK, spb: DEGRADED, pool_1: OK}\n")
    unity = connect(sim)
    assert sp_health(unity) == {"SP A": HealthEnum.OK, "SP B": HealthEnum.DEGRADED}
    alerts = unity.get_alert()
    assert len(alerts) == 1
    assert alerts[0].severity == SeverityEnum.WARNING
    assert "spb is DEGRADED" in alerts[0].message
    assert alerts[0].is_acknowledged is False


def test_a_failed_session_shows_as_an_alert(sim):
    sim.load_scenario("unity:\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n")
    unity = connect(sim)
    cli = unity._cli
    sid = cli.post(SESSION_TYPE).resource_id
    sim.run_until_idle()
    alerts = unity.get_alert()
    assert [a.severity for a in alerts] == [SeverityEnum.ERROR]
    assert sid in alerts[0].message and "Preparing system software" in alerts[0].message


def test_a_failed_async_job_raises_job_state_error_with_the_task_message(sim):
    sim.load_scenario("unity:\n  faults:\n    fail_task: [{task: 1, at_percent: 20}]\n")
    cli = connect(sim)._cli
    sid = cli.post(SESSION_TYPE).resource_id
    sim.run_until_idle()
    cli.action(SESSION_TYPE, sid, "resume").raise_if_err()
    # The session runs again: a second resume is refused, and as a job it fails.
    accepted = cli.action(SESSION_TYPE, sid, "resume", async_mode=True).job
    sim.advance(5)
    job = UnityJob.get(cli, accepted.id)
    with pytest.raises(JobStateError) as err:
        job.wait_job_completion(interval=0.01, timeout=5)
    assert "Job State: FAILED" in str(err.value)
    assert "Upgrade_In_Progress" in str(err.value)
    assert job.messages and "(Error Code:0x7d1300c)" in job.messages[0]


def test_storops_prepares_a_declared_image_as_the_candidate(sim):
    sim.load_scenario(
        "unity:\n  candidate: null\n  images:\n"
        "    - {file: Unity-5.4.0.0.5.007.tgz.bin.gpg, version: 5.4.0, build: 7, release_date: 2024-02-01T08:30:00Z}\n"
    )
    cli = connect(sim)._cli
    resp = cli.type_action("candidateSoftwareVersion", "prepare", filename="Unity-5.4.0.0.5.007.tgz.bin.gpg")
    resp.raise_if_err()
    assert resp.first_content["id"] == "candidate_1"
    candidate = cli.get("candidateSoftwareVersion", "candidate_1").first_content
    assert (candidate["version"], candidate["revision"], candidate["releaseDate"]) == (
        "5.4.0", 7, "2024-02-01T08:30:00.000Z")
    with pytest.raises(UnityException) as err:
        cli.type_action("candidateSoftwareVersion", "prepare", filename="Unity-9.9.9.0.5.001.tgz.bin.gpg").raise_if_err()
    assert "No software image named" in str(err.value)


def test_storops_verifies_the_certificate_written_by_tls_cert_out(tmp_path):
    cert = tmp_path / "sim.pem"
    args = [find_binary(None), "serve", "--speed", "0", "--listen", "127.0.0.1:0",
            "--tls", "--tls-listen", "127.0.0.1:0", "--tls-cert-out", str(cert)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        https = None
        for line in proc.stdout:
            if "listening on https://" in line:
                https = line.split("listening on ", 1)[1].split()[0]
            if "(scenario" in line:
                break
        assert https, "serve --tls printed its https address"
        assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
        host, port = https.split("//")[1].rsplit(":", 1)
        UnityRESTConnector.HEADERS.pop("emc-csrf-token", None)
        unity = UnitySystem(host=host, username="admin", password="Password123#", port=int(port), verify=str(cert))
        assert unity.info.software_version == "5.2.0"
    finally:
        proc.kill()
        proc.wait()


def test_storops_sees_an_info_alert_for_each_sp_reboot_of_an_upgrade(sim):
    unity = connect(sim)
    cli = unity._cli
    sid = cli.post(SESSION_TYPE).resource_id
    advance_into_task(sim, cli, sid, 6)
    alerts = unity.get_alert()
    assert [a.severity for a in alerts] == [SeverityEnum.INFO]
    assert "Storage processor SP B is rebooting" in alerts[0].message and sid in alerts[0].message
    advance_into_task(sim, cli, sid, 9)
    alerts = unity.get_alert()
    assert [a.component["id"] for a in alerts] == ["spb", "spa"]
    assert "SP A is rebooting" in alerts[1].message


def test_storops_reads_the_dpe_and_ethernet_ports_from_the_scenario(sim):
    sim.load_scenario(
        "unity:\n  array:\n    components: {spa: OK, spb: OK, dpe: OK, spb_eth4: DEGRADED}\n"
        "    dpe: {serial_number: CF2XX000000001}\n"
        "    ethernet_ports: [{port: 4, speed: 1000, mtu: 9000}, {port: 5, link_up: false}]\n")
    unity = connect(sim)
    dpe = unity.get_dpe()
    assert [d.get_id() for d in dpe] == ["dpe"]
    assert dpe[0].emc_serial_number == "CF2XX000000001"
    assert dpe[0].health.value == HealthEnum.OK
    ports = {p.get_id(): p for p in unity.get_ethernet_port()}
    assert sorted(ports) == ["spa_eth4", "spa_eth5", "spa_mgmt", "spb_eth4", "spb_eth5", "spb_mgmt"]
    assert ports["spa_eth4"].mtu == 9000 and ports["spa_eth4"].is_link_up is True
    assert ports["spa_eth5"].is_link_up is False
    assert ports["spb_eth4"].health.value == HealthEnum.DEGRADED
    assert ports["spb_eth4"].storage_processor.get_id() == "spb"
    # storops' own peer lookup works on the symmetric ports.
    assert ports["spa_eth4"].get_peer().get_id() == "spb_eth4"


def test_storops_reads_the_management_address_pools_and_licenses_from_the_scenario(sim):
    sim.load_scenario(
        "unity:\n  array:\n    components: {spa: OK, spb: OK}\n"
        "    mgmt_interface: {ip_address: 192.168.10.20, netmask: 255.255.0.0, gateway: 192.168.0.1}\n"
        "    pools: {pool_1: {name: Gold, size_total: 2TiB, size_used: 512GiB}}\n"
        "    licenses: [NFS, {name: CIFS, expires: 2025-06-01T00:00:00Z}]\n")
    unity = connect(sim)
    mgmt = unity.get_mgmt_interface()[0]
    assert (mgmt.ip_address, mgmt.netmask, mgmt.gateway) == ("192.168.10.20", "255.255.0.0", "192.168.0.1")
    pool = unity.get_pool()[0]
    assert (pool.name, pool.size_total, pool.size_used) == ("Gold", 2 << 40, 512 << 30)
    assert unity.get_system_capacity()[0].size_total == 2 << 40
    licenses = {lic.name: lic for lic in unity.get_license()}
    assert sorted(licenses) == ["CIFS", "NFS"]
    assert licenses["NFS"].is_valid is True and licenses["NFS"].is_permanent is True
    assert licenses["CIFS"].is_valid is False
    assert licenses["CIFS"].expires == "2025-06-01T00:00:00.000Z"  # storops parses no date here
    features = {f.name: f.state.value[0] for f in unity.get_feature()}
    assert features == {"NFS": 2, "CIFS": 1}
    assert [a.severity for a in unity.get_alert()] == [SeverityEnum.CRITICAL]


def test_an_upload_is_what_its_image_header_says_and_a_bare_name_is_refused(sim, tmp_path):
    sim.load_scenario("unity:\n  candidate: null\n")
    cli = connect(sim)._cli
    bare = tmp_path / "Unity-5.4.0.0.5.007.tgz.bin.gpg"
    bare.write_bytes(b"not really a signed image")
    with pytest.raises(UnityException) as err:
        cli.rest_post("/upload/files/types/candidateSoftwareVersion", files={"filename": str(bare)}).raise_if_err()
    assert "unity.images" in str(err.value)
    assert cli.get_all("candidateSoftwareVersion").contents == []
    image = tmp_path / "whatever.bin"
    image.write_bytes(b"upgrade-sim-image version=5.4.0 build=7 release_date=2024-02-01T08:30:00Z\n" + b"\x00" * 4096)
    cli.rest_post("/upload/files/types/candidateSoftwareVersion", files={"filename": str(image)}).raise_if_err()
    listed = cli.get_all("candidateSoftwareVersion").first_content
    assert (listed["fullVersion"], listed["releaseDate"]) == ("5.4.0.0.5.007", "2024-02-01T08:30:00.000Z")


def test_every_answer_storops_gets_is_documented_in_the_openapi_document(sim):
    import json
    import re
    import urllib.request
    with urllib.request.urlopen(sim.url + "/_sim/openapi.json?vendor=unity") as r:
        doc = json.load(r)
    assert doc["components"]["securitySchemes"]["csrf"]["name"] == "EMC-CSRF-TOKEN"
    operations = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), method, op)
                  for path, item in doc["paths"].items() for method, op in item.items()]
    unity = connect(sim)
    cli = unity._cli
    # What a storops upgrade script does: read the array, check eligibility, start, poll,
    # read the resources around the upgrade, resume.
    unity.info, unity.get_sp(), unity.get_dpe(), unity.get_ethernet_port(), unity.get_pool()
    cli.type_action(SESSION_TYPE, "verifyUpgradeEligibility").raise_if_err()
    sid = cli.post(SESSION_TYPE, pauseBeforeReboot=True).resource_id
    poll_until(sim, cli, sid, PAUSED)
    cli.action(SESSION_TYPE, sid, "resume").raise_if_err()
    seen = requests_seen(sim)
    assert ("POST", "/api/types/softwareUpgradeSession/action/verifyUpgradeEligibility", 401) in seen, \
        "storops' first POST goes without a token"
    for method, path, status in seen:
        ops = [op for pattern, m, op in operations if m == method.lower() and pattern.match(path)]
        assert ops, f"{method} {path} is not in the document"
        assert str(status) in ops[0]["responses"], f"{method} {path}: {status} is not documented"
