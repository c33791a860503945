# The README's "Use it from Python" example, verbatim: CI runs it, so it cannot rot.
from urllib.parse import urlparse

import pytest
from obshell import ClientSet
from obshell.auth.password import PasswordAuth


@pytest.mark.upgrade_sim(seed=7)
def test_the_agent_upgrade_runs_on_virtual_time(upgrade_sim):
    url = urlparse(upgrade_sim.url)
    client = ClientSet(url.hostname, url.port, PasswordAuth("sim-password"))
    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    upgrade_sim.advance("5m")  # no sleeping: step the virtual clock
    assert client.v1.get_dag(dag.generic_id).state == "SUCCEED"
    moves = [e["to"] for e in upgrade_sim.journal(kind="transition", vendor="obshell")]
    assert moves[-1] == "SUCCEED"
