"""Fixtures for the vendor-SDK tests: a real `upgrade-sim serve` process on a free port.

The binary comes from $UPGRADE_SIM_BIN (tests/python/run.sh builds it). The simulator runs with
its clock stopped (--speed 0); tests move virtual time through /_sim/clock/advance, and where a
vendor SDK sleeps between polls, the `virtual_sleep` helper replaces that sleep with a clock
step, so no test waits on wall time for a state.
"""

import os
import re
import subprocess
import time

import pytest
import requests

# Tests patch time.sleep with virtual_sleep; the fixture's own waits must stay real.
_real_sleep = time.sleep


class Simulator:
    def __init__(self, proc, base_url, urls):
        self.proc = proc
        self.base_url = base_url
        self.urls = urls  # every "listening on" URL the process printed (http, https)
        self.stopping = False

    def admin(self, method, path, **kw):
        r = requests.request(method, self.base_url + "/_sim" + path, timeout=30, **kw)
        r.raise_for_status()
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else r.text

    def advance(self, seconds):
        return self.admin("POST", "/clock/advance", json={"seconds": seconds})

    def run_until_idle(self):
        return self.admin("POST", "/clock/run-until-idle")

    def load_scenario(self, yaml_text):
        return self.admin("PUT", "/scenario", data=yaml_text.encode())

    def reset(self):
        return self.admin("POST", "/reset")

    def state(self):
        return self.admin("GET", "/state")

    def journal(self, **params):
        return self.admin("GET", "/journal", params=params)

    def stop(self):
        self.stopping = True
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def virtual_sleep(self, seconds):
        """A drop-in for time.sleep that steps the virtual clock instead of waiting.

        A patched time.sleep is global: once the simulator is stopping (or gone), sleeps made
        by anyone else, such as subprocess.wait in the teardown, are real again.
        """
        if self.stopping or self.proc.poll() is not None:
            _real_sleep(seconds)
            return
        self.advance(max(float(seconds), 0.001))


def start_simulator(*extra_args):
    binary = os.environ.get("UPGRADE_SIM_BIN")
    if not binary or not os.path.exists(binary):
        pytest.fail("UPGRADE_SIM_BIN is not set to a built upgrade-sim binary; run tests/python/run.sh")
    args = [binary, "serve", "--listen", "127.0.0.1:0", "--speed", "0", *extra_args]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        urls += re.findall(r"listening on (https?://\S+)", line)
        if urls and "(scenario" in line:
            break
    if not urls:
        proc.kill()
        pytest.fail("upgrade-sim did not print its listening address")
    http = next((u for u in urls if u.startswith("http://")), urls[0])
    return Simulator(proc, http, urls)


@pytest.fixture
def sim():
    """A fresh simulator on the embedded default scenario, clock stopped."""
    s = start_simulator()
    yield s
    s.stop()
