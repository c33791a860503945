#!/usr/bin/env bash
# The simulator's RSS under a long load (issue 11): wrk drives one read (the TaurusDB instance
# GET with X-Auth-Token, a 2 KB body, journalled like every vendor request) in rounds until
# BENCH_REQUESTS requests have been answered, printing the RSS after each round, so that the
# figure at 500,000 and at 1,000,000 requests can be compared (the default journal ring holds
# 100,000 entries, so memory must stay flat once it is full). Not in CI.
#
#   bash scripts/bench-memory.sh                       # 1,000,000 requests
#   BENCH_SIM=/path/to/upgrade-sim BENCH_REQUESTS=500000 bash scripts/bench-memory.sh
#   BENCH_PORT=18590 bash scripts/bench-memory.sh      # another port (default 18490)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOTAL="${BENCH_REQUESTS:-1000000}"
PORT="${BENCH_PORT:-18490}"
command -v wrk >/dev/null || { echo "bench-memory: wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
SIM="${BENCH_SIM:-}"
if [ -z "$SIM" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    (cd "$ROOT" && cargo build --release -q -p upgrade-sim --bin upgrade-sim)
    SIM="$CARGO_TARGET_DIR/release/upgrade-sim"
fi
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    echo "bench-memory: something already answers on port $PORT (set BENCH_PORT)" >&2
    exit 2
fi
"$SIM" serve --speed 0 --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done

URL="http://127.0.0.1:$PORT/v3/054e292c9880d4992f02c0196d3ea468/instances/6754902da1f447269c6979b0590102a5in07"
rss() { awk '/VmRSS/{printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
echo "requests   RSS (MB)   req/s"
printf '%8d %10s\n' 0 "$(rss)"
done_count=0
while [ "$done_count" -lt "$TOTAL" ]; do
    out="$(wrk -t1 -c16 -d5s -H 'X-Auth-Token: sim-token' "$URL")"
    n="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")"
    rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' <<<"$out")"
    done_count=$((done_count + n))
    printf '%8d %10s %8.0f\n' "$done_count" "$(rss)" "$rps"
done
echo "journal: $(curl -s "http://127.0.0.1:$PORT/_sim/journal?limit=0")"
