"""Docker health check of a grading worker: this container's worker answers a Celery ping through the
broker, and the Docker API it grades with answers (so a worker that cannot start judges is unhealthy)."""

import socket
import sys

import docker

from qa_arena.command import load_config
from qa_arena.service.service import GradingService

try:
    docker.from_env(timeout=5).ping()
except Exception as exc:  # any failure means unhealthy
    print(f"no Docker API: {exc}", file=sys.stderr)
    sys.exit(1)
host = socket.gethostname()
replies = GradingService(config=load_config(None)).celery.control.ping(timeout=5.0) or []
if not any(name.endswith(f"@{host}") for reply in replies for name in reply):
    print(f"the worker on {host} did not answer a ping (replies: {replies})", file=sys.stderr)
    sys.exit(1)
