#!/usr/bin/env bash
# Runs the vendor-SDK tests: the official obshell SDK, Huawei Cloud's GaussDB SDK and storops,
# unchanged, against a real `upgrade-sim serve`. Makes its own Python 3.11 venv on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upgrade-sim/target}"
venv="${UPGRADE_SIM_VENV:-$HOME/.cache/upgrade-sim/venv}"
python="$(command -v python3.11 || command -v python3)"
stamp="$venv/.requirements.sha256"
want="$(sha256sum tests/python/requirements.txt | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "making the SDK venv in $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  echo "$want" > "$stamp"
fi
cargo build --quiet -p upgrade-sim --bin upgrade-sim
export UPGRADE_SIM_BIN="$CARGO_TARGET_DIR/debug/upgrade-sim"
exec "$venv/bin/python" -m pytest tests/python -q -p no:cacheprovider "$@"
