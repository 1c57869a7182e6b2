"""Feedback written by a chat model through the official ``openai`` SDK, with every way out covered.

One ``chat.completions`` call per new situation (problem, killed mutants, invalid tests, model);
the answer is cached. The hints fallback is used when there is no key, the daily token budget is
spent, the API fails or times out, the answer is empty or malformed, or it quotes code the student
must not see. The key is read only from ``$OPENAI_API_KEY``: there is deliberately no trait for it,
so it never lands in a config file in a repository.
"""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata

import openai
from traitlets import Float, Int, Unicode, default, validate

from qa_arena.ai.base import AI, AIFeedback, FeedbackProvider
from qa_arena.ai.context import build_context
from qa_arena.ai.fallback import HintsFallback
from qa_arena.ai.leaks import quoted_secret
from qa_arena.ai.prompt import build_messages
from qa_arena.ai.store import FeedbackStore, cache_key
from qa_arena.grading.paths import user_cache_dir
from qa_arena.grading.problem import Problem
from qa_arena.grading.verdict import Verdict

DEFAULT_MODEL = "gpt-4o-mini"
MAX_ANSWER_CHARS = 8000  # a broken or hostile server cannot flood the student's screen


def clean_answer(text: str) -> str:
    """The answer without control characters (no terminal escapes), trimmed and capped."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.strip()[:MAX_ANSWER_CHARS]


def answer_text(response: object) -> str:
    """The first choice's content, or '' when the response is not a chat completion we can read.

    Without strict validation the SDK hands back whatever the server sent (a bare string for a
    non-JSON body, a model with missing fields for a JSON body of the wrong shape).
    """
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        return ""
    content = getattr(getattr(choices[0], "message", None), "content", None)
    return clean_answer(content) if isinstance(content, str) else ""


def tokens_spent(response: object, messages: list[dict], text: str) -> int:
    """Tokens as the API reports them; estimated (4 characters a token) when it does not."""
    total = getattr(getattr(response, "usage", None), "total_tokens", None)
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    return (len(json.dumps(messages)) + len(text)) // 4 + 1


class OpenAIFeedback(FeedbackProvider):
    """A chat model explains what the tests do not pin down yet; the hints fallback covers every failure."""

    model = Unicode(
        config=True,
        help=f"Chat model. Default: $QA_ARENA_OPENAI_MODEL, else {DEFAULT_MODEL!r}. "
        "Part of the cache key: changing it asks the model again.",
    )
    base_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="API base URL, e.g. http://127.0.0.1:8000/v1 for an OpenAI-compatible server. "
        "Default: $OPENAI_BASE_URL, else the SDK's own default (OpenAI's API). "
        "The API key is never a trait: it is read from $OPENAI_API_KEY only.",
    )
    timeout_s = Float(
        20.0,
        config=True,
        help="Seconds the SDK waits for each connect and read of one attempt; retries get their own. "
        "Not a bound on the whole call when a server trickles bytes.",
    )
    max_retries = Int(1, config=True, help="Retries of a failed call (timeouts, 429, 5xx), with the SDK's backoff.")
    max_answer_tokens = Int(600, config=True, help="Upper bound on the tokens of one answer (max_completion_tokens).")
    daily_token_budget = Int(
        200_000,
        config=True,
        help="Tokens (prompt + answer, as the API reports them) this machine may spend per UTC day, "
        "counted in the cache dir; once spent, students get the hints fallback. 0 turns the model off. "
        "Concurrent graders can overspend it by one answer each.",
    )
    cache_dir = Unicode(
        config=True,
        help="Directory of the answer cache and token ledger (a small sqlite file). "
        "Default: $XDG_CACHE_HOME/qa-arena, else ~/.cache/qa-arena.",
    )
    cache_ttl_s = Float(
        7 * 24 * 3600.0,
        config=True,
        help="Seconds a cached answer is reused for the same problem, killed mutants, invalid tests and model.",
    )
    max_tests_chars = Int(
        20_000, config=True, help="Characters of the student's tests sent to the model; the rest is cut."
    )

    @default("model")
    def _default_model(self) -> str:
        return DEFAULT_MODEL

    @default("base_url")
    def _default_base_url(self) -> str | None:
        return os.environ.get("OPENAI_BASE_URL") or None

    @default("cache_dir")
    def _default_cache_dir(self) -> str:
        return str(user_cache_dir())

    @validate("timeout_s", "cache_ttl_s")
    def _positive(self, proposal):
        if proposal.value <= 0:
            raise ValueError(f"{proposal.trait.name} must be positive, not {proposal.value}")
        return proposal.value

    @validate("max_retries", "daily_token_budget", "max_answer_tokens", "max_tests_chars")
    def _not_negative(self, proposal):
        if proposal.value < 0:
            raise ValueError(f"{proposal.trait.name} must not be negative, not {proposal.value}")
        return proposal.value

    def explain(self, problem: Problem, verdict: Verdict, tests_source: str) -> AIFeedback:
        def fallback(reason: str) -> AIFeedback:
            self.log.info("AI feedback for %s: hints fallback (%s)", problem.slug, reason)
            return HintsFallback(parent=self).explain(problem, verdict, tests_source, reason)

        ctx = build_context(problem, verdict, tests_source)
        if not ctx.graded:
            return fallback("not graded")
        key = cache_key(ctx.slug, ctx.killed_ids, [t.name for t in ctx.invalid_tests], self.model, ctx.problem_digest)
        store = FeedbackStore(self.cache_dir)
        try:
            cached = store.get(key, self.cache_ttl_s)
            if cached is not None:
                text, model = cached
                # Checked again: what was safe next to one student's tests may quote code for another.
                if leak := quoted_secret(text, problem, tests_source):
                    return fallback(f"answer withheld: it quoted {leak}")
                return AIFeedback(text, AI, cached=True, model=model)
            api_key = os.environ.get("OPENAI_API_KEY", "").strip()
            if not api_key:
                return fallback("no API key")
            if store.tokens_used() >= self.daily_token_budget:
                return fallback("budget spent")
            messages = build_messages(ctx, tests_source, self.max_tests_chars)
            try:
                response = self._complete(api_key, messages)
            except openai.APITimeoutError:
                return fallback("timeout")
            except openai.APIStatusError as exc:
                return fallback(f"API error: {exc.status_code}")
            except openai.APIConnectionError:
                return fallback("API error: connection failed")
            except (openai.APIResponseValidationError, ValueError):  # a body that is not JSON
                return fallback("malformed answer")
            except Exception as exc:  # the SDK or its HTTP stack failed some other way: never the student's problem
                self.log.warning("AI feedback call failed: %r", exc)
                return fallback(f"API error: {type(exc).__name__}")
            text = answer_text(response)
            store.add_tokens(tokens_spent(response, messages, text))
            if not text:
                return fallback("malformed answer")
            if leak := quoted_secret(text, problem, tests_source):
                self.log.warning("AI feedback for %s withheld: it quoted %s", problem.slug, leak)
                return fallback(f"answer withheld: it quoted {leak}")
            store.put(key, text, self.model)
        except (sqlite3.Error, OSError) as exc:  # no ledger means no budget: do not call the API blind
            self.log.warning("AI feedback store %s unusable: %s", store.path, exc)
            return fallback("feedback cache unavailable")
        return AIFeedback(text, AI, model=self.model)

    def _complete(self, api_key: str, messages: list[dict]) -> object:
        """One blocking chat.completions call (the SDK retries on its own, ``max_retries`` times)."""
        with openai.OpenAI(
            api_key=api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=self.max_retries
        ) as client:
            return client.chat.completions.create(
                model=self.model, messages=messages, max_completion_tokens=self.max_answer_tokens
            )
