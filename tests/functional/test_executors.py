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
