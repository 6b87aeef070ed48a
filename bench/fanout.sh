#!/usr/bin/env bash
# The change feed's fan-out at national scale (issue 17): how long one
# `prevex demo-data --scale 1` unit of procedure flow takes once the
# deployment holds PREVEX_BENCH_ORGS préfectures and Conseils
# départementaux of départements other than the Essonne's (200 by default),
# for each binary given, each on a fresh database of the private cluster
# (scripts/lib.sh), in one run. For each: the Essonne demo load (before the
# other départements' organisations exist), then the unit, with the feed
# rows it wrote and the values the feed's identity drew (a row written then
# discarded by a trigger draws one and leaves none).
#   bench/fanout.sh BIN...      e.g. bench/fanout.sh /tmp/prevex-before build/api/prevex
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
(($# > 0)) || { echo "usage: bench/fanout.sh BIN..." >&2; exit 2; }
ORGS="${PREVEX_BENCH_ORGS:-200}"
prevex_database >/dev/null

now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

printf '%-40s %10s %10s %12s %12s\n' binary "load s" "unit s" "rows kept" "ids drawn"
i=0
for bin in "$@"; do
	db="prevex_bench_fanout_$i"
	i=$((i + 1))
	prevex_psql_super -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER prevex" >/dev/null
	url="$(prevex_pg_url prevex "$db")"
	export PREVEX_DATABASE_URL="$url" PREVEX_ADMIN_DATABASE_URL="$url"
	"$bin" migrate >/dev/null
	t=$(now)
	"$bin" demo-data >/dev/null
	load=$(since "$t")
	psql "$url" -qAt -v orgs="$ORGS" >/dev/null <<-'SQL'
		WITH o AS (INSERT INTO organisations (kind, name)
			SELECT CASE WHEN g % 2 = 0 THEN 'prefecture' ELSE 'departement' END, 'bench fan-out ' || g
			FROM generate_series(1, :orgs) g RETURNING id)
		INSERT INTO organisation_departements (organisation_id, departement_code)
		SELECT id, (ARRAY['78', '75', '77', '92', '93', '94', '95', '13', '69', '2A'])[1 + (row_number() OVER () % 10)::int]
		FROM o;
	SQL
	seq="SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('feed_events', 'seq')), 0)"
	first=$(psql "$url" -qAtc "$seq")
	t=$(now)
	"$bin" demo-data --scale 1 >/dev/null
	unit=$(since "$t")
	last=$(psql "$url" -qAtc "$seq")
	kept=$(psql "$url" -qAtc "SELECT count(*) FROM feed_events WHERE seq > $first AND seq <= $last")
	printf '%-40s %10s %10s %12s %12s\n' "$bin" "$load" "$unit" "$kept" "$((last - first))"
	prevex_psql_super -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
done
