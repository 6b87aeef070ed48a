#!/usr/bin/env bash
# Builds the libFuzzer targets in a build directory of their own (clang,
# ASan and UBSan) and runs each for a bounded time over a copy of its seed
# corpus (tests/fuzz/corpus/<target>/) and dictionary (tests/fuzz/<target>.dict,
# when there is one). Exits non-zero when a target crashes,
# leaks or times out; the input that did it is kept in $FUZZ_BUILD/artifacts.
#   FUZZ_TIME    seconds per target (default 10)
#   FUZZ_BUILD   build directory (default build-fuzz)
#   FUZZ_TARGETS targets to run (default: all of them)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"

FUZZ_TIME="${FUZZ_TIME:-10}"
FUZZ_BUILD="${FUZZ_BUILD:-build-fuzz}"
ALL_TARGETS=(fuzz_json fuzz_cursor fuzz_jwt fuzz_date fuzz_csv fuzz_webhook_url fuzz_http_head)
read -r -a targets <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
[[ "$FUZZ_TIME" =~ ^[0-9]+$ ]] || { echo "fuzz: FUZZ_TIME must be a number of seconds" >&2; exit 2; }

if [[ ! -f "$FUZZ_BUILD/build.ninja" ]]; then
	CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$FUZZ_BUILD" "${targets[@]/#/tests/fuzz/}"

work="$(mktemp -d "${TMPDIR:-/tmp}/prevex-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$FUZZ_BUILD/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

bad=0
summary=()
for t in "${targets[@]}"; do
	seeds="tests/fuzz/corpus/$t"
	[[ -d "$seeds" ]] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }
	mkdir -p "$work/$t"
	log="$work/$t.log"
	dict=()
	[[ -f "tests/fuzz/$t.dict" ]] && dict=(-dict="tests/fuzz/$t.dict")
	rc=0
	# New inputs go to the first (scratch) directory; the seeds stay as they are.
	"$FUZZ_BUILD/tests/fuzz/$t" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$FUZZ_BUILD/artifacts/$t-" \
		"$work/$t" "$seeds" >"$log" 2>&1 || rc=$?
	runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
	speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
	if ((rc != 0)); then
		bad=1
		tail -60 "$log" >&2
		summary+=("$t: FAILED (exit $rc; see $FUZZ_BUILD/artifacts/)")
	else
		summary+=("$t: ok, ${runs:-?} runs, ${speed:-?} exec/s")
	fi
done
printf 'fuzz: %s\n' "${summary[@]}"
exit "$bad"
