#!/usr/bin/env bash
# The load benchmark (issue 11): one hot read per vendor, the simulator side by side with
# httpmock's standalone server serving byte-identical responses for the same paths, the servers
# alternated A B A B in one run. Prints req/s, p50 and p99 of each, the ratio, and the
# simulator's RSS after, and each server's own CPU time per request (from /proc, so other load
# on the machine disturbs it far less than req/s). Not in CI: it is slow and the figures are
# only worth reading as ratios taken in one run on one machine. BENCHMARKS.md has its figures.
#
#   bash scripts/bench-load.sh                 # release build of this tree, 2 rounds of 5 s
#   BENCH_ROUNDS=3 BENCH_SECONDS=10 bash scripts/bench-load.sh
#   BENCH_BEFORE=/path/to/old/upgrade-sim bash scripts/bench-load.sh   # a third server: A B C
#   BENCH_ONLY=taurusdb-token bash scripts/bench-load.sh               # one read
#   BENCH_PORT=18580 bash scripts/bench-load.sh   # ports PORT, PORT+1, PORT+2 (default 18480)
#
# Needs wrk (apt-get install -y wrk), curl, openssl and python3; installs httpmock into
# $HOME/.cache/upgrade-sim/httpmock when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${UPGRADE_SIM_CACHE:-$HOME/.cache/upgrade-sim}"
ROUNDS="${BENCH_ROUNDS:-2}"
SECONDS_EACH="${BENCH_SECONDS:-5}"
CONNS="${BENCH_CONNECTIONS:-16}"
ONLY="${BENCH_ONLY:-}"
PORT="${BENCH_PORT:-18480}"
SIM_PORT="$PORT" MOCK_PORT=$((PORT + 1)) BEFORE_PORT=$((PORT + 2))
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null || { echo "bench-load: $1 is missing ($2)" >&2; exit 2; }; }
need wrk "apt-get install -y wrk"
need curl "apt-get install -y curl"
need openssl "apt-get install -y openssl"
need python3 "apt-get install -y python3"

HTTPMOCK="$CACHE/httpmock/bin/httpmock"
if [ ! -x "$HTTPMOCK" ]; then
    echo "bench-load: installing httpmock's standalone server into $CACHE/httpmock" >&2
    CARGO_TARGET_DIR="$CACHE/httpmock-build" cargo install httpmock --features standalone \
        --root "$CACHE/httpmock" >&2
fi

