#!/usr/bin/env bash
# Renders timeline pages in headless Chromium and checks they really render: for each journal
# it draws the page with `upgrade-sim timeline`, dumps Chromium's DOM (every lane must be in
# it) and takes a screenshot (the PNG must be non-trivial). Installs Debian's chromium when it
# is missing. CI runs it with no arguments: the synthetic fixture, plus one page per vendor
# scenario (scenarios/<vendor>-*.yaml, the story named below) rehearsed with --journal.
#
#   scripts/screenshot-timeline.sh                      # check, and write docs/img/timeline-*.png
#   scripts/screenshot-timeline.sh JOURNAL OUT.png      # one journal file to one screenshot
#   WIDTH=1500 HEIGHT=1100 scripts/screenshot-timeline.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upgrade-sim/target}"
WIDTH="${WIDTH:-1500}"
HEIGHT="${HEIGHT:-}"

chrome=""
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then chrome="$(command -v "$name")"; break; fi
done
if [ -z "$chrome" ]; then
  echo "== installing Debian's chromium (headless rendering check)"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
  chrome="$(command -v chromium)"
fi

cargo build --quiet -p upgrade-sim --bin upgrade-sim
sim="$CARGO_TARGET_DIR/debug/upgrade-sim"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Chromium with everything that would reach the network or the user's profile turned off.
chromium_run() {
  "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$(mktemp -d -p "$work")" "$@" 2>/dev/null
}

# render JOURNAL OUT.png: draws the page, checks Chromium's DOM, screenshots it.
render() {
  local journal="$1" png="$2" html
  html="$work/$(basename "$png" .png).html"
  # From the journal's own folder, so the page names the file, not a temporary path.
  (cd "$(dirname "$journal")" && "$sim" timeline --journal "$(basename "$journal")" --out "$html")
  local lanes
  lanes="$(grep -o 'data-resource="[^"]*"' "$html" | sort -u | wc -l)"
  local dom
  dom="$(chromium_run --dump-dom "file://$html")"
  local dom_lanes
  dom_lanes="$(grep -o 'data-resource="[^"]*"' <<<"$dom" | sort -u | wc -l || true)"
  if [ "$dom_lanes" != "$lanes" ]; then
    echo "FAIL: $journal: the page has $lanes lanes but Chromium's DOM has $dom_lanes" >&2
    exit 1
  fi
  # Tall enough for every row (20px each), each vendor's title, the header and the fault table.
  local rows sections faults
  rows="$(grep -o 'class="lane-name\|class="collapsed"' "$html" | wc -l)"
  sections="$(grep -o '<summary>' "$html" | wc -l)"
  faults="$(grep -o '<tr><td>' "$html" | wc -l)"
  local height="${HEIGHT:-$(( 260 + rows * 20 + sections * 36 + (faults > 0 ? 60 + faults * 25 : 0) ))}"
  [ "$height" -gt 2400 ] && height=2400
  chromium_run --screenshot="$png" --window-size="$WIDTH,$height" "file://$html" >/dev/null
  local size
  size="$(stat -c %s "$png")"
  # A blank white page of this size compresses to a few kilobytes; a chart does not.
  if [ "$size" -lt 20000 ]; then
    echo "FAIL: $png is only $size bytes: the page did not render" >&2
    exit 1
  fi
  echo "ok: $journal -> $png ($lanes lanes in Chromium's DOM, ${size} bytes)"
}

if [ $# -eq 2 ]; then
  render "$1" "$2"
  exit 0
fi

render fixtures/timeline/four-vendors.jsonl docs/img/timeline-synthetic.png
# The story each vendor's screenshot tells (issue 7's examples); any other file of the vendor's
# when that one does not exist.
declare -A story=(
  [obshell]=obshell-rolling-zone2-observer-down
  [ota]=ota-threshold-autopause-batch3
  [taurusdb]=taurusdb-delayed-window-failure
  [unity]=unity-failed-lock-after-reboot
)
for vendor in obshell ota taurusdb unity; do
  scenario="scenarios/${story[$vendor]}.yaml"
  [ -f "$scenario" ] || scenario="$(ls scenarios/"$vendor"-*.yaml 2>/dev/null | head -n1 || true)"
  [ -n "$scenario" ] || { echo "skip: no scenarios/$vendor-*.yaml yet"; continue; }
  journal="$work/$(basename "$scenario" .yaml).jsonl"
  # rehearse exits 1 when the promised outcome does not hold; the library test reports that.
  "$sim" rehearse "$scenario" --journal >"$journal" || true
  render "$journal" "docs/img/timeline-$vendor.png"
done
