"""The official obshell SDK (PyPI `obshell`), unchanged, against `upgrade-sim serve`.

Each test loads a scenario (the default one with a version profile and the auth it offers,
which decide whether the SDK picks v1 or v2), drives the upgrade through the SDK's own calls and waits with its own
`wait_dag_succeed`; the SDK's sleeps step the virtual clock instead of waiting.
"""

import pathlib
import types
import time
from urllib.parse import urlparse

import pytest
import requests

from obshell import ClientSet
from obshell.auth.base import AuthVersion
from obshell.auth.password import PasswordAuth
from obshell.service import client_v1
from obshell.service.client_v1 import TaskExecuteFailedError

DEFAULT = (pathlib.Path(__file__).parents[2] / "scenarios" / "default.yaml").read_text()

# legacy is obshell 4.2.6: /api/v1/info offers ["v2"] -> the SDK signs X-OCS-Header, numeric codes;
# legacy-v1 adds the 4.2.2 docs' X-OCS-Auth (auth: [v1, v2]) -> the SDK takes v1;
# current is HEAD: ["v2"], errCode strings.
PROFILES = {"legacy": ("legacy", "", "v2"), "legacy-v1": ("legacy", "  auth: [v1, v2]\n", "v1"),
            "current": ("current", "", "v2")}

FAIL_LOG = "ERROR: [Package.Check]: checksum of obshell-4.2.0.0-20240109191841.el7.x86_64.rpm does not match"


def scenario(name, faults=""):
    profile, auth, _ = PROFILES[name]
    text = DEFAULT.replace("version_profile: legacy\n", f"version_profile: {profile}\n{auth}")
    if faults:
        text = text.replace("  stage_durations:\n", faults + "  stage_durations:\n", 1)
    return text


def client_for(sim, monkeypatch):
    url = urlparse(sim.url)
    # The SDK polls with time.sleep(3): step the virtual clock instead.
    monkeypatch.setattr(client_v1, "time", types.SimpleNamespace(sleep=sim.virtual_sleep, time=time.time))
    return ClientSet(url.hostname, url.port, PasswordAuth("sim-password"))


@pytest.mark.parametrize("auth", list(PROFILES))
def test_sdk_upgrades_the_agent_then_ob_rolling_and_waits_for_success(sim, monkeypatch, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)

    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    assert dag.max_stage == 9
    done = client.v1.wait_dag_succeed(dag.generic_id)
    assert done.state == "SUCCEED"
    assert client.v1._get_auth().get_version() == AuthVersion(PROFILES[auth][2])

    dag = client.v1.upgrade_ob("4.2.1.1", "101000062023110109.el7", "ROLLING")
    assert dag.max_stage == 30
    done = client.v1.wait_dag_succeed(dag.generic_id)
    assert done.state == "SUCCEED"
    assert [n.name for n in done.nodes][13] == "Stop zone1"
    state = sim.state()["vendors"]["obshell"]
    assert state["agent_version"] == "4.2.0.0-20240109191841.el7"
    assert state["ob_version"] == "4.2.1.1-101000062023110109.el7"


@pytest.mark.parametrize("auth", list(PROFILES))
def test_a_failed_dag_carries_the_sub_task_log_and_retry_ends_succeed(sim, monkeypatch, auth):
    faults = (
        "  faults:\n"
        "    fail_nodes:\n"
        f"      - {{dag: agent, stage: 3, agent: \"10.0.0.2:2886\", log: \"{FAIL_LOG}\"}}\n"
    )
    sim.load_scenario(scenario(auth, faults))
    client = client_for(sim, monkeypatch)

    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    with pytest.raises(TaskExecuteFailedError) as failed:
        client.v1.wait_dag_succeed(dag.generic_id)
    assert FAIL_LOG in str(failed.value)
    assert "10.0.0.2" in str(failed.value)
    assert failed.value.dag.state == "FAILED"

    # The failed DAG keeps the maintenance lock: a new upgrade is refused.
    with pytest.raises(client_v1.OBShellHandleError):
        client.v1.upgrade_ob("4.2.1.1", "101000062023110109.el7", "ROLLING")

    assert client.v1.operate_dag(dag.generic_id, "RETRY")
    done = client.v1.wait_dag_succeed(dag.generic_id)
    assert (done.state, done.operator) == ("SUCCEED", "RUN")


