#!/bin/sh
# Run once by Patroni on the new cluster's first leader, with a connection
# URL as $1. The passwords come from the node's environment.
set -eu
psql -X -v ON_ERROR_STOP=1 -v owner="$PREVEX_OWNER_PASSWORD" -v app="$PREVEX_APP_PASSWORD" "$1" <<'SQL'
CREATE ROLE prevex LOGIN PASSWORD :'owner';
CREATE ROLE prevex_app LOGIN PASSWORD :'app';
CREATE DATABASE prevex OWNER prevex;
SQL
