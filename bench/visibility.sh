#!/usr/bin/env bash
# Visibility at size (issue 17): for the demo organisation of every kind,
# its first list page of 100 (households, households of one commune for the
# landlords, procedures, referrals, diagnostics, and the letters, outreach
# cases and queue of the kinds that read them) and the read of one
# household, run by pgbench as the very statements the stores run
# (prevex-stmt-sql prints them), on two copies of one dataset: BEFORE, the
# schema and statements of the revision the dataset was loaded with, and
# AFTER, that database copied and migrated by this revision. Prints p50 and
# p99 of each, and the ratio after/before, in one run.
#
# The dataset is loaded once and kept: when database $PREVEX_BENCH_DB has
# no household, `$PREVEX_BENCH_MAIN_BIN demo-data --scale $PREVEX_BENCH_SCALE`
# loads it (scale 70: 173,817 households; some minutes), then gives the
# demo CAF a territory (every EPCI), the demo social service three
# communes, and a CAF number to 6 households in 10, so that their
# relations are not empty. $PREVEX_BENCH_DB_after is made from it
# (CREATE DATABASE ... TEMPLATE) and migrated by $PREVEX_BIN when absent;
# drop it to measure a new revision.
#
# Each pgbench file is BEGIN; the statement; ROLLBACK (the lists write
# their audit rows), run with -M prepared, as the service does, for
# $PREVEX_BENCH_SECONDS seconds (default 10) on one connection; parameters
# come as pgbench variables, except those the store passes as NULL, which
# are written NULL. JIT is off, as the service's sessions have it.
#
# PREVEX_BENCH_DEPARTEMENTS (e.g. "91 59 48"), for a dataset loaded
# beforehand by `demo-data --national` into $PREVEX_BENCH_DB: the
# organisations measured are, for each kind, the busiest of each of those
# départements, and before the copy each of their CAFs gets its
# département's EPCIs as territory, each social service the three
# communes of its département with the most households, and 6 households
# in 10 of the whole dataset a CAF number.
#
# Needs: PREVEX_ADMIN_DATABASE_URL (a role that may create databases, URI
# form, any database of the cluster), PREVEX_BENCH_MAIN_BIN (prevex and
# prevex-stmt-sql of the BEFORE revision: PREVEX_BENCH_MAIN_BIN and
# PREVEX_BENCH_MAIN_STMT_SQL), this revision's build (PREVEX_BUILD, default
# build), pgbench, psql, python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD="${PREVEX_BUILD:-$ROOT/build}"
BIN="${PREVEX_BIN:-$BUILD/api/prevex}"
STMT_SQL="$BUILD/bench/prevex-stmt-sql"
MAIN_BIN="${PREVEX_BENCH_MAIN_BIN:?prevex of the revision to compare with}"
MAIN_STMT_SQL="${PREVEX_BENCH_MAIN_STMT_SQL:?prevex-stmt-sql of the revision to compare with}"
ADMIN_URL="${PREVEX_ADMIN_DATABASE_URL:?a role that may create databases}"
DB="${PREVEX_BENCH_DB:-prevex_visibility}"
SCALE="${PREVEX_BENCH_SCALE:-70}"
SECONDS_EACH="${PREVEX_BENCH_SECONDS:-10}"
ONLY="${PREVEX_BENCH_ONLY:-}"   # a regular expression on "kind statement"
# PREVEX_BENCH_AFTER_ONLY=1 runs the AFTER side alone (while tuning).
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

url_of() { # the admin URL with database $1 and, when $2 is given, role $2
	python3 - "$ADMIN_URL" "$1" "${2:-}" <<'PY'
import sys, urllib.parse as u
url, db, role = sys.argv[1:4]
p = u.urlsplit(url)
netloc = p.netloc
if role:
    netloc = role + "@" + netloc.split("@", 1)[-1]
print(u.urlunsplit(p._replace(path="/" + u.quote(db), netloc=netloc)))
PY
}
BEFORE_URL="$(url_of "$DB")"
AFTER_URL="$(url_of "${DB}_after")"
q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
# Runs prevex ($2...) on database $1 as its owner (migrate applies to
# PREVEX_ADMIN_DATABASE_URL: both are set).
db_env() {
	local url
	url="$(url_of "$1" prevex)"
	shift
	PREVEX_DATABASE_URL="$url" PREVEX_ADMIN_DATABASE_URL="$url" "$@"
}

