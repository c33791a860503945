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
