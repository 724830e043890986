"""The bridges between a manifest's request, its intake thread and its streamed answer: the body spooled up to the
size limit only, results that never make the intake wait for the client, and an answer that does not wait without
end for a body nobody needs any more (the last three found by a probe)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from smartcustoms.ecommerce import api
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.manifest_keys import BodyDigest
from smartcustoms.ecommerce.models import Manifest
from smartcustoms.ecommerce.streaming import ResultQueue, Spool
from tests.live import serve


class _Body:
    """A request whose body arrives in the slices given."""

    def __init__(self, slices: list[bytes]) -> None:
        self.slices = slices

    async def stream(self) -> AsyncIterator[bytes]:
        for data in self.slices:
            yield data


def test_a_body_past_the_size_limit_is_counted_not_kept() -> None:
    spool = Spool(BodyDigest(), limit=100)
    asyncio.run(spool.fill(_Body([bytes([65 + i]) * 60 for i in range(10)])))  # type: ignore[arg-type]
    assert (spool.size, spool.kept, spool.over) == (600, 120, True)
    assert b"".join(spool.chunks()) == b"A" * 60 + b"B" * 60  # what the intake reads: enough to see it is too large
    assert spool.whole_digest() is None  # never replayed
    within = Spool(BodyDigest(), limit=1000)
    asyncio.run(within.fill(_Body([b"x" * 60] * 10)))  # type: ignore[arg-type]
    assert (within.kept, within.over) == (600, False) and within.whole_digest() is not None


def test_results_come_out_whole_and_in_order_through_memory_and_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker never waits: past MEMORY bytes not yet sent the results wait in a file, and after it has been read
    out in memory again; a reader that pauses sees every byte once, in order."""
    monkeypatch.setattr(ResultQueue, "MEMORY", 300)
    monkeypatch.setattr(ResultQueue, "READ", 70)
    rnd = random.Random(4)
    items = [bytes([48 + i % 40]) * rnd.randint(1, 120) for i in range(3000)]

    async def main() -> bytes:
        queue = ResultQueue(asyncio.get_running_loop())

        def produce() -> None:
            for i, item in enumerate(items):
                queue.put(item)
                if i % 500 == 0:
                    time.sleep(0.02)  # the reader catches up: the queue goes back to memory
            queue.end()

        worker = threading.Thread(target=produce)
        worker.start()
        out = []
        while (data := await queue.get()) is not None:
            out.append(data)
            if rnd.random() < 0.01:
                await asyncio.sleep(0.005)
        worker.join()
        queue.close()
        return b"".join(out)

    assert asyncio.run(main()) == b"".join(items)


def test_a_full_disk_cuts_the_answer_and_never_stops_the_intake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MEMORY the results wait in a file: when that file cannot be written, `put` (in the intake) does not
    fail: the answer ends there, without its summary (the client reads the stored results back), and nothing more
    is kept. A put after close keeps nothing either."""
    from smartcustoms.ecommerce import streaming

    class Full:
        def seek(self, offset: int) -> None:
            pass

        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

        def close(self) -> None:
            pass

    monkeypatch.setattr(ResultQueue, "MEMORY", 100)
    monkeypatch.setattr(streaming.tempfile, "TemporaryFile", Full)

    async def main() -> tuple[list[bytes | None], bool]:
        queue = ResultQueue(asyncio.get_running_loop())
        queue.put(b"a" * 60)
        queue.put(b"b" * 60)  # past MEMORY: to the file, which is full
        queue.put(b"c" * 10)
        got = [await queue.get(), await queue.get()]
        return got, queue.gone

    assert asyncio.run(main()) == ([None, None], True)

    async def closed() -> bool:
        monkeypatch.setattr(ResultQueue, "MEMORY", 10)
        queue = ResultQueue(asyncio.get_running_loop())
        queue.close()
        queue.put(b"x" * 100)
        return queue.file is None and not queue.memory

    assert asyncio.run(closed())


def _lines_of(engine: Engine, submitter_id: int) -> tuple[str, int] | None:
    with Session(engine) as s:
        m = s.scalars(select(Manifest).where(Manifest.submitter_id == submitter_id)).first()
        return None if m is None else (m.status, m.lines)


def _request(key: str, length: int | None) -> bytes:
    head = ["POST /api/v1/manifests HTTP/1.1", "Host: test", f"Authorization: Bearer {key}",
            "Content-Type: application/x-ndjson"]
    head.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return ("\r\n".join(head) + "\r\n\r\n").encode()


def _read_all(sock: socket.socket) -> bytes:
    out = []
    while data := sock.recv(1 << 16):
        out.append(data)
    return b"".join(out)


def test_an_intake_whose_client_reads_the_answer_only_at_the_end_keeps_committing(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client that sends the whole body before reading (httpx, `ecommerce submit`): the manifest is stored to its
    end before a byte of the answer is read. Before, the intake waited for the client after 8 chunks of results and
    committed nothing more until it read. The answer then starts with the results in order (its whole order and
    content through the queue are the test above; read through a 4 KiB window it would take minutes)."""
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "200")
    count = 40_000
    body = b"".join(jsonl_lines(count, 91))
    with serve(ec_engine) as base, socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # what the client holds unread stays small
        sock.sendall(_request(submitter[2], len(body)) + body)
        deadline = time.monotonic() + 180
        while (state := _lines_of(ec_engine, submitter[0])) is None or state[0] == "receiving":
            assert time.monotonic() < deadline, f"the intake stopped at {state} while the answer was not read"
            time.sleep(0.2)
        assert state == ("complete", count)
        answer = b""
        while len(answer) < 48_000 and (data := sock.recv(1 << 16)):
            answer += data
    head, _, chunked = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    text = _dechunk(chunked, partial=True)
    lines = [orjson.loads(x) for x in text[:text.rindex(b"\n")].splitlines()]
    results = [x["line"] for x in lines if x.get("result") in ("accepted", "rejected", "repeat")]
    assert len(results) > 100 and results == list(range(1, len(results) + 1))