def test_a_bad_request_reaches_the_sdk_as_the_real_error(sim, monkeypatch):
    sim.load_scenario(scenario("current"))
    client = client_for(sim, monkeypatch)
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.upgrade_ob("4.2.1.1", "101000062023110109.el7", "bogus")
    assert e.value.err_code == "OB.Upgrade.Mode.NotSupported"
    assert "Upgrade mode 'BOGUS' is not supported" in str(e.value.message)


@pytest.mark.parametrize("auth", list(PROFILES))
def test_get_ob_info_lists_the_agents_and_the_topology(sim, monkeypatch, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    info = client.v1.get_ob_info()
    assert [(a.ip, a.port, a.zone, a.identity) for a in info.agents] == [
        ("10.0.0.1", 2886, "zone1", "CLUSTER AGENT"),
        ("10.0.0.2", 2886, "zone2", "CLUSTER AGENT"),
        ("10.0.0.3", 2886, "zone3", "CLUSTER AGENT"),
    ]
    assert info.agents[0].version == "4.2.0.0-20231130120000"
    assert (info.cluster.cluster_id, info.cluster.cluster_name, info.cluster.version) == (1, "obcluster", "4.2.1.0")
    assert sorted(info.cluster.zone_config) == ["zone1", "zone2", "zone3"]
    server = info.cluster.zone_config["zone2"][0]
    assert (server.svr_ip, server.svr_port, server.sql_port, server.agent_port) == ("10.0.0.2", 2882, 2881, 2886)
    assert (server.status, server.build_version) == ("ACTIVE", "4.2.1.0_100000102023092807")


@pytest.mark.parametrize("auth", list(PROFILES))
def test_the_six_task_queries_answer_from_the_real_task_services(sim, monkeypatch, auth):
    """maintain/ob and ob/unfinish read the cluster's task service (the agent upgrade is a
    cluster DAG); maintain/agent, agent/unfinish and maintain/agents read the agent's local one,
    which holds no upgrade (4.2.6 / HEAD executor/task/dag.go)."""
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.get_agent_last_maintenance_dag()
    assert "Agent is not under maintenance" in str(e.value.message)

    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    sim.advance(seconds=7)
    assert [d.generic_id for d in client.v1.get_cluster_unfinished_dag()] == [dag.generic_id]
    assert [d.generic_id for d in client.v1.get_unfinished_dags()] == [dag.generic_id]
    assert client.v1.get_agent_unfinished_dag() == []
    assert client.v1.get_all_agent_last_maintenance_dag() == []
    # The server answers one DAG object; the SDK looks for `contents` and returns [] (real).
    assert client.v1.get_ob_last_maintenance_dag() == []
    with pytest.raises(client_v1.OBShellHandleError):
        client.v1.get_agent_last_maintenance_dag()

    done = client.v1.wait_dag_succeed(dag.generic_id)
    assert done.state == "SUCCEED"
    assert client.v1.get_unfinished_dags() == []
    assert client.v1.get_cluster_unfinished_dag() == []
    status = client.v1.get_status()
    assert status.agent.identity == "CLUSTER AGENT"
    assert client.v1.get_info().version == "4.2.0.0-20240109191841"


@pytest.mark.parametrize("auth", list(PROFILES))
def test_a_failed_check_is_finished_and_a_failed_upgrade_is_not(sim, monkeypatch, auth):
    faults = "  faults:\n    fail_nodes:\n      - {dag: any, stage: 1, attempts: []}\n"
    sim.load_scenario(scenario(auth, faults))
    client = client_for(sim, monkeypatch)
    with pytest.raises(TaskExecuteFailedError):
        client.v1.upgrade_agent_check_sync("4.2.0.0", "20240109191841.el7")
    assert client.v1.get_unfinished_dags() == []
    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    with pytest.raises(TaskExecuteFailedError):
        client.v1.wait_dag_succeed(dag.generic_id)
    assert [d.generic_id for d in client.v1.get_cluster_unfinished_dag()] == [dag.generic_id]


@pytest.mark.parametrize("auth", ["legacy", "current"])
def test_an_agent_password_is_announced_and_checked(sim, monkeypatch, auth):
    sim.load_scenario(scenario(auth).replace("  password: sim-password\n", "  password: sim-password\n  agent_password: agent-secret\n"))
    url = urlparse(sim.url)
    monkeypatch.setattr(client_v1, "time", types.SimpleNamespace(sleep=sim.virtual_sleep, time=time.time))
    good = ClientSet(url.hostname, url.port, PasswordAuth("sim-password", agent_password="agent-secret"))
    assert requests.get(sim.url + "/api/v1/info").json()["data"]["security"] is True
    assert good.v1.get_ob_info().cluster.cluster_name == "obcluster"
    bad = ClientSet(url.hostname, url.port, PasswordAuth("sim-password", agent_password="wrong"))
    with pytest.raises(client_v1.OBShellHandleError) as e:
        bad.v1.get_ob_info()
    assert "agent password is incorrect" in str(e.value.message).lower()


def test_without_an_agent_password_info_says_security_false(sim, monkeypatch):
    sim.load_scenario(scenario("legacy"))
    assert requests.get(sim.url + "/api/v1/info").json()["data"]["security"] is False
    assert client_for(sim, monkeypatch).v1.get_ob_info().agents


@pytest.mark.parametrize("auth", list(PROFILES))
def test_the_sync_calls_and_the_task_reads(sim, monkeypatch, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    check = client.v1.upgrade_ob_check_sync("4.2.1.1", "101000062023110109.el7")
    assert (check.state, check.max_stage) == ("SUCCEED", 6)
    agent = client.v1.upgrade_agent_sync("4.2.0.0", "20240109191841.el7")
    assert (agent.state, agent.max_stage) == ("SUCCEED", 9)
    ob = client.v1.upgrade_ob_sync("4.2.1.1", "101000062023110109.el7", "STOPSERVICE")
    assert (ob.state, ob.max_stage, ob.operator) == ("SUCCEED", 18, "RUN")

    dag = client.v1.get_dag(ob.generic_id)
    assert [n.name for n in dag.nodes][0] == "Check the python environment"
    node = client.v1.get_node(dag.nodes[-1].generic_id)
    assert (node.name, node.state) == ("Remove upgrade check task dir", "SUCCEED")
    assert len(node.sub_tasks) == 3
    task = client.v1.get_sub_task(node.sub_tasks[0].generic_id)
    assert task.state == "SUCCEED" and task.execute_times == 1
    assert task.execute_agent in {"10.0.0.1:2886", "10.0.0.2:2886", "10.0.0.3:2886"}
    state = sim.state()["vendors"]["obshell"]
    assert state["ob_version"] == "4.2.1.1-101000062023110109.el7"
    # The last maintenance DAG of the cluster is the OB upgrade, now finished.
    assert client.v1.get_unfinished_dags() == []


# ---- uploads, routes and auth texts (issue 12 items 4, 5 and the 4.2.6 auth words) ----------

import hashlib
import struct
import subprocess

from upgrade_sim import find_binary


def make_rpm(tmp_path, name, version, release, upgrade_dep=None, bare=False):
    """A small real RPM from `upgrade-sim obshell-rpm` (the rpm crate's builder): the files
    the real server requires of `name`, and for oceanbase-ce the upgrade_dep YAML given."""
    out = tmp_path / f"{name}-{version}-{release}.x86_64.rpm"
    args = [find_binary(), "obshell-rpm", name, version, release, "--out", str(out)]
    if upgrade_dep is not None:
        dep = tmp_path / "oceanbase_upgrade_dep.yml"
        dep.write_text(upgrade_dep)
        args += ["--upgrade-dep", str(dep)]
    if bare:
        args.append("--bare")
    subprocess.run(args, check=True)
    return out


def signature_digest(path):
    """RPMSIGTAG_MD5's value computed independently: md5 and length of everything after the
    signature header (a 96-byte lead, then the header: 16 bytes, 16 per index entry, the
    store, padded to 8), which is what the Go library's MD5Check hashes."""
    data = path.read_bytes()
    nindex, hsize = struct.unpack(">II", data[96 + 8:96 + 16])
    end = 96 + 16 + 16 * nindex + hsize
    end += (8 - end % 8) % 8
    rest = data[end:]
    return hashlib.md5(rest).hexdigest(), len(rest)


def answers(client, monkeypatch):
    """Every raw reply the SDK gets (upload_pkg drops its parsed answer)."""
    seen = []
    real = client.v1._execute

    def record(req):
        resp = real(req)
        seen.append(resp)
        return resp

    monkeypatch.setattr(client.v1, "_execute", record)
    return seen


@pytest.mark.parametrize("auth", list(PROFILES))
def test_upload_pkg_sends_a_real_rpm_and_the_row_is_read_from_its_header(sim, monkeypatch, tmp_path, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    seen = answers(client, monkeypatch)
    rpm = make_rpm(tmp_path, "obshell", "4.3.0.0", "100.el7")
    client.v1.upload_pkg(str(rpm))
    data = seen[-1].json()["data"]
    md5, payload = signature_digest(rpm)
    chunk = 16 * 1024 * 1024 - 1 if PROFILES[auth][0] == "legacy" else 8 * 1024 * 1024 - 1
    assert (data["Name"], data["Version"], data["Release"], data["Distribution"]) == ("obshell", "4.3.0.0", "100", "el7")
    assert (data["Md5"], data["PayloadSize"]) == (md5, payload)
    assert data["ChunkCount"] == -(-payload // chunk)
    assert data["Size"] > 0
    # The uploaded package is what the agent upgrade then finds.
    dag = client.v1.upgrade_agent_check_sync("4.3.0.0", "100.el7")
    assert dag.state == "SUCCEED"


@pytest.mark.parametrize("auth", ["legacy", "current"])
def test_upload_pkg_of_something_else_raises_the_real_refusal(sim, monkeypatch, tmp_path, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    notes = tmp_path / "notes-4.3.0.0-1.el7.x86_64.rpm"
    notes.write_text("x" * 200)
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.upload_pkg(str(notes))
    if auth == "legacy":
        assert (e.value.code, e.value.message) == (1010, "Known error: rpm: invalid file descriptor")
    else:
        assert (e.value.err_code, e.value.message) == ("Common.Unexpected", "rpm: invalid file descriptor")
    old = make_rpm(tmp_path, "obshell", "4.1.0.0", "1.el7")
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.upload_pkg(str(old))
    assert "the minimum supported version is '4.2.0.0'" in e.value.message
    if auth == "current":
        assert e.value.err_code == "Agent.OBVersionNotSupported"


DEP = """- version: 4.2.1.0
  can_be_upgraded_to: [4.2.2.0]
- version: 4.2.2.0
  can_be_upgraded_to: [4.3.0.0]
  require_from_binary: {value: true, when_come_from: [4.2.1.0]}
- version: 4.3.0.0
"""


@pytest.mark.parametrize("auth", ["legacy", "current"])
def test_an_uploaded_route_yaml_makes_a_two_step_ob_upgrade(sim, monkeypatch, tmp_path, auth):
    """The target oceanbase-ce carries oceanbase_upgrade_dep.yml with a barrier at 4.2.2.0: the
    route has R = 2 steps, 10 + 2·(5 + 5·3) = 50 rolling stages, and every step's packages must
    be there."""
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    for name, version, release, dep in [
        ("oceanbase-ce", "4.3.0.0", "100000042024030300.el7", DEP),
        ("oceanbase-ce-libs", "4.3.0.0", "100000042024030300.el7", None),
        ("oceanbase-ce", "4.2.2.0", "100000022024010100.el7", None),
    ]:
        client.v1.upload_pkg(str(make_rpm(tmp_path, name, version, release, dep)))
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.upgrade_ob("4.3.0.0", "100000042024030300.el7", "ROLLING")
    assert "oceanbase-ce-libs-4.2.2.0-${release}.el7.x86_64.rpm" in e.value.message
    client.v1.upload_pkg(str(make_rpm(tmp_path, "oceanbase-ce-libs", "4.2.2.0", "100000022024010100.el7")))
    dag = client.v1.upgrade_ob("4.3.0.0", "100000042024030300.el7", "ROLLING")
    assert dag.max_stage == 50
    done = client.v1.wait_dag_succeed(dag.generic_id)
    assert done.state == "SUCCEED"
    assert sim.state()["vendors"]["obshell"]["ob_version"] == "4.3.0.0-100000042024030300.el7"


@pytest.mark.parametrize("auth", ["legacy", "current"])
def test_a_target_without_the_route_yaml_is_refused_by_the_upgrade(sim, monkeypatch, tmp_path, auth):
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    for name in ["oceanbase-ce", "oceanbase-ce-libs"]:
        client.v1.upload_pkg(str(make_rpm(tmp_path, name, "4.3.0.0", "100000042024030300.el7", "")))
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.upgrade_ob("4.3.0.0", "100000042024030300.el7", "STOPSERVICE")
    if auth == "legacy":
        assert (e.value.code, e.value.message) == (1002, "Unexpected error: target pkg upgrade dep yaml is empty")
    else:
        assert (e.value.err_code, e.value.message) == ("OB.Upgrade.DepYamlMissing", "Target package upgrade dependency YAML is empty")


def test_a_wrong_password_reaches_the_sdk_in_4_2_6s_words(sim, monkeypatch):
    sim.load_scenario(scenario("legacy"))
    url = urlparse(sim.url)
    client = ClientSet(url.hostname, url.port, PasswordAuth("not-the-password"))
    with pytest.raises(client_v1.OBShellHandleError) as e:
        client.v1.get_dag("12")
    assert (e.value.code, e.value.message) == (10008, "Verification failed: access denied")


@pytest.mark.parametrize("auth", ["legacy", "current"])
def test_heads_package_and_log_routes_through_the_sdks_own_request_path(sim, monkeypatch, tmp_path, auth):
    """No ClientV1 method calls these routes; REST users do. Sent through the SDK's own
    `create_request` and `_handle_ret_request` (its auth, its error handling): HEAD serves them,
    4.2.6 has none of them (gin's 404 answered as 400, code 1000)."""
    sim.load_scenario(scenario(auth))
    client = client_for(sim, monkeypatch)
    seen = answers(client, monkeypatch)
    client.v1.upload_pkg(str(make_rpm(tmp_path, "obshell", "4.3.0.0", "100.el7")))
    pkg_id = seen[-1].json()["data"]["PkgId"]
    dag = client.v1.upgrade_agent_sync("4.3.0.0", "100.el7")
    task_id = dag.nodes[0].sub_tasks[0].generic_id
    calls = [
        ("/api/v1/upgrade/package/info", "GET"),
        (f"/api/v1/task/sub_task/{task_id}/logs", "GET"),
        (f"/api/v1/upgrade/package/{pkg_id}", "DELETE"),
    ]
    if auth == "legacy":
        for uri, method in calls:
            with pytest.raises(client_v1.OBShellHandleError) as e:
                client.v1._handle_ret_request(client.v1.create_request(uri, method))
            assert (e.value.code, e.value.message) == (1000, "Bad request: 404 not found")
        return
    client.v1._handle_ret_request(client.v1.create_request(*calls[0]))
    rows = seen[-1].json()["data"]["contents"]
    assert (rows[0]["pkg_id"], rows[0]["name"], rows[0]["version"]) == (pkg_id, "obshell", "4.3.0.0")
    client.v1._handle_ret_request(client.v1.create_request(*calls[1]))
    logs = [r["log_content"] for r in seen[-1].json()["data"]["contents"]]
    assert logs == list(dag.nodes[0].sub_tasks[0].task_logs)
    assert client.v1._handle_ret_request(client.v1.create_request(*calls[2])) is True
    client.v1._handle_ret_request(client.v1.create_request(*calls[0]))
    assert pkg_id not in [r["pkg_id"] for r in seen[-1].json()["data"]["contents"]]
