#!/usr/bin/env bash
# Build every QA Arena image: the judge and the deployment's (runtime, singleuser, hub, worker,
# docker-proxy, postgres, nginx), tagged qa-arena/<name>:latest. Each is rebuilt only when its
# inputs changed (its deploy/images/<name>/ directory, base or parent image, wheels, QA Arena's sources).
#
#   deploy/build-images.sh                 # all of them
#   deploy/build-images.sh hub worker      # these (and the images they start from)
#   deploy/build-images.sh --force         # rebuild even when current
#
# Offline-ready: when Docker Hub cannot be reached, Debian bases are made with mmdebstrap from this
# machine's apt sources; wheels are downloaded and configurable-http-proxy installed with npm on this
# host, and the builds run with no network. Needs the venv made by deploy/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
if [ ! -x "$python" ]; then
    echo "[build-images] no $python: run deploy/setup.sh first (or set PYTHON)" >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "[build-images] no Docker engine answers (deploy/setup.sh starts one)" >&2
    exit 1
fi
exec "$python" deploy/build_images.py "$@"
