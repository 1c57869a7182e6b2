#!/bin/sh
# Redis in the foreground, with the password from $QA_ARENA_REDIS_PASSWORD or $QA_ARENA_REDIS_PASSWORD_FILE.
set -eu
password="${QA_ARENA_REDIS_PASSWORD:-}"
if [ -z "$password" ] && [ -n "${QA_ARENA_REDIS_PASSWORD_FILE:-}" ]; then password="$(cat "$QA_ARENA_REDIS_PASSWORD_FILE")"; fi
if [ -z "$password" ]; then
    echo "[qa-arena redis] set QA_ARENA_REDIS_PASSWORD (or QA_ARENA_REDIS_PASSWORD_FILE)" >&2
    exit 1
fi
config="$(mktemp)"  # the password stays out of the command line
cat /etc/redis/qa-arena.conf >"$config"
printf 'requirepass "%s"\n' "$password" >>"$config"
chmod 0600 "$config"
exec redis-server "$config" "$@"
