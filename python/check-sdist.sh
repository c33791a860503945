#!/usr/bin/env bash
# The package as an index would carry it: build the source distribution with maturin, check it
# holds every file the crate embeds (simulator/assets/, symlinks into scenarios/ and fixtures/
# that cargo packages as plain files), install it in a fresh venv (which compiles the binary
# from the sdist alone, away from this clone) and start a Simulator on the embedded default
# scenario. .ci/run calls this after python/run-tests.sh. The dev profile keeps it quick.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upgrade-sim/target}"
python="$(command -v python3.11 || command -v python3)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/build"
"$scratch/build/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.7,<2'
(cd python && "$scratch/build/bin/maturin" sdist --out "$scratch/dist" >"$scratch/sdist.log" 2>&1) || { cat "$scratch/sdist.log" >&2; exit 1; }
sdist=$(ls "$scratch"/dist/upgrade_sim-*.tar.gz)
echo "sdist: $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB)"
# Every include_str!/include_bytes! of the simulator crate must name a file inside the crate.
embedded=$(grep -rhoE 'include_(str|bytes)!\("[^"]+"\)' simulator/src | sed -E 's/.*\("(.*)"\)/\1/' | sort -u)
for path in $embedded; do
    case $path in ../../assets/*|../../../assets/*) ;; *) echo "simulator embeds $path, outside simulator/assets/: an sdist cannot build" >&2; exit 1 ;; esac
done
listing=$(tar tzf "$sdist")
for f in simulator/assets/default-scenario.yaml simulator/assets/obshell-agent-key.pem upgrade_sim/pytest_plugin.py; do
    grep -qx "upgrade_sim-[^/]*/$f" <<<"$listing" || { echo "sdist lacks $f" >&2; exit 1; }
done
"$python" -m venv "$scratch/venv"
started=$SECONDS
(cd "$scratch" && MATURIN_PEP517_ARGS='--profile dev' "$scratch/venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "$sdist")
echo "pip install <sdist>: $((SECONDS - started))s in a fresh venv"
unset UPGRADE_SIM_BIN
(cd "$scratch" && "$scratch/venv/bin/python" - <<'PY'
import json, urllib.request
from upgrade_sim import Simulator
with Simulator() as sim:
    with urllib.request.urlopen(sim.url + "/api/v1/status") as r:
        status = json.load(r)
    assert status["successful"] is True, status
    vendors = {e["vendor"] for e in sim.journal()}
    assert "obshell" in vendors, vendors
print("the sdist's binary serves the embedded default scenario")
PY
)
