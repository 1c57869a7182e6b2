"""A strict LTI 1.3 Advantage platform on 127.0.0.1, for tests: the LMS side of what QA Arena's tool asks.

Real HTTP, checked as a careful LMS would: a token endpoint that verifies the tool's client assertion
(signature against the tool's JWKS, iss = sub = client id, aud = the token URL, exp, a jti used once,
known scopes), NRPS memberships in small pages (Link: rel="next"), AGS line items whose scores must come
with the score media type, the score scope and the AGS fields, with a timestamp newer than the last for
that user (else 409). `fail_next` injects answers (429 with Retry-After, 503); `down`/`up` stop and start
it on the same port. Everything it received is kept for the test to compare (`scores`, `assertions`).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPES = {SCORE_SCOPE, LINEITEM_SCOPE, NRPS_SCOPE}
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@dataclass
class Failure:
    path: str  # a prefix of the request path
    status: int
    retry_after: str | None = None


@dataclass
class PlatformState:
    client_id: str
    tool_jwks: dict = field(default_factory=dict)
    members: dict[str, list[dict]] = field(default_factory=dict)  # context -> members
    lineitems: dict[str, dict] = field(default_factory=dict)  # id -> {"scoreMaximum", "label"}
    scores: list[dict] = field(default_factory=list)  # every accepted score, with "lineitem" added
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, why) of every refused request
    assertions: list[dict] = field(default_factory=list)  # the claims of every accepted client assertion
    token_requests: int = 0
    used_jti: set[str] = field(default_factory=set)
    tokens: dict[str, tuple[set[str], float]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    platform: LtiPlatform  # set on the subclass made per platform

    def log_message(self, *_args) -> None:  # quiet
        pass

    # -- plumbing ------------------------------------------------------------------------------------
    def _answer(
        self, status: int, body: dict | None = None, headers: dict | None = None, media_type: str = "application/json"
    ) -> None:
        self._send(status, b"" if body is None else json.dumps(body).encode(), media_type, headers)

    def _send(self, status: int, data: bytes, media_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, why: str, headers: dict | None = None) -> None:
        with self.platform.state.lock:
            self.platform.state.refused.append((status, why))
        self._answer(status, {"error": why}, headers)

    def _injected(self) -> bool:
        state = self.platform.state
        with state.lock:
            failure = next((f for f in state.failures if self.path.startswith(f.path)), None)
            if failure is not None:
                state.failures.remove(failure)
        if failure is None:
            return False
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
        self._refuse(failure.status, f"injected {failure.status}", headers)
        return True

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _scopes(self) -> set[str] | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        with self.platform.state.lock:
            scopes, expiry = self.platform.state.tokens.get(auth[7:], (None, 0.0))
        return scopes if scopes is not None and expiry > time.monotonic() else None

    # -- routes --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self._injected():
            return
        path = urlsplit(self.path)
        if path.path == "/jwks":
            return self._answer(200, self.platform.jwks())
        if path.path == "/auth":
            return self._authorize({k: v[0] for k, v in parse_qs(path.query).items()})
        if path.path.startswith("/nrps/"):
            return self._memberships(path.path.removeprefix("/nrps/"), parse_qs(path.query))
        if path.path in self.platform.pages:
            return self._send(200, self.platform.pages[path.path], "text/html")
        self._refuse(404, f"no {path.path}")

    def do_POST(self) -> None:
        if self._injected():
            return
        path = urlsplit(self.path)
        if path.path == "/token":
            return self._token()
        parts = path.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "lineitems" and parts[2] == "scores":
            return self._score(parts[1])
        self._refuse(404, f"no {path.path}")

    def _authorize(self, query: dict) -> None:
        """OIDC authorization (the launch's second step): an auto-posting form with the signed id_token."""
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
        wrong = {k: query.get(k) for k, v in expected.items() if query.get(k) != v}
        if wrong or query.get("client_id") != self.platform.state.client_id:
            return self._refuse(400, f"bad authorization request: {wrong or query.get('client_id')}")
        claims = self.platform.launches.get(query.get("lti_message_hint", ""))
        if claims is None or claims["sub"] != query.get("login_hint") or not query.get("nonce"):
            return self._refuse(400, "unknown login_hint / lti_message_hint, or no nonce")
        now = int(time.time())
        client = self.platform.state.client_id
        token = {**claims, "iss": self.platform.issuer, "aud": client, "azp": client, "iat": now, "exp": now + 300,
                 "nonce": query["nonce"]}  # fmt: skip
        id_token = jwt.encode(token, self.platform.private_pem(), algorithm="RS256", headers={"kid": "platform-1"})
        page = (
            f'<html><body><form method="post" action="{html.escape(query["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{id_token}">'
            f'<input type="hidden" name="state" value="{html.escape(query.get("state", ""))}">'
            "</form><script>document.forms[0].submit()</script></body></html>"
        ).encode()
        self._send(200, page, "text/html")

    def _token(self) -> None:
        state = self.platform.state
        with state.lock:
            state.token_requests += 1
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self._refuse(400, "invalid_request: the token request must be a form")
        form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse(400, "unsupported_grant_type")
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            jwk = next(k for k in state.tool_jwks.get("keys", []) if k.get("kid") == kid)
            key = jwt.PyJWK(jwk).key
            claims = jwt.decode(
                assertion, key, algorithms=["RS256"], audience=self.platform.token_url,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )  # fmt: skip
        except (StopIteration, jwt.PyJWTError) as exc:
            return self._refuse(401, f"invalid_client: {type(exc).__name__}: {exc}")
        if claims["iss"] != state.client_id or claims["sub"] != state.client_id:
            return self._refuse(401, "invalid_client: iss and sub must be the client id")
        scopes = set(form.get("scope", "").split())
        if not scopes or not scopes <= SCOPES:
            return self._refuse(400, f"invalid_scope: {sorted(scopes - SCOPES)}")
        with state.lock:
            replayed = claims["jti"] in state.used_jti
            if not replayed:
                state.used_jti.add(claims["jti"])
                state.assertions.append(claims)
                token = secrets.token_urlsafe(24)
                state.tokens[token] = (scopes, time.monotonic() + 3600)
        if replayed:
            return self._refuse(400, "invalid_grant: jti replayed")
        self._answer(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(scopes)}
        )

    def _memberships(self, context: str, query: dict) -> None:
        scopes = self._scopes()
        if scopes is None:
            return self._refuse(401, "no valid bearer token")
        if NRPS_SCOPE not in scopes:
            return self._refuse(403, "the token lacks the NRPS scope")
        if MEMBERSHIPS_TYPE not in self.headers.get("Accept", ""):
            return self._refuse(406, f"Accept must name {MEMBERSHIPS_TYPE}")
        members = self.platform.state.members.get(context)
        if members is None:
            return self._refuse(404, f"no context {context}")
        page, size = int(query.get("page", ["0"])[0]), self.platform.page_size
        headers = {}
        if (page + 1) * size < len(members):
            headers["Link"] = f'<{self.platform.memberships_url(context)}?page={page + 1}>; rel="next"'
        body = {"id": self.platform.memberships_url(context), "context": {"id": context},
                "members": members[page * size:(page + 1) * size]}  # fmt: skip
        self._answer(200, body, headers, media_type=MEMBERSHIPS_TYPE)

    def _score(self, lineitem: str) -> None:
        state = self.platform.state
        scopes = self._scopes()
        if scopes is None:
            return self._refuse(401, "no valid bearer token")
        if SCORE_SCOPE not in scopes:
            return self._refuse(403, "the token lacks the score scope")
        if lineitem not in state.lineitems:
            return self._refuse(404, f"no line item {lineitem}")
        if self.headers.get("Content-Type", "").split(";")[0] != SCORE_TYPE:
            return self._refuse(415, f"a score is {SCORE_TYPE}")
        try:
            score = json.loads(self._body())
            when = datetime.fromisoformat(score["timestamp"])
            assert when.tzinfo is not None, "timestamp without a time zone"
            assert isinstance(score["userId"], str) and score["userId"], "userId"
            assert score["activityProgress"] in ("Initialized", "Started", "InProgress", "Submitted", "Completed")
            assert score["gradingProgress"] in ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
            if "scoreGiven" in score:
                assert isinstance(score["scoreGiven"], int | float) and score["scoreGiven"] >= 0, "scoreGiven"
                assert isinstance(score["scoreMaximum"], int | float) and score["scoreMaximum"] > 0, "scoreMaximum"
        except (ValueError, KeyError, AssertionError) as exc:
            return self._refuse(400, f"bad score: {type(exc).__name__}: {exc}")
        with state.lock:
            earlier = [s for s in state.scores if s["lineitem"] == lineitem and s["userId"] == score["userId"]]
            if earlier and datetime.fromisoformat(earlier[-1]["timestamp"]) >= when:
                conflict = True
            else:
                conflict = False
                state.scores.append({**score, "lineitem": lineitem})
        if conflict:
            return self._refuse(409, "a score with a newer or equal timestamp exists")
        self._answer(200, {})


