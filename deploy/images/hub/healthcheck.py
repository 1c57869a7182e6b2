"""Docker health check of the hub container: JupyterHub answers /hub/health through its proxy."""

import os
import sys
import urllib.request

port = os.environ.get("QA_ARENA_HUB_PORT", "8000")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/health", timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:
    print(f"hub not healthy: {exc}", file=sys.stderr)
    sys.exit(1)
