#!/usr/bin/env bash
# Issue 17, "no partner can make another wait": the préfecture's household
# read (GET /v1/households/{id}, 2 connections) timed with wrk --latency,
#   1. alone,
#   2. while the CAF floods GET /v1/households?limit=100 from 32 connections,
#      with the budget off (PREVEX_ORG_MAX_INFLIGHT=1000000),
#   3. the same with the default budget (half the pool), the CAF ignoring
#      Retry-After and asking again at once,
#   4. the same, the CAF waiting Retry-After after each 429,
# all in one run against one database (the Essonne demo dataset, loaded by
# `prevex demo-data` when absent), and prints p50/p99 of each, their ratios
# to 1, and what the CAF got. Needs PREVEX_DATABASE_URL (unix socket) and optionally
# PREVEX_ADMIN_DATABASE_URL (the owner), PREVEX_BIN, PREVEX_BENCH_DURATION (s, 10) and
# PREVEX_BENCH_POOL (8), PREVEX_BENCH_HTTP_MODE (pool) and
# PREVEX_BENCH_HTTP_THREADS (0); starts and stops prevex itself.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
BIN="${PREVEX_BIN:-build/api/prevex}"
[[ -x "$BIN" ]] || { echo "bench/budget.sh: no binary at $BIN (build first)" >&2; exit 1; }
: "${PREVEX_DATABASE_URL:?set PREVEX_DATABASE_URL to the service database (unix socket)}"
export PREVEX_ADMIN_DATABASE_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
DURATION="${PREVEX_BENCH_DURATION:-10}" POOL="${PREVEX_BENCH_POOL:-8}" FLOOD_CONNECTIONS=32
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

work="$(mktemp -d)"
server_pid=""
stop_server() {
	if [[ -n "$server_pid" ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	server_pid=""
}
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT

"$BIN" migrate >/dev/null
# The dataset is loaded once; a second run only makes new clients.
"$BIN" demo-data --clients-file "$work/clients.json" >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PREVEX_JWT_KEYS_DIR="$work/keys" PREVEX_LOG_LEVEL=warn PREVEX_LISTEN="127.0.0.1:$port"
export PREVEX_DB_POOL_SIZE="$POOL" PREVEX_HTTP_MODE="${PREVEX_BENCH_HTTP_MODE:-pool}"
export PREVEX_HTTP_THREADS="${PREVEX_BENCH_HTTP_THREADS:-0}"
mkdir -m 0700 "$work/keys"
"$BIN" keys generate --kid bench >/dev/null

# Starts prevex with PREVEX_ORG_MAX_INFLIGHT=$1 (0: the default).
start_server() {
	PREVEX_ORG_MAX_INFLIGHT="$1" "$BIN" serve >"$work/serve.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0
		sleep 0.1
	done
	cat "$work/serve.log" >&2
	exit 1
}

# A token for the demo client of the organisation named $1.
token_of() { bench_demo_token "$work/clients.json" "$port" "$1"; }

# The flood: counts what the CAF gets; with the argument "polite", a
# connection answered 429 waits Retry-After before its next request.
cat >"$work/flood.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
	polite = args[1] == "polite"
	ok, refused, other, wait_ms, other_status = 0, 0, 0, 0, 0
end
function response(status, headers)
	wait_ms = 0
	if status == 200 then ok = ok + 1
	elseif status == 429 then
		refused = refused + 1
		if polite then wait_ms = 1000 * (tonumber(headers["Retry-After"]) or 1) end
	else other = other + 1; other_status = status end
end
function delay() return wait_ms end
function done()
	local o, r, x, st = 0, 0, 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok"); r = r + t:get("refused"); x = x + t:get("other")
		if t:get("other_status") ~= 0 then st = t:get("other_status") end
	end
	io.write(string.format("FLOOD %d %d %d (%d)\n", o, r, x, st))
end
LUA

# Prints "p50_ms p99_ms requests non2xx timeouts" of wrk --latency output on stdin.
latency_of() {
	python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
n = re.search(r"^\s+(\d+) requests in", text, re.M).group(1)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
late = re.search(r"timeout (\d+)", text)
print("%.2f %.2f %s %s %s" % (ms(p["50"]), ms(p["99"]), n, bad.group(1) if bad else 0, late.group(1) if late else 0))'
}

# Times the préfecture's read for DURATION s, with a flood beside it when
# $1 is "ignore" or "polite"; prints "p50 p99 requests non2xx timeouts [ok refused other]".
measure() {
	local flood_pid=""
	if [[ "$1" != none ]]; then
		wrk -t2 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 3))s" -s "$work/flood.lua" \
			-H "Authorization: Bearer $caf_token" "http://127.0.0.1:$port/v1/households?limit=100" \
			-- "$1" >"$work/flood.out" 2>&1 &
		flood_pid=$!
		sleep 1
	fi
	wrk -t1 -c2 -d"${DURATION}s" --timeout 30s --latency -H "Authorization: Bearer $prefecture_token" \
		"http://127.0.0.1:$port/v1/households/$household" | tee -a "$work/reads.out" | latency_of | tr '\n' ' '
	if [[ -n "$flood_pid" ]]; then
		wait "$flood_pid"
		awk '/^FLOOD/ { printf "%s %s %s%s", $2, $3, $4, ($4 > 0 ? $5 : "") }' "$work/flood.out"
	fi
	echo
}

