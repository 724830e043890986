"""Run a whole manifest through the pipeline from any byte stream (CLI, benchmark, and the API's worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Engine

from smartcustoms.ecommerce import parse
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.ecommerce.records import problem


class _Limited:
    """Passes byte slices through and stops with a per-file error once the manifest is over the size limit."""

    def __init__(self, chunks: Iterable[bytes], limit: int) -> None:
        self.chunks, self.limit, self.seen, self.over = chunks, limit, 0, False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            room = self.limit - self.seen
            self.seen += len(chunk)
            if self.seen > self.limit:
                self.over = True
                if room > 0:
                    yield chunk[:room]
                return
            yield chunk


def ingest(engine: Engine, intake: Intake, chunks: Iterable[bytes], fmt: str,
           on_results: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    """Feed a manifest's bytes through `intake`; `on_results` gets each committed chunk's results; the summary."""
    settings = get_ecommerce_settings()
    limited = _Limited(chunks, settings.max_manifest_bytes)
    error = None
    try:
        for results in intake.run(parse.items(limited, fmt, settings.max_line_bytes, deferred=True)):
            on_results(results)
    except parse.ManifestError as exc:
        error = exc.to_dict()
    if limited.over:
        # Lines after the limit are never read; those before it have their results (the last, cut line excepted).
        error = problem("body", f"manifest larger than {settings.max_manifest_bytes} bytes: the rest was not read",
                        "too_large")
    return intake.finish(error)


def file_chunks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    """A file in 1 MiB slices."""
    with open(path, "rb") as f:
        while block := f.read(size):
            yield block
