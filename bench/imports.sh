#!/usr/bin/env bash
# Bulk ingest against plain COPY, in one run on one database: 100,000 acts
# (each a payment order opening its file and household, as a bailiff's
# first transmission does) through POST /v1/imports/acts in two NDJSON
# requests of 50,000, then a plain PostgreSQL COPY of the same 100,000 rows
# into an unindexed copy of procedure_events' columns. Prints both rates
# and their ratio; appends nothing by itself (see bench/README.md).
#
# Then a second yardstick (PREVEX_BENCH_SAME_TABLES, default 1): COPY of
# the very rows the import wrote into the very tables it wrote them to.
# Before the server starts, the database (schema, organisation, client,
# communes: everything but the imported rows) is cloned with CREATE
# DATABASE ... TEMPLATE. After the import, every row it wrote, in every
# table (found by xmin: written by a transaction that started after the
# import's first), is exported with COPY TO (untimed), then loaded (timed)
# with psql \copy into the clone, in foreign-key order, in one
# transaction, with every index, constraint and trigger in place; the
# clone's row counts are checked to have risen by exactly what was
# exported. Prints that rate, and the import's ratio to it. The clone is
# dropped on exit.
#
# With PREVEX_BENCH_SUMMONS=1, then a summons on every file in one request:
# acts on procedures that exist, whose stage changes the import publishes.
#
# Needs PREVEX_DATABASE_URL (unix-socket form), PREVEX_ADMIN_DATABASE_URL
# (a role that may create organisations and tables, and, for the second
# yardstick, databases: CREATEDB, and owner of the benchmark database), a
# built binary (PREVEX_BIN, default build/api/prevex), psql and curl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BIN="${PREVEX_BIN:-$ROOT/build/api/prevex}"
ADMIN_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
ROWS="${PREVEX_BENCH_ROWS:-100000}"
SUMMONS="${PREVEX_BENCH_SUMMONS:-0}"
SAME_TABLES="${PREVEX_BENCH_SAME_TABLES:-1}"
PORT="${PREVEX_BENCH_PORT:-18089}"
WORK="$(mktemp -d)"
server_pid=""
twin=""
# The admin URL with another database name (URI or key=value form).
db_url() {
	python3 - "$ADMIN_URL" "$1" <<'PY'
import sys, urllib.parse as u
url, db = sys.argv[1], sys.argv[2]
if url.startswith(("postgresql://", "postgres://")):
    print(u.urlunsplit(u.urlsplit(url)._replace(path="/" + u.quote(db))))
else:
    print(f"{url} dbname={db}")
PY
}
cleanup() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	psql -q "$ADMIN_URL" -c "DROP TABLE IF EXISTS bench_copy_acts" >/dev/null 2>&1 || true
	[[ -n "$twin" ]] && psql -qX "$(db_url postgres)" -c "DROP DATABASE IF EXISTS \"$twin\"" >/dev/null 2>&1
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
if [[ "$SAME_TABLES" == 1 ]]; then
	# The clone: same schema, same reference rows, none of the imported
	# rows. CREATE DATABASE ... TEMPLATE needs no other session on the
	# source, hence now, before the server starts.
	db=$(psql -qAtX "$ADMIN_URL" -c "SELECT current_database()")
	twin="${db:0:40}_copy_twin_$$"
	if psql -qX -v ON_ERROR_STOP=1 "$(db_url postgres)" -c "CREATE DATABASE \"$twin\" TEMPLATE \"$db\"" >/dev/null; then
		TWIN_URL="$(db_url "$twin")"
	else
		echo "no clone of $db (needs CREATEDB): COPY into the same tables skipped" >&2
		twin="" SAME_TABLES=0
	fi
fi
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

# POSTs each $WORK/<part>.ndjson to /v1/imports/acts, its answer into
# $WORK/<part>.out; stops the bench unless each answers 200.
import_parts() {
	local part code
	for part in "$@"; do
		code=$(curl -s -o "$WORK/$part.out" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/imports/acts" \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
			-H "Idempotency-Key: bench-$$-$part" --data-binary "@$WORK/$part.ndjson")
		[[ "$code" == 200 ]] || { echo "import $part answered $code: $(head -c 400 "$WORK/$part.out")"; exit 1; }
	done
}

# The rows the import writes are those of transactions younger than this
# one (their xmin): nothing else writes meanwhile.
xid0=$(psql -qAtX "$ADMIN_URL" -c "SELECT pg_current_xact_id()::text::bigint % 4294967296")
t0=$(now)
import_parts a b
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

if [[ "$SAME_TABLES" == 1 ]]; then
	# Every table with rows written since xid0, with its columns (less
	# generated ones); then the foreign keys between them, for the order.
	# Not the counts the triggers of 0014 keep from those rows: the load's
	# triggers write them again, as the import's did.
	psql -qAtX -F $'\t' "$ADMIN_URL" -v ON_ERROR_STOP=1 >"$WORK/tables.tsv" <<'SQL'
SELECT c.oid::regclass, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT LIKE 'pg\_%'
  AND n.nspname <> 'information_schema' AND c.relname <> 'bench_copy_acts'
  AND c.relname NOT IN ('case_parties', 'household_acts', 'org_acts', 'org_acts_applied',
                        'org_acts_applied_parties', 'org_acts_dirty')
