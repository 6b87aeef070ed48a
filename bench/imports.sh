#!/usr/bin/env bash
# Bulk ingest against plain COPY, in one run on one database: 100,000 acts
# (each a payment order opening its file and household, as a bailiff's
# first transmission does) through POST /v1/imports/acts in two NDJSON
# requests of 50,000, then a plain PostgreSQL COPY of the same 100,000 rows
# into an unindexed copy of procedure_events' columns. Prints both rates
# and their ratio; appends nothing by itself (see bench/README.md). With
# PREVEX_BENCH_SUMMONS=1, then a summons on every file in one request: acts
# on procedures that exist, whose stage changes the import publishes.
#
# Needs PREVEX_DATABASE_URL (unix-socket form), PREVEX_ADMIN_DATABASE_URL
# (a role that may create organisations and tables), a built binary
# (PREVEX_BIN, default build/api/prevex), psql and curl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BIN="${PREVEX_BIN:-$ROOT/build/api/prevex}"
ADMIN_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
ROWS="${PREVEX_BENCH_ROWS:-100000}"
SUMMONS="${PREVEX_BENCH_SUMMONS:-0}"
PORT="${PREVEX_BENCH_PORT:-18089}"
WORK="$(mktemp -d)"
server_pid=""
cleanup() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	psql -q "$ADMIN_URL" -c "DROP TABLE IF EXISTS bench_copy_acts" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }

export PREVEX_JWT_KEYS_DIR="$WORK/keys" PREVEX_LISTEN="127.0.0.1:$PORT" PREVEX_LOG_LEVEL=warn
export PREVEX_IMPORT_SYNC_MAX=50000 PREVEX_STATEMENT_TIMEOUT_MS=600000 PREVEX_ADMIN_DATABASE_URL="$ADMIN_URL"
"$BIN" migrate >/dev/null
"$BIN" keys generate >/dev/null
org=$("$BIN" org add --kind bailiff --name "Bench bailiff $$" | grep -Eo '[0-9a-f-]{36}' | head -1)
creds=$("$BIN" client add --org "$org" --name bench --scope "read write")
client=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$creds")
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$creds")
"$BIN" serve >"$WORK/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$PORT/v1/token" -d grant_type=client_credentials \
	-d client_id="$client" -d client_secret="$secret" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

python3 - "$ROWS" "$WORK" "$$" <<'PY'
import sys
rows, work, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
half = rows // 2
with open(f"{work}/a.ndjson", "w") as a, open(f"{work}/b.ndjson", "w") as b, open(f"{work}/copy.tsv", "w") as c:
    for i in range(rows):
        out = a if i < half else b
        out.write('{"external_id":"b%s-%d","file_reference":"F%s-%d","kind":"payment_order","date":"2025-09-01",'
                  '"debt_cents":%d,"rent_cents":60000,"months_unpaid":1,"holder_name":"Holder %d",'
                  '"household":{"address":{"line":"%d rue du Bench","postcode":"91000","insee":"91228"},'
                  '"sector":"private","rent_cents":60000}}\n' % (tag, i, tag, i, 50000 + i, i, i))
        c.write("%d\tpayment_order\t2025-09-01\t%d\t60000\t1\tb%s-%d\tF%s-%d\t%d rue du Bench\t91000\t91228\n"
                % (i, 50000 + i, tag, i, tag, i, i))
PY

t0=$(now)
for part in a b; do
	code=$(curl -s -o "$WORK/$part.out" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/imports/acts" \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
		-H "Idempotency-Key: bench-$$-$part" --data-binary "@$WORK/$part.ndjson")
	[[ "$code" == 200 ]] || { echo "import answered $code: $(head -c 400 "$WORK/$part.out")"; exit 1; }
done
t1=$(now)
created=$(cat "$WORK"/a.out "$WORK"/b.out | python3 -c 'import json,sys
n=0
for line in sys.stdin.read().replace("}{","}\n{").splitlines():
    n+=json.loads(line)["counts"]["created"]
print(n)')

psql -q "$ADMIN_URL" -c "CREATE TABLE bench_copy_acts (seq int, kind text, event_date date, debt_cents bigint,
	rent_cents bigint, months_unpaid int, external_id text, file_reference text, line text, postcode text, insee text)"
t2=$(now)
psql -q "$ADMIN_URL" -c "\\copy bench_copy_acts FROM '$WORK/copy.tsv'"
t3=$(now)
python3 - "$ROWS" "$created" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
rows, created = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2, t3 = map(float, sys.argv[3:])
imp, cp = rows / (t1 - t0), rows / (t3 - t2)
print(f"imports: {created} acts created of {rows} in {t1 - t0:.2f} s = {imp:,.0f} acts/s")
print(f"COPY:    {rows} rows in {t3 - t2:.2f} s = {cp:,.0f} rows/s")
print(f"ratio imports/COPY = {imp / cp:.3f} (target >= 0.50)")
PY

[[ "$SUMMONS" == 1 ]] || exit 0
python3 - "$ROWS" "$WORK" "$$" <<'PY'
import sys
rows, work, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
half = rows // 2
with open(f"{work}/sa.ndjson", "w") as a, open(f"{work}/sb.ndjson", "w") as b:
    for i in range(rows):
        (a if i < half else b).write(
            '{"external_id":"s%s-%d","file_reference":"F%s-%d","kind":"summons","date":"2025-11-03",'
            '"hearing_date":"2026-01-20","court":"TJ Evry","prefet_notified_on":"2025-11-04"}\n' % (tag, i, tag, i))
PY
t4=$(now)
for part in sa sb; do
	code=$(curl -s -o "$WORK/$part.out" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/imports/acts" \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
		-H "Idempotency-Key: bench-$$-$part" --data-binary "@$WORK/$part.ndjson")
	[[ "$code" == 200 ]] || { echo "summons import answered $code: $(head -c 400 "$WORK/$part.out")"; exit 1; }
done
t5=$(now)
python3 - "$ROWS" "$WORK" "$t4" "$t5" <<'PY'
import json, sys
rows, work = int(sys.argv[1]), sys.argv[2]
t4, t5 = map(float, sys.argv[3:])
created = sum(json.load(open(f"{work}/{p}.out"))["counts"]["created"] for p in ("sa", "sb"))
print(f"summons: {created} acts created of {rows} in {t5 - t4:.2f} s = {rows / (t5 - t4):,.0f} acts/s")
PY
