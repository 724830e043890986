"""Bridges between the async request/response and the synchronous intake worker thread.

The request body is spooled to a temporary file as fast as it arrives (bounded memory, never whole in RAM) while
a worker thread reads it back, runs the pipeline and hands each committed chunk's results to the response. The
reader never waits for the writer, so a client that sends the whole body before reading the answer (most HTTP
clients) cannot deadlock with a server that answers while reading.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from smartcustoms.ecommerce.manifest_keys import BodyDigest


class Spool:
    """A growing temporary file: one async writer, one blocking reader."""

    def __init__(self, digest: BodyDigest | None = None) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.size = 0
        self.done = False
        self.aborted = False
        self.cond = threading.Condition()
        self.digest = digest  # fed with the body as it arrives (a manifest sent with an Idempotency-Key)

    async def fill(self, request: Request) -> None:
        """Copy the request body into the spool until it ends or the client goes away."""
        try:
            async for data in request.stream():
                if data:
                    if self.digest is not None:
                        self.digest.update(data)
                    with self.cond:
                        self.file.seek(0, 2)
                        self.file.write(data)
                        self.size += len(data)
                        self.cond.notify_all()
        except ClientDisconnect:
            self.aborted = True
        finally:
            with self.cond:
                self.done = True
                self.cond.notify_all()

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The body in slices as it arrives (blocks until more is there or the body ended)."""
        offset = 0
        while True:
            with self.cond:
                while offset >= self.size and not self.done:
                    self.cond.wait(timeout=1.0)
                if offset >= self.size and self.done:
                    return
                self.file.seek(offset)
                data = self.file.read(min(size, self.size - offset))
            offset += len(data)
            yield data

    def whole_digest(self) -> str | None:
        """The digest of the whole body once it has ended (waits for that); None when the client went away first
        or no digest was asked for."""
        with self.cond:
            while not self.done:
                self.cond.wait(timeout=1.0)
        return None if self.digest is None or self.aborted else self.digest.hexdigest()

    def close(self) -> None:
        self.file.close()


class ResultQueue:
    """Results from the worker thread to the response, at most `maxsize` chunks in flight."""

    def __init__(self, loop: asyncio.AbstractEventLoop, maxsize: int = 8) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.gone = False  # the response stopped reading (client disconnected)

    def put(self, item: Any) -> None:
        """From the worker: wait for room unless nobody reads any more (results are stored regardless)."""
        while not self.gone:
            future = asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop)
            try:
                future.result(timeout=1.0)
                return
            except TimeoutError:
                future.cancel()

    async def get(self) -> Any:
        return await self.queue.get()


class NDJSONResponse(StreamingResponse):
    """A streamed response that does not listen for disconnects: the body is still being read meanwhile."""

    media_type = "application/x-ndjson"

    def __init__(self, content: AsyncIterator[bytes], headers: dict[str, str] | None = None) -> None:
        super().__init__(content, status_code=200, headers=headers, media_type=self.media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            raise ClientDisconnect() from None
