"""Fakes named for their behaviour: an OpenAI-compatible server on 127.0.0.1, a sandbox that cannot start."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa_arena.grading.sandbox import Sandbox, SandboxError

COMPLETIONS = "/v1/chat/completions"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    delay_s: float = 0.0


def completion(content, model: str = "gpt-4o-mini", usage: dict | None = None) -> dict:
    """The JSON shape of a chat.completions answer."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": usage or {"prompt_tokens": 100, "completion_tokens": 23, "total_tokens": 123},
    }


class FakeOpenAI:
    """Speaks POST /v1/chat/completions; records every request; replies as scripted (the last reply repeats)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[Reply] = [self.answer("Think about what happens when one of the numbers is zero.")]
        self.released = threading.Event()  # set at teardown: a hanging reply stops waiting
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "raw": raw,
                    }
                )
                reply = fake.script.pop(0) if len(fake.script) > 1 else fake.script[0]
                if self.path != COMPLETIONS:
                    reply = Reply(404, b'{"error": {"message": "not found"}}')
                if reply.delay_s and fake.released.wait(reply.delay_s):
                    return
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def sent(self) -> str:
        """Everything the client sent, as text (bodies of all requests)."""
        return "\n".join(r["raw"].decode("utf-8", "replace") for r in self.requests)

    # -- replies ----------------------------------------------------------
    @staticmethod
    def answer(content, **kw) -> Reply:
        return Reply(body=json.dumps(completion(content, **kw)).encode())

    @staticmethod
    def fail(status: int) -> Reply:
        error = {"error": {"message": f"fake failure {status}", "type": "server_error", "code": None}}
        return Reply(status, json.dumps(error).encode(), headers={"retry-after-ms": "10"})

    @staticmethod
    def hang(seconds: float) -> Reply:
        return Reply(body=json.dumps(completion("too late")).encode(), delay_s=seconds)

    @staticmethod
    def raw(body: bytes, content_type: str = "application/json") -> Reply:
        return Reply(body=body, content_type=content_type)

    def replies(self, *replies: Reply) -> None:
        self.script = list(replies)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class CrashSandbox(Sandbox):
    """A backend that never starts: the judge must turn that into an ERROR verdict."""

    def _launch(self) -> dict | None:
        raise SandboxError("no engine answers (CrashSandbox)")

    def _write(self, data: bytes) -> None:
        raise SandboxError("not started")

    def _read(self, timeout: float) -> bytes:
        raise SandboxError("not started")

    def _terminate(self) -> None:
        pass
