"""The Simulator handle against a real `upgrade-sim serve`: its process, clock, journal,
faults, actions and scenarios, and its errors. No test sleeps: each steps the virtual clock."""

import datetime
import json
import os
import urllib.error
import urllib.request

import pytest

from upgrade_sim import Simulator, SimulatorError, find_binary

AGENT = ("4.2.0.0", "20240109191841.el7")
OB_ROLLING = {"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "ROLLING"}


def get(url, headers=None):
    """A vendor request with the stdlib: (status, JSON body)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_context_manager_starts_its_own_process_and_stops_it():
    with Simulator() as sim:
        pid = sim.pid
        assert sim.running and alive(pid)
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.health()["status"] == "ready"
        url = sim.url
    assert not sim.running and sim.pid is None
    assert not alive(pid)  # stopped and reaped: no process left behind
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/_sim/health", timeout=5)


def test_two_simulators_at_once_get_their_own_ports_and_stop_apart():
    with Simulator() as a, Simulator() as b:
        assert a.url != b.url and a.pid != b.pid
        a.advance("1m")
        assert (a.clock()["now_ms"], b.clock()["now_ms"]) == (60_000, 0)
        b.stop()
        assert a.running and not b.running


def test_the_defaults_are_the_default_scenario_with_the_clock_stopped(upgrade_sim):
    health = upgrade_sim.health()
    assert (health["scenario"], health["seed"]) == ("default", 42)
    assert upgrade_sim.clock()["speed"] == 0
    with pytest.raises(SimulatorError, match="tls=True"):
        upgrade_sim.https_url


def test_advance_takes_a_duration_seconds_or_a_timedelta(upgrade_sim):
    assert upgrade_sim.advance("5m")["now_ms"] == 300_000
    assert upgrade_sim.advance(seconds=300)["now_ms"] == 600_000
    assert upgrade_sim.advance(datetime.timedelta(minutes=1))["now_ms"] == 660_000
    assert upgrade_sim.advance(1.5)["now_ms"] == 661_500
    with pytest.raises(TypeError):
        upgrade_sim.advance()


def test_a_refused_admin_call_raises_with_the_simulators_message(upgrade_sim):
    with pytest.raises(SimulatorError) as refused:
        upgrade_sim.advance("five minutes")
    assert refused.value.status == 400
    assert "five minutes" in refused.value.message
    with pytest.raises(SimulatorError, match="seconds must be a number from 0 to"):
        upgrade_sim.advance(seconds=-1)
    with pytest.raises(SimulatorError, match="no admin route /nowhere") as unknown:
        upgrade_sim.admin("GET", "/nowhere")
    assert unknown.value.status == 404


def test_run_until_idle_finishes_an_upgrade_started_by_an_action(upgrade_sim):
    assert upgrade_sim.action("obshell.upgrade_ob", **OB_ROLLING) == {"applied": "obshell.upgrade_ob"}
    clock = upgrade_sim.run_until_idle()
    assert clock["now_ms"] > 0
    obshell = upgrade_sim.state()["vendors"]["obshell"]
    assert obshell["dags"][0]["state"] == "SUCCEED"
    assert obshell["ob_version"] == "4.2.1.1-101000062023110109.el7"
    # Nothing is left to fire: a second call does not move the clock.
    assert upgrade_sim.run_until_idle()["now_ms"] == clock["now_ms"]


def test_an_action_that_does_not_apply_raises_with_the_simulators_message(upgrade_sim):
    with pytest.raises(SimulatorError, match="must be <vendor>.<action>"):
        upgrade_sim.action("observer_down")
    with pytest.raises(SimulatorError) as unknown:
        upgrade_sim.action("obshell.no_such_action")
    assert unknown.value.status == 400 and "no_such_action" in unknown.value.message


def test_an_observer_down_action_fails_the_rolling_upgrade_and_is_journalled(upgrade_sim):
    upgrade_sim.action("obshell.upgrade_ob", **OB_ROLLING)
    upgrade_sim.advance("1m")
    upgrade_sim.action("obshell.observer_down", zone="zone2")
    upgrade_sim.run_until_idle()
    assert upgrade_sim.state()["vendors"]["obshell"]["dags"][0]["state"] == "FAILED"
    live = upgrade_sim.journal(kind="fault", vendor="obshell", resource="timeline")
    assert [(e["detail"]["action"], e["detail"]["args"]) for e in live] == [
        ("upgrade_ob", OB_ROLLING),
        ("observer_down", {"zone": "zone2"}),
    ]
    failed = [e for e in upgrade_sim.journal(kind="fault", vendor="obshell") if e["resource"] != "timeline"]
    assert "Observer '10.0.0.2:2881' is not available" in failed[0]["detail"]["log"]


def test_journal_filters_by_kind_vendor_resource_and_since(upgrade_sim):
    upgrade_sim.action("obshell.upgrade_ob", **OB_ROLLING)
    status, _ = get(upgrade_sim.url + "/api/v1/lifecycle/upgrade-plans", {"Authorization": "Bearer sim-token"})
    assert status == 200
    upgrade_sim.run_until_idle()

    everything = upgrade_sim.journal()
    assert {e["kind"] for e in everything} >= {"request", "transition", "fault"}
    assert [e["seq"] for e in everything] == sorted(e["seq"] for e in everything)

    transitions = upgrade_sim.journal(kind="transition")
    assert transitions and all(e["kind"] == "transition" and "to" in e for e in transitions)

    requests = upgrade_sim.journal(kind="request", vendor="ota")
    assert [(e["detail"]["method"], e["detail"]["path"], e["detail"]["status"]) for e in requests] == [
        ("GET", "/api/v1/lifecycle/upgrade-plans", 200)
    ]

    dag = transitions[0]["resource"].split("/node")[0]
    within = upgrade_sim.journal(resource=dag)
    assert within and all(e["resource"] == dag or e["resource"].startswith(dag + "/") for e in within)
    assert len(within) < len(everything)

    middle = everything[len(everything) // 2]["seq"]
    assert [e["seq"] for e in upgrade_sim.journal(since=middle)] == [e["seq"] for e in everything if e["seq"] > middle]
    assert len(upgrade_sim.journal(limit=3)) == 3

    with pytest.raises(SimulatorError, match="kind=request"):
        upgrade_sim.journal(kind="nonsense")


def test_add_fault_returns_its_id_and_clear_faults_removes_them(upgrade_sim):
    plans = upgrade_sim.url + "/api/v1/lifecycle/upgrade-plans"
    token = {"Authorization": "Bearer sim-token"}
    fault = upgrade_sim.add_fault({"route": "GET /api/v1/lifecycle/**", "error": {"status": 503, "message": "backend unavailable"}})
    assert isinstance(fault, str) and fault
    assert [f["id"] for f in upgrade_sim.faults()] == [fault]
    status, body = get(plans, token)
    assert status == 503 and "backend unavailable" in json.dumps(body)
    assert upgrade_sim.journal(kind="fault", vendor="ota")

    second = upgrade_sim.add_fault({"id": "slow", "route": "/v3/**", "latency": {"fixed": "1ms"}})
    assert second == "slow"
    upgrade_sim.remove_fault(fault)
    assert [f["id"] for f in upgrade_sim.faults()] == ["slow"]
    upgrade_sim.clear_faults()
    assert upgrade_sim.faults() == []
    assert get(plans, token)[0] == 200

    with pytest.raises(SimulatorError, match="no fault 'gone'"):
        upgrade_sim.remove_fault("gone")
    with pytest.raises(SimulatorError) as bad:
        upgrade_sim.add_fault({"route": "/x", "eror": {"status": 503}})
    assert bad.value.status == 400 and "eror" in bad.value.message


def test_load_scenario_from_a_dict(upgrade_sim):
    loaded = upgrade_sim.load_scenario({"name": "from-a-dict", "seed": 5, "obshell": {"password": "s3cret"}})
    assert loaded == {"loaded": "from-a-dict", "seed": 5}
    assert (upgrade_sim.health()["scenario"], upgrade_sim.health()["seed"]) == ("from-a-dict", 5)
    assert "vendors" in upgrade_sim.state()


def test_load_scenario_from_yaml_text_and_from_a_path(upgrade_sim, repo):
    assert upgrade_sim.load_scenario("name: from-yaml\nseed: 9\n") == {"loaded": "from-yaml", "seed": 9}
    assert "name: from-yaml" in upgrade_sim.scenario_yaml()
    path = repo / "scenarios" / "obshell-rolling-zone2-observer-down.yaml"
    assert upgrade_sim.load_scenario(path)["loaded"] == upgrade_sim.health()["scenario"]
    assert upgrade_sim.load_scenario(str(path))["loaded"] == upgrade_sim.health()["scenario"]


def test_a_broken_scenario_raises_with_the_line_and_the_suggestion(upgrade_sim):
    with pytest.raises(SimulatorError) as broken:
        upgrade_sim.load_scenario("name: typo\njournl: {capacity: 10}\n")
    assert broken.value.status == 400
    assert "line 2" in broken.value.message
    assert "unknown key 'journl' (did you mean 'journal'?)" in broken.value.message
    with pytest.raises(SimulatorError, match="cannot read the scenario file"):
        upgrade_sim.load_scenario("no/such/scenario.yaml")
    assert upgrade_sim.health()["scenario"] == "default"  # the running scenario is kept


def test_a_scenario_and_seed_given_at_start(repo):
    with Simulator(scenario={"name": "started-with", "seed": 1}, seed=99) as sim:
        assert (sim.health()["scenario"], sim.health()["seed"]) == ("started-with", 99)
    with Simulator(scenario=repo / "scenarios" / "default.yaml") as sim:
        assert sim.health()["scenario"] == "default"


def test_a_scenario_the_simulator_refuses_at_start_raises_with_its_message():
    with pytest.raises(SimulatorError) as refused:
        Simulator(scenario="name: typo\njournl: {}\n").start()
    assert "unknown key 'journl'" in refused.value.message


def test_reset_rebuilds_the_world_at_time_zero(upgrade_sim):
    upgrade_sim.action("obshell.upgrade_ob", **OB_ROLLING)
    upgrade_sim.advance("10m")
    assert upgrade_sim.reset()["reset"] is True
    assert upgrade_sim.clock()["now_ms"] == 0
    assert upgrade_sim.journal(kind="transition") == []
    assert upgrade_sim.state()["vendors"]["obshell"]["dags"] == []


def test_tls_serves_https_beside_http():
    with Simulator(tls=True) as sim:
        assert sim.https_url.startswith("https://127.0.0.1:")
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.https_url.rsplit(":", 1)[1] != sim.url.rsplit(":", 1)[1]


def test_virtual_sleep_steps_the_clock_until_the_simulator_stops(upgrade_sim):
    upgrade_sim.virtual_sleep(3)
    upgrade_sim.virtual_sleep(0)  # still a (tiny) step: pollers that sleep 0 must progress
    assert upgrade_sim.clock()["now_ms"] == 3_001
    upgrade_sim.stop()
    upgrade_sim.virtual_sleep(0)  # real again, and no call to a stopped simulator


def test_the_binary_is_the_one_named_else_the_installed_one(monkeypatch, tmp_path):
    monkeypatch.delenv("UPGRADE_SIM_BIN", raising=False)
    installed = find_binary()
    assert os.access(installed, os.X_OK)
    monkeypatch.setenv("UPGRADE_SIM_BIN", str(tmp_path / "missing"))
    with pytest.raises(SimulatorError, match="UPGRADE_SIM_BIN names"):
        find_binary()
    assert find_binary(installed) == installed
    with pytest.raises(SimulatorError, match="--upgrade-sim-binary names"):
        Simulator(binary=tmp_path / "missing").start()


def test_a_stopped_simulator_raises_simulator_error_not_a_url_error():
    sim = Simulator()
    with sim:
        pass
    with pytest.raises(SimulatorError):
        sim.health()
