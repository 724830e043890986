"""Ed25519 signing keys for traveller QR codes: kept as PEM files in a directory, created on first use.

The directory (SMARTCUSTOMS_TRAVELLER_KEYS_DIR, default ``var/traveller-keys``) holds ``<kid>.pem`` private keys
(mode 0600) and ``active`` naming the key that signs. Older keys stay so that QR codes they signed still verify
until they expire; ``smartcustoms travellers keygen`` rotates.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from smartcustoms.travellers.codec import key_id

DEFAULT_DIR = "var/traveller-keys"


def keys_dir() -> Path:
    return Path(os.environ.get("SMARTCUSTOMS_TRAVELLER_KEYS_DIR", DEFAULT_DIR))


@dataclass(frozen=True)
class KeyRing:
    active_kid: str
    private: Ed25519PrivateKey
    public: dict[str, Ed25519PublicKey]


_cache: dict[tuple[str, float], KeyRing] = {}


def generate(directory: Path | None = None) -> str:
    """Create a new key, make it the signing key and return its id."""
    directory = directory or keys_dir()
    directory.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key()).hex()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(directory / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    tmp = directory / f".active.{os.getpid()}"
    tmp.write_text(kid)
    tmp.replace(directory / "active")
    _cache.clear()
    return kid


def load(directory: Path | None = None) -> KeyRing:
    """The key ring (cached until the ``active`` file changes); the first call creates a key if there is none."""
    directory = directory or keys_dir()
    active = directory / "active"
    if not active.exists():
        with contextlib.suppress(FileExistsError):  # two processes raced: the other one's key stands
            generate(directory)
    stamp = (str(directory), active.stat().st_mtime)
    ring = _cache.get(stamp)
    if ring is not None:
        return ring
    public: dict[str, Ed25519PublicKey] = {}
    privates: dict[str, Ed25519PrivateKey] = {}
    for pem in sorted(directory.glob("*.pem")):
        key = load_pem_private_key(pem.read_bytes(), password=None)
        if isinstance(key, Ed25519PrivateKey):
            kid = key_id(key.public_key()).hex()
            privates[kid], public[kid] = key, key.public_key()
    kid = active.read_text().strip()
    if kid not in privates:
        raise RuntimeError(f"active traveller key {kid} missing from {directory}")
    ring = KeyRing(kid, privates[kid], public)
    _cache.clear()
    _cache[stamp] = ring
    return ring


def public_jwks(ring: KeyRing) -> list[dict[str, str | bool]]:
    """Public keys as JWK (OKP / Ed25519), for gates that verify offline."""
    import base64

    out: list[dict[str, str | bool]] = []
    for kid, pub in sorted(ring.public.items()):
        raw = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
        out.append({"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA", "use": "sig",
                    "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
                    "pem": pub.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode(),
                    "active": kid == ring.active_kid})
    return out
