"""Docker health check of a grading worker: the worker touched its alive file lately (it does while its job
processes run and reach the database, `qa-arena worker --alive-file`), and the Docker API it grades with
answers (so a worker that cannot start judges is unhealthy)."""

import sys
import time
from pathlib import Path

import docker

ALIVE_FILE = Path("/tmp/qa-arena-worker.alive")  # the image's CMD and the compose file pass it
FRESH_S = 60.0

try:
    docker.from_env(timeout=5).ping()
except Exception as exc:  # any failure means unhealthy
    print(f"no Docker API: {exc}", file=sys.stderr)
    sys.exit(1)
try:
    age = time.time() - ALIVE_FILE.stat().st_mtime
except FileNotFoundError:
    print(f"the worker has not touched {ALIVE_FILE} (not started, or it cannot reach the database)", file=sys.stderr)
    sys.exit(1)
if age > FRESH_S:
    print(
        f"the worker last touched {ALIVE_FILE} {age:.0f} s ago (a job process died or the database is away)",
        file=sys.stderr,
    )
    sys.exit(1)
