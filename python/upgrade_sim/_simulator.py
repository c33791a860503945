"""The `Simulator` handle: one `upgrade-sim serve` process and its admin API (`/_sim/`)."""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import queue
import re
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import IO, Any, Dict, List, Mapping, Optional, Union, cast

__all__ = ["Simulator", "SimulatorError", "find_binary", "Scenario"]

# Callers patch time.sleep with Simulator.virtual_sleep; the handle's own waits stay real.
_real_sleep = time.sleep

#: A scenario: a path to a YAML file, YAML text, or a dict (sent as JSON, which is YAML).
Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]

_LISTENING = re.compile(r"listening on (https?://\S+)")
_BINARY_ENV = "UPGRADE_SIM_BIN"


class SimulatorError(Exception):
    """Anything the simulator refused or could not do, with the simulator's own message.

    ``message`` is the simulator's text (the admin API's ``{"error": ...}``, or what the
    process printed when it could not start); ``status`` the HTTP status, when there was one.
    """

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message if self.status is None else f"{self.message} (HTTP {self.status})"


def find_binary(explicit: Optional[Union[str, "os.PathLike[str]"]] = None) -> str:
    """Where the `upgrade-sim` binary is: ``explicit`` if given, else ``$UPGRADE_SIM_BIN``,
    else the one installed with this package (the environment's scripts directory, as the
    wheel's bin bindings put it), else the first on PATH."""
    for given, origin in ((explicit, "--upgrade-sim-binary"), (os.environ.get(_BINARY_ENV), _BINARY_ENV)):
        if given:
            path = os.fspath(given)
            if not os.path.isfile(path):
                raise SimulatorError(f"{origin} names {path!r}, which is not a file")
            return path
    exe = "upgrade-sim" + (sysconfig.get_config_var("EXE") or "")
    dirs = [sysconfig.get_path("scripts")]
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if user_scheme and user_scheme in sysconfig.get_scheme_names():
        dirs.append(sysconfig.get_path("scripts", scheme=user_scheme))
    dirs.append(os.path.dirname(sys.executable))
    for d in dirs:
        candidate = os.path.join(d, exe)
        if os.path.isfile(candidate):
            return candidate
    import shutil

    on_path = shutil.which(exe)
    if on_path:
        return on_path
    raise SimulatorError(
        f"no {exe} binary: install this package with `pip install ./python`, or name one with "
        f"--upgrade-sim-binary PATH or ${_BINARY_ENV}"
    )


def scenario_text(scenario: Scenario) -> str:
    """The YAML text of a scenario given as a path, YAML text or a dict.

    A ``str`` on one line that names a file, or ends in ``.yaml``/``.yml``, is a path; any
    other ``str`` is YAML text. A dict is sent as JSON, which every YAML parser reads.
    """
    if isinstance(scenario, Mapping):
        return json.dumps(scenario, indent=2) + "\n"
    if isinstance(scenario, os.PathLike) or (
        isinstance(scenario, str)
        and "\n" not in scenario
        and (scenario.endswith((".yaml", ".yml")) or os.path.isfile(scenario))
    ):
        path = pathlib.Path(scenario)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise SimulatorError(f"cannot read the scenario file {path}: {e.strerror}") from e
    if isinstance(scenario, str):
        return scenario
    raise TypeError(f"a scenario is a path, YAML text or a dict, not {type(scenario).__name__}")


