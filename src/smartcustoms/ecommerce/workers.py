"""The intake's worker processes: every other chunk of a manifest is read, checked, valued, assessed, screened
and stored here while the intake's own process does the same with the chunks between; Python threads would
share one core (the GIL).

One process-wide pool (`SMARTCUSTOMS_ECOMMERCE_WORKERS`, default 1 for two cores), started with the first
manifest and shut down at exit. Workers are spawned (not forked: the server has threads) and read weekly rates and
tariff lines from the database themselves. A chunk's transaction waits for the intake's word that the chunk
before it is committed (chunks are committed in line order, as one process would): the word travels through a
small shared array, one slot per chunk handed out. The worker's word back that it committed its chunk travels in
a second slot, so the intake stores its next chunk without waiting for the worker's results. On PostgreSQL a
chunk's transaction goes in two steps (pipeline.ChunkStore.commit): its rows go in once the chunk before has put
its own in (a third slot: the intake's word; a fourth: the worker's word back), and the rest waits for the word
that the chunk before is committed. A worker whose parent died exits within a second, so a killed server leaves
none behind. Results are handed out by the intake's process, after the commit.
"""

from __future__ import annotations

import atexit
import itertools
import os
import signal
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from smartcustoms.ecommerce import cycle_gc
from smartcustoms.ecommerce.config import get_ecommerce_settings

if TYPE_CHECKING:
    from smartcustoms.ecommerce.parse import Item
    from smartcustoms.ecommerce.pipeline import ChunkStore, Preparer, PrepareSpec, StoreSpec

_LOCK = threading.Lock()
_POOL: list[ProcessPoolExecutor] = []
_AT_EXIT: list[bool] = []
# The word to store a chunk: slot ticket % _SLOTS holds the ticket when the chunk may be stored, minus the ticket
# when it must not (tickets only grow, so a slot's old value never passes for a new ticket's). The worker's word back
# that it committed the chunk: slot _SLOTS + ticket % _SLOTS holds the ticket. A two-step store (PostgreSQL) has two
# more: the word that the chunk's rows may go in (slot 2 * _SLOTS + ticket % _SLOTS, the chunk before it having put
# its own in) and the worker's word back that they are in (slot 3 * _SLOTS + ticket % _SLOTS).
_SLOTS = 4096
_REGIONS = 4
_WORDS: list[Any] = []
_TICKETS = itertools.count(1)
_OPEN: dict[int, Any] = {}  # jobs handed out and not yet told to store or not (ticket -> Job)
WAIT_S = 600.0  # a worker gives a chunk up (stores nothing) after waiting this long for the word


_WARM: list[Future[Any]] = []


def _pool() -> ProcessPoolExecutor:
    with _LOCK:
        if not _POOL:
            if not _AT_EXIT:
                atexit.register(shutdown)
                _AT_EXIT.append(True)
            ctx = get_context("spawn")
            words = ctx.RawArray("q", _REGIONS * _SLOTS)
            _WORDS[:] = [words]
            settings = get_ecommerce_settings()
            # The workers collect cyclic garbage as the process that starts them does (cycle_gc.py).
            _POOL.append(ProcessPoolExecutor(max(1, settings.workers), mp_context=ctx, initializer=_started,
                                             initargs=(os.getpid(), words, settings.gc_threshold)))
            _WARM[:] = [_POOL[0].submit(_warm_up)]
        return _POOL[0]


def ready() -> bool:
    """Whether the workers have started (spawning takes a second or two: the intake prepares in process
    meanwhile rather than wait). Starts them when there are none."""
    _pool()
    with _LOCK:
        return bool(_WARM) and _WARM[0].done()


def wait_ready(timeout: float = 120) -> None:
    """Start the workers and wait until they are up (tests, benchmarks)."""
    _pool()
    _WARM[0].result(timeout)


SENT: list[int] = [0]  # chunks sent to the workers by this process


@dataclass(frozen=True)
class Job:
    """A chunk handed to a worker: its results (None: the worker stored nothing) once `release`d to store."""

    future: Future[list[dict[str, Any]] | None]
    ticket: int
    words: Any
    pool: Any = None  # the pool it went to (a broken pool is dropped only by a job of its own)