household="$(psql "$PREVEX_ADMIN_DATABASE_URL" -Atc "SELECT id FROM households ORDER BY created_at LIMIT 1")"
results=()
for budget in 1000000 0; do
	start_server "$budget"
	prefecture_token="$(token_of "Préfecture de l'Essonne")"
	caf_token="$(token_of "CAF de l'Essonne")"
	# Warm the caches: one unmeasured second of each.
	wrk -t1 -c2 -d1s -H "Authorization: Bearer $prefecture_token" \
		"http://127.0.0.1:$port/v1/households/$household" >/dev/null
	wrk -t1 -c2 -d1s -H "Authorization: Bearer $caf_token" \
		"http://127.0.0.1:$port/v1/households?limit=100" >/dev/null
	if [[ "$budget" == 1000000 ]]; then
		results+=("alone|$(measure none)")
		results+=("flood, no budget|$(measure ignore)")
	else
		results+=("flood, budget $((POOL / 2 > 1 ? POOL / 2 : 1)), CAF ignores Retry-After|$(measure ignore)")
		results+=("flood, budget $((POOL / 2 > 1 ? POOL / 2 : 1)), CAF waits Retry-After|$(measure polite)")
	fi
	stop_server
done
[[ -n "${PREVEX_BENCH_VERBOSE:-}" ]] && cat "$work/reads.out" >&2

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg);" \
	"pool $POOL; $PREVEX_HTTP_MODE mode, $PREVEX_HTTP_THREADS HTTP threads (0: the pool); $DURATION s each; $(psql "$PREVEX_ADMIN_DATABASE_URL" -Atc 'SELECT count(*) FROM households') households"
printf '%s\n' "${results[@]}" | python3 -c '
import sys
rows = [line.rstrip("\n").split("|") for line in sys.stdin if line.strip()]
base = None
print("| préfecture read | p50 ms | p99 ms | p50 / alone | p99 / alone | reads | errors or timeouts | CAF 200 | CAF 429 | CAF other |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name, values in rows:
    v = values.split()
    p50, p99 = float(v[0]), float(v[1])
    if base is None:
        base = (p50, p99)
    caf = v[5:8] if len(v) >= 8 else ["", "", ""]
    # No read answered within the run: wrk has no latency to give.
    times = ("%.2f | %.2f | %.1f | %.1f" % (p50, p99, p50 / base[0], p99 / base[1])
             if int(v[2]) > 0 else "none answered | | | ")
    print("| %s | %s | %s | %s | %s | %s | %s |" % (name, times, v[2], int(v[3]) + int(v[4]), *caf))'
