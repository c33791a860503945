#!/usr/bin/env bash
# Runs the vendor-SDK tests: the official obshell SDK, Huawei Cloud's GaussDB SDK and storops,
# unchanged, against a real `upgrade-sim serve`. Makes its own Python 3.11 venv on first use,
# installs the upgrade-sim package into it (`pip install ./python`: the wheel carries the
# binary, built in $CARGO_TARGET_DIR so that repeated installs are incremental), and runs
# pytest, whose `upgrade_sim` fixture comes from that package's plugin.
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
echo "installing the upgrade-sim package into $venv (pip install ./python)"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
# The plugin runs the binary the package installed, not one named from outside.
unset UPGRADE_SIM_BIN
exec "$venv/bin/python" -m pytest tests/python -q -p no:cacheprovider "$@"