def submit(spec: PrepareSpec, store: StoreSpec, number: int, chunk: list[Item]) -> Job:
    """Have a worker prepare chunk `number` of the manifest now and store it once `release`d."""
    pool = _pool()
    with _LOCK:
        if not _POOL or _POOL[0] is not pool:  # reset meanwhile: the caller keeps the chunk
            raise RuntimeError("the worker pool was replaced")
        words = _WORDS[0]  # the words this pool's workers read
    ticket = next(_TICKETS)
    for region in range(_REGIONS):
        words[region * _SLOTS + ticket % _SLOTS] = 0
    SENT[0] += 1
    # Deferred JSON lines travel as plain tuples (pickling the Item objects costs several times more).
    future = pool.submit(_prepare_and_store, spec, store, number, ticket,
                         [(it.line_no, it.raw, it.last) if it.raw is not None else it for it in chunk])
    job = _OPEN[ticket] = Job(future, ticket, words, pool)
    return job


def release(job: Job, store: bool) -> None:
    """Tell the worker it may store the job's chunk now (the chunk before it is committed), or must not."""
    if not store:  # nor put its rows in (two steps)
        job.words[2 * _SLOTS + job.ticket % _SLOTS] = -job.ticket
    job.words[job.ticket % _SLOTS] = job.ticket if store else -job.ticket
    _OPEN.pop(job.ticket, None)


def may_insert(job: Job) -> None:
    """Two steps: tell the worker the job's chunk may put its rows in (the chunk before it has put its own in)."""
    job.words[2 * _SLOTS + job.ticket % _SLOTS] = job.ticket


def inserted(job: Job) -> bool:
    """Two steps: wait until the worker has put the job's chunk's rows in (True; committed or not yet), or has
    ended without saying so (False: its future holds the outcome). The next chunk's rows go in only then, so two
    chunks of a manifest never wait for each other's rows the wrong way round (a parcel sent twice)."""
    return _wait_back(job, (3 * _SLOTS, _SLOTS))


def _wait_back(job: Job, regions: tuple[int, ...]) -> bool:
    slots = [region + job.ticket % _SLOTS for region in regions]
    pause = 0.0002
    while True:
        if any(job.words[slot] == job.ticket for slot in slots):
            return True
        if job.future.done():
            return any(job.words[slot] == job.ticket for slot in slots)
        time.sleep(pause)
        pause = min(pause * 2, 0.002)


def committed(job: Job) -> bool:
    """Wait until the worker has committed the job's chunk (True), or has ended without saying so (False: its
    future holds the outcome).

    The intake's next chunk may go in as soon as the worker's is committed, before the worker's results have come
    back (building, pickling and unpickling 2,000 results took 10-25 ms, during which both processes waited)."""
    return _wait_back(job, (_SLOTS,))


def _release_all(pool: ProcessPoolExecutor) -> None:
    # A pool going away must not wait for words that will never come (a manifest cut short at exit).
    for job in list(_OPEN.values()):
        if job.pool is pool:
            release(job, False)


