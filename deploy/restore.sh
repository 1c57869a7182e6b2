#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into the stack (deploy/compose.yaml): everything the backup
# holds replaces what the stack has. The stack's PostgreSQL must be running (it is started if needed);
# the hub, the workers and nginx are stopped during the restore and started again afterwards.
#
# usage: deploy/restore.sh DIR [--yes]      (without --yes it asks first)
# Environment: see deploy/lib/compose.sh.
set -euo pipefail
source "$(dirname "$0")/lib/compose.sh"

[ $# -ge 1 ] || die "usage: $0 BACKUP_DIR [--yes]"
backup="$(cd "$1" && pwd)"
[ -f "$backup/SHA256SUMS" ] || die "$backup is not a backup (no SHA256SUMS)"
(cd "$backup" && sha256sum --quiet -c SHA256SUMS) || die "$backup: checksums do not match"
if [ "${2:-}" != "--yes" ]; then
    read -r -p "Replace the stack's databases, course, exchange and hub state with $backup? [y/N] " answer
    [ "$answer" = y ] || [ "$answer" = Y ] || die "nothing done"
fi

compose up -d postgres >/dev/null
project >/dev/null  # dies unless the stack's postgres runs
image="$(helper_image)"
say "stopping nginx, the hub and the workers"
compose stop nginx hub worker >/dev/null

for _ in $(seq 1 60); do
    compose exec -T postgres pg_isready -h 127.0.0.1 -U postgres -q && break
    sleep 1
done
for pair in jupyterhub:hub qa_arena:qa_arena; do
    db="${pair%%:*}"
    owner="${pair##*:}"
    say "database $db"
    compose exec -T postgres psql -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER $owner" \
        -c "REVOKE ALL ON DATABASE $db FROM PUBLIC"
    compose exec -T postgres pg_restore -U postgres --no-owner --role="$owner" --exit-on-error -d "$db" \
        <"$backup/$db.dump"
done

# The course and hub-state volumes, and the exchange's host directory (made again if it is gone): emptied,
# then unpacked with the archive's owners (by number) and modes.
for entry in $VOLUMES; do
    key="${entry%%:*}"
    target="$(mount_source "${entry#*:}")"
    say "$key ($target)"
    docker run --rm -i --network none --user 0 -v "$target:/data" --entrypoint sh "$image" \
        -c 'set -eu; find /data -mindepth 1 -delete; tar --numeric-owner -xzf - -C /data' <"$backup/$key.tar.gz"
done

say "starting the stack again"
compose up -d >/dev/null
say "restored $backup"
