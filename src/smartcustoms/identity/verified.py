"""Officer credentials verified lately, per process, for the officer APIs.

A script on the officer API sends its HTTP Basic credentials with every request, and Argon2 is slow by design
(~126 ms a verification on the 2-core development machine): checked every time, it capped such a script at a few
requests a second per core and made every call wait that long. Decision: a verification that succeeded is
remembered for TTL_SECONDS, and a request with the same username and password against the same stored hash skips
Argon2. What is kept is an HMAC-SHA256 of the username and password under a key drawn when the process starts
(never the password), with the stored hash it matched and when. A hit needs the same stored hash, so a new
password (or a rehash) misses; the account's active flag and role are read from the database on every request as
before. Failures are never remembered: a wrong guess costs a full Argon2 every time. The console's login always
verifies (it happens once a session). What this gives up: someone who can read the server process's memory (a core
dump) gets the key and the digests of the officers who used the API lately, which can be guessed against at
HMAC speed rather than Argon2's; such a reader could as well read the passwords of the requests in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict

TTL_SECONDS = 300.0
MAX_ENTRIES = 1024

_key = secrets.token_bytes(32)
_lock = threading.Lock()
_kept: OrderedDict[bytes, tuple[str, float]] = OrderedDict()  # digest -> (stored hash matched, when)


def _digest(username: str, password: str) -> bytes:
    return hmac.new(_key, f"{len(username)}:{username}:{password}".encode(), hashlib.sha256).digest()


def seen(username: str, password: str, stored_hash: str) -> bool:
    """Whether this username and password were verified against `stored_hash` within TTL_SECONDS."""
    digest = _digest(username, password)
    now = time.monotonic()
    with _lock:
        entry = _kept.get(digest)
        if entry is None:
            return False
        matched, when = entry
        if now - when > TTL_SECONDS or not hmac.compare_digest(matched, stored_hash):
            del _kept[digest]
            return False
        return True


def keep(username: str, password: str, stored_hash: str) -> None:
    """Remember a verification that succeeded (the oldest entry goes past MAX_ENTRIES)."""
    digest = _digest(username, password)
    with _lock:
        _kept[digest] = (stored_hash, time.monotonic())
        _kept.move_to_end(digest)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)


def forget_all() -> None:
    with _lock:
        _kept.clear()
