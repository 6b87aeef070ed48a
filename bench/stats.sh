#!/usr/bin/env bash
# Key figures at size: loads the Essonne demo dataset plus --scale units of
# procedure flow (PREVEX_BENCH_SCALE, 100 by default: about 500,000
# procedure events) into the database of PREVEX_DATABASE_URL, timing the
# load, then times GET /v1/stats/key-figures?year=2021 with hyperfine as the
# préfecture and the département (every case) and as the demo organisation
# of every other kind (its own cases), and prints the median of each. A
# dataset already there is skipped by `prevex demo-data`, so a second run
# times the reads only.
# Needs PREVEX_DATABASE_URL (the owner, unix socket) and optionally
# PREVEX_BIN; starts and stops prevex itself.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
: "${PREVEX_DATABASE_URL:?set PREVEX_DATABASE_URL to the service database (unix socket)}"
BIN="${PREVEX_BIN:-build/api/prevex}"
SCALE="${PREVEX_BENCH_SCALE:-100}"
RUNS="${PREVEX_BENCH_RUNS:-30}"
YEAR="${PREVEX_BENCH_YEAR:-2021}"
[[ -x "$BIN" ]] || { echo "bench/stats.sh: no binary at $BIN (build first)" >&2; exit 1; }
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null

work="$(mktemp -d)"
server_pid=""
cleanup() {
	[[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$BIN" migrate >/dev/null
start=$(date +%s.%N)
"$BIN" demo-data --scale "$SCALE" --clients-file "$work/clients.json"
echo "load: $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s (scale $SCALE)"
psql "$PREVEX_DATABASE_URL" -Atc "SELECT 'procedure events in the database: ' || count(*) FROM procedure_events"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PREVEX_JWT_KEYS_DIR="$work/keys" PREVEX_LOG_LEVEL=warn PREVEX_LISTEN="127.0.0.1:$port"
mkdir -m 0700 "$work/keys"
"$BIN" keys generate --kid bench >/dev/null
"$BIN" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done

# A token for the demo client of the organisation named $1.
token_of() { bench_demo_token "$work/clients.json" "$port" "$1"; }
# One demo organisation of every kind that may read statistics: the
# préfecture and the département count every case, the others their own.
callers=(prefecture departement bailiff landlord private_landlord caf adil social_service association)
declare -A tokens=(
	[prefecture]="$(token_of "Préfecture de l'Essonne")"
	[departement]="$(token_of "Conseil départemental de l'Essonne")"
	[bailiff]="$(token_of "Étude de commissaires de justice Evry-Courcouronnes")"
	[landlord]="$(token_of "Bailleur social Essonne Habitat")"
	[private_landlord]="$(token_of "Gestion immobilière Corbeil")"
	[caf]="$(token_of "CAF de l'Essonne")"
	[adil]="$(token_of "ADIL de l'Essonne")"
	[social_service]="$(token_of "MDS de Corbeil-Essonnes")"
	[association]="$(token_of "Tout Azimut")"
)
url="http://127.0.0.1:$port/v1/stats/key-figures?year=$YEAR"

for who in "${callers[@]}"; do
	# A caller answering otherwise than 200 (403, or 503 past the statement
	# timeout) is reported, not timed.
	code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${tokens[$who]}" "$url")"
	if [[ "$code" != 200 ]]; then
		echo "key figures $YEAR as the $who: HTTP $code, not timed"
		continue
	fi
	token="${tokens[$who]}"
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/$who.json" \
		"curl -fs -o /dev/null -H 'Authorization: Bearer $token' $url" >/dev/null
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = {k: r[k] * 1000 for k in ("median", "min", "max")}
print("key figures %s as the %s: median %.1f ms (min %.1f, max %.1f, %d runs)"
      % (sys.argv[3], sys.argv[2], ms["median"], ms["min"], ms["max"], len(r["times"])))' \
		"$work/$who.json" "$who" "$YEAR"
done
