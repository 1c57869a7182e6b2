# Shared by backup.sh and restore.sh (sourced): run compose on deploy/compose.yaml, find the stack's volumes.
#   QA_ARENA_COMPOSE    the compose command (default: docker-compose if installed, else "docker compose")
#   QA_ARENA_ENV_FILE   the env file (default: deploy/.env when it exists)
#   COMPOSE_PROJECT_NAME, as compose reads it (or from the env file)

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

compose() {
    local cmd args env_file="${QA_ARENA_ENV_FILE:-$deploy_dir/.env}"
    if [ -n "${QA_ARENA_COMPOSE:-}" ]; then
        read -r -a cmd <<<"$QA_ARENA_COMPOSE"
    elif command -v docker-compose >/dev/null; then
        cmd=(docker-compose)
    else
        cmd=(docker compose)
    fi
    args=(-f "$deploy_dir/compose.yaml")
    [ -f "$env_file" ] && args+=(--env-file "$env_file")
    "${cmd[@]}" "${args[@]}" "$@"
}

# The compose project of the running stack (read from its postgres container's labels).
project() {
    local id env_hint="${QA_ARENA_ENV_FILE:-$deploy_dir/.env}"
    id="$(compose ps -q postgres 2>/dev/null | head -n 1)"
    [ -n "$id" ] || die "the stack's postgres is not running, or compose cannot read its env file ($env_hint)"
    docker inspect -f '{{ index .Config.Labels "com.docker.compose.project" }}' "$id"
}

# What is mounted at PATH in the hub's container (running or stopped): a volume's name, or for a bind the host
# directory (the exchange: QA_ARENA_EXCHANGE_DIR). `docker run -v SOURCE:/data` takes either. Found through
# the container, so it works whatever compose named the volume or whichever directory the env file names.
mount_source() {
    local id source
    id="$(compose ps -q hub 2>/dev/null | head -n 1)"
    [ -n "$id" ] || die "the stack has no hub container (docker-compose -f deploy/compose.yaml up -d)"
    source="$(docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$1\"}}{{if eq .Type \"bind\"}}{{.Source}}{{else}}{{.Name}}{{end}}{{end}}{{end}}" "$id")"
    [ -n "$source" ] || die "nothing is mounted at $1 in the hub's container"
    printf '%s' "$source"
}

# What backup.sh and restore.sh copy besides the databases: archive name and path in the hub's container
# (the course and the hub's state are volumes, the exchange a host directory).
VOLUMES="course:/srv/course exchange:/srv/nbgrader/exchange hub-state:/srv/jupyterhub"

# The image the file copies run in: the hub's (it has python3, tar and gzip), never pulled.
helper_image() { printf 'qa-arena/hub:%s' "${QA_ARENA_IMAGE_TAG:-latest}"; }
