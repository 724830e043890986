"""A submitter's client for `POST /api/v1/manifests` (`smartcustoms ecommerce submit`): streams a manifest file to a
server, takes the results as they come, and retries after a timeout, a lost connection or a stopped server with the
same `Idempotency-Key`, so that the manifest is taken in once and every line gets its result.

Decisions:
- The key defaults to one derived from the file's bytes and format (`jsonl-sha256-…`): running the command again on
  the same file, after the command itself was killed, replays the stored results instead of recording the manifest
  again. `--idempotency-key` names another (a new key sends the same file as a new manifest, whose stored parcels
  come back as repeats).
- Each attempt's answer is complete from line 1 (a replay, or a new manifest taking over a cut one), so the results
  of an attempt replace those of the one before (`on_start`).
- Retried: connection and read errors, an answer that ends before its summary (the server stopped), HTTP 429 and
  5xx, and 409 `manifest_in_progress` (the key's first request is still being taken in), each after `Retry-After`
  when the server gives one, else after 1, 2, 4 … seconds (at most `max_delay`). Waits for a manifest in progress do
  not count as failed attempts but end after `max_wait` seconds in all.
- Not retried: any other 4xx (the same request would be refused again: the error names the field) and a summary
  with a per-file error (`too_large`, `empty` …), which the same body meets again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

CONTENT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
RETRYABLE = {429, 500, 502, 503, 504}


class SubmitError(Exception):
    """The manifest was refused for good, or every attempt failed."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.body = status, body


@dataclass(frozen=True)
class Submitted:
    """How a submission ended."""

    manifest_id: str
    summary: dict[str, Any]
    replayed: bool  # the stored results of a manifest taken in before (nothing recorded again)
    retry_of: str | None  # the cut manifest this one took over from
    attempts: int
    key: str


class _Again(Exception):
    def __init__(self, reason: str, delay: float | None = None, busy: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.delay, self.busy = reason, delay, busy


def file_key(path: Path, fmt: str) -> str:
    """The default Idempotency-Key: the format and the SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return f"{fmt}-sha256-{digest.hexdigest()}"


def _chunks(path: Path, on_sent: Callable[[int], None] | None) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            yield block
            if on_sent is not None:
                on_sent(len(block))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _error(response: httpx.Response) -> tuple[str, Any]:
    """The platform's error (code, first field and reason) from a refused answer."""
    response.read()
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}", None
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}: {response.text[:200]}", None
    first = (body.get("errors") or [{}])[0]
    where = f"{first['field']}: " if first.get("field") else ""
    reason = first.get("reason") or body.get("message")
    return f"HTTP {response.status_code} {body.get('error', '')}: {where}{reason}", body


def _once(client: httpx.Client, path: Path, fmt: str, key: str, on_results: Callable[[list[dict[str, Any]]], None],
          on_sent: Callable[[int], None] | None, attempt: int) -> Submitted:
    # HTTP headers carry ASCII: a Japanese file name goes percent-encoded (its extension stays readable).
    headers = {"Content-Type": CONTENT_TYPES[fmt], "Idempotency-Key": key, "X-Filename": quote(path.name)}
    with client.stream("POST", "/api/v1/manifests", content=_chunks(path, on_sent), headers=headers) as r:
        if r.status_code != 200:
            message, body = _error(r)
            code = body.get("error") if isinstance(body, dict) else None
            if r.status_code == 409 and code == "manifest_in_progress":
                raise _Again(message, _retry_after(r), busy=True)
            if r.status_code in RETRYABLE:
                raise _Again(message, _retry_after(r))
            raise SubmitError(message, r.status_code, body)
        head: dict[str, Any] | None = None
        summary: dict[str, Any] | None = None
        for line in r.iter_lines():
            if not line.strip():
                continue
            item = orjson.loads(line)
            kind = item.get("result")
            if kind == "manifest":
                head = item
            elif kind == "summary":
                summary = item
            elif kind == "error":  # the server stopped the intake (its results so far are stored)
                raise _Again(f"the server stopped the intake: {item['error']['reason']}")
            else:
                on_results([item])
    if head is None or summary is None:
        raise _Again("the answer ended before its summary (the server stopped or the connection was cut)")
    error = summary.get("error")
    if isinstance(error, dict) and error.get("code") in ("connection_lost", "interrupted"):
        raise _Again(f"the server did not receive the whole manifest: {error.get('reason')}")
    return Submitted(head["manifest_id"], summary, bool(head.get("replayed")), head.get("retry_of"), attempt, key)


def submit(client: httpx.Client, path: Path, fmt: str, key: str, *,
           on_start: Callable[[int, str | None], None], on_results: Callable[[list[dict[str, Any]]], None],
           on_sent: Callable[[int], None] | None = None, retries: int = 8, max_delay: float = 60.0,
           max_wait: float = 900.0, sleep: Callable[[float], None] = time.sleep) -> Submitted:
    """Send the manifest at `path` until it has an answer with a summary; `client` has the server's base URL and
    the Authorization header. `on_start(attempt, why_the_last_one_failed)` comes before each attempt and
    `on_results` with each result line (an attempt's results replace the last attempt's)."""
    failures, waited, attempt, reason = 0, 0.0, 0, None
    while True:
        attempt += 1
        on_start(attempt, reason)
        try:
            return _once(client, path, fmt, key, on_results, on_sent, attempt)
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:  # the same request fails the same way
            raise SubmitError(f"{type(exc).__name__}: {exc}") from None
        except httpx.TransportError as exc:
            again = _Again(f"{type(exc).__name__}: {exc}")
        except _Again as exc:
            again = exc
        reason = again.reason
        if again.busy:
            delay = min(again.delay or 5.0, max_delay)
            if waited + delay > max_wait:
                raise SubmitError(f"the manifest sent with key {key} was still being taken in after {waited:.0f} s: "
                                  f"{reason}")
            waited += delay
        else:
            failures += 1
            if failures > retries:
                raise SubmitError(f"gave up after {attempt} attempt(s): {reason}")
            delay = min(again.delay if again.delay is not None else 2.0 ** (failures - 1), max_delay)
        sleep(delay)
