"""upgrade-sim from Python: start the simulator of vendors' software-upgrade REST APIs on a free
port, step its virtual clock, inject faults and read its journal, with the stdlib only.

>>> from upgrade_sim import Simulator
>>> with Simulator(seed=7) as sim:            # doctest: +SKIP
...     sim.advance("5m")

The pytest plugin (:mod:`upgrade_sim.pytest_plugin`, loaded through the ``pytest11`` entry
point) gives the ``upgrade_sim`` and ``upgrade_sim_factory`` fixtures.
"""

from ._simulator import Scenario, Simulator, SimulatorError, find_binary

__all__ = ["Scenario", "Simulator", "SimulatorError", "find_binary"]
