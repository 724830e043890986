"""Compact signed QR payloads: ``SCT1:`` + base45(version | key id | Ed25519 signature | zlib(short-key JSON)).

Base45 (RFC 9285) keeps every character in the QR alphanumeric set, so the code stays small. The signature covers
the version byte, the key id and the compressed body, so no byte can change without the check failing.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "SCT1:"
VERSION = 1
KID_BYTES = 8
SIG_BYTES = 64
MAX_PAYLOAD_CHARS = 4000
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_INDEX = {c: i for i, c in enumerate(_B45)}


class PayloadError(ValueError):
    """The payload cannot be trusted; ``code`` says why (malformed, unknown_key, bad_signature)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = divmod(n, 45 * 45)
        e, d = divmod(n, 45)
        out += [_B45[d], _B45[e], _B45[c]]
    if len(data) % 2:
        e, d = divmod(data[-1], 45)
        out += [_B45[d], _B45[e]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    try:
        vals = [_B45_INDEX[c] for c in text]
    except KeyError:
        raise ValueError("character outside the base45 alphabet") from None
    rest = len(vals) % 3
    if rest == 1:
        raise ValueError("base45 length")
    full = len(vals) - rest
    words = [a + b * 45 + c * 2025 for a, b, c in zip(vals[0:full:3], vals[1:full:3], vals[2:full:3], strict=True)]
    if words and max(words) > 0xFFFF:
        raise ValueError("base45 value out of range")
    out = bytearray(len(words) * 2)
    out[0::2] = bytes(w >> 8 for w in words)
    out[1::2] = bytes(w & 0xFF for w in words)
    if rest:
        n = vals[-2] + vals[-1] * 45
        if n > 0xFF:
            raise ValueError("base45 value out of range")
        out.append(n)
    return bytes(out)


def key_id(public: Ed25519PublicKey) -> bytes:
    """First 8 bytes of SHA-256 over the raw public key."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).digest()[:KID_BYTES]


def encode(claims: dict[str, Any], private: Ed25519PrivateKey) -> str:
    """Sign and pack the claims (short keys, JSON-able values)."""
    body = zlib.compress(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode(), 9)
    head = bytes([VERSION]) + key_id(private.public_key())
    return PREFIX + b45encode(head + private.sign(head + body) + body)


@dataclass(frozen=True)
class Unpacked:
    kid: str
    claims: dict[str, Any]


def decode(payload: str, public_keys: dict[str, Ed25519PublicKey]) -> Unpacked:
    """Verify and unpack; raises PayloadError saying what is wrong."""
    if not isinstance(payload, str) or not payload.startswith(PREFIX):
        raise PayloadError("malformed", f"signature invalid: QR payload must start with {PREFIX}")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise PayloadError("malformed", "signature invalid: QR payload too long")
    try:
        raw = b45decode(payload[len(PREFIX):])
    except ValueError as exc:
        raise PayloadError("malformed",
                           f"signature invalid: QR payload truncated or altered (not base45: {exc})") from None
    if len(raw) < 1 + KID_BYTES + SIG_BYTES + 1 or raw[0] != VERSION:
        raise PayloadError("malformed", "signature invalid: QR payload truncated or of an unknown version")
    head, sig, body = raw[:1 + KID_BYTES], raw[1 + KID_BYTES:1 + KID_BYTES + SIG_BYTES], raw[1 + KID_BYTES + SIG_BYTES:]
    kid = head[1:].hex()
    public = public_keys.get(kid)
    if public is None:
        raise PayloadError("unknown_key", "signature invalid: signed with a key this platform never published")
    try:
        public.verify(sig, head + body)
    except InvalidSignature:
        raise PayloadError("bad_signature", "signature invalid: the QR payload was altered or forged") from None
    try:
        claims = json.loads(zlib.decompress(body, bufsize=4096))
    except (zlib.error, ValueError):
        raise PayloadError("malformed", "signature valid but the signed body is unreadable") from None
    if not isinstance(claims, dict):
        raise PayloadError("malformed", "signed body unreadable")
    return Unpacked(kid, claims)


def passport_digest(declaration_id: str, passport_number: str) -> str:
    """What the QR carries instead of the passport number: a gate can compare offline, a reader learns nothing."""
    norm = "".join(passport_number.split()).upper()
    return hashlib.sha256(f"{declaration_id}:{norm}".encode()).hexdigest()[:24]