SIM="${BENCH_SIM:-}"
if [ -z "$SIM" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    (cd "$ROOT" && cargo build --release -q -p upgrade-sim --bin upgrade-sim)
    SIM="$CARGO_TARGET_DIR/release/upgrade-sim"
fi

wait_port() {
    for _ in $(seq 1 200); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    echo "bench-load: nothing answers on port $1" >&2
    exit 2
}

# The default scenario, with the agent offering v1 auth too (the default is v2 only), so that
# the DAG read can carry the v1 header the issue names.
sed 's/^  version_profile: legacy$/  version_profile: legacy\n  auth: [v1, v2]/' \
    "$ROOT/scenarios/default.yaml" >"$WORK/bench.yaml"
grep -q '^  auth: \[v1, v2\]$' "$WORK/bench.yaml" ||
    { echo "bench-load: could not offer v1 auth in $WORK/bench.yaml" >&2; exit 2; }

start_sim() { # binary port
    if curl -s -o /dev/null "http://127.0.0.1:$2/"; then
        echo "bench-load: something already answers on port $2 (an earlier run still stopping?)" >&2
        exit 2
    fi
    "$1" serve --speed 0 --scenario "$WORK/bench.yaml" --listen "127.0.0.1:$2" >"$WORK/sim-$2.log" 2>&1 &
    PIDS+=($!)
    wait_port "$2"
}

start_sim "$SIM" "$SIM_PORT"
SIM_PID="${PIDS[-1]}"
SERVERS=("sim:$SIM_PORT")
declare -A PID_OF=([sim]="$SIM_PID")
if [ -n "${BENCH_BEFORE:-}" ]; then
    start_sim "$BENCH_BEFORE" "$BEFORE_PORT"
    SERVERS+=("before:$BEFORE_PORT")
    PID_OF[before]="${PIDS[-1]}"
fi

PROJECT=054e292c9880d4992f02c0196d3ea468
INSTANCE=6754902da1f447269c6979b0590102a5in07

# The OBShell v1 header: {"password", "ts"} sealed with the agent's RSA key (PKCS#1 v1.5), as
# the SDK does; the simulator, like the agent, decrypts it on every request.
obshell_header() { # port
    curl -s "http://127.0.0.1:$1/api/v1/secret" | python3 -c \
        'import sys, json; print(json.load(sys.stdin)["data"]["public_key"])' |
        base64 -d >"$WORK/obshell.der"
    openssl rsa -RSAPublicKey_in -inform DER -in "$WORK/obshell.der" -pubout \
        -out "$WORK/obshell.pem" 2>/dev/null
    printf '{"password": "sim-password", "ts": %s}' "$(($(date +%s) + 3600))" |
        openssl pkeyutl -encrypt -pubin -inkey "$WORK/obshell.pem" \
            -pkeyopt rsa_padding_mode:pkcs1 | base64 -w0
}

# SDK-HMAC-SHA256 over the SDK's canonical request, as huaweicloudsdkcore signs a GET.
taurusdb_signature() { # path -> "X-Sdk-Date|Authorization"
    python3 - "$1" <<'EOF'
import hashlib, hmac, sys, time
path, project = sys.argv[1], "054e292c9880d4992f02c0196d3ea468"
date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
names = "x-project-id;x-sdk-date"
canonical = "\n".join(["GET", path + "/", "", f"x-project-id:{project}\nx-sdk-date:{date}\n",
                       names, hashlib.sha256(b"").hexdigest()])
to_sign = f"SDK-HMAC-SHA256\n{date}\n" + hashlib.sha256(canonical.encode()).hexdigest()
sig = hmac.new(b"simulator-secret-key", to_sign.encode(), hashlib.sha256).hexdigest()
print(f"{date}|SDK-HMAC-SHA256 Access=SIMULATORACCESSKEY00, SignedHeaders={names}, Signature={sig}")
EOF
}

# The resources the reads need, made the same way on every simulator under test.
prepare() { # port -> "dag_id plan_id session_id"
    local base="http://127.0.0.1:$1" auth dag plan session csrf
    auth="$(obshell_header "$1")"
    dag="$(curl -s -H "X-OCS-Auth: $auth" -X POST "$base/api/v1/agent/upgrade" \
        -d '{"version":"4.2.0.0","release":"20240109191841.el7"}' |
        python3 -c 'import sys, json; print(json.load(sys.stdin)["data"]["generic_id"])' 2>/dev/null || echo 12)"
    plan="$(curl -s -H 'Authorization: Bearer sim-token' -H 'Content-Type: application/json' \
        -X POST "$base/api/v1/lifecycle/upgrade-plans" \
        -d @"$ROOT/fixtures/ota/create-graduated-plan.request.json" |
        python3 -c 'import sys, json; d = json.load(sys.stdin); print(d.get("data", d).get("id") or d["data"]["planId"])')"
    local jar="$WORK/jar-$1"
    csrf="$(curl -s -D - -o /dev/null -u 'admin:Password123#' -H 'X-EMC-REST-CLIENT: true' \
        -c "$jar" -b "$jar" "$base/api/types/user/instances" |
        awk -F': ' 'tolower($1)=="emc-csrf-token"{print $2}' | tr -d '\r')"
    session="$(curl -s -u 'admin:Password123#' -H 'X-EMC-REST-CLIENT: true' -c "$jar" -b "$jar" \
        -H "EMC-CSRF-TOKEN: $csrf" -X POST -d '{"pauseBeforeReboot": true}' \
        "$base/api/types/softwareUpgradeSession/instances" |
        python3 -c 'import sys, json; print(json.load(sys.stdin)["content"]["id"])')"
    curl -s -o /dev/null -X POST -d '{"duration":"12s"}' "$base/_sim/clock/advance"
    echo "$dag $plan $session"
}