def reset(pool: ProcessPoolExecutor | None = None) -> None:
    """Drop a broken pool (a worker died): the next chunk starts a new one. `pool`: only if it is still that one
    (a late failure of a job of an earlier pool must not drop the pool that replaced it)."""
    with _LOCK:
        if not _POOL or (pool is not None and _POOL[0] is not pool):
            return
        _WARM.clear()
        _release_all(_POOL[0])
        _POOL.pop().shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the workers (at exit; tests may call it)."""
    with _LOCK:
        _WARM.clear()
        if _POOL:
            _release_all(_POOL[0])
            _POOL.pop().shutdown(wait=True, cancel_futures=True)


def _libc_trim() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _libc_trim()


TRIM_EVERY = 4  # chunks
_TRIMS = itertools.count(1)


def trim(now: bool = False) -> None:
    """Hand the heap's free memory back to the system (glibc keeps what a chunk's objects used; the next chunk's
    objects land elsewhere, so without it the resident size creeps up by a chunk or two): every TRIM_EVERY-th call,
    or `now` (the intake's process, between manifests). Trimmed after every chunk, the pages handed back were
    faulted in again by the next chunk's objects: in interleaved pairs of 300,000 consignments the intake ran
    21,759-22,064/s against 20,464-21,635/s on SQLite and 18,956-20,500/s against 18,904-19,843/s on PostgreSQL
    trimming every fourth chunk, with the same peak RSS (docs/ecommerce.md, twelfth session)."""
    if _TRIM is not None and (now or next(_TRIMS) % TRIM_EVERY == 0):
        _TRIM(0)


def pids() -> list[int]:
    """The process ids of the running workers (for the benchmark's memory and CPU figures)."""
    with _LOCK:
        if not _POOL:
            return []
        procs = getattr(_POOL[0], "_processes", None) or {}
        return list(procs)


def usage(pid: int) -> dict[str, float]:
    """A process's RSS now and at its peak (MB) and its CPU seconds, from /proc (Linux)."""
    out = {"rss_mb": 0.0, "peak_rss_mb": 0.0, "cpu_s": 0.0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_mb"] = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    out["peak_rss_mb"] = int(line.split()[1]) / 1024
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return out


# --- in the worker process ---------------------------------------------------------------------------------

_PREPARERS: OrderedDict[str, Preparer] = OrderedDict()
_ENGINES: dict[str, Any] = {}
_WRITERS: dict[str, Any] = {}
_MINE: list[Any] = []  # this worker's view of the words


def _started(parent: int, words: Any, gc_threshold: int) -> None:
    _MINE[:] = [words]
    cycle_gc.tune(gc_threshold)  # the setting of the process that started this one, before _warm_up's imports
    # Ctrl-C goes to the whole process group: the parent decides what happens, not the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent:  # the parent died (SIGKILL leaves no time to stop us)
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm_up() -> None:
    import smartcustoms.ecommerce.pipeline  # noqa: F401 - the imports are most of a worker's start


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    if url not in _ENGINES:
        if url.startswith("sqlite"):
            # Reads only: plain deferred transactions (the intake's engine takes the write lock on BEGIN).
            _ENGINES[url] = create_engine(url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0)
        else:
            _ENGINES[url] = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)
    return _ENGINES[url]


def _writer(url: str) -> Any:
    from smartcustoms.db import make_engine

    if url not in _WRITERS:
        _WRITERS[url] = make_engine(url)  # the application's settings (SQLite: BEGIN IMMEDIATE, WAL, pragmas)
    return _WRITERS[url]


def chunk_store(store: StoreSpec, url: str) -> ChunkStore:
    """The worker's store of a manifest's chunks: on SQLite its commits checkpoint only past db.BULK_WAL_PAGES,
    as the intake's own do, the intake's process checkpointing beside them while the manifest comes in."""
    from smartcustoms.ecommerce.pipeline import ChunkStore, own_sessions

    return ChunkStore(store, own_sessions(_writer(url)), bulk=url.startswith("sqlite"))


def _word(ticket: int, regions: tuple[int, ...] = (0,)) -> bool:
    """Wait for the word on `ticket` in one of `regions`: True to go on, False not to (or nothing came in
    WAIT_S). The word to store (region 0) lets the rows go in too (region 2 * _SLOTS)."""
    words, slots = _MINE[0], [region + ticket % _SLOTS for region in regions]
    deadline = time.monotonic() + WAIT_S
    pause = 0.0002
    while True:
        values = [words[slot] for slot in slots]
        if -ticket in values or time.monotonic() > deadline:  # a word not to store outweighs one to go on
            return False
        if ticket in values:
            return True
        time.sleep(pause)
        pause = min(pause * 2, 0.002)


def _prepare_and_store(spec: PrepareSpec, store: StoreSpec, number: int, ticket: int, sent: list[Any]
                       ) -> list[dict[str, Any]] | None:
    """Prepare chunk `number` now, store it on the word for `ticket`: its results, or None (told not to store)."""
    from smartcustoms.ecommerce.parse import Item
    from smartcustoms.ecommerce.pipeline import Preparer, own_sessions

    chunk = [Item(x[0], None, None, None, x[1], x[2]) if type(x) is tuple else x for x in sent]
    del sent
    assert spec.url is not None
    preparer = _PREPARERS.get(spec.manifest_id)
    if preparer is None:
        preparer = _PREPARERS[spec.manifest_id] = Preparer(spec, own_sessions(_engine(spec.url)))
        while len(_PREPARERS) > 16:  # manifests being received at the same time
            _PREPARERS.popitem(last=False)
    else:
        _PREPARERS.move_to_end(spec.manifest_id)
    prepared = preparer.prepare(chunk)
    del chunk
    words = _MINE[0]

    def said() -> None:
        words[_SLOTS + ticket % _SLOTS] = ticket

    if not store.two_step:
        if not _word(ticket):
            return None
        results = chunk_store(store, spec.url).commit(prepared, number, said)
    else:
        from smartcustoms.ecommerce.pipeline import GiveUp

        if not _word(ticket, (2 * _SLOTS, 0)):
            return None

        def rows_in() -> None:
            words[3 * _SLOTS + ticket % _SLOTS] = ticket

        def gate() -> None:
            if not _word(ticket):
                raise GiveUp()

        try:
            results = chunk_store(store, spec.url).commit(prepared, number, said, inserted=rows_in, gate=gate)
        except GiveUp:
            return None
    del prepared
    trim()
    return results
