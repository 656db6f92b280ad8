#!/usr/bin/env bash
# HTTP ingestion benchmark (issue 4), in one run:
#   1. the engine's own in-process figures (parcours_engine_bench, phase b: Engine::ingest
#      with 100 events a call, and with 1 event a call), on this machine, now;
#   2. `parcours run` on a scratch config, loaded by wrk on 127.0.0.1 with keep-alive and
#      unique contacts, bounded in time (DURATION each): batches of 100 events (NDJSON),
#      then single-event requests;
# then one table: each HTTP figure beside its in-process one, p50/p90/p99 latency, and
# the verdict against the issue's targets (>= 50,000 events/s in batches of 100,
# >= 10,000 single-event requests/s). The load average is printed before and after:
# the figures mean something only on a quiet machine.
#
# Usage: tests/bench/http_bench.sh [BUILD_DIR]      (wrk: apt-get install -y wrk)
# Environment: DURATION (10s), BATCH_CONNECTIONS (16), SINGLE_CONNECTIONS (64),
#              ENGINE_EVENTS (200000), KEEP=yes (keep the scratch folder and the host's log).
set -euo pipefail
build=${1:-build}
parcours=$(realpath "$build/bin/parcours")
engine_bench=$(realpath "$build/tests/bench/parcours_engine_bench")
duration=${DURATION:-10s}
batch_connections=${BATCH_CONNECTIONS:-16}
single_connections=${SINGLE_CONNECTIONS:-64}
engine_events=${ENGINE_EVENTS:-200000}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$engine_bench" ] || { echo "$engine_bench is missing: ninja -C $build parcours_engine_bench" >&2; exit 1; }
work=$(mktemp -d)
host=
cleanup() {
  [ -n "$host" ] && kill "$host" 2>/dev/null && wait "$host" 2>/dev/null || true
  if [ "${KEEP:-}" = yes ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
echo "load average (1, 5, 15 min) at the start: $(load)"

# --- 1. in-process ---------------------------------------------------------------------
in_process() {  # events-per-call events
  "$engine_bench" --phases b --events "$2" --batch "$1" --dir "$work/engine-$1" |
    awk '/^\(b\)/ {gsub(",", "", $6); print $6}'
}
engine_batch=$(in_process 100 "$engine_events")
engine_single=$(in_process 1 $((engine_events / 4)))
echo "in-process: Engine::ingest, 100 events a call: $engine_batch events/s; 1 event a call: $engine_single events/s"

# --- 2. over HTTP ------------------------------------------------------------------------
mkdir -p "$work/config/clients/shop/journeys"
printf '[log]\nlevel = "info"\n' > "$work/config/parcours.toml"
printf 'require_consent = false\napi_keys = ["bench-key-0123456789abcdef"]\n[channels.email]\nplugin = "file"\npath = "var/outbox/email.jsonl"\n' \
  > "$work/config/clients/shop/client.toml"
# The issue's shape (the same as the engine bench's): events enter a journey whose
# first step waits.
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
[ -n "$url" ] || { echo "the host did not start:" >&2; cat host.log >&2; exit 1; }

# CPU time per request, of the host and of wrk, counts what a request costs whatever
# else runs on the machine; the throughput does not.
declare -A rps p50 p90 p99 errors host_us wrk_us
clock_ticks=$(getconf CLK_TCK)
host_cpu() { awk '{print $14 + $15}' "/proc/$host/stat"; }
over_http() {  # kind connections
  local out before requests TIMEFORMAT='%U %S'
  before=$(host_cpu)
  { time wrk -t2 -c"$2" -d"$duration" --latency -s "$work/$1.lua" "$url/v1/clients/shop/events" \
      > "$work/wrk-$1.txt"; } 2> "$work/wrk-$1.time"
  out=$(cat "$work/wrk-$1.txt")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  host_us[$1]=$(awk -v a="$before" -v b="$(host_cpu)" -v t="$clock_ticks" -v n="$requests" \
    'BEGIN {printf "%.0f", (b - a) / t * 1e6 / n}')
  wrk_us[$1]=$(awk -v n="$requests" '{printf "%.0f", ($1 + $2) * 1e6 / n}' "$work/wrk-$1.time")
  rps[$1]=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50[$1]=$(awk '/ 50%/ {print $2}' <<<"$out")
  p90[$1]=$(awk '/ 90%/ {print $2}' <<<"$out")
  p99[$1]=$(awk '/ 99%/ {print $2}' <<<"$out")
  errors[$1]=$( (awk '/Non-2xx/ {print $5}' <<<"$out"; awk '/Socket errors/ {print "socket errors:", $0}' <<<"$out") |
    paste -sd' ' | grep . || echo 0)
}
metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
over_http batch "$batch_connections"
# Batches the host could not apply as fast as they came were stored first (deferred) and
# are applied now: how long that takes says what the whole pipeline sustains.
drain_start=$(date +%s.%N)
for _ in $(seq 1200); do
  pending=$(metric parcours_events_pending); [ "${pending:-0}" = 0 ] && break; sleep 0.1
done
drain_s=$(awk -v a="$drain_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
deferred=$(curl -s "$url/metrics" | awk '/^parcours_events_deferred_total/ {s += $2} END {printf "%d", s}')
ingested=$(curl -s "$url/metrics" | awk '/^parcours_events_ingested_total/ {s += $2} END {printf "%d", s}')
over_http single "$single_connections"
echo "load average at the end: $(load)"

# --- the table ----------------------------------------------------------------------------
verdict() {  # value target
  awk -v v="$1" -v t="$2" 'BEGIN { if (v >= t) print "met"; else printf "MISSED, %.0f%% of the target\n", 100 * v / t }'
}
batch_events=$(awk -v r="${rps[batch]}" 'BEGIN {printf "%.0f", r * 100}')
single_requests=$(awk -v r="${rps[single]}" 'BEGIN {printf "%.0f", r}')
echo
printf '%-34s %14s %16s %9s %9s %9s  %s\n' "" "over HTTP" "in-process" "p50" "p90" "p99" "target"
printf '%-34s %9s ev/s %11s ev/s %9s %9s %9s  >= 50,000 events/s: %s\n' \
  "batches of 100, $batch_connections connections" "$batch_events" "$engine_batch" \
  "${p50[batch]}" "${p90[batch]}" "${p99[batch]}" "$(verdict "$batch_events" 50000)"
printf '%-34s %9s rq/s %11s ev/s %9s %9s %9s  >= 10,000 requests/s: %s\n' \
  "single events, $single_connections connections" "$single_requests" "$engine_single" \
  "${p50[single]}" "${p90[single]}" "${p99[single]}" "$(verdict "$single_requests" 10000)"
echo "non-2xx answers: batches ${errors[batch]}, singles ${errors[single]}"
load_s=$(awk -v d="$duration" 'BEGIN {sub(/s$/, "", d); print d}')
echo "batches: $deferred of $ingested events were deferred (stored first, applied after); the last applied" \
  "${drain_s} s after the load ended: applied end to end at" \
  "$(awk -v n="$ingested" -v l="$load_s" -v d="$drain_s" 'BEGIN {printf "%.0f", n / (l + d)}') events/s"
for kind in batch single; do
  printf 'CPU a request, %-6s host %6s us, wrk %5s us: the 2 cores, idle but for these two, would allow %s requests/s\n' \
    "$kind:" "${host_us[$kind]}" "${wrk_us[$kind]}" \
    "$(awk -v h="${host_us[$kind]}" -v w="${wrk_us[$kind]}" -v c="$(nproc)" 'BEGIN {printf "%.0f", c * 1e6 / (h + w)}')"
done
echo "(in-process: Engine::ingest on one thread, 100 events a call and 1 event a call, one commit a call;"
echo " over HTTP the ingest queue commits every request waiting in one transaction)"