def _dechunk(data: bytes, partial: bool = False) -> bytes:
    """The body of a chunked answer; with `partial`, what arrived of it so far."""
    out, pos = [], 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0 and partial:
            return b"".join(out)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2:end + 2 + size])
        pos = end + 2 + size + 2


def _open_temporary_files() -> int:
    """The temporary files this process holds open (unlinked at creation: /tmp/#… on Linux)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("/tmp/#")
    return count


def test_a_client_gone_mid_answer_leaves_the_manifest_stored_and_no_file_open(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client sends the whole body, reads the first bytes of the answer and goes away while the results wait
    in a file: the manifest is stored to its end, its worker ends and the temporary files are closed (a review's
    check; CPython would also close them once the answer is freed)."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files through /proc")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "200")
    monkeypatch.setattr(ResultQueue, "MEMORY", 2000)  # the results go to the file early
    received = threading.Event()
    fill = Spool.fill

    async def fill_and_say(self: Spool, request: Any) -> None:
        await fill(self, request)
        if self.done and not self.aborted:
            received.set()  # the whole body is spooled: the client may go

    monkeypatch.setattr(Spool, "fill", fill_and_say)
    count = 8000
    body = b"".join(jsonl_lines(count, 93))
    with serve(ec_engine) as base:
        before = _open_temporary_files()
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(_request(submitter[2], len(body)) + body)
            sock.settimeout(30)
            assert sock.recv(1024).startswith(b"HTTP/1.1 200")
            assert received.wait(30)
        deadline = time.monotonic() + 120
        while (state := _lines_of(ec_engine, submitter[0])) is None or state[0] == "receiving":
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state == ("complete", count)
        while any(t.name.startswith("manifest-") for t in threading.enumerate()) \
                or _open_temporary_files() > before:
            assert time.monotonic() < deadline, "the worker did not end, or left its temporary files open"
            time.sleep(0.1)


def test_a_manifest_over_the_limit_is_answered_without_waiting_for_the_rest_of_its_body(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The body goes on past the size limit and never ends: the answer (failed, too large) ends and the server
    closes the connection while the client is still sending. Before, the connection stayed open as long as the
    client went on sending, waiting for the end of a body nobody wanted."""
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES", "4000")
    monkeypatch.setattr(api, "DRAIN_SECONDS", 0.5)
    line = b"".join(jsonl_lines(1, 92))
    stop = threading.Event()
    with serve(ec_engine) as base, socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as sock:
        sock.sendall(_request(submitter[2], None))

        def send() -> None:  # chunk after chunk, never the last one
            try:
                while not stop.is_set():
                    sock.sendall(b"%x\r\n%s\r\n" % (len(line), line))
                    time.sleep(0.05)
            except OSError:
                pass  # the server closed the connection

        sender = threading.Thread(target=send)
        sender.start()
        sock.settimeout(60)
        try:
            answer = _read_all(sock)  # returns only when the server closes the connection
        finally:
            stop.set()
            sender.join()
    lines = [orjson.loads(x) for x in _dechunk(answer.partition(b"\r\n\r\n")[2]).splitlines()]
    assert lines[-1]["status"] == "failed" and lines[-1]["error"]["code"] == "too_large"
