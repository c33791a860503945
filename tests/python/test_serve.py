"""`upgrade-sim serve` as a real process: it listens, reports ready, and steps its clock."""

import requests


def test_serve_reports_ready_on_the_default_scenario(sim):
    health = requests.get(sim.url + "/_sim/health", timeout=10).json()
    assert health["status"] == "ready"
    assert health["scenario"] == "default"


def test_the_clock_stays_put_until_stepped(sim):
    before = sim.clock()["now_ms"]
    after = sim.advance(90)["now_ms"]
    assert after - before == 90_000
