"""The default watch-list set shipped in the package (a compact normalised extract; see data/PROVENANCE.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from smartcustoms.screening.entries import ListName, ParsedEntry
from smartcustoms.screening.loader import LoadResult, store

DEFAULTS_FILE = "default-watchlists.jsonl.gz"


def write_defaults(out: Path, lists: dict[str, tuple[str, list[ParsedEntry]]]) -> None:
    """Write {list_code: (version label, entries)} as gzip'd JSON lines (one header line per list)."""
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for code, (label, entries) in lists.items():
            fh.write(json.dumps({"list": code, "version": label, "entries": len(entries)}, ensure_ascii=False) + "\n")
            for e in entries:
                doc = {"l": code, "id": e.entry_id, "t": e.entity_type, "n": [n.name for n in e.names],
                       "k": [n.kind for n in e.names], "c": e.countries, "d": e.birth_dates, "p": e.programmes}
                fh.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def read_defaults(path: Path | None = None) -> Iterator[tuple[str, str, list[ParsedEntry]]]:
    """(list code, version label, entries) per list of the shipped set."""
    if path is None:
        data = resources.files("smartcustoms.screening").joinpath("data", DEFAULTS_FILE).read_bytes()
    else:
        data = path.read_bytes()
    headers: dict[str, str] = {}
    entries: dict[str, list[ParsedEntry]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        doc = json.loads(line)
        if "list" in doc:
            headers[doc["list"]] = doc["version"]
            entries[doc["list"]] = []
            continue
        names = [ListName(n, k) for n, k in zip(doc["n"], doc["k"], strict=True)]
        entries[doc["l"]].append(ParsedEntry(doc["id"], names, doc["t"], doc["c"], doc["d"], doc["p"]))
    for code, label in headers.items():
        yield code, label, entries[code]


def load_defaults(session: Session, actor: str = "system", codes: Sequence[str] | None = None) -> list[LoadResult]:
    """Load the shipped default set; a list whose shipped content is already active is left as is."""
    results = []
    for code, label, entries in read_defaults():
        if codes and code not in codes:
            continue
        digest = hashlib.sha256(json.dumps([[e.entry_id, e.digest()] for e in entries]).encode()).hexdigest()
        results.append(store(session, code, entries, digest, [{"file": DEFAULTS_FILE, "sha256": digest}], actor,
                             label))
    return results
