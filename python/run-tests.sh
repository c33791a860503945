#!/usr/bin/env bash
# The upgrade-sim Python package's own tests, the way a user meets the package: a fresh venv,
# the README's install line (`pip install ./python`, which compiles the binary into the wheel;
# $CARGO_TARGET_DIR keeps that incremental), then `pytest python/tests`. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upgrade-sim/target}"
python="$(command -v python3.11 || command -v python3)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
pip="$scratch/venv/bin/pip"
started=$SECONDS
"$pip" install --quiet --disable-pip-version-check ./python   # the README's line
echo "pip install ./python: $((SECONDS - started))s in a fresh venv"
"$pip" install --quiet --disable-pip-version-check -r python/tests/requirements.txt
# The tests check the binary the wheel installed, not one named from outside.
unset UPGRADE_SIM_BIN
"$scratch/venv/bin/python" -m pytest python/tests -q -p no:cacheprovider "$@"