if [[ "$(q "$(url_of postgres)" -c "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" == 0 ]]; then
	q "$(url_of postgres)" -c "CREATE DATABASE \"$DB\" OWNER prevex"
fi
if [[ "$(q "$BEFORE_URL" -c "SELECT to_regclass('households') IS NOT NULL AND EXISTS (SELECT 1 FROM households)")" != t ]]; then
	start=$(date +%s)
	db_env "$DB" "$MAIN_BIN" migrate >/dev/null
	db_env "$DB" "$MAIN_BIN" demo-data --scale "$SCALE" \
		--clients-file "$WORK/clients.json" >/dev/null
	# Territories for the CAF and the social service, CAF numbers: the
	# relations the demo data leaves empty.
	q "$(url_of "$DB" prevex)" <<-'SQL'
		INSERT INTO organisation_epcis (organisation_id, epci_siren)
		SELECT o.id, e.siren FROM organisations o CROSS JOIN epcis e WHERE o.name = 'CAF de l''Essonne'
		ON CONFLICT DO NOTHING;
		INSERT INTO organisation_communes (organisation_id, insee)
		SELECT o.id, c.insee FROM organisations o CROSS JOIN (VALUES ('91174'), ('91228'), ('91570')) c (insee)
		WHERE o.name = 'MDS de Corbeil-Essonnes' ON CONFLICT DO NOTHING;
		UPDATE households SET caf_number = upper(substr(md5(id::text), 1, 8))
		WHERE caf_number IS NULL AND abs(hashtext(id::text)) % 10 < 6;
		VACUUM ANALYZE;
	SQL
	echo "load: $(($(date +%s) - start)) s (scale $SCALE)"
fi
DEPS="${PREVEX_BENCH_DEPARTEMENTS:-}"
if [[ -n "$DEPS" ]] && [[ "$(q "$BEFORE_URL" -c "SELECT count(*) FROM organisation_epcis oe
	JOIN organisations o ON o.id = oe.organisation_id WHERE o.kind = 'caf'")" == 0 ]]; then
	start=$(date +%s)
	q "$(url_of "$DB" prevex)" -v deps="{${DEPS// /,}}" <<-'SQL'
		INSERT INTO organisation_epcis (organisation_id, epci_siren)
		SELECT DISTINCT o.id, c.epci_siren FROM organisations o
		JOIN organisation_departements d ON d.organisation_id = o.id
		JOIN communes c ON insee_departement(c.insee) = d.departement_code
		WHERE o.kind = 'caf' AND d.departement_code = ANY (:'deps'::text[]) AND c.epci_siren IS NOT NULL
		ON CONFLICT DO NOTHING;
		INSERT INTO organisation_communes (organisation_id, insee)
		SELECT o.id, t.insee FROM organisations o
		JOIN organisation_departements d ON d.organisation_id = o.id
		CROSS JOIN LATERAL (SELECT h.insee FROM households h WHERE insee_departement(h.insee) = d.departement_code
			GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3) t
		WHERE o.kind = 'social_service' AND d.departement_code = ANY (:'deps'::text[])
		ON CONFLICT DO NOTHING;
		UPDATE households SET caf_number = upper(substr(md5(id::text), 1, 8))
		WHERE caf_number IS NULL AND abs(hashtext(id::text)) % 10 < 6;
		VACUUM ANALYZE;
	SQL
	echo "territories and CAF numbers: $(($(date +%s) - start)) s"
fi
if [[ "$(q "$(url_of postgres)" -c "SELECT count(*) FROM pg_database WHERE datname = '${DB}_after'")" == 0 ]]; then
	q "$(url_of postgres)" -c "CREATE DATABASE \"${DB}_after\" TEMPLATE \"$DB\" OWNER prevex"
	db_env "${DB}_after" "$BIN" migrate | tail -1
	q "$(url_of "${DB}_after" prevex)" -c "ANALYZE households, case_parties, recommendations, referral_orientations"
fi
echo "households: $(q "$AFTER_URL" -c "SELECT count(*) FROM households"), procedures:" \
	"$(q "$AFTER_URL" -c "SELECT count(*) FROM procedures"), referrals: $(q "$AFTER_URL" -c "SELECT count(*) FROM referrals")," \
	"diagnostics: $(q "$AFTER_URL" -c "SELECT count(*) FROM diagnostics")"

# One line per measure: kind, org id, client id, statement, then its
# parameters ($1, $2, ...; \N for NULL), tab-separated.
mask() { "$STMT_SQL" --mask "$1" "$2"; }
if [[ -n "$DEPS" ]]; then
	# The kind is printed with the département: "prefecture/59".
	q "$AFTER_URL" -F $'\t' -v deps="{${DEPS// /,}}" <<-'SQL' >"$WORK/orgs"
		SELECT DISTINCT ON (o.kind, d.departement_code) o.kind || '/' || d.departement_code, o.id,
		       (SELECT c.id FROM api_clients c WHERE c.organisation_id = o.id ORDER BY c.id LIMIT 1), o.name
		FROM organisations o JOIN organisation_departements d ON d.organisation_id = o.id
		WHERE o.kind NOT IN ('banque_de_france', 'national') AND d.departement_code = ANY (:'deps'::text[])
		  AND EXISTS (SELECT 1 FROM api_clients c WHERE c.organisation_id = o.id)
		ORDER BY o.kind, d.departement_code,
		         (SELECT count(*) FROM case_parties p WHERE p.organisation_id = o.id) DESC, o.id
	SQL
else
	q "$AFTER_URL" -F $'\t' -c "SELECT DISTINCT ON (o.kind) o.kind, o.id, c.id, o.name FROM organisations o
	JOIN api_clients c ON c.organisation_id = o.id WHERE o.kind NOT IN ('banque_de_france', 'national')
	ORDER BY o.kind, (SELECT count(*) FROM case_parties p WHERE p.organisation_id = o.id) DESC, o.id" >"$WORK/orgs"
fi
N='\N'
while IFS=$'\t' read -r label org client _name; do
	kind=${label%%/*}
	proc=$(mask "$kind" read_procedure)
	emit() { printf '%s\t%s\t' "$label" "$1"; shift; local IFS=$'\t'; printf '%s\n' "$*"; }
	emit households_list "$org" "$kind" $N $N $N $N $N $N $N 100 "$client" bench "$proc"
	if [[ "$kind" == *landlord ]]; then
		# The commune where the landlord has the most households.
		insee=$(q "$AFTER_URL" -c "SELECT h.insee FROM households h WHERE h.landlord_org_id = '$org'
			GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
		emit households_list_commune "$org" "$kind" "$insee" $N $N $N $N $N $N 100 "$client" bench "$proc"
	fi
	# The household read: the last one of the kind's first page.
	hh=$(q "$AFTER_URL" -c "SELECT h.id FROM households h
		WHERE h.id IN (SELECT c.household_id FROM visible_household_candidates('$org', '$kind', 255) c)
		AND household_relations(h, '$org', '$kind') | orientation_household_relations(h.id, '$org', '$kind') <> 0
		ORDER BY h.created_at, h.id LIMIT 1 OFFSET 99")
	[[ -n "$hh" ]] && emit households_get "$org" "$kind" "$hh" "$proc"
	((proc != 0)) && emit procedures_list "$org" "$kind" "$proc" $N $N $N $N $N $N $N 100 "$client" bench
	ref=$(mask "$kind" read_referral)
	if ((ref != 0)); then
		all=false
		(($(mask "$kind" read_recommendation) & 2)) && all=true
		emit ccapex_referral_list "$org" "$kind" "$(mask "$kind" social)" $all "$ref" $N $N $N $N $N $N 101
	fi
	for x in field_diagnostic_list:read_diagnostic field_letter_list:read_prevention_letter \
		field_case_list:read_outreach; do
		m=$(mask "$kind" "${x#*:}")
		((m != 0)) && emit "${x%%:*}" "$org" "$kind" "$m" $N $N $N $N $N 100 "$client" bench
	done
	[[ "$kind" == prefecture ]] && emit procedures_queue_list $N 100 "$org"
done <"$WORK/orgs" >"$WORK/measures"

# The writes the new indexes slow down: a household (with a CAF number)
# and its procedure, as the bailiff's transmission writes them
# (households_insert, then procedures_insert on its id); rolled back.
bailiff=$(grep -P '^bailiff(/\w+)?\t' "$WORK/orgs" | head -1 | cut -f2,3)
landlord=$(grep -P '^social_landlord(/\w+)?\t' "$WORK/orgs" | head -1 | cut -f2)
printf 'bailiff\twrite_household_procedure\t1_rue_du_Banc\t91100\t91174\tsocial\t%s\t%s\t%s\t1\t0\t50000\t%s\t%s\t%s\t%s\tB1234567\t%s\t%s\t%s\t%s\t%s\t%s\n' \
	"$landlord" $N $N $N $N $N $N $N $N $N "${bailiff%%$'\t'*}" "${bailiff#*$'\t'}" $N >>"$WORK/measures"

# pgbench file and options for one measure, on stdin; $1 prevex-stmt-sql, $2 file.
pgbench_file() {
	# shellcheck disable=SC2016 # Python, not shell, in single quotes
	python3 -c '
import re, subprocess, sys
tool, path, line = sys.argv[1], sys.argv[2], sys.stdin.readline().rstrip("\n").split("\t")
stmt, params = line[1].removesuffix("_commune"), line[2:]
stmts = [stmt] if stmt != "write_household_procedure" else ["households_insert", "procedures_insert"]
sqls = [subprocess.run([tool, s], check=True, capture_output=True, text=True).stdout.strip() for s in stmts]
opts = []
def sub(m):
    v = params[int(m.group(1)) - 1]
    if v == "\\N":
        return "NULL"
    opts.append(f"-Dp{m.group(1)}={v}")
    return f":p{m.group(1)}"
body = re.sub(r"\$(\d+)", sub, sqls[0]) + ";\n"
if len(sqls) > 1:  # the procedure on the household just written
    body = body.replace("RETURNING id;", "RETURNING id AS hid \\gset\n").rstrip(";\n") + "\n"
    body += sqls[1].replace("$1", ":hid").replace("$2", ":p19").replace("$3", "\x27bench\x27") + ";\n"
open(path, "w").write("BEGIN;\n" + body + "ROLLBACK;\n")
print(" ".join(sorted(set(opts))))' "$1" "$2"
}

# p50 and p99 in ms of the transactions of pgbench's log files $1*.
percentiles() {
	cat "$1"* | python3 -c '
import sys
t = sorted(int(l.split()[2]) / 1000 for l in sys.stdin if l.strip())
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print(f"{p(0.5):.1f} {p(0.99):.1f} {len(t)}")'
}

run() { # $1 URL, $2 file, $3 options, $4 log prefix
	# shellcheck disable=SC2086
	(cd "$WORK" && PGOPTIONS='-c jit=off' pgbench -n -M prepared -c 1 -T "$SECONDS_EACH" -l --log-prefix "$4" \
		$3 -f "$2" "$1" >"$4-out.txt" 2>&1) || { echo "pgbench failed: $(tail -3 "$WORK/$4-out.txt")" >&2; return 1; }
	percentiles "$WORK/$4."
}

printf '%-20s %-26s %10s %10s %6s %10s %10s %6s %8s\n' kind statement "p50 before" "p99 before" n \
	"p50 after" "p99 after" n "p99 a/b"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	kind=${line%%$'\t'*}
	stmt=$(cut -f2 <<<"$line")
	[[ -n "$ONLY" && ! "$kind $stmt" =~ $ONLY ]] && continue
	ob=$(pgbench_file "$MAIN_STMT_SQL" "$WORK/b$i.sql" <<<"$line")
	oa=$(pgbench_file "$STMT_SQL" "$WORK/a$i.sql" <<<"$line")
	b50=- b99=- bn=0
	[[ -z "${PREVEX_BENCH_AFTER_ONLY:-}" ]] &&
		read -r b50 b99 bn < <(run "$(url_of "$DB" prevex_app)" "b$i.sql" "$ob" "lb$i")
	read -r a50 a99 an < <(run "$(url_of "${DB}_after" prevex_app)" "a$i.sql" "$oa" "la$i")
	printf '%-20s %-26s %10s %10s %6s %10s %10s %6s %8s\n' "$kind" "$stmt" "$b50" "$b99" "$bn" "$a50" "$a99" "$an" \
		"$( ((bn > 0)) && python3 -c "print(f'{$a99 / $b99:.3f}')" || echo -)"
done <"$WORK/measures"
