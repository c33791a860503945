#!/usr/bin/env bash
# Schemathesis (from PyPI, in its own venv) against `upgrade-sim serve`, one vendor's OpenAPI
# document at a time, with that vendor's credentials from the default scenario. Fails on any
# not_a_server_error, status_code_conformance, content_type_conformance or
# response_schema_conformance failure. Usage: scripts/schemathesis.sh [VENDOR...]
# (default: every vendor `upgrade-sim openapi` has a document for). Issue 16.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SCHEMATHESIS_VENV:-$HOME/.cache/upgrade-sim/venv-schemathesis}
BIN=${UPGRADE_SIM_BIN:-${CARGO_TARGET_DIR:-target}/debug/upgrade-sim}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-50}
if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'schemathesis>=4,<5'
fi
[ -x "$BIN" ] || cargo build -q -p upgrade-sim
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --listen "127.0.0.1:$port" --speed 0 >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/_sim/health" >/dev/null && break; sleep 0.1; done
vendors=("$@")
[ ${#vendors[@]} -gt 0 ] || mapfile -t vendors < <(curl -sf "$base/_sim/openapi.json" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))')
status=0
for v in "${vendors[@]}"; do
    curl -sf "$base/_sim/openapi.json?vendor=$v" >"$work/$v.json"
    echo "== schemathesis: $v"
    curl -sf -X POST "$base/_sim/reset" >/dev/null
    cred() { curl -sf "$base/_sim/credentials" | python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
    headers=()
    case $v in
        # Only the public routes (info, status, secret): every other route needs the RSA-sealed
        # X-OCS-Header (its key and expiry sealed per request), which Schemathesis cannot make;
        # tests/obshell/openapi.rs drives those with the signing helpers.
        obshell) headers=(--include-path-regex '^/api/v1/(info|status|secret)$') ;;
        ota) headers=(-H "Authorization: Bearer $(cred '["ota"]["token"]')") ;;
        taurusdb) headers=(-H "X-Auth-Token: $(cred '["taurusdb"]["token"]')") ;;
        # Basic on every request; the CSRF token of the login session a first GET opens (after
        # the reset: a reset starts a new instance with new tokens), for every POST. Logout is
        # left out: it ends that session, so every later POST would only get 401 (the Rust
        # tests and conformance/suites/unity check logout).
        unity)
            basic=(-u "$(cred '["unity"]["username"]'):$(cred '["unity"]["password"]')" -H 'X-EMC-REST-CLIENT: true')
            token=$(curl -sf -D - -o /dev/null "${basic[@]}" "$base/api/types/user/instances" | awk -F': ' 'tolower($1)=="emc-csrf-token"{print $2}' | tr -d '\r')
            headers=(--auth "$(cred '["unity"]["username"]'):$(cred '["unity"]["password"]')" -H 'X-EMC-REST-CLIENT: true' -H "EMC-CSRF-TOKEN: $token"
                     --exclude-path /api/types/loginSessionInfo/action/logout) ;;
    esac
    if ! "$VENV/bin/st" run "$work/$v.json" --url "$base" "${headers[@]}" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "$EXAMPLES" --seed 16 --workers 1 --no-color; then
        status=1
    fi
done
exit $status
