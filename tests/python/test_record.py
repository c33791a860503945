"""`upgrade-conformance record` in front of `upgrade-sim serve`, with the vendors' own SDKs as the
client: the obshell SDK's agent upgrade (v2 hybrid encryption), the Huawei SDK's AK/SK-signed
batch upgrade and storops' paused-then-resumed session (HTTPS, CSRF refresh). Each recording
becomes a case file that writes no secret, replays green against a fresh `serve`, and fails
when replayed through a proxy that changes one status or one state.

The harness binary is the one cargo builds in $CARGO_TARGET_DIR (`cargo build -p
upgrade-conformance` runs first, a no-op when it is fresh).
"""

import http.server
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import threading
import time
import types

import pytest
import requests

ROOT = pathlib.Path(__file__).parents[2]
DEFAULT = (ROOT / "scenarios" / "default.yaml").read_text()
# The agent answers [v2] only: the SDK seals every request (X-OCS-Header, AES bodies).
CURRENT = DEFAULT.replace("version_profile: legacy", "version_profile: current")


@pytest.fixture(scope="session")
def conformance():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "debug" / "upgrade-conformance"
    # Built every time cargo is at hand (a no-op when fresh), so that a binary left in a
    # reused target dir by an older checkout is never the one tested.
    if shutil.which("cargo"):
        subprocess.run(["cargo", "build", "--quiet", "-p", "upgrade-conformance"], cwd=ROOT, check=True)
    if not binary.exists():
        pytest.fail(f"no {binary}: build it with `cargo build -p upgrade-conformance`")
    return binary


