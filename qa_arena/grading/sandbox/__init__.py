"""Sandboxes: where student tests run. Choose one by short name (entry point) or dotted class path."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from qa_arena.grading.sandbox.base import Sandbox, SandboxError

ENTRY_POINT_GROUP = "qa_arena.sandboxes"

__all__ = ["ENTRY_POINT_GROUP", "Sandbox", "SandboxError", "docker_available", "resolve_sandbox_class"]


def resolve_sandbox_class(name: str) -> type[Sandbox]:
    """'docker', 'local', or 'package.module.Class'."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            cls = ep.load()
            break
    else:
        module, _, attr = name.rpartition(".")
        if not module:
            known = ", ".join(sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)))
            raise ValueError(f"unknown sandbox {name!r}; known: {known}")
        cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Sandbox)):
        raise ValueError(f"{name!r} is not a Sandbox class")
    return cls


def docker_available(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers (the 'auto' backend uses it then)."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
        client.close()
        return True
    except Exception:
        return False
