# shellcheck shell=bash
# Its variables are read by the scripts that source it:
# shellcheck disable=SC2034
# Shared by scripts/run and scripts/test: Debian packages, the build, and a
# private PostgreSQL 15 cluster that belongs to this clone alone.
#
# The caller sets `set -euo pipefail`, then sources this file; it sets
# PREVEX_ROOT and cds there, so the scripts work from any directory.

PREVEX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$PREVEX_ROOT" || exit 1

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=5432                  # only names the socket: the cluster listens on no TCP port
PG_SUPERUSER=postgres
PREVEX_LOCAL="$PREVEX_ROOT/.local"
PREVEX_PG_LINK="$PREVEX_LOCAL/pg"   # data/, run/ (the socket) and log/ live here

PREVEX_PG_STARTED=0          # 1 once this process started the cluster: it stops it
PREVEX_APT_UPDATED=0

prevex_log() { printf '[prevex] %s\n' "$*" >&2; }
prevex_die() { printf '[prevex] error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ---------------------------------------------------------

prevex_pkg_installed() {
	[[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# Installs those of the named packages that are missing; touches apt only then.
prevex_ensure_packages() {
	local missing=() p
	for p in "$@"; do
		prevex_pkg_installed "$p" || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null || prevex_die "missing packages (${missing[*]}) and not root: install them first"
		sudo=(sudo)
	fi
	prevex_log "installing Debian packages: ${missing[*]}"
	if ((PREVEX_APT_UPDATED == 0)); then
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		PREVEX_APT_UPDATED=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" </dev/null
}

# libcurl4-openssl-dev is deliberately absent: it conflicts with the
# libcurl4-gnutls-dev that libulfius-dev pulls in.
PREVEX_BUILD_PACKAGES=(
	build-essential gcc meson ninja-build pkg-config python3
	libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev libjwt-dev libssl-dev libcurl4-gnutls-dev check
	postgresql-15 postgresql-client-15 curl ca-certificates python3-yaml python3-jsonschema
)

# --- build ---------------------------------------------------------------------

# $1: build directory; further arguments go to `meson setup` the first time only.
prevex_build() {
	local dir="$1"
	shift
	if [[ ! -f "$dir/build.ninja" ]]; then
		prevex_log "meson setup $dir${*:+ $*}"
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

# --- the private cluster ---------------------------------------------------------

# Runs a command as the cluster's OS user: postgres when we are root, else ourselves.
# From / because the postgres user may not be allowed into the clone.
prevex_as_pg() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

prevex_pg_owner() {
	if ((EUID == 0)); then echo postgres; else id -un; fi
}

# Percent-encodes a value for a URI query (keeps '/', which libpq accepts as is).
prevex_urlencode() {
	local LC_ALL=C s="$1" out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c="${s:i:1}"
		case "$c" in
		[a-zA-Z0-9.~_/-]) out+="$c" ;;
		*) printf -v c '%%%02X' "'$c"; out+="$c" ;;
		esac
	done
	printf '%s' "$out"
}

# A directory the cluster's user owns alone (0700). Created here when missing;
# an existing one must already belong to that user (a directory under /var/tmp
# that someone else made first is refused, never adopted).
prevex_pg_mkdir_private() {
	local d="$1" owner
	owner="$(prevex_pg_owner)"
	if [[ -L "$d" ]]; then prevex_die "$d is a symbolic link; refusing to use it"; fi
	if [[ ! -e "$d" ]]; then
		mkdir -m 0700 "$d"
		if [[ "$(id -un)" != "$owner" ]]; then chown "$owner": "$d"; fi
	fi
	[[ -d "$d" && "$(stat -c %U "$d")" == "$owner" ]] ||
		prevex_die "$d is not a directory owned by $owner; remove it"
	chmod 0700 "$d"
}

# Whether the cluster's user can reach and use $1 (an existing directory).
prevex_pg_can_use() {
	prevex_as_pg test -d "$1" -a -x "$1" -a -w "$1"
}

# Decides where the cluster lives and sets PREVEX_PG_DIR (its real path).
# In the clone (.local/pg) when the postgres user can reach .local/ and the
# socket path stays short; otherwise in /var/tmp/prevex-pg-<hash of the clone's
# path>/, with .local/pg a symbolic link to it, so that nothing outside the
# project has to be opened up.
prevex_pg_locate() {
	local outside
	outside="/var/tmp/prevex-pg-$(printf '%s' "$PREVEX_ROOT" | sha256sum | cut -c1-12)"
	mkdir -p "$PREVEX_LOCAL"
	# A link made for this clone's path is reused; one copied from another
	# clone is pointed at this clone's own directory.
	if [[ -L "$PREVEX_PG_LINK" && "$(readlink "$PREVEX_PG_LINK")" == "$outside" ]]; then
		PREVEX_PG_DIR="$outside"
		prevex_pg_mkdir_private "$PREVEX_PG_DIR"
		return 0
	fi
	if [[ -L "$PREVEX_PG_LINK" ]]; then rm -f "$PREVEX_PG_LINK"; fi
	if [[ -d "$PREVEX_PG_LINK" ]]; then
		prevex_pg_can_use "$PREVEX_PG_LINK" ||
			prevex_die "$PREVEX_PG_LINK exists but $(prevex_pg_owner) cannot use it from here (was the clone moved?): remove it"
		PREVEX_PG_DIR="$PREVEX_PG_LINK"
		return 0
	fi
	local sock="$PREVEX_PG_LINK/run/.s.PGSQL.$PG_PORT" why
	if ((${#sock} > 100)); then
		why="the socket path would be too long"
	elif [[ ! "$PREVEX_LOCAL" =~ ^[A-Za-z0-9._/+-]+$ ]]; then
		# unix_socket_directories is a comma-separated, quotable list
		why="its path holds characters PostgreSQL settings would need quoted"
	elif ! prevex_as_pg test -x "$PREVEX_LOCAL"; then
		why="$(prevex_pg_owner) cannot enter it"
	else
		prevex_pg_mkdir_private "$PREVEX_PG_LINK"
		if prevex_pg_can_use "$PREVEX_PG_LINK"; then
			PREVEX_PG_DIR="$PREVEX_PG_LINK"
			return 0
		fi
		rmdir "$PREVEX_PG_LINK"
		why="$(prevex_pg_owner) cannot write in it"
	fi
	PREVEX_PG_DIR="$outside"
	prevex_log "cluster outside $PREVEX_LOCAL ($why): in $PREVEX_PG_DIR"
	prevex_pg_mkdir_private "$PREVEX_PG_DIR"
	ln -sfn "$PREVEX_PG_DIR" "$PREVEX_PG_LINK"
}

# Creates the cluster once, then starts it unless it is running.
# Sets PREVEX_PG_SOCKET_DIR; PREVEX_PG_STARTED=1 when this call started it.
prevex_pg_start() {
	[[ -x "$PG_BIN/initdb" ]] || prevex_die "$PG_BIN/initdb not found (package postgresql-15)"
	prevex_pg_locate
	local d="$PREVEX_PG_DIR"
	local data="$d/data" run="$d/run" logdir="$d/log"
	if [[ ! -f "$data/PG_VERSION" ]]; then
		prevex_log "initdb $data"
		prevex_as_pg mkdir -p -m 0700 "$data" "$run" "$logdir"
		prevex_as_pg "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" --encoding=UTF8 \
			--locale=C.UTF-8 --auth-local=trust --auth-host=reject --no-instructions >/dev/null
		# Settings that depend on where the clone lies are rewritten at every start.
		printf "\ninclude_if_exists = 'prevex.conf'\n" |
			prevex_as_pg tee -a "$data/postgresql.conf" >/dev/null
	fi
	prevex_as_pg mkdir -p -m 0700 "$run" "$logdir"
	PREVEX_PG_SOCKET_DIR="$(cd "$run" && pwd -P)"
	local q="${PREVEX_PG_SOCKET_DIR//\'/\'\'}"
	printf "%s\n" \
		"# Written by scripts/lib.sh at each start." \
		"listen_addresses = ''" \
		"port = $PG_PORT" \
		"unix_socket_directories = '$q'" \
		"unix_socket_permissions = 0700" \
		"max_connections = 200" \
		"# No row or statement in the log: a refused row can hold personal data." \
		"log_error_verbosity = terse" \
		"log_min_error_statement = panic" \
		"log_parameter_max_length = 0" \
		"log_parameter_max_length_on_error = 0" |
		prevex_as_pg tee "$data/prevex.conf" >/dev/null
	if prevex_as_pg "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
		prevex_log "PostgreSQL already running (socket in $PREVEX_PG_SOCKET_DIR)"
		return 0
	fi
	prevex_log "starting PostgreSQL (socket in $PREVEX_PG_SOCKET_DIR)"
	if ! prevex_as_pg "$PG_BIN/pg_ctl" start -D "$data" -l "$logdir/postgresql.log" -w -t 60 >/dev/null; then
		tail -n 30 "$logdir/postgresql.log" >&2 || true
		prevex_die "PostgreSQL did not start"
	fi
	PREVEX_PG_STARTED=1
}

# Stops the cluster if, and only if, this process started it.
prevex_pg_stop() {
	if ((PREVEX_PG_STARTED == 1)); then
		prevex_log "stopping PostgreSQL"
		prevex_as_pg "$PG_BIN/pg_ctl" stop -D "$PREVEX_PG_DIR/data" -m fast -w -t 60 >/dev/null || true
		PREVEX_PG_STARTED=0
	fi
}

# psql as the cluster's superuser, on the private socket.
prevex_psql_super() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		"host=$PREVEX_PG_SOCKET_DIR port=$PG_PORT user=$PG_SUPERUSER dbname=postgres" "$@"
}

# URL of database $2 as role $1 on the private socket.
prevex_pg_url() {
	printf 'postgresql://%s@/%s?host=%s&port=%s' "$1" "$2" \
		"$(prevex_urlencode "$PREVEX_PG_SOCKET_DIR")" "$PG_PORT"
}

# Roles prevex (owns the database, runs migrations) and prevex_app (the
# service: LOGIN, owns nothing), and the database prevex.
prevex_pg_roles() {
	prevex_psql_super -f - <<-'SQL'
		SELECT 'CREATE ROLE prevex LOGIN'
		 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'prevex')\gexec
		SELECT 'CREATE ROLE prevex_app LOGIN'
		 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'prevex_app')\gexec
		SELECT 'CREATE DATABASE prevex OWNER prevex'
		 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'prevex')\gexec
	SQL
}

# Exports PREVEX_DATABASE_URL and PREVEX_ADMIN_DATABASE_URL: the user's own
# database when PREVEX_DATABASE_URL is set, else the private cluster.
# Sets PREVEX_PG_PRIVATE=1 in the second case.
prevex_database() {
	if [[ -n "${PREVEX_DATABASE_URL:-}" ]]; then
		PREVEX_PG_PRIVATE=0
		export PREVEX_DATABASE_URL
		export PREVEX_ADMIN_DATABASE_URL="${PREVEX_ADMIN_DATABASE_URL:-$PREVEX_DATABASE_URL}"
		prevex_log "using PREVEX_DATABASE_URL; no private cluster"
		return 0
	fi
	PREVEX_PG_PRIVATE=1
	prevex_pg_start
	prevex_pg_roles
	PREVEX_ADMIN_DATABASE_URL="$(prevex_pg_url prevex prevex)"
	PREVEX_DATABASE_URL="$(prevex_pg_url prevex_app prevex)"
	export PREVEX_ADMIN_DATABASE_URL PREVEX_DATABASE_URL
}

# Whether `build/prevex help` lists subcommand $2 (binary $1).
prevex_has_command() {
	local out
	out="$("$1" help 2>&1 || true)"
	grep -Eq "^[[:space:]]*(prevex[[:space:]]+)?$2([[:space:]:]|$)" <<<"$out"
}

# The prevex binary of build directory $1 (build/prevex, or build/api/prevex
# while the executable is declared in api/meson.build).
prevex_bin() {
	local f
	for f in "$1/prevex" "$1/api/prevex"; do
		if [[ -x "$f" && -f "$f" ]]; then
			printf '%s\n' "$PREVEX_ROOT/$f"
			return 0
		fi
	done
	prevex_die "no prevex binary in $1/"
}
