#!/usr/bin/env bash
# The server's memory under hostile traffic, measured in one run:
#
#   1. 1,000 hostile connections at once, none with a valid token: 500
#      uploads announcing 60 MB to POST /v1/imports/acts that then send as
#      fast as they can, and 500 slow senders dripping their request head;
#   2. 24 authenticated 60 MB uploads to POST /v1/imports/acts that send
#      their 60 MB then drip one byte every 5 s.
#
# It prints the server's resident memory (VmRSS) before, at its peak during
# each phase (VmHWM, reset between phases) and after, with what each client
# got back. Needs PREVEX_DATABASE_URL (unix socket) and optionally
# PREVEX_ADMIN_DATABASE_URL and PREVEX_BIN; starts and stops prevex itself.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${PREVEX_DATABASE_URL:?set PREVEX_DATABASE_URL to the service database (unix socket)}"
export PREVEX_ADMIN_DATABASE_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
BIN="${PREVEX_BIN:-build/api/prevex}"
[[ -x "$BIN" ]] || { echo "bench/hostile.sh: no binary at $BIN (build first)" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
	[[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PREVEX_JWT_KEYS_DIR="$work/keys" PREVEX_LOG_LEVEL=error PREVEX_LISTEN="127.0.0.1:$port"
"$BIN" migrate >/dev/null
"$BIN" keys generate --kid bench >/dev/null
admin_url="$PREVEX_ADMIN_DATABASE_URL"
org="$(PREVEX_DATABASE_URL="$admin_url" "$BIN" org add --kind bailiff --name "bench hostile $$" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
client="$(PREVEX_DATABASE_URL="$admin_url" "$BIN" client add --org "$org" --name bench --scope 'read write')"
client_id="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$client")"
secret="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")"

"$BIN" serve 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$(curl -fs -u "$client_id:$secret" -d grant_type=client_credentials "http://127.0.0.1:$port/v1/token" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

python3 bench/hostile.py "$server_pid" "$port" "$token"
