#!/usr/bin/env bash
# Back up QA Arena's stack (deploy/compose.yaml) while it runs, into one directory:
#
#   jupyterhub.dump  qa_arena.dump   pg_dump --format=custom of the hub's and the grading service's databases
#   globals.sql                      the roles (pg_dumpall --globals-only), for a rebuild from nothing
#   course.tar.gz                    the course directory; its SQLite gradebook copied with SQLite's backup API
#   exchange.tar.gz                  the nbgrader exchange (the host directory QA_ARENA_EXCHANGE_DIR): released
#                                    assignments, submissions, feedback, with their owners and modes
#   hub-state.tar.gz                 the hub's state (cookie secret)
#   MANIFEST  SHA256SUMS             what, when, from which images; checksums (restore.sh checks them)
#
# usage: deploy/backup.sh [DIR]      (default: deploy/backups/<UTC time>; created 0700)
# Users' home volumes (qa-arena-home-<user>) are not included: back them up with your volume tooling.
# Restore with deploy/restore.sh DIR. Environment: see deploy/lib/compose.sh.
set -euo pipefail
source "$(dirname "$0")/lib/compose.sh"

target="${1:-$deploy_dir/backups/$(date -u +%Y%m%dT%H%M%SZ)}"
umask 077
mkdir -p "$target"
chmod 0700 "$target"
target="$(cd "$target" && pwd)"
stack="$(project)"
image="$(helper_image)"

say "PostgreSQL: databases jupyterhub and qa_arena, and the roles"
for db in jupyterhub qa_arena; do
    compose exec -T postgres pg_dump -U postgres --format=custom "$db" >"$target/$db.dump"
done
compose exec -T postgres pg_dumpall -U postgres --globals-only >"$target/globals.sql"

# A volume or host directory as a .tar.gz on stdout, read in a throwaway container with no network, mounted
# read-only; owners are kept as numbers (the students' uid 1000 on their inbound directories).
archive() {
    docker run --rm --network none --user 0 -v "$1:/data:ro" --entrypoint sh "$image" -c '
        set -eu
        snapshot="$(mktemp -d)"
        set --
        if [ -f /data/gradebook.db ]; then
            python3 -c "import sqlite3, sys
source = sqlite3.connect(\"file:/data/gradebook.db?mode=ro\", uri=True)
copy = sqlite3.connect(sys.argv[1])
source.backup(copy)
copy.close()" "$snapshot/gradebook.db"
            set -- -C "$snapshot" gradebook.db
        fi
        tar --numeric-owner --exclude=./gradebook.db -czf - -C /data . "$@"'
}
sources=""
for entry in $VOLUMES; do
    key="${entry%%:*}"
    from="$(mount_source "${entry#*:}")"
    say "$key ($from)"
    archive "$from" >"$target/$key.tar.gz"
    sources="$sources$key: $from"$'\n'
done

{
    echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "project: $stack"
    printf '%s' "$sources"
    for service in hub worker postgres; do
        id="$(compose ps -q "$service" | head -n 1)"
        [ -n "$id" ] && echo "image $service: $(docker inspect -f '{{.Config.Image}} {{.Image}}' "$id")"
    done
    echo "qa_arena alembic revision: $(compose exec -T postgres psql -U postgres -d qa_arena -tAc \
        'SELECT version_num FROM qa_arena_service_version' 2>/dev/null || echo none)"
} >"$target/MANIFEST"
(cd "$target" && sha256sum -- *.dump globals.sql *.tar.gz MANIFEST >SHA256SUMS)
say "backup in $target"
echo "$target"
