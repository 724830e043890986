"""Bridges between the async request/response and the synchronous intake worker thread.

The request body is spooled to a temporary file as fast as it arrives (bounded memory, never whole in RAM) while
a worker thread reads it back, runs the pipeline and hands each committed chunk's results to the response. The
reader never waits for the writer, so a client that sends the whole body before reading the answer (most HTTP
clients) cannot deadlock with a server that answers while reading.

Neither waits for the client either (eleventh session, from a probe): the results the response has not sent yet
wait in memory up to ResultQueue.MEMORY bytes and beyond that in a temporary file, so an intake whose client reads
its answer only after sending the whole body (httpx, and so `ecommerce submit`) keeps committing chunks as the body
arrives. Before, the worker blocked on a queue of 8 chunks: such an intake committed nothing for the rest of the
upload, and past 30 minutes the sweep took the live manifest for an interrupted one. The body is spooled up to the
size limit only: past it the rest is read and dropped, so a manifest over the limit cannot fill the server's disk
(it grew to 62 times the limit), and once the intake has ended the response waits for the rest of the body at most
DRAIN_SECONDS.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import IO

from starlette.requests import ClientDisconnect, Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from smartcustoms.ecommerce.manifest_keys import BodyDigest


class Spool:
    """A growing temporary file: one async writer, one blocking reader. Bytes past `limit` are counted, not kept."""

    def __init__(self, digest: BodyDigest | None = None, limit: int | None = None) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.size = 0  # bytes received
        self.kept = 0  # bytes in the file: up to the first slice past the limit (the intake sees the body is too large)
        self.limit = limit
        self.done = False
        self.aborted = False
        self.cond = threading.Condition()
        self.digest = digest  # fed with the body as it arrives (a manifest sent with an Idempotency-Key)

    @property
    def over(self) -> bool:
        """Past the size limit: what follows is dropped, and the body is not replayable."""
        return self.limit is not None and self.kept > self.limit

    async def fill(self, request: Request) -> None:
        """Copy the request body into the spool until it ends or the client goes away."""
        try:
            async for data in request.stream():
                if data:
                    if self.over:
                        self.size += len(data)  # read and dropped: the manifest has failed as too large
                        continue
                    if self.digest is not None:
                        self.digest.update(data)
                    with self.cond:
                        self.file.seek(0, 2)
                        self.file.write(data)
                        self.size += len(data)
                        self.kept += len(data)
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
                while offset >= self.kept and not self.done and not self.over:
                    self.cond.wait(timeout=1.0)
                if offset >= self.kept and (self.done or self.over):
                    return
                self.file.seek(offset)
                data = self.file.read(min(size, self.kept - offset))
            offset += len(data)
            yield data

    def whole_digest(self) -> str | None:
        """The digest of the whole body once it has ended (waits for that); None when the client went away first,
        the body is over the size limit, or no digest was asked for."""
        with self.cond:
            while not self.done and not self.over:
                self.cond.wait(timeout=1.0)
        return None if self.digest is None or self.aborted or self.over else self.digest.hexdigest()

    def close(self) -> None:
        self.file.close()


class ResultQueue:
    """Results from the worker thread to the response, in order, as bytes; `put` never waits for the reader.

    What the response has not sent yet waits in memory up to MEMORY bytes, then in a temporary file (appended while
    it holds anything, so the order is kept: whatever is in memory is older than whatever is in the file)."""

    MEMORY = 8 << 20
    READ = 1 << 20

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lock = threading.Lock()
        self.memory: deque[bytes] = deque()
        self.in_memory = 0
        self.file: IO[bytes] | None = None
        self.written = self.read = 0  # the file's bytes written and already sent
        self.ended = False
        self.ready = asyncio.Event()
        self.gone = False  # the response stopped reading (client disconnected): results are stored regardless
        self.broken = False  # results could not be kept for the answer (disk full): the answer is cut

    def put(self, data: bytes) -> None:
        """From the worker: queue `data` for the response (dropped once nobody reads any more)."""
        if self.gone:
            return
        with self.lock:
            if self.written == self.read and self.in_memory + len(data) <= self.MEMORY:
                self.memory.append(data)
                self.in_memory += len(data)
            else:
                try:
                    if self.file is None:
                        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
                    self.file.seek(self.written)
                    self.file.write(data)
                    self.written += len(data)
                except OSError:
                    # The disk is full (or gone): the answer cannot be kept whole, so it is cut here (the client
                    # reads the stored results back: GET …/results) rather than the intake stopped.
                    self.broken = self.gone = True
                    self.memory.clear()
                    self.in_memory = 0
        self.loop.call_soon_threadsafe(self.ready.set)

    def end(self) -> None:
        """From the worker: nothing more will come."""
        with self.lock:
            self.ended = True
        self.loop.call_soon_threadsafe(self.ready.set)

    async def get(self) -> bytes | None:
        """The next bytes to send, in order; None once the worker has ended and everything was taken."""
        while True:
            with self.lock:
                if self.broken:  # cut: the client sees an answer without its summary and reads the stored results
                    return None
                if self.memory:
                    data = self.memory.popleft()
                    self.in_memory -= len(data)
                    return data
                if self.file is not None and self.read < self.written:
                    self.file.seek(self.read)
                    data = self.file.read(min(self.READ, self.written - self.read))
                    self.read += len(data)
                    if self.read == self.written:  # all sent: the file starts again empty
                        self.file.seek(0)
                        self.file.truncate()
                        self.read = self.written = 0
                    return data
                if self.ended:
                    return None
                self.ready.clear()
            await self.ready.wait()

    def close(self) -> None:
        with self.lock:
            self.gone = True  # a put after this keeps nothing
            if self.file is not None:
                self.file.close()
                self.file = None
            self.memory.clear()


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
