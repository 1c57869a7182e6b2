#!/bin/sh
# PostgreSQL in the foreground; the cluster, roles and databases are created on first start.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
socket=/run/postgresql

secret() {  # the value of $1, or the contents of the file named by ${1}_FILE
    eval "value=\${$1:-}"
    eval "file=\${${1}_FILE:-}"
    if [ -z "$value" ] && [ -n "$file" ]; then value="$(cat "$file")"; fi
    printf '%s' "$value"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    superuser="$(secret POSTGRES_PASSWORD)"
    hub="$(secret QA_ARENA_HUB_DB_PASSWORD)"
    service="$(secret QA_ARENA_SERVICE_DB_PASSWORD)"
    if [ -z "$superuser" ] || [ -z "$hub" ] || [ -z "$service" ]; then
        echo "[qa-arena postgres] first start: set POSTGRES_PASSWORD, QA_ARENA_HUB_DB_PASSWORD and" \
             "QA_ARENA_SERVICE_DB_PASSWORD (or their *_FILE)" >&2
        exit 1
    fi
    echo "[qa-arena postgres] creating the cluster in $PGDATA" >&2
    pwfile="$(mktemp)"
    printf '%s\n' "$superuser" >"$pwfile"
    initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    # Other containers connect over the (private) network, always with a password.
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$socket" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 -h "$socket" -U postgres -d postgres -q \
        -v hub="$hub" -v service="$service" <<'SQL'
CREATE ROLE hub LOGIN PASSWORD :'hub';
CREATE DATABASE jupyterhub OWNER hub;
CREATE ROLE qa_arena LOGIN PASSWORD :'service';
CREATE DATABASE qa_arena OWNER qa_arena;
REVOKE ALL ON DATABASE jupyterhub FROM PUBLIC;
REVOKE ALL ON DATABASE qa_arena FROM PUBLIC;
SQL
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "[qa-arena postgres] databases jupyterhub (role hub) and qa_arena (role qa_arena) created" >&2
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories="$socket" "$@"
