"""The intake's worker processes: the prepare step (read, check, value, assess, screen) of each chunk runs here
while the intake's own process stores the previous chunk; Python threads would share one core (the GIL).

One process-wide pool (`SMARTCUSTOMS_ECOMMERCE_WORKERS`, default 1: two cores, the other one stores), started
with the first manifest and shut down at exit. Workers are spawned (not forked: the server has threads) and read
weekly rates and tariff lines from the database themselves. A worker whose parent died exits within a second,
so a killed server leaves none behind. Results are still handed out by the storing process after its commit.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from smartcustoms.ecommerce.config import get_ecommerce_settings

if TYPE_CHECKING:
    from smartcustoms.ecommerce.parse import Item
    from smartcustoms.ecommerce.pipeline import Preparer, PrepareSpec

_LOCK = threading.Lock()
_POOL: list[ProcessPoolExecutor] = []
_AT_EXIT: list[bool] = []


_WARM: list[Future[Any]] = []


def _pool() -> ProcessPoolExecutor:
    with _LOCK:
        if not _POOL:
            if not _AT_EXIT:
                atexit.register(shutdown)
                _AT_EXIT.append(True)
            _POOL.append(ProcessPoolExecutor(max(1, get_ecommerce_settings().workers), mp_context=get_context("spawn"),
                                             initializer=_started, initargs=(os.getpid(),)))
            _WARM[:] = [_POOL[0].submit(_warm_up)]
        return _POOL[0]


def ready() -> bool:
    """Whether the workers have started (spawning takes a second or two: the intake prepares in process
    meanwhile rather than wait). Starts them when there are none."""
    _pool()
    return bool(_WARM) and _WARM[0].done()


def wait_ready(timeout: float = 120) -> None:
    """Start the workers and wait until they are up (tests, benchmarks)."""
    _pool()
    _WARM[0].result(timeout)


SENT: list[int] = [0]  # chunks (or parts of chunks) sent to the workers by this process


def submit(spec: PrepareSpec, chunk: list[Item]) -> Future[Any]:
    """Prepare `chunk` of the manifest `spec` in a worker: the future gives what Preparer.prepare gives and the
    worker's CPU seconds for it."""
    SENT[0] += 1
    # Deferred JSON lines travel as plain tuples (pickling the Item objects costs several times more).
    return _pool().submit(_prepare, spec, [(it.line_no, it.raw, it.last) if it.raw is not None else it
                                           for it in chunk])


def reset() -> None:
    """Drop a broken pool (a worker died): the next chunk starts a new one."""
    with _LOCK:
        _WARM.clear()
        if _POOL:
            _POOL.pop().shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the workers (at exit; tests may call it)."""
    with _LOCK:
        _WARM.clear()
        if _POOL:
            _POOL.pop().shutdown(wait=True, cancel_futures=True)


def _libc_trim() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _libc_trim()


def trim() -> None:
    """Hand the heap's free memory back to the system (glibc keeps what a chunk's objects used; the next chunk's
    objects land elsewhere, so without it the resident size creeps up by a chunk or two)."""
    if _TRIM is not None:
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


def _started(parent: int) -> None:
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


def _prepare(spec: PrepareSpec, sent: list[Any]) -> tuple[bytes, float]:
    from smartcustoms.ecommerce.parse import Item
    from smartcustoms.ecommerce.pipeline import Preparer, own_sessions, pack

    chunk = [Item(x[0], None, None, None, x[1], x[2]) if type(x) is tuple else x for x in sent]

    preparer = _PREPARERS.get(spec.manifest_id)
    if preparer is None:
        assert spec.url is not None
        preparer = _PREPARERS[spec.manifest_id] = Preparer(spec, own_sessions(_engine(spec.url)))
        while len(_PREPARERS) > 16:  # manifests being received at the same time
            _PREPARERS.popitem(last=False)
    else:
        _PREPARERS.move_to_end(spec.manifest_id)
    t = time.process_time()
    out = pack(preparer.prepare(chunk))
    del chunk, sent
    trim()
    return out, time.process_time() - t