class LtiPlatform:
    """The platform: start() on a free port, stop() at the end; down()/up() for outages."""

    def __init__(self, client_id: str = "qa-arena-tool", deployment_id: str = "deployment-1", page_size: int = 2):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.state = PlatformState(client_id)
        self.deployment_id, self.page_size = deployment_id, page_size
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.launches: dict[str, dict] = {}  # lti_message_hint -> the id_token's claims (prepare_launch)
        self.pages: dict[str, bytes] = {}  # path -> an LMS page (launch_page)

    def start(self) -> LtiPlatform:
        handler = type("Handler", (_Handler,), {"platform": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="lti-platform", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    down = stop

    def up(self) -> None:
        self.start()

    # -- what the tool is told ---------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def auth_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def memberships_url(self, context: str) -> str:
        return f"{self.issuer}/nrps/{context}"

    def lineitem_url(self, lineitem: str, query: str = "") -> str:
        return f"{self.issuer}/lineitems/{lineitem}" + (f"?{query}" if query else "")

    def private_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def prepare_launch(
        self, sub: str, *, roles=(LEARNER,), context: str = "ctx-1", deployment: str | None = None, **more
    ) -> dict:
        """What an LMS page's launch link carries for this user: the login initiation's parameters. The id_token
        made at /auth has the LTI claims of a resource-link launch from `context` (more: email, name...)."""
        hint = secrets.token_hex(8)
        self.launches[hint] = {
            "sub": sub,
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": deployment or self.deployment_id,
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "",
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": f"link-{context}"},
            "https://purl.imsglobal.org/spec/lti/claim/context": {"id": context, "label": context,
                                                                  "title": f"Course {context}"},
            "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
                "guid": "qa-arena-test-lms", "name": "QA Arena's test LMS", "product_family_code": "qa-arena-test"},
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "document_target": "window", "return_url": f"{self.issuer}/return"},
            "https://purl.imsglobal.org/spec/lti/claim/roles": list(roles),
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url(context), "service_versions": ["2.0"]},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCORE_SCOPE, LINEITEM_SCOPE], "lineitems": f"{self.issuer}/lineitems"},
            **more,
        }  # fmt: skip
        return {"iss": self.issuer, "login_hint": sub, "lti_message_hint": hint, "client_id": self.state.client_id,
                "lti_deployment_id": deployment or self.deployment_id}  # fmt: skip

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": "platform-1", "alg": "RS256", "use": "sig"}]}

    # -- set-up by the test ------------------------------------------------------------------------------
    def trust_tool(self, jwks: dict) -> None:
        self.state.tool_jwks = jwks

    def launch_page(self, name: str, title: str, login_url: str, target_link_uri: str, initiation: dict) -> str:
        """An LMS course page whose link opens the tool in a new tab: the login initiation, a form POST to the
        tool's `login_url` (`initiation` from prepare_launch). Returns the page's URL."""
        fields = {**initiation, "target_link_uri": target_link_uri}
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">' for k, v in fields.items()
        )
        self.pages[f"/courses/{name}"] = (
            f"<!doctype html><html><head><title>{html.escape(name)}: the test LMS</title></head><body>"
            f'<h1>{html.escape(name)}</h1><form method="post" action="{html.escape(login_url)}" target="_blank">'
            f'{inputs}<button type="submit" id="launch">{html.escape(title)}</button></form></body></html>'
        ).encode()
        return f"{self.issuer}/courses/{name}"

    def add_context(self, context: str, members: list[dict]) -> None:
        self.state.members[context] = members

    def add_lineitem(self, lineitem: str, score_maximum: float, label: str = "") -> str:
        self.state.lineitems[lineitem] = {"scoreMaximum": score_maximum, "label": label or lineitem}
        return self.lineitem_url(lineitem)

    def fail_next(self, path: str, *statuses: int, retry_after: str | None = None) -> None:
        self.state.failures += [Failure(path, status, retry_after) for status in statuses]

    def scores_for(self, lineitem: str) -> dict[str, dict]:
        """The latest score each user has on the line item."""
        latest: dict[str, dict] = {}
        for score in self.state.scores:
            if score["lineitem"] == lineitem:
                latest[score["userId"]] = score
        return latest


def member(sub: str, email: str | None, name: str, roles=(LEARNER,), status: str = "Active") -> dict:
    given, _, family = name.partition(" ")
    found = {"user_id": sub, "name": name, "given_name": given, "family_name": family, "roles": list(roles),
             "status": status}  # fmt: skip
    if email:
        found["email"] = email
    return found
