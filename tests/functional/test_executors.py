"""Same seed, same numbers, whoever runs the replications."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pandas as pd

from simulation.experiment import run_replications
from tests.conftest import small


def test_process_pool_gives_the_serial_numbers() -> None:
    scenario = small()
    serial = run_replications(scenario, 4, 123)
    done: list[int] = []
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        pooled = run_replications(scenario, 4, 123, executor=pool, progress=lambda d, t: done.append(d))
    pd.testing.assert_frame_equal(serial.replications, pooled.replications)
    pd.testing.assert_frame_equal(serial.backlog, pooled.backlog)
    pd.testing.assert_frame_equal(serial.waits, pooled.waits)
    assert done == [1, 2, 3, 4]


def test_threads_and_worker_count_do_not_matter() -> None:
    scenario = small("demand.applications_per_month=90")
    with ThreadPoolExecutor(max_workers=1) as one, ThreadPoolExecutor(max_workers=3) as three:
        a = run_replications(scenario, 3, 5, executor=one)
        b = run_replications(scenario, 3, 5, executor=three)
    pd.testing.assert_frame_equal(a.replications, b.replications)
    assert not a.replications.equals(run_replications(scenario, 3, 6).replications)  # the seed matters


#: Read in a worker by ``eval`` (a builtin, pickled by name): a function of this module would import the
#: model into the worker just by being unpickled there.
WORKER_STATE = (
    "('simulation.experiment' in __import__('sys').modules,"
    " bool(__import__('dask').config.get('distributed.worker.profile.enabled')),"
    " str(__import__('dask').config.get('distributed.admin.tick.interval')),"
    " __import__('dask').config.get('distributed.worker.multiprocessing-method'))"
)


def test_a_local_dask_cluster_starts_lean_and_an_existing_one_is_used_as_it_is() -> None:
    """dols-sim's LocalCluster: workers forked from the forkserver with the model imported before any
    task, no profiler, the event-loop check every second (simulation.executors.LOCAL_DASK_CONFIG). A
    user's own cluster
    (``--scheduler``, here one started with Dask's defaults) keeps its settings and gives the same
    numbers as serial."""
    from dask.distributed import Client, LocalCluster

    from simulation.executors import open_executor

    scenario = small()
    serial = run_replications(scenario, 3, 11)
    with open_executor("dask", 2) as workers:
        client = workers.executor._client  # type: ignore[attr-defined]
        assert set(client.run(eval, WORKER_STATE).values()) == {(True, False, "1s", "forkserver")}
        ours = run_replications(scenario, 3, 11, executor=workers.executor)
    pd.testing.assert_frame_equal(serial.replications, ours.replications)
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as theirs,
        Client(theirs) as admin,
        open_executor("dask", scheduler=theirs.scheduler_address) as workers,
    ):
        # (whether the model is imported there depends on who else ran there: not asserted)
        assert {state[1:] for state in admin.run(eval, WORKER_STATE).values()} == {(True, "20ms", "spawn")}
        assert workers.workers == 1 and workers.address == theirs.scheduler_address
        remote = run_replications(scenario, 3, 11, executor=workers.executor)
    pd.testing.assert_frame_equal(serial.replications, remote.replications)
    pd.testing.assert_frame_equal(serial.backlog, remote.backlog)
