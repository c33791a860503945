"""The pytest plugin: the upgrade_sim fixture and its marker, the session factory, and the
--upgrade-sim-binary option."""

import os

import pytest

from upgrade_sim import Simulator

SMALL = {"name": "marked", "seed": 3}


@pytest.mark.upgrade_sim(scenario=SMALL, seed=1234)
def test_the_marker_sets_the_scenario_and_the_seed(upgrade_sim):
    health = upgrade_sim.health()
    assert (health["scenario"], health["seed"]) == ("marked", 1234)


@pytest.mark.upgrade_sim(scenario="name: marked-yaml\nseed: 8\n")
def test_the_marker_takes_yaml_text_and_keeps_the_scenarios_seed(upgrade_sim):
    assert (upgrade_sim.health()["scenario"], upgrade_sim.health()["seed"]) == ("marked-yaml", 8)


@pytest.mark.upgrade_sim(speed=60, tls=True)
def test_the_marker_passes_speed_and_tls(upgrade_sim):
    assert upgrade_sim.clock()["speed"] == 60
    assert upgrade_sim.https_url.startswith("https://")


@pytest.mark.upgrade_sim(seed=5)
class TestAMarkedClass:
    def test_a_class_marker_reaches_its_tests(self, upgrade_sim):
        assert upgrade_sim.health()["seed"] == 5


def test_the_factory_starts_two_independent_simulators(upgrade_sim_factory):
    with upgrade_sim_factory(seed=1) as one, upgrade_sim_factory(scenario=SMALL) as two:
        assert isinstance(one, Simulator) and one.url != two.url
        assert (one.health()["seed"], two.health()["scenario"]) == (1, "marked")
        one.advance("2m")
        assert (one.clock()["now_ms"], two.clock()["now_ms"]) == (120_000, 0)
    assert not one.running and not two.running


def test_no_process_outlives_its_fixture_or_the_session(pytester):
    pytester.makepyfile(
        """
        PIDS = open("pids.txt", "w")

        def test_leaves_one_running(upgrade_sim_factory):
            sim = upgrade_sim_factory()
            print(sim.pid, file=PIDS, flush=True)
            assert sim.running

        def test_the_fixture(upgrade_sim):
            print(upgrade_sim.pid, file=PIDS, flush=True)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    pids = [int(p) for p in (pytester.path / "pids.txt").read_text().split()]
    assert len(pids) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_marker_is_registered(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.upgrade_sim(seed=2)
        def test_marked(upgrade_sim):
            assert upgrade_sim.health()["seed"] == 2
        """
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "upgrade_sim(scenario=None, seed=None" in "\n".join(pytester.runpytest_subprocess("--markers").outlines)


def test_the_binary_option_chooses_the_build(pytester, tmp_path):
    pytester.makepyfile(
        """
        def test_uses_the_fixture(upgrade_sim):
            pass
        """
    )
    missing = tmp_path / "no-such-upgrade-sim"
    result = pytester.runpytest_subprocess(f"--upgrade-sim-binary={missing}", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*--upgrade-sim-binary names '{missing}', which is not a file*"])
    assert "--upgrade-sim-binary=PATH" in "\n".join(pytester.runpytest_subprocess("--help").outlines)


def test_the_binary_option_wins_over_the_environment(pytester, monkeypatch):
    from upgrade_sim import find_binary

    real = find_binary()
    monkeypatch.setenv("UPGRADE_SIM_BIN", os.devnull + "-missing")
    pytester.makepyfile(
        """
        def test_uses_the_fixture(upgrade_sim):
            assert upgrade_sim.health()["status"] == "ready"
        """
    )
    result = pytester.runpytest_subprocess(f"--upgrade-sim-binary={real}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