read -r DAG PLAN SESSION <<<"$(prepare "$SIM_PORT")"
if [ -n "${BENCH_BEFORE:-}" ]; then prepare "$BEFORE_PORT" >/dev/null; fi
OBS_AUTH="$(obshell_header "$SIM_PORT")"

# name|path|headers (separated by ';;')
READS=(
    "obshell-status|/api/v1/status|"
    "obshell-dag-v1|/api/v1/task/dag/$DAG?show_details=True|X-OCS-Auth: $OBS_AUTH"
    "ota-plan|/api/v1/lifecycle/upgrade-plans/$PLAN|Authorization: Bearer sim-token"
    "taurusdb-token|/v3/$PROJECT/instances/$INSTANCE|X-Auth-Token: sim-token"
    "taurusdb-aksk|/v3/$PROJECT/instances/$INSTANCE|AKSK"
    "unity-session|/api/instances/softwareUpgradeSession/$SESSION|Authorization: Basic $(printf 'admin:Password123#' | base64);;X-EMC-REST-CLIENT: true"
)

headers_of() { # spec path -> one header per line
    if [ "$1" = AKSK ]; then
        local s
        s="$(taurusdb_signature "${2%%\?*}")"
        printf 'X-Project-Id: %s\nX-Sdk-Date: %s\nAuthorization: %s\n' "$PROJECT" "${s%%|*}" "${s#*|}"
    elif [ -n "$1" ]; then
        printf '%s\n' "${1//;;/$'\n'}"
    fi
}

# Capture what the simulator answers and have httpmock serve the same status, content type
# and body for the same path.
mkdir -p "$WORK/mocks"
for spec in "${READS[@]}"; do
    IFS='|' read -r name path hdrs <<<"$spec"
    args=()
    while IFS= read -r h; do [ -n "$h" ] && args+=(-H "$h"); done < <(headers_of "$hdrs" "$path")
    curl -s -D "$WORK/$name.head" -o "$WORK/$name.body" "${args[@]}" "http://127.0.0.1:$SIM_PORT$path"
    python3 - "$WORK/$name.head" "$WORK/$name.body" "${path%%\?*}" "$WORK/mocks/$name.yaml" <<'EOF'
import json, sys
head, body, path, out = sys.argv[1:5]
lines = open(head, encoding="latin-1").read().split("\r\n")
status = int(lines[0].split()[1])
skip = {"content-length", "date", "connection", "transfer-encoding", "set-cookie"}
headers = [l.split(": ", 1) for l in lines[1:] if ": " in l]
headers = [(k, v) for k, v in headers if k.lower() not in skip]
text = open(body, "rb").read().decode("utf-8")
with open(out, "w") as f:
    f.write(f"when:\n  method: GET\n  path: {json.dumps(path)}\nthen:\n  status: {status}\n  header:\n")
    for k, v in headers:
        f.write(f"    - name: {json.dumps(k)}\n      value: {json.dumps(v)}\n")
    f.write(f"  body: {json.dumps(text)}\n")
EOF
done
"$HTTPMOCK" --port "$MOCK_PORT" --disable-access-log --request-history-limit 0 \
    --mock-files-dir "$WORK/mocks" >"$WORK/httpmock.log" 2>&1 &
PIDS+=($!)
PID_OF[httpmock]="${PIDS[-1]}"
wait_port "$MOCK_PORT"
SERVERS+=("httpmock:$MOCK_PORT")

for spec in "${READS[@]}"; do
    IFS='|' read -r name path _ <<<"$spec"
    got="$(curl -s "http://127.0.0.1:$MOCK_PORT${path}" | cmp -s - "$WORK/$name.body" && echo same || echo DIFFERENT)"
    printf '%-15s %6d bytes, httpmock body %s\n' "$name" "$(stat -c %s "$WORK/$name.body")" "$got"
