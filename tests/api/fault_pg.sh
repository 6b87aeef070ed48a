#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the fault test, which restarts and
# stops it: the shared test cluster is never touched.
#
#   fault_pg.sh create PID   makes, starts and prepares a cluster; prints its
#                            directory; removes it by itself once process PID
#                            is gone (a test killed by a timeout included)
#   fault_pg.sh restart DIR  pg_ctl restart -m fast
#   fault_pg.sh stop DIR     pg_ctl stop -m fast
#   fault_pg.sh start DIR    pg_ctl start
#   fault_pg.sh destroy DIR  stops it if running and removes DIR
#
# The cluster lives in a fresh directory under /var/tmp owned by its OS user
# (postgres when we are root: PostgreSQL refuses to run as root, and may not
# be allowed into the clone), listens on a Unix socket in DIR/run only, no
# TCP, and trusts local connections. Roles prevex (owns the database prevex)
# and prevex_app (the service) as in scripts/lib.sh.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=5432

die() { printf 'fault_pg.sh: %s\n' "$*" >&2; exit 1; }

as_pg() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# Only a directory this script made: a fault-test cluster under /var/tmp.
check_dir() {
	[[ "${1:-}" =~ ^/var/tmp/prevex-fault-[A-Za-z0-9]+$ && -d "$1" ]] || die "not a fault-test cluster: ${1:-}"
}

pg_ctl_do() {
	local dir="$1"
	shift
	as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log/postgresql.log" -w -t 60 "$@" >/dev/null
}

cmd_create() {
	local watch="$1" dir owner
	[[ "$watch" =~ ^[0-9]+$ ]] || die "create needs the pid to watch"
	[[ -x "$PG_BIN/initdb" ]] || die "$PG_BIN/initdb not found (package postgresql-15)"
	dir="$(mktemp -d /var/tmp/prevex-fault-XXXXXX)"
	if ((EUID == 0)); then owner=postgres; else owner="$(id -un)"; fi
	chown "$owner": "$dir"
	chmod 0700 "$dir"
	# From here on, whatever happens, the directory goes when the test goes.
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" destroy "$3"' \
		fault-watch "$watch" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")" \
		"$dir" </dev/null >/dev/null 2>&1 &
	as_pg mkdir -m 0700 "$dir/data" "$dir/run" "$dir/log"
	as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=reject --no-instructions --no-sync >/dev/null
	printf '%s\n' \
		"listen_addresses = ''" \
		"port = $PG_PORT" \
		"unix_socket_directories = '$dir/run'" \
		"unix_socket_permissions = 0700" \
		"max_connections = 100" \
		"fsync = off" \
		"full_page_writes = off" \
		"shared_buffers = 16MB" |
		as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
	pg_ctl_do "$dir" start || { tail -n 20 "$dir/log/postgresql.log" >&2; die "PostgreSQL did not start"; }
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "host=$dir/run port=$PG_PORT user=postgres dbname=postgres" \
		-c "CREATE ROLE prevex LOGIN" -c "CREATE ROLE prevex_app LOGIN" \
		-c "CREATE DATABASE prevex OWNER prevex" >/dev/null
	printf '%s\n' "$dir"
}

cmd_destroy() {
	local dir="$1"
	check_dir "$dir"
	if [[ -f "$dir/data/postmaster.pid" ]]; then
		as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf -- "$dir"
}

case "${1:-}" in
create) cmd_create "${2:-}" ;;
restart) check_dir "${2:-}"; pg_ctl_do "$2" -m fast restart ;;
stop) check_dir "${2:-}"; pg_ctl_do "$2" -m fast stop ;;
start) check_dir "${2:-}"; pg_ctl_do "$2" start ;;
destroy) cmd_destroy "${2:-}" ;;
*) die "usage: fault_pg.sh create PID | restart|stop|start|destroy DIR" ;;
esac
