"""configurable-http-proxy, JupyterHub's proxy: found on PATH or in QA Arena's cache, else installed with npm.

It is a Node.js program from the npm registry, so `pip install` does not bring it. `ensure_proxy()`
installs it into the cache (`npm install --prefix CACHE/npm configurable-http-proxy`), not globally.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from qa_arena.environment import cache_dir

PACKAGE = "configurable-http-proxy@>=4.5 <6"
PROGRAM = "configurable-http-proxy"


class ProxyInstallError(RuntimeError):
    pass


def cached_proxy() -> Path:
    return cache_dir() / "npm" / "node_modules" / ".bin" / PROGRAM


def find_proxy() -> str | None:
    """The proxy's path: on PATH, else in the cache; None when it is not installed."""
    found = shutil.which(PROGRAM)
    if found:
        return found
    cached = cached_proxy()
    return str(cached) if os.access(cached, os.X_OK) and shutil.which("node") else None


def ensure_proxy(say: Callable[[str], None] = print) -> str:
    """The proxy's path, installing it into the cache with npm first when it is missing."""
    found = find_proxy()
    if found:
        return found
    if not shutil.which("npm"):
        raise ProxyInstallError(
            f"{PROGRAM} is not installed and npm is missing: install Node.js and npm (Debian: apt-get install "
            "nodejs npm; deploy/setup.sh does it), then run qa-arena hub again"
        )
    prefix = cache_dir() / "npm"
    prefix.mkdir(parents=True, exist_ok=True)
    say(f"{PROGRAM} is not installed: installing it with npm into {prefix} (once)")
    command = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", PACKAGE]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not os.access(cached_proxy(), os.X_OK):
        raise ProxyInstallError(f"npm install {PACKAGE} failed:\n{result.stdout[-1000:]}{result.stderr[-2000:]}")
    return str(cached_proxy())
