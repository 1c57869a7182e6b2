"""The token and score exchange, checked once against an independent implementation of the platform side:
the handlers of the `lti1p3platform` package, served on loopback (our own platform is ours, so its strictness
could share our misreadings of the specification)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from qa_arena.lms.client import SCORE_SCOPE, SCORE_TYPE, LtiClient, Registration
from qa_arena.lms.keys import ToolKeys

lti1p3platform = pytest.importorskip("lti1p3platform.ltiplatform")
from lti1p3platform.registration import Registration as PlatformRegistration  # noqa: E402
from lti1p3platform.score import ActivityProgress, GradeProgress, TScore  # noqa: E402


class Conf(lti1p3platform.LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs) -> None:
        self.registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs) -> PlatformRegistration:
        return self.registration


@pytest.fixture
def reference_platform(store):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()  # fmt: skip
    registration = (
        PlatformRegistration()
        .set_iss("https://reference-lms.example")
        .set_client_id("qa-arena-tool")
        .set_deployment_id("deployment-1")
        .set_platform_private_key(private)
        .set_platform_public_key(public)
        .set_tool_key_set(ToolKeys(store).jwks())
    )
    conf = Conf(registration=registration)
    conf.get_registration()
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/token":
                answer = conf.get_access_token({k: v[0] for k, v in parse_qs(body.decode()).items()})
                return self.reply(200, answer)
            token = self.headers["Authorization"].removeprefix("Bearer ")
            assert conf.validate_token(token, allowed_scopes=[SCORE_SCOPE])
            assert self.headers["Content-Type"] == SCORE_TYPE
            received.append(json.loads(body))
            self.reply(200, {})

        def reply(self, status: int, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_lti1p3platform_accepts_our_assertion_and_token_and_reads_our_score(store, reference_platform):
    base, received = reference_platform
    LtiClient._tokens.clear()
    client = LtiClient(Registration("https://reference-lms.example", "qa-arena-tool", f"{base}/token"), ToolKeys(store))
    score = {"userId": "sub-ada", "scoreGiven": 7.5, "scoreMaximum": 10.0, "activityProgress": "Completed",
             "gradingProgress": "PendingManual", "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
             "submission": {"submittedAt": "2026-12-01T09:30:00.000+00:00"}}  # fmt: skip
    client.post_score(f"{base}/lineitems/1", score)  # the handler raised (a 500) if anything was refused
    (got,) = received
    assert set(got) <= set(TScore.__annotations__)
    assert ActivityProgress(got["activityProgress"]) and GradeProgress(got["gradingProgress"])
    assert set(got["submission"]) <= {"startedAt", "submittedAt"}
