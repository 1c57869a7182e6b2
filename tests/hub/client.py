"""Drive a running hub the way scripts do: the REST API with tokens, users' servers, their kernels."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests


class Hub:
    def __init__(self, url: str, admin_token: str, state: Path, course: Path, log: Path):
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.state = state
        self.course = course
        self.log = log
        self._tokens: dict[str, str] = {}

    # -- the hub's API --------------------------------------------------------
    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {token or self.admin_token}", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.url}{path}", headers=headers, timeout=kwargs.pop("timeout", 120), **kwargs
        )

    def token(self, user: str) -> str:
        """A token of `user`'s, made with the admin service's token (as a script would log a user in)."""
        if user not in self._tokens:
            response = self.request(
                "POST", f"/hub/api/users/{user}/tokens", json={"note": "qa-arena tests", "expires_in": 3600}
            )
            response.raise_for_status()
            self._tokens[user] = response.json()["token"]
        return self._tokens[user]

    def as_user(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        return self.request(method, path, token=self.token(user), **kwargs)

    def start_servers(self, users: list[str], timeout: float = 120) -> float:
        """Ask for every user's server at once (each with the user's own token); wait until all are ready."""
        started = time.monotonic()
        for user in users:
            response = self.as_user(user, "POST", f"/hub/api/users/{user}/server")
            assert response.status_code in (201, 202), response.text
        while time.monotonic() - started < timeout:
            servers = [self.request("GET", f"/hub/api/users/{u}").json()["servers"].get("", {}) for u in users]
            if all(s.get("ready") for s in servers):
                return time.monotonic() - started
            time.sleep(0.5)
        raise TimeoutError(f"servers of {users} not ready after {timeout} s; see {self.log}")

    # -- code in a user's kernel ------------------------------------------------
    def run_code(self, user: str, code: str, timeout: float = 60) -> str:
        """Run `code` in a new kernel of `user`'s server (REST + the kernel's websocket); return its output."""
        response = self.as_user(user, "POST", f"/user/{user}/api/kernels", json={"name": "python3"})
        response.raise_for_status()
        kernel = response.json()["id"]
        try:
            return asyncio.run(self._execute(user, kernel, code, timeout))
        finally:
            self.as_user(user, "DELETE", f"/user/{user}/api/kernels/{kernel}")

    async def _execute(self, user: str, kernel: str, code: str, timeout: float) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        base = urlparse(self.url)
        request = HTTPRequest(
            f"ws://{base.netloc}/user/{user}/api/kernels/{kernel}/channels",
            headers={"Authorization": f"token {self.token(user)}"},
        )
        ws = await websocket_connect(request)
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": user,
            "session": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "version": "5.3",
        }
        content = {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        ws.write_message(
            json.dumps(
                {
                    "header": header,
                    "parent_header": {},
                    "metadata": {},
                    "content": content,
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        output: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                raw = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
                if raw is None:
                    raise ConnectionError("the kernel's websocket closed")
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["msg_type"]
                if kind == "stream":
                    output.append(message["content"]["text"])
                elif kind == "error":
                    output.append("\n".join(message["content"]["traceback"]))
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(output)
        finally:
            ws.close()


def processes_of(state: Path) -> list[int]:
    """Processes started for the hub with this state dir: it appears in their command line, environment
    or working directory (the hub, the proxy, the formgrader, users' servers and kernels)."""
    marker = str(state).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            places = ((entry / "cmdline").read_bytes(), (entry / "environ").read_bytes(), os.readlink(entry / "cwd"))
            if any(marker in place for place in places[:2]) or places[2].startswith(str(state)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
