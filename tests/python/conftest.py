"""Fixtures for the vendor-SDK tests: the `upgrade_sim` package's pytest plugin.

tests/python/run.sh installs the package (`pip install ./python`) into the SDK venv, so the
plugin's `upgrade_sim` fixture, with the binary the wheel carries, is what these tests use: a
real `upgrade-sim serve` per test on a free port, clock stopped (speed 0). Tests move virtual
time with `sim.advance(...)`; where a vendor SDK sleeps between polls, `sim.virtual_sleep`
replaces that sleep with a clock step (real again once the simulator is stopping), so no test
waits on wall time for a state. A module configures its simulator with
`pytest.mark.upgrade_sim(...)` (test_unity.py asks for tls=True).
"""

import pytest


@pytest.fixture
def sim(upgrade_sim):
    """The plugin's `upgrade_sim` fixture, under the short name these tests use."""
    return upgrade_sim
