"""The pytest plugin (entry point ``pytest11``): simulators as fixtures.

- ``upgrade_sim``: a fresh :class:`~upgrade_sim.Simulator` per test (clock stopped, the
  default scenario), stopped after the test. ``@pytest.mark.upgrade_sim(scenario=...,
  seed=...)`` configures it (``speed`` and ``tls`` too, as :class:`~upgrade_sim.Simulator`
  takes them).
- ``upgrade_sim_factory``: session-scoped; ``upgrade_sim_factory(scenario=..., seed=...)``
  starts another simulator (use it as a context manager, or leave it to be stopped at the end
  of the session).
- ``--upgrade-sim-binary PATH``: the `upgrade-sim` binary to run (default: ``$UPGRADE_SIM_BIN``,
  else the one installed with the package).
"""

from __future__ import annotations

import os
from typing import Any, Iterator, List, Optional

import pytest

from ._simulator import Simulator


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("upgrade-sim")
    group.addoption(
        "--upgrade-sim-binary",
        metavar="PATH",
        default=None,
        help="the upgrade-sim binary the upgrade_sim fixtures run "
        "(default: $UPGRADE_SIM_BIN, else the one installed with the upgrade-sim package)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "upgrade_sim(scenario=None, seed=None, speed=0, tls=False): configures the upgrade_sim "
        "fixture's simulator (scenario: a path, YAML text or a dict)",
    )


class SimulatorFactory:
    """Starts simulators on demand and stops, at the end of the session, those still running."""

    def __init__(self, binary: Optional[str] = None) -> None:
        self.binary = binary
        self.started: List[Simulator] = []

    def __call__(self, scenario: Any = None, seed: Optional[int] = None, speed: float = 0, tls: bool = False) -> Simulator:
        """Starts a simulator (as :class:`~upgrade_sim.Simulator` takes these) and returns it."""
        sim = Simulator(scenario=scenario, seed=seed, speed=speed, tls=tls, binary=self.binary)
        sim.start()
        self.started.append(sim)
        return sim

    def close(self) -> None:
        """Stops every simulator this factory started that is still running."""
        while self.started:
            self.started.pop().stop()


@pytest.fixture(scope="session")
def upgrade_sim_factory(pytestconfig: pytest.Config) -> Iterator[SimulatorFactory]:
    """Starts more than one simulator: ``a = upgrade_sim_factory(seed=1)``."""
    binary = pytestconfig.getoption("upgrade_sim_binary") or None
    factory = SimulatorFactory(os.fspath(binary) if binary else None)
    yield factory
    factory.close()


@pytest.fixture
def upgrade_sim(request: pytest.FixtureRequest, upgrade_sim_factory: SimulatorFactory) -> Iterator[Simulator]:
    """A fresh simulator for this test, configured by ``@pytest.mark.upgrade_sim(...)``."""
    marker = request.node.get_closest_marker("upgrade_sim")
    args = marker.args if marker else ()
    kwargs = dict(marker.kwargs) if marker else {}
    sim = upgrade_sim_factory(*args, **kwargs)
    try:
        yield sim
    finally:
        sim.stop()
        if sim in upgrade_sim_factory.started:
            upgrade_sim_factory.started.remove(sim)