class Simulator:
    """An `upgrade-sim serve` process on a free loopback port, and its admin API.

    Use it as a context manager: the process starts on entry and is stopped (that process,
    by its id) on exit::

        with Simulator(scenario="scenarios/ota-threshold-autopause-batch3.yaml", seed=7) as sim:
            requests.get(sim.url + "/api/v1/lifecycle/upgrade-plans", ...)
            sim.advance("5m")

    ``scenario`` is a path, YAML text or a dict (the embedded default scenario when None);
    ``seed`` overrides the scenario's seed; ``speed`` is virtual seconds per wall second (0,
    the default, stops the clock so that only :meth:`advance` and :meth:`run_until_idle` move
    it); ``tls`` also serves HTTPS with a self-signed certificate (:attr:`https_url`).
    ``binary`` names the `upgrade-sim` executable (see :func:`find_binary`).
    """

    def __init__(
        self,
        scenario: Optional[Scenario] = None,
        seed: Optional[int] = None,
        speed: float = 0,
        tls: bool = False,
        *,
        binary: Optional[Union[str, "os.PathLike[str]"]] = None,
        timeout: float = 30.0,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.speed = speed
        self.tls = tls
        self.binary = binary
        self.timeout = timeout
        #: Every URL the process said it listens on (https first with tls, then http).
        self.urls: List[str] = []
        self.stopping = False
        self._proc: Optional[subprocess.Popen[str]] = None
        self._stderr: Optional[IO[bytes]] = None
        self._scenario_file: Optional[str] = None

    # -- the process ------------------------------------------------------------------------

    def start(self) -> "Simulator":
        """Starts the process and waits (at most ``timeout`` wall seconds) until it listens."""
        if self._proc is not None:
            raise SimulatorError("this simulator is already started")
        args = [find_binary(self.binary), "serve", "--listen", "127.0.0.1:0", "--speed", repr(float(self.speed))]
        if self.scenario is not None:
            text = scenario_text(self.scenario)
            fd, self._scenario_file = tempfile.mkstemp(prefix="upgrade-sim-", suffix=".yaml")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            args += ["--scenario", self._scenario_file]
        if self.seed is not None:
            args += ["--seed", str(int(self.seed))]
        if self.tls:
            args += ["--tls", "--tls-listen", "127.0.0.1:0"]
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "warn")
        self._stderr = tempfile.TemporaryFile()
        self.stopping = False
        self._proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True
        )
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=_drain, args=(self._proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                self._fail_start(f"upgrade-sim did not say where it listens within {self.timeout:g}s")
            if line is None:
                self._fail_start("upgrade-sim exited before it listened")
            assert line is not None
            self.urls += _LISTENING.findall(line)
            if self.urls and "(scenario" in line:  # the last listening line names the scenario
                return self

    def _fail_start(self, why: str) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.wait()
        printed = self._stderr_text().strip()
        self.stop()
        raise SimulatorError(f"{why}: {printed}" if printed else why)

    def _stderr_text(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """Stops the process this handle started (and only it); safe to call twice."""
        self.stopping = True
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._scenario_file is not None:
            try:
                os.unlink(self._scenario_file)
            except OSError:
                pass
            self._scenario_file = None

    @property
    def pid(self) -> Optional[int]:
        """The process id while running, else None."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "Simulator":
        """Starts the process, unless it is already started (as the factory's are)."""
        return self if self._proc is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.urls[-1] if self.urls else "not started"
        return f"<Simulator {where} pid={self.pid}>"

    @property
    def url(self) -> str:
        """The plain-HTTP base URL, like ``http://127.0.0.1:40123`` (no trailing slash)."""
        for u in self.urls:
            if u.startswith("http://"):
                return u.rstrip("/")
        raise SimulatorError("the simulator is not started" if not self.urls else "no plain-HTTP listener")

    @property
    def https_url(self) -> str:
        """The HTTPS base URL (self-signed certificate); only with ``tls=True``."""
        for u in self.urls:
            if u.startswith("https://"):
                return u.rstrip("/")
        raise SimulatorError("no HTTPS listener: start the simulator with tls=True")

    # -- the admin API ----------------------------------------------------------------------

    def admin(
        self,
        method: str,
        path: str,
        body: Union[None, bytes, str, Mapping[str, Any]] = None,
        params: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        """Calls ``/_sim{path}`` and returns its JSON (or text, or None when empty).

        A dict body is sent as JSON, a str or bytes as is. An error answer raises
        :class:`SimulatorError` with the simulator's message and the status.
        """
        url = self.url + "/_sim" + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data: Optional[bytes] = None
        if isinstance(body, Mapping):
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif isinstance(body, str):
            data = body.encode()
        elif body is not None:
            data = bytes(body)
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return _decode(resp.read(), resp.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            raw = e.read()
            answer = _decode(raw, e.headers.get("Content-Type", ""))
            message = answer.get("error") if isinstance(answer, dict) else None
            raise SimulatorError(str(message or raw.decode("utf-8", "replace") or e.reason), e.code) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            alive = "" if self.running else " (the simulator process is not running)"
            raise SimulatorError(f"{method} {url}: {reason}{alive}") from None

    def _obj(self, method: str, path: str, body: Any = None, params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """An admin call that answers a JSON object."""
        return cast(Dict[str, Any], self.admin(method, path, body, params))

    def health(self) -> Dict[str, Any]:
        """``GET /_sim/health``: status, scenario name, seed and clock."""
        return self._obj("GET", "/health")

    def clock(self) -> Dict[str, Any]:
        """``GET /_sim/clock``: ``now_ms``, ``now`` (RFC 3339) and ``speed``."""
        return self._obj("GET", "/clock")

    def advance(
        self,
        duration: Union[None, str, float, datetime.timedelta] = None,
        *,
        seconds: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Steps virtual time, firing every timer on the way: ``advance("5m")``,
        ``advance(seconds=300)`` (a number or a timedelta given positionally is seconds too).
        Returns the clock."""
        if (duration is None) == (seconds is None):
            raise TypeError('give a duration ("5m") or seconds=N, exactly one')
        if isinstance(duration, datetime.timedelta):
            seconds = duration.total_seconds()
        elif isinstance(duration, (int, float)):
            seconds = duration
        if seconds is not None:
            return self._obj("POST", "/clock/advance", {"seconds": seconds})
        return self._obj("POST", "/clock/advance", {"duration": duration})

    def run_until_idle(self) -> Dict[str, Any]:
        """Fires timers until none is left; returns the clock. A runaway raises."""
        return self._obj("POST", "/clock/run-until-idle")

    def set_speed(self, speed: float) -> Dict[str, Any]:
        """Sets virtual seconds per wall second (0 stops the clock)."""
        return self._obj("PUT", "/clock/speed", {"speed": speed})

    def reset(self) -> Dict[str, Any]:
        """Rebuilds the world from the scenario in force: time 0, journal emptied."""
        return self._obj("POST", "/reset")

    def load_scenario(self, scenario: Scenario) -> Dict[str, Any]:
        """Replaces the running scenario (a path, YAML text or a dict); the world restarts
        from it, with its own seed. A mistake raises with the simulator's line and column."""
        return self._obj("PUT", "/scenario", scenario_text(scenario))

    def scenario_yaml(self, secrets: bool = False) -> str:
        """The YAML of the scenario in force. Passwords, secret keys and tokens read ``***``
        unless ``secrets=True``; the masked text is re-serialized, without comments."""
        params = {"secrets": "show"} if secrets else None
        return cast(str, self.admin("GET", "/scenario", params=params))

    def state(self) -> Dict[str, Any]:
        """A snapshot of every resource of every vendor (``GET /_sim/state``)."""
        return self._obj("GET", "/state")

    def journal(
        self,
        kind: Optional[str] = None,
        vendor: Optional[str] = None,
        resource: Optional[str] = None,
        since: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """The journal's entries, oldest first, filtered by ``kind`` (request, transition,
        fault, event), ``vendor``, ``resource`` (a resource and its children) and ``since``
        (entries with a greater ``seq``); ``limit`` keeps the newest N."""
        params = {"kind": kind, "vendor": vendor, "resource": resource, "since": since, "limit": limit}
        return cast(List[Dict[str, Any]], self._obj("GET", "/journal", params=params)["entries"])

    def faults(self) -> List[Dict[str, Any]]:
        """Every HTTP fault in force, with how often it matched and fired."""
        return cast(List[Dict[str, Any]], self._obj("GET", "/faults")["faults"])

    def add_fault(self, spec: Mapping[str, Any]) -> str:
        """Adds an HTTP fault live (one ``http_faults`` entry, as a dict) and returns its id:
        ``add_fault({"route": "/v3/**", "error": {"status": 503}})``."""
        return str(self._obj("POST", "/faults", spec)["id"])

    def remove_fault(self, fault_id: str) -> None:
        """Removes one HTTP fault by its id."""
        self.admin("DELETE", "/faults/" + urllib.parse.quote(fault_id, safe=""))

    def clear_faults(self) -> None:
        """Removes every HTTP fault."""
        self.admin("DELETE", "/faults")

    def action(self, name: str, **args: Any) -> Dict[str, Any]:
        """Applies a domain fault or timeline action now:
        ``action("obshell.observer_down", zone="zone2")``."""
        return self._obj("POST", "/actions", {"do": name, "with": args})

    def virtual_sleep(self, seconds: float) -> None:
        """A drop-in for ``time.sleep`` that steps the virtual clock instead of waiting.

        Patch a client's sleep with it (``monkeypatch.setattr(module.time, "sleep",
        sim.virtual_sleep)``) so that its polling loops run on virtual time. A patched
        ``time.sleep`` is global: once the simulator is stopping (or gone), sleeps made by
        anyone else, such as ``subprocess.wait`` in the teardown, are real again.
        """
        if self.stopping or not self.running:
            _real_sleep(seconds)
            return
        self.advance(seconds=max(float(seconds), 0.001))


def _drain(stream: Optional[IO[str]], lines: "queue.Queue[Optional[str]]") -> None:
    """Reads the process's stdout to its end (so its pipe never fills), line by line."""
    if stream is not None:
        try:
            for line in stream:
                lines.put(line)
        except (OSError, ValueError):
            pass
    lines.put(None)


def _decode(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
