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
           on_results: Callable[[list[dict[str, Any]]], None],
           lost: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Feed a manifest's bytes through `intake`; `on_results` gets each committed chunk's results; the summary.

    `lost`: whether the bytes stopped because the sender's connection was lost (asked once they have stopped).
    A manifest cut short (that, or the size limit) fails with an error saying so, and its last line, cut inside,
    is rejected as truncated rather than read as a whole line (parse.csv_items). A manifest without a single
    consignment fails too (`empty`)."""
    settings = get_ecommerce_settings()
    limited = _Limited(chunks, settings.max_manifest_bytes)

    def cut() -> bool:
        return limited.over or (lost is not None and lost())

    seen = [0]

    def counted(items: Iterable[parse.Item]) -> Iterator[parse.Item]:
        for item in items:
            seen[0] += 1
            yield item

    error = None
    try:
        for results in intake.run(counted(parse.items(limited, fmt, settings.max_line_bytes, deferred=True,
                                                      cut=cut, max_goods=settings.max_goods_lines))):
            on_results(results)
    except parse.ManifestError as exc:
        error = exc.to_dict()
    if limited.over:
        # Lines after the limit are never read; those before it have their results (the cut line: truncated).
        error = problem("body", f"manifest larger than {settings.max_manifest_bytes} bytes: the rest was not read",
                        "too_large")
    elif lost is not None and lost():
        error = problem("body", "the connection was lost before the end of the manifest: lines after the last "
                        "result were not received (send them again; parcels stored already come back as repeats)",
                        "connection_lost")
    elif error is None and not seen[0]:
        error = problem("body", "the manifest holds no consignment (empty, blank lines only, or a CSV header "
                        "alone)", "empty")
    return intake.finish(error)


def file_chunks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    """A file in 1 MiB slices."""
    with open(path, "rb") as f:
        while block := f.read(size):
            yield block
