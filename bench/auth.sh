#!/usr/bin/env bash
# The cost of authentication and audit, measured in one run on one database:
#
#   1. pgbench: the household read alone, as storage runs it (the SQL of
#      households_get, visibility included);
#   2. pgbench: the same read plus what authentication and audit add in the
#      database (the client-still-active check, the audit insert, a
#      transaction around them);
#   3. wrk: GET /readyz, HTTP plus one trivial query, no token, no audit;
#   4. wrk: GET /v1/households/{id} with a bearer token: the same read with
#      JWT verification, the client check and the audit row;
#   5. wrk: GET /v1/me with a bearer token: authentication alone (the token
#      and the client check), no read, no audit.
#
# It prints each rate and the ratios 2/1 (database cost of auth and audit),
# 4/3 and 5/3 (what authentication costs against a bare database-backed GET). Needs PREVEX_DATABASE_URL (unix socket) and optionally
# PREVEX_ADMIN_DATABASE_URL and PREVEX_BIN; starts and stops prevex itself.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${PREVEX_DATABASE_URL:?set PREVEX_DATABASE_URL to the service database (unix socket)}"
export PREVEX_ADMIN_DATABASE_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
BIN="${PREVEX_BIN:-build/api/prevex}"
DURATION="${PREVEX_BENCH_DURATION:-10}"
PG_BIN=/usr/lib/postgresql/15/bin
[[ -x "$BIN" ]] || { echo "bench/auth.sh: no binary at $BIN (build first)" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

work="$(mktemp -d)"
server_pid=""
cleanup() {
	[[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PREVEX_JWT_KEYS_DIR="$work/keys" PREVEX_LOG_LEVEL=warn PREVEX_LISTEN="127.0.0.1:$port"
"$BIN" migrate >/dev/null
"$BIN" keys generate --kid bench >/dev/null

# A prefecture client (it sees every household) and one household.
admin_url="$PREVEX_ADMIN_DATABASE_URL"
org="$(PREVEX_DATABASE_URL="$admin_url" "$BIN" org add --kind prefecture --name "bench $$" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
client="$(PREVEX_DATABASE_URL="$admin_url" "$BIN" client add --org "$org" --name bench --scope 'read write')"
client_id="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$client")"
secret="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")"

"$BIN" serve 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

token="$(curl -fs -u "$client_id:$secret" -d grant_type=client_credentials "http://127.0.0.1:$port/v1/token" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
household="$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"address":{"line":"1 rue de la Gare","postcode":"91100","insee":"91174"},"sector":"social"}' \
	"http://127.0.0.1:$port/v1/households" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

# The ids are UUIDs the service made: safe to write into the scripts.
cat >"$work/read.sql" <<EOF
SELECT household_json(h), h.version, r.rel FROM households h
 CROSS JOIN LATERAL (SELECT household_relations(h, '$org'::uuid, 'prefecture') AS rel) r
 WHERE h.id = '$household' AND r.rel <> 0;
EOF
cat >"$work/read_auth_audit.sql" <<EOF
BEGIN;
SELECT 1 FROM api_clients c JOIN organisations o ON o.id = c.organisation_id
 WHERE c.id = '$client_id' AND o.id = '$org' AND c.revoked_at IS NULL AND NOT o.disabled;
SELECT household_json(h), h.version, r.rel FROM households h
 CROSS JOIN LATERAL (SELECT household_relations(h, '$org'::uuid, 'prefecture') AS rel) r
 WHERE h.id = '$household' AND r.rel <> 0;
INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id, request_id, outcome)
 VALUES ('$client_id', '$org', 'read', 'household', '$household', 'bench', 'ok');
COMMIT;
EOF

pgbench_tps() {
	"$PG_BIN/pgbench" -n -M prepared -c 8 -j 2 -T "$DURATION" -f "$1" "$PREVEX_DATABASE_URL" 2>&1 |
		awk '/^tps = / { printf "%.0f\n", $3 }'
}
wrk_rps() {
	wrk -t2 -c64 -d2s "$@" >/dev/null 2>&1 || true
	wrk -t2 -c64 -d"${DURATION}s" "$@" 2>&1 | awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }'
}

read_tps="$(pgbench_tps "$work/read.sql")"
full_tps="$(pgbench_tps "$work/read_auth_audit.sql")"
readyz_rps="$(wrk_rps "http://127.0.0.1:$port/readyz")"
household_rps="$(wrk_rps -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/households/$household")"
me_rps="$(wrk_rps -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me")"

ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
cat <<EOF
commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)
1. pgbench household read alone                 : $read_tps tps
2. pgbench read + client check + audit insert   : $full_tps tps
3. wrk GET /readyz (no token, one query)        : $readyz_rps req/s
4. wrk GET /v1/households/{id} (token + audit)  : $household_rps req/s
5. wrk GET /v1/me (token + client check)        : $me_rps req/s
database cost of auth and audit   (2/1): $(ratio "$full_tps" "$read_tps")
the authenticated, audited read   (4/1): $(ratio "$household_rps" "$read_tps")
against a bare database-backed GET (4/3): $(ratio "$household_rps" "$readyz_rps")
authentication alone, against it   (5/3): $(ratio "$me_rps" "$readyz_rps")
EOF
