"""Structured logs: one JSON object per line for requests and for events (problem viewed, check submitted, graded).

python-json-logger formats them; log shippers read stderr as JSON lines.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

EVENTS = logging.getLogger("qa_arena.checks.events")
REQUESTS = logging.getLogger("qa_arena.checks.requests")


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter("{asctime}{levelname}{name}{message}", style="{", rename_fields={"asctime": "time"})
    )
    return handler


def configure_logging(level: int = logging.INFO, stream=None) -> None:
    """Every log line of the service process as JSON (tornado's, the Hub client's and ours)."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler(stream)]
    root.setLevel(level)


def event(name: str, **fields) -> None:
    """An event for the course's analytics: `name` plus its fields (user, problem, id...)."""
    EVENTS.info(name, extra={"event": name, **fields})


def log_request(handler) -> None:
    """tornado's log_function: method, path, status, duration and user, as one JSON line."""
    status = handler.get_status()
    user = getattr(handler, "_hub_auth_user_cache", None) or {}
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    REQUESTS.log(
        level,
        "request",
        extra={
            "method": handler.request.method,
            "path": handler.request.path,
            "status": status,
            "duration_ms": round(1000 * handler.request.request_time(), 2),
            "user": user.get("name"),
        },
    )
