"""What the tool asks of an LMS: OAuth 2 tokens (client credentials with a signed assertion), score posts
(AGS) and memberships (NRPS). Every request has a timeout; 429, 5xx and lost connections are tried again
with backoff (honouring Retry-After); any other 4xx is the platform's answer, raised with its message.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from qa_arena.lms.keys import ToolKeys
from qa_arena.service.models import utcnow

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class PlatformError(RuntimeError):
    """The platform refused (a 4xx other than 429): its status and message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PlatformUnavailable(PlatformError):
    """No answer that settles it after the retries (down, 429 or 5xx): try again later."""


@dataclass(frozen=True)
class Registration:
    issuer: str
    client_id: str
    token_url: str


def scores_url(lineitem: str) -> str:
    """{lineitem}/scores, with the line item's query string kept after it (Moodle's have one)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _message(response: requests.Response) -> str:
    text = " ".join(response.text.split())[:500]
    return f"HTTP {response.status_code} from {urlsplit(response.url).netloc}: {text or response.reason}"


class LtiClient(LoggingConfigurable):
    """A client of one registration; tokens are cached per (issuer, client id, scopes) until they expire."""

    timeout_s = Float(15.0, config=True, help="Seconds a request to the LMS may take (connect and each read).")
    max_attempts = Int(5, min=1, config=True, help="Tries per request when the LMS answers 429 or 5xx or is away.")
    backoff_s = Float(1.0, config=True, help="Wait before the first retry, in seconds; doubles each retry.")
    backoff_max_s = Float(30.0, config=True, help="Longest wait between two tries (also for a Retry-After).")

    _tokens: dict[tuple[str, str, str], tuple[str, float]] = {}  # shared: one token serves many requests

    def __init__(self, registration: Registration, keys: ToolKeys, **kwargs) -> None:
        super().__init__(**kwargs)
        self.registration, self.keys = registration, keys
        self.http = requests.Session()

    # -- tokens ------------------------------------------------------------------------------------------
    def assertion(self) -> str:
        """The signed JWT that authenticates the tool at the token endpoint (RFC 7523)."""
        now = int(time.time())
        client = self.registration.client_id
        claims = {"iss": client, "sub": client, "aud": self.registration.token_url, "iat": now, "exp": now + 300}
        return self.keys.sign({**claims, "jti": uuid.uuid4().hex})

    def token(self, scopes: tuple[str, ...]) -> str:
        key = (self.registration.issuer, self.registration.client_id, " ".join(sorted(scopes)))
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
            "scope": key[2],
        }
        answer = self._send("POST", self.registration.token_url, data=form).json()
        if "access_token" not in answer:
            raise PlatformError(f"the token endpoint gave no access_token: {str(answer)[:300]}")
        lifetime = float(answer.get("expires_in", 3600))
        self._tokens[key] = (answer["access_token"], time.monotonic() + max(0.0, lifetime - 30))
        return answer["access_token"]

    def forget_token(self, scopes: tuple[str, ...]) -> None:
        self._tokens.pop((self.registration.issuer, self.registration.client_id, " ".join(sorted(scopes))), None)

    # -- requests ----------------------------------------------------------------------------------------
    def call(self, method: str, url: str, scopes: tuple[str, ...], headers: dict | None = None, **kwargs):
        """An authorised request; a 401 gets one new token (the old one was revoked or expired early)."""
        for fresh in (False, True):
            authorised = {**(headers or {}), "Authorization": f"Bearer {self.token(scopes)}"}
            try:
                return self._send(method, url, headers=authorised, **kwargs)
            except PlatformError as exc:
                if exc.status != 401 or fresh:
                    raise
                self.forget_token(scopes)
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        """One request, tried again on 429, 5xx and lost connections; PlatformError for another 4xx."""
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.http.request(method, url, timeout=self.timeout_s, **kwargs)
            except requests.RequestException as exc:
                last, wait = f"{type(exc).__name__}: {exc}", self._backoff(attempt)
                status = None
            else:
                if response.status_code < 400:
                    return response
                status, last = response.status_code, _message(response)
                if status != 429 and status < 500:
                    raise PlatformError(last, status)
                wait = self._retry_after(response) or self._backoff(attempt)
            if attempt < self.max_attempts:
                self.log.warning("%s %s: %s; trying again in %.1f s", method, url, last, wait)
                time.sleep(min(wait, self.backoff_max_s))
        raise PlatformUnavailable(f"{method} {url}: {last} (after {self.max_attempts} tries)", status)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
        return random.uniform(delay / 2, delay)

    @staticmethod
    def _retry_after(response: requests.Response) -> float | None:
        given = response.headers.get("Retry-After")
        if not given:
            return None
        try:
            return max(0.0, float(given))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(given) - utcnow()).total_seconds())
            except (TypeError, ValueError):
                return None

    # -- AGS and NRPS ------------------------------------------------------------------------------------
    def post_score(self, lineitem: str, score: dict) -> requests.Response:
        headers = {"Content-Type": SCORE_TYPE}
        return self.call("POST", scores_url(lineitem), (SCORE_SCOPE,), json=score, headers=headers)

    def memberships(self, url: str) -> Iterator[dict]:
        """Every member of the context, page after page (Link: rel="next")."""
        while url:
            response = self.call("GET", url, (NRPS_SCOPE,), headers={"Accept": MEMBERSHIPS_TYPE})
            yield from response.json().get("members", [])
            url = response.links.get("next", {}).get("url", "")