class Recorder:
    """`upgrade-conformance record` on a free port; `stop()` sends SIGTERM and returns the file."""

    def __init__(self, binary, upstream, out, *extra):
        self.out = out
        self.proc = subprocess.Popen(
            [binary, "record", "--upstream", upstream, "--listen", "127.0.0.1:0", "--out", str(out), *extra],
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stderr.readline()
        found = re.search(r"listening on (https?://\S+),", line)
        if not found:
            self.proc.kill()
            pytest.fail(f"the recorder did not start: {line}{self.proc.stderr.read()}")
        self.url = found.group(1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        assert "exchanges written to" in err, err
        return self.out.read_text()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def record(conformance, tmp_path):
    started = []

    def start(upstream, *extra):
        r = Recorder(conformance, upstream, tmp_path / f"recorded-{len(started)}.yaml", *extra)
        started.append(r)
        return r

    yield start
    for r in started:
        r.kill()


def replay(binary, target, case):
    """Runs the recorded case against `target` with no config (the simulator's credentials)."""
    return subprocess.run(
        [binary, "run", "--target", target, str(case)], capture_output=True, text=True, timeout=600
    )


class Spoiler:
    """A proxy in front of a simulator that passes everything through except what `mutate`
    changes: `mutate(method, target, status, body) -> (status, body)` for JSON answers."""

    HOP = {"connection", "content-length", "content-encoding", "transfer-encoding", "keep-alive"}

    def __init__(self, upstream, mutate):
        spoiler = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                # Host as the client sent it: the Huawei signature covers it.
                headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
                r = requests.request(
                    self.command, upstream + self.path, headers=headers, data=body, allow_redirects=False
                )
                status, data = r.status_code, r.content
                try:
                    parsed = r.json()
                except ValueError:
                    parsed = None
                if parsed is not None:
                    status, parsed = mutate(self.command, self.path, status, parsed)
                    data = json.dumps(parsed).encode()
                self.send_response(status)
                for k, v in r.headers.items():
                    if k.lower() not in Spoiler.HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def spoiler():
    started = []

    def start(upstream, mutate):
        s = Spoiler(upstream, mutate)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


def first_post_status_changed():
    """The first POST's 2xx answer comes back with another 2xx status."""
    seen = {"posted": False}

    def mutate(method, target, status, body):
        if method == "POST" and not seen["posted"] and not target.startswith("/_sim/") and 200 <= status < 300:
            seen["posted"] = True
            return (202 if status != 202 else 200), body
        return status, body

    return mutate


def final_state_leaves(pointer, final, again, where=""):
    """Once a GET of one resource answered `final` at `pointer`, later reads say `again`."""
    done = set()

    def mutate(method, target, status, body):
        if method != "GET" or where not in target or not isinstance(body, dict):
            return status, body
        keys = pointer.strip("/").split("/")
        holder = body
        for k in keys[:-1]:
            holder = holder.get(k) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or keys[-1] not in holder:
            return status, body
        if target in done:
            holder[keys[-1]] = again
        elif holder[keys[-1]] == final:
            done.add(target)
        return status, body

    return mutate


@pytest.fixture
def replays(conformance, spoiler):
    """`replays(recorder, fresh, state_change, says)`: the recorder's case file is green
    against the simulator `fresh`; red through a proxy changing one status, and through one
    applying `state_change`, its failure naming each of `says`."""

    def check(rec, fresh, state_change, says):
        assert_replays(conformance, rec.out, fresh, spoiler, state_change, says)

    return check


def assert_replays(conformance, case, fresh, spoiler, state_change, says):
    ok = replay(conformance, fresh.url, case)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed" in ok.stdout, ok.stdout

    status = spoiler(fresh.url, first_post_status_changed())
    bad = replay(conformance, status.url, case)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    changed = re.search(r"✗ status: expected (2\d\d), got (2\d\d)", bad.stdout)
    assert changed and changed[1] != changed[2], bad.stdout

    state = spoiler(fresh.url, state_change)
    bad = replay(conformance, state.url, case)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    for word in says:
        assert word in bad.stdout, bad.stdout


def no_secret(text, *secrets):
    for s in secrets:
        assert s not in text, f"{s!r} written in the case file:\n{text}"


def test_the_obshell_sdks_v2_agent_upgrade_records_and_replays(
    record, replays, upgrade_sim_factory, monkeypatch
):
    from obshell import ClientSet
    from obshell.auth.base import AuthVersion
    from obshell.auth.password import PasswordAuth
    from obshell.service import client_v1

    sim = upgrade_sim_factory(scenario=CURRENT)
    rec = record(sim.url)
    monkeypatch.setattr(client_v1, "time", types.SimpleNamespace(sleep=sim.virtual_sleep, time=time.time))
    port = int(rec.url.rsplit(":", 1)[1])
    client = ClientSet("127.0.0.1", port, PasswordAuth("sim-password"))
    dag = client.v1.upgrade_agent("4.2.0.0", "20240109191841.el7")
    assert client.v1.wait_dag_succeed(dag.generic_id).state == "SUCCEED"
    assert client.v1._get_auth().get_version() == AuthVersion.V2
    text = rec.stop()

    no_secret(text, "sim-password", "X-OCS-Header", "public_key")
    assert "vendor: obshell" in text
    assert "version: 4.2.0.0" in text, "the sealed body is recorded plain"
    assert "/api/v1/task/dag/${id}" in text, "the DAG id is captured and reused"
    assert "poll:" in text and "/data/state: SUCCEED" in text

    replays(
        rec,
        upgrade_sim_factory(scenario=CURRENT),
        final_state_leaves("/data/state", "SUCCEED", "RUNNING", "/api/v1/task/dag/"),
        ["obshell.dag", "SUCCEED", "RUNNING"],
    )


PROJECT = "054e292c9880d4992f02c0196d3ea468"
ORDERS = "6754902da1f447269c6979b0590102a5in07"
SK = "simulator-secret-key"


def test_the_huawei_sdks_batch_upgrade_records_and_replays(
    record, replays, upgrade_sim_factory, monkeypatch, tmp_path
):
    # Importing the SDK writes ~/.huaweicloud/application_id: keep it in a scratch HOME.
    monkeypatch.setenv("HOME", str(tmp_path))
    from huaweicloudsdkcore.auth import credentials
    from huaweicloudsdkgaussdb import v3

    sim = upgrade_sim_factory()
    rec = record(sim.url)
    c = (
        v3.GaussDBClient.new_builder()
        .with_credentials(credentials.BasicCredentials("SIMULATORACCESSKEY00", SK, PROJECT))
        .with_endpoint(rec.url)
        .build()
    )
    infos = [v3.UpgradeDatabasesSingleInstance(current_version="2.0.48.231200", instance_id=ORDERS)]
    body = v3.BatchUpgradeDatabasesRequestBody(databases_instance_infos=infos, delay=False)
    assert c.batch_upgrade_databases(v3.BatchUpgradeDatabasesRequest(body=body)).resp == "success"
    jobs = c.list_immediate_jobs(v3.ListImmediateJobsRequest(job_name="UpgradeGaussDBforMySQLDatabaseVersion")).jobs
    job_id = jobs[0].job_id
    for _ in range(100):
        job = c.show_gauss_my_sql_job_info(v3.ShowGaussMySqlJobInfoRequest(id=job_id)).job
        if job.status == "Completed":
            break
        sim.virtual_sleep(30)
    assert job.status == "Completed"
    info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
    assert info.status == "ACTIVE"
    text = rec.stop()

    no_secret(text, SK, "SDK-HMAC-SHA256", "SIMULATORACCESSKEY00", PROJECT)
    assert "vendor: taurusdb" in text
    assert "${taurusdb.project_id}" in text and "${job_id}" in text, text
    assert "/job/status: Completed" in text, text

    replays(
        rec,
        upgrade_sim_factory(),
        final_state_leaves("/job/status", "Completed", "Running", "/jobs"),
        ["taurusdb.job", "Completed", "Running"],
    )


SESSION = "softwareUpgradeSession"


def test_storops_session_flow_records_over_https_and_replays(
    record, replays, upgrade_sim_factory
):
    from storops import UnitySystem
    from storops.connection.connector import UnityRESTConnector
    from storops.connection.exceptions import HttpServerError

    sim = upgrade_sim_factory()
    rec = record(sim.url, "--tls")
    assert rec.url.startswith("https://")
    UnityRESTConnector.HEADERS.pop("emc-csrf-token", None)
    host, port = rec.url.split("//")[1].rsplit(":", 1)
    cli = UnitySystem(host=host, username="admin", password="Password123#", port=int(port), verify=False)._cli

    def poll(sid, want):
        for _ in range(300):
            try:
                if cli.get(SESSION, sid).first_content["status"] == want:
                    return
            except HttpServerError:
                pass  # the array answers 503 while the primary SP reboots
            sim.advance(60)
        pytest.fail(f"session {sid} never reached {want}")

    cli.type_action(SESSION, "verifyUpgradeEligibility").raise_if_err()
    candidate = cli.get_all("candidateSoftwareVersion").first_content
    created = cli.post(SESSION, candidate={"id": candidate["id"]}, pauseBeforeReboot=True)
    created.raise_if_err()
    sid = created.resource_id
    poll(sid, 6)
    cli.action(SESSION, sid, "resume").raise_if_err()
    poll(sid, 2)
    text = rec.stop()

    no_secret(text, "Password123#", "emc-csrf-token", "mod_sec_emc", "Basic ")
    assert "vendor: unity" in text
    assert "/api/types/user/instances" not in text, "storops' CSRF refresh is the adapter's on replay"
    assert text.count("- name: POST /api/types/softwareUpgradeSession/action/verifyUpgradeEligibility\n") == 1, text
    assert re.search(r"GET /api/instances/softwareUpgradeSession/\$\{id\w*\} \(read \d+ times\)", text), text
    assert "/content/status: 6" in text and "/content/status: 2" in text, text

    replays(
        rec,
        upgrade_sim_factory(),
        final_state_leaves("/content/status", 2, 1, SESSION),
        ["unity.session", "2", "1"],
    )
