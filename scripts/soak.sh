#!/usr/bin/env bash
# Soak benchmark (not a test, issue 17): full load on every vendor for MINUTES (default 10),
# reporting the simulator's RSS at each minute (and every SAMPLE seconds if set).
#   scripts/soak.sh [MINUTES]          BIN=path/to/upgrade-sim SAMPLE=15 PORT=18999
# BIN defaults to the release build (cargo build --release -p upgrade-sim). Needs wrk.
set -euo pipefail
minutes=${1:-10}
sample=${SAMPLE:-60}
port=${PORT:-18999}
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/upgrade-sim}
base=http://127.0.0.1:$port
# Logs in a folder of this run's own (other runs on the machine may soak at the same time).
logs=$(mktemp -d /tmp/soak.XXXXXX)
project=054e292c9880d4992f02c0196d3ea468

"$bin" serve --listen "127.0.0.1:$port" --speed 60 >"$logs/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "$base/_sim/health" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
echo "soak: $minutes min on $bin (pid $pid), speed 60; start RSS $(rss)"

# One plan in flight so timers fire all along (the clock runs at 60x).
curl -fs -o /dev/null -X POST "$base/api/v1/lifecycle/upgrade-plans" \
  -H 'Authorization: Bearer sim-token' -H 'Content-Type: application/json' \
  -d @fixtures/ota/create-graduated-plan.request.json

secs=$((minutes * 60))
load() { local name=$1; shift; wrk -t1 -c8 -d"${secs}s" "$@" >"$logs/wrk-$name.log" 2>&1; }
loads=()
load obshell "$base/api/v1/status" & loads+=($!)
load ota -H 'Authorization: Bearer sim-token' "$base/api/v1/lifecycle/upgrade-plans" & loads+=($!)
load taurusdb -H 'X-Auth-Token: sim-token' "$base/v3/$project/jobs?id=x" & loads+=($!)
load unity -H 'X-EMC-REST-CLIENT: true' -H 'Authorization: Basic YWRtaW46UGFzc3dvcmQxMjMj' \
  "$base/api/types/system/instances?fields=name" & loads+=($!)

start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$secs" ]; do
  sleep "$sample"
  t=$(( $(date +%s) - start ))
  echo "t=${t}s RSS $(rss) virtual $(curl -fs "$base/_sim/clock" | sed 's/.*"now_ms":\([0-9]*\).*/\1/') ms"
done
wait "${loads[@]}" || true
for v in obshell ota taurusdb unity; do
  echo "$v: $(grep -E 'Requests/sec' "$logs/wrk-$v.log") $(grep -E 'requests in' "$logs/wrk-$v.log")" \
    "$(grep -E 'Socket errors|Non-2xx' "$logs/wrk-$v.log" | tr -s ' ' | tr '\n' ' ')"
done
echo "end RSS $(rss)"
