"""Docker health check of the proxy: it forwards GET /_ping to the engine and the engine answers OK."""

import http.client
import os
import sys

port = int(os.environ.get("QA_ARENA_PROXY_LISTEN", "0.0.0.0:2375").rpartition(":")[2])
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    connection.request("GET", "/_ping")
    response = connection.getresponse()
    sys.exit(0 if response.status == 200 and response.read() == b"OK" else 1)
except OSError as exc:
    print(f"proxy not healthy: {exc}", file=sys.stderr)
    sys.exit(1)
