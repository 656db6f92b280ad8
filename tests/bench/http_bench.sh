#!/usr/bin/env bash
# HTTP ingestion benchmark (issue 4): `parcours run` on a scratch config, loaded by wrk
# on 127.0.0.1 — batches of 100 events (NDJSON) and single-event requests, both with
# keep-alive and unique contacts — bounded in time (DURATION, default 10 s each).
# Prints requests/s, events/s and the latency distribution (p50/p90/p99). The
# in-process ceiling beside it comes from parcours_engine_bench's ingest phase.
#
# Usage: tests/bench/http_bench.sh [BUILD_DIR]     (wrk: apt-get install -y wrk)
set -euo pipefail
build=${1:-build}
parcours=$(realpath "$build/bin/parcours")
duration=${DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill "$host" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/config/clients/shop/journeys"
printf '[log]\nlevel = "info"\n' > "$work/config/parcours.toml"
printf 'require_consent = false\napi_keys = ["bench-key-0123456789abcdef"]\n[channels.email]\nplugin = "file"\npath = "var/outbox/email.jsonl"\n' \
  > "$work/config/clients/shop/client.toml"
# The issue's shape: events enter a journey whose first step waits.
printf '[entry]\non = "cart.updated"\n[[steps]]\nwait = "1d"\n[[steps]]\nsend = "email"\ntext = "hi"\n' \
  > "$work/config/clients/shop/journeys/cart.toml"
for kind in batch single; do
  cat > "$work/$kind.lua" <<LUA
local counter, thread_id = 0, 0
setup = function(thread) thread_id = thread_id + 1; thread:set("tid", thread_id) end
local headers = {["Authorization"] = "Bearer bench-key-0123456789abcdef"}
request = function()
  counter = counter + 1
  if "$kind" == "batch" then
    headers["Content-Type"] = "application/x-ndjson"
    local lines = {}
    for i = 1, 100 do
      lines[i] = string.format('{"type":"cart.updated","contact":"b%d-%d-%d","properties":{"total":%d}}', tid, counter, i, i)
    end
    return wrk.format("POST", nil, headers, table.concat(lines, "\n"))
  end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers,
    string.format('{"type":"cart.updated","contact":"s%d-%d","properties":{"total":5}}', tid, counter))
end
LUA
done
cd "$work"
"$parcours" run --config config --listen 127.0.0.1:0 2> host.log &
host=$!
for _ in $(seq 100); do grep -q "listening on" host.log 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' host.log | head -1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); host at $url"
run() {  # kind connections events-per-request
  local out
  out=$(wrk -t2 -c"$2" -d"$duration" --latency -s "$work/$1.lua" "$url/v1/clients/shop/events")
  local rps
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  printf '%-7s %3s connections: %10.0f requests/s  %10.0f events/s  p50 %s  p90 %s  p99 %s  non-2xx: %s\n' \
    "$1" "$2" "$rps" "$(awk -v r="$rps" -v n="$3" 'BEGIN {print r * n}')" \
    "$(awk '/ 50%/ {print $2}' <<<"$out")" "$(awk '/ 90%/ {print $2}' <<<"$out")" "$(awk '/ 99%/ {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {print $5}' <<<"$out" | grep . || echo 0)"
}
run batch 16 100
run single 64 1
