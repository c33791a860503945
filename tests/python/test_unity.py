"""storops 1.2.12, unchanged, drives a Unity software upgrade on `upgrade-sim serve`.

storops has no upgrade classes: a storops user scripts upgrades through UnityClient's generic
get/post/action/type_action calls, which is what these tests do. storops only builds https
URLs, so the simulator runs with `serve --tls` (a self-signed certificate made at start,
which storops does not verify). The clock is stopped; tests step it with sim.advance.
"""


import pytest
from storops import UnitySystem
from storops.connection.connector import UnityRESTConnector
from storops.connection.exceptions import HttpServerError
from storops.exception import UnityActionNotAllowedError, UnityException, UnityResourceNotFoundError
from storops.unity.enums import HealthEnum
from storops.unity.resource.job import UnityJob

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
