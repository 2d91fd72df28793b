"""Who runs the replications: this process (serial), a pool of local processes, or a Dask cluster.

Why three: serial is what a test or a notebook wants (no processes to start); a process pool uses every
core of one machine; Dask (``dask.distributed``) is for when a grid outgrows one machine, on a
LocalCluster here or on an existing cluster given by its scheduler's address. Each is a
``concurrent.futures.Executor`` to :mod:`simulation.experiment` and :mod:`simulation.evaluator`, and
replication ``i`` is the pure function ``run_one(admitted, i, seed)``, so the numbers are the same
whoever runs it. A LocalCluster listens on 127.0.0.1 only and serves no dashboard.

Both local kinds start their worker processes from one forkserver that has imported the model already
(:data:`PRELOAD`): a worker is a fork of it, not a new interpreter importing everything again. A
LocalCluster's workers are also spared what only a dashboard reads (:data:`LOCAL_DASK_CONFIG`). Why
(``benchmarks/experiment_bench.py``, 20 replications, 2 workers): Dask's default start (spawned
interpreters importing dask and the model) and stop took 2.6-3.1 s, forked from the forkserver 0.9-1.8 s;
its workers' profiler and monitors took the GIL from the replication 100 times a second, 5-10% of the
replication's own CPU time, and more on a busy machine, where a thread holding the GIL waits for a core.
An existing cluster (``--scheduler``) is used as its owner set it up.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from triage.errors import DolsSimError

ExecutorKind = Literal["serial", "processes", "dask"]
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")
#: How long to wait for an existing Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10
_ADDRESS = re.compile(r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted (an Executor, so one code path serves all)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to whoever reads the result, as a pool would
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Workers:
    """An executor ready for work: what it is (for the manifest) and how many tasks it runs at once."""

    executor: Executor
    kind: ExecutorKind
    workers: int
    address: str = ""

    def describe(self) -> str:
        where = f" at {self.address}" if self.address else ""
        return f"{self.kind} ({self.workers} worker{'s' if self.workers != 1 else ''}{where})"


def default_workers() -> int:
    """All cores of this machine."""
    return os.cpu_count() or 1


#: Modules the forkserver imports once, so every worker forked from it starts with them.
PRELOAD: tuple[str, ...] = ("simulation.experiment",)

#: A LocalCluster's workers: no statistical profiler (it samples every thread's stack 100 times a second
#: for a dashboard that is not served) and the event-loop and memory checks less often (diagnostics;
#: the memory limits still apply), each of which takes the GIL from the replication; workers forked
#: from the forkserver (:func:`forkserver`) rather than spawned.
LOCAL_DASK_CONFIG: dict[str, object] = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def forkserver(*modules: str) -> multiprocessing.context.BaseContext:
    """The forkserver context, importing :data:`PRELOAD` (and ``modules``) when it starts.

    ``forkserver``: forking a process that runs threads (a web server, a Dask client) is unsafe, and its
    workers start with the model imported instead of importing it once per worker. It is one server per
    process: whoever starts it first (a process pool, a LocalCluster) sets what it imports, and both
    kinds of worker run either way (importing what is missing).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*modules, *PRELOAD])
    return ctx


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes forked from the forkserver with the model already imported."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=forkserver())


def check_scheduler(address: str) -> str:
    """A Dask scheduler address as typed (``tcp://HOST:8786``), or a one-line error."""
    address = address.strip()
    if not _ADDRESS.match(address):
        raise DolsSimError(f"--scheduler: expected an address like tcp://HOST:8786, got {address!r}")
    return address


@contextlib.contextmanager
def _dask(workers: int, scheduler: str | None) -> Iterator[Workers]:
    try:
        import dask
        from dask.distributed import Client, LocalCluster
        from distributed.utils import get_mp_context
    except ImportError:  # pragma: no cover - a dependency of dols-sim; only a broken install lacks it
        raise DolsSimError("--executor dask: dask.distributed is not installed") from None
    if scheduler:
        address = check_scheduler(scheduler)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise DolsSimError(f"--scheduler {address}: cannot connect ({exc})") from None
        try:
            threads = sum(client.nthreads().values()) or 1
            yield Workers(client.get_executor(), "dask", threads, address)
        finally:
            client.close()
        return
    with dask.config.set(LOCAL_DASK_CONFIG):  # read by the workers' nannies as they are made
        # Dask sets the forkserver's imports the first time it asks for the context; set ours after.
        get_mp_context()
        forkserver("distributed")
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # SimPy runs hold the GIL: one replication per process at a time
            processes=True,
            host="127.0.0.1",  # this machine only
            dashboard_address=None,
            preload=list(PRELOAD),  # imported as a worker starts, if the forkserver (started first by
            # someone else) has not
        )
    with cluster, Client(cluster) as client:
        yield Workers(client.get_executor(), "dask", workers, cluster.scheduler_address)


@contextlib.contextmanager
def open_executor(
    kind: str = "serial", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Workers]:
    """The executor named by ``kind``, started for the ``with`` block and shut down after it.

    ``workers``: processes for ``processes`` and a Dask LocalCluster (default: all cores).
    ``scheduler``: with ``dask``, the address of an existing cluster's scheduler instead of a
    LocalCluster (its workers are its own; ``workers`` is then ignored).
    """
    if kind not in EXECUTORS:
        raise DolsSimError(f"--executor: must be one of {', '.join(EXECUTORS)}, got {kind!r}")
    if workers is not None and workers < 1:
        raise DolsSimError(f"--workers: must be >= 1, got {workers}")
    if scheduler and kind != "dask":
        raise DolsSimError("--scheduler: only with --executor dask")
    n = workers or default_workers()
    if kind == "serial":
        yield Workers(SerialExecutor(), "serial", 1)
    elif kind == "processes":
        pool = process_pool(n)
        try:
            yield Workers(pool, "processes", n)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        with _dask(n, scheduler) as dask_workers:
            yield dask_workers