GROUP BY c.oid ORDER BY 1::text
SQL
	: >"$WORK/written.tsv"
	while IFS=$'\t' read -r tbl cols; do
		n=$(psql -qAtX "$ADMIN_URL" -c "SELECT count(*) FROM $tbl WHERE age(xmin) < age('$xid0'::xid)")
		[[ "$n" -gt 0 ]] || continue
		f="$WORK/same.$(tr -c 'a-zA-Z0-9_\n' _ <<<"$tbl")"
		psql -qX -v ON_ERROR_STOP=1 "$ADMIN_URL" \
			-c "\\copy (SELECT $cols FROM $tbl WHERE age(xmin) < age('$xid0'::xid)) TO '$f'"
		before=$(psql -qAtX "$TWIN_URL" -c "SELECT count(*) FROM $tbl")
		printf '%s\t%s\t%s\t%s\t%s\n' "$tbl" "$n" "$before" "$f" "$cols" >>"$WORK/written.tsv"
	done <"$WORK/tables.tsv"
	psql -qAtX -F $'\t' "$ADMIN_URL" >"$WORK/fks.tsv" \
		-c "SELECT conrelid::regclass, confrelid::regclass FROM pg_constraint WHERE contype = 'f'"
	# User INSERT triggers on those tables (the foreign keys' are internal).
	trig=$(psql -qAtX "$TWIN_URL" -c "SELECT coalesce(string_agg(tgrelid::regclass || '.' || tgname, ', '
		ORDER BY tgrelid::regclass::text, tgname), 'none') FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 4 <> 0
		AND tgrelid::regclass::text IN ($(cut -f1 "$WORK/written.tsv" | sed "s/.*/'&'/" | paste -sd,))")
	# The load, parents first, in one transaction as the import's; the
	# 0005 trigger stands aside for referrals as it does for the import,
	# whose history rows are among those copied.
	python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(f"{work}/written.tsv")]
names = [r[0] for r in rows]
deps = {t: set() for t in names}
for l in open(f"{work}/fks.tsv"):
    child, parent = l.rstrip("\n").split("\t")
    if child in deps and parent in deps and child != parent:
        deps[child].add(parent)
order, done = [], set()
while len(order) < len(names):
    ready = [t for t in names if t not in done and deps[t] <= done]
    if not ready:
        sys.exit("foreign keys form a cycle among " + ", ".join(t for t in names if t not in done))
    for t in ready:
        order.append(t)
        done.add(t)
by = {r[0]: r for r in rows}
with open(f"{work}/load.sql", "w") as out:
    out.write("\\set ON_ERROR_STOP 1\nBEGIN;\nSET LOCAL prevex.referral_history_by_caller = 'on';\n\\timing on\n")
    for t in order:
        out.write(f"\\copy {t} ({by[t][4]}) FROM '{by[t][3]}'\n")
    out.write("COMMIT;\n")
with open(f"{work}/order.txt", "w") as out:
    out.write("\n".join(order) + "\n")
PY
	t6=$(now)
	psql -qX "$TWIN_URL" -f "$WORK/load.sql" >"$WORK/load.out"
	t7=$(now)
	: >"$WORK/after.tsv"
	while IFS=$'\t' read -r tbl n before f cols; do
		printf '%s\t%s\n' "$tbl" "$(psql -qAtX "$TWIN_URL" -c "SELECT count(*) FROM $tbl")" >>"$WORK/after.tsv"
	done <"$WORK/written.tsv"
	python3 - "$WORK" "$ROWS" "$t0" "$t1" "$t6" "$t7" "$trig" <<'PY'
import re, sys
work, rows = sys.argv[1], int(sys.argv[2])
t0, t1, t6, t7 = map(float, sys.argv[3:7])
trig = sys.argv[7]
written = {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(f"{work}/written.tsv")}
after = dict(l.rstrip("\n").split("\t") for l in open(f"{work}/after.tsv"))
order = open(f"{work}/order.txt").read().split()
ms = [float(x) for x in re.findall(r"^Time: ([0-9.]+) ms", open(f"{work}/load.out").read(), re.M)]
copy_ms = ms[:len(order)]  # then COMMIT's
total = 0
for i, t in enumerate(order):
    n, before = int(written[t][1]), int(written[t][2])
    total += n
    ok = int(after[t]) - before == n
    tm = f"{copy_ms[i] / 1000:6.2f} s" if i < len(copy_ms) else "   ?"
    print(f"  {t:24s} {n:>9,d} rows {tm}" + ("" if ok else f"  MISMATCH: clone has {int(after[t]) - before} more"))
imp, same = rows / (t1 - t0), rows / (t7 - t6)
print(f"COPY of the same {total:,d} rows into the same {len(order)} tables (indexes, keys, triggers: {trig}),")
print(f"         one transaction: {t7 - t6:.2f} s = {total / (t7 - t6):,.0f} rows/s = {same:,.0f} acts/s")
print(f"ratio imports/COPY of the same rows into the same tables = {imp / same:.3f}")
PY
fi

[[ "$SUMMONS" == 1 ]] || exit 0
python3 - "$ROWS" "$WORK" "$$" <<'PY'
import sys
rows, work, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
half = rows // 2
with open(f"{work}/sa.ndjson", "w") as a, open(f"{work}/sb.ndjson", "w") as b:
    for i in range(rows):
        (a if i < half else b).write(
            '{"external_id":"s%s-%d","file_reference":"F%s-%d","kind":"summons","date":"2025-11-03",'
            '"hearing_on":"2026-01-20","court":"TJ Evry","prefet_notified_on":"2025-11-04"}\n' % (tag, i, tag, i))
PY
t4=$(now)
import_parts sa sb
t5=$(now)
python3 - "$ROWS" "$WORK" "$t4" "$t5" <<'PY'
import json, sys
rows, work = int(sys.argv[1]), sys.argv[2]
t4, t5 = map(float, sys.argv[3:])
created = sum(json.load(open(f"{work}/{p}.out"))["counts"]["created"] for p in ("sa", "sb"))
print(f"summons: {created} acts created of {rows} in {t5 - t4:.2f} s = {rows / (t5 - t4):,.0f} acts/s")
PY