done
echo

# The CPU time (user + system, in clock ticks) a server process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_wrk() { # port path headers pid -> "req/s p50 p99 errors cpu-us-per-request"
    local args=() h before after
    while IFS= read -r h; do [ -n "$h" ] && args+=(-H "$h"); done < <(headers_of "$3" "$2")
    before="$(cpu_ticks "$4")"
    wrk -t1 -c"$CONNS" -d"${SECONDS_EACH}s" --latency "${args[@]}" "http://127.0.0.1:$1$2" \
        >"$WORK/wrk.out"
    after="$(cpu_ticks "$4")"
    CPU_TICKS=$((after - before)) TICK_HZ="$(getconf CLK_TCK)" python3 -c '
import os, re, sys
t = sys.stdin.read()
def ms(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, t, re.M)
    if not m: return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
errs = re.search(r"Socket errors:.*", t)
done = re.search(r"(\d+) requests in", t)
cpu_us = int(os.environ["CPU_TICKS"]) * 1e6 / int(os.environ["TICK_HZ"])
per = cpu_us / int(done.group(1)) if done and int(done.group(1)) else float("nan")
print(rps.group(1) if rps else 0, ms(50), ms(99), (bad.group(1) if bad else 0), "%.1f" % per,
      "err" if errs else "")' <"$WORK/wrk.out"
}

printf '%-15s %-9s %5s %10s %8s %8s %12s\n' read server round 'req/s' 'p50 ms' 'p99 ms' 'cpu us/req'
declare -A BEST CPU
for spec in "${READS[@]}"; do
    IFS='|' read -r name path hdrs <<<"$spec"
    if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then continue; fi
    for round in $(seq 1 "$ROUNDS"); do
        for server in "${SERVERS[@]}"; do
            label="${server%%:*}" port="${server#*:}"
            read -r rps p50 p99 bad cpu errs <<<"$(run_wrk "$port" "$path" "$hdrs" "${PID_OF[$label]}")"
            note=""
            [ "$bad" != 0 ] && note=" ($bad non-2xx)"
            [ -n "$errs" ] && note="$note (socket errors)"
            printf '%-15s %-9s %5s %10.0f %8.2f %8.2f %12s%s\n' "$name" "$label" "$round" "$rps" "$p50" "$p99" "$cpu" "$note"
            key="$name/$label"
            BEST[$key]="$(python3 -c "print(max(float('${BEST[$key]:-0}'), float('$rps')))")"
            CPU[$key]="$(python3 -c "print(min(float('${CPU[$key]:-inf}'), float('$cpu')))")"
        done
    done
done

# One line per read: httpmock's figure from the associative array named $1, then every other
# server's with its ratio to httpmock's, in the printf format $2.
summary() {
    local -n figures="$1"
    local format="$2" spec name mock line server label v
    for spec in "${READS[@]}"; do
        IFS='|' read -r name _ _ <<<"$spec"
        if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then continue; fi
        mock="${figures[$name/httpmock]}"
        line="$(printf "%-15s httpmock $format" "$name" "$mock")"
        for server in "${SERVERS[@]}"; do
            label="${server%%:*}"
            [ "$label" = httpmock ] && continue
            v="${figures[$name/$label]}"
            line="$line $(python3 -c "print('%s $format (%.2fx)' % ('$label', $v, $v / $mock if $mock else 0))")"
        done
        echo "$line"
    done
}

echo
echo "least server CPU time per request over $ROUNDS rounds, µs (ratio to httpmock; the figure a"
echo "shared machine disturbs least, since it counts only the server's own work):"
summary CPU '%6.1f'
echo
echo "best of $ROUNDS rounds, req/s (ratio to httpmock):"
summary BEST '%7.0f'
echo
echo "simulator RSS after the run: $(awk '/VmRSS/{print $2, $3}' "/proc/$SIM_PID/status"), journal: $(curl -s "http://127.0.0.1:$SIM_PORT/_sim/journal?limit=0")"
