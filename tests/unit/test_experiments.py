"""The pieces under sweep, compare and plan: --vary values, precision mode's arithmetic, the journal, the
evaluator's order and failures, and the unpaired interval."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from simulation.admission import admit
from simulation.compare import unpaired_interval
from simulation.evaluator import Evaluator, Option, ReplicationError, replication_kpis
from simulation.executors import SerialExecutor, check_scheduler, open_executor
from simulation.experiment import t_interval
from simulation.journal import Journal, fingerprint
from simulation.precision import Precision, first_reached, prefix_widths
from simulation.scenario import ScenarioError
from simulation.sweep import grid, parse_vary
from tests.conftest import small
from triage.errors import DolsSimError


def test_vary_takes_lists_and_ranges() -> None:
    assert parse_vary("staffing.bia_fte=6,8,10") == ("staffing.bia_fte", [6, 8, 10])
    assert parse_vary("queue.policy=fifo,band_with_ageing") == ("queue.policy", ["fifo", "band_with_ageing"])
    assert parse_vary("x=0..400")[1] == list(range(0, 401, 20))  # a round step: at most 20 steps
    assert parse_vary("x=6..14")[1] == list(range(6, 15))  # whole numbers: steps of 1
    assert parse_vary("x=0..150:50")[1] == [0, 50, 100, 150]
    assert parse_vary("x=6.5..8:0.5")[1] == [6.5, 7.0, 7.5, 8.0]
    assert parse_vary("x=1..2.5")[1][:3] == [1.0, 1.1, 1.2]  # 0.1 steps: no float drift
    for bad, message in (
        ("staffing.bia_fte", "expected key.path="),
        ("x=10..0", "ends below its start"),
        ("x=0..10:0", "step must be a number > 0"),
        ("x=a..b", "with numbers"),
        ("x=1,1", "given twice"),
    ):
        with pytest.raises(ScenarioError, match=message):
            parse_vary(bad)


def test_grid_is_every_combination_first_key_slowest() -> None:
    options = grid({"a": [1, 2], "b": [10, 20, 30]})
    assert [o.as_dict for o in options][:4] == [
        {"a": 1, "b": 10},
        {"a": 1, "b": 20},
        {"a": 1, "b": 30},
        {"a": 2, "b": 10},
    ]
    assert options[0].label == "a=1, b=10"


def test_prefix_widths_match_the_t_interval() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(1000, 50, 40)
    x[5] = np.nan  # a replication without a value is left out
    widths = prefix_widths(x)
    for n in (2, 3, 10, 40):
        mean, low, high, _ = t_interval(x[:n])
        expected = (high - low) / 2 / abs(mean) if not math.isnan(low) else math.inf
        assert widths[n - 1] == pytest.approx(expected, rel=1e-9)
    assert math.isinf(widths[0])
    assert prefix_widths([0.0, 0.0, 0.0])[-1] == 0.0  # no spread about 0: exact
    assert math.isinf(prefix_widths([0.0, 1.0, -1.0])[-1])  # spread about a mean of 0: not estimable


def test_first_reached_is_the_first_n_where_every_kpi_is_precise() -> None:
    rows = [{"cost_total": 100.0 + (i % 2), "decided": float(i)} for i in range(30)]
    widths = prefix_widths([r["cost_total"] for r in rows])
    n = first_reached([rows], Precision(0.05, ("cost_total",), 100), 2)
    assert n is not None and widths[n - 1] <= 0.05 and (n == 2 or widths[n - 2] > 0.05)
    assert first_reached([rows], Precision(0.005, ("cost_total",), 100), 2) == int(
        np.flatnonzero(widths <= 0.005)[0] + 1
    )
    both = Precision(0.05, ("cost_total", "decided"), 100)
    assert first_reached([rows], both, 2) is None  # decided is too spread
    with pytest.raises(DolsSimError, match="not a KPI"):
        Precision(0.05, ("nonsense",), 10)
    with pytest.raises(DolsSimError, match="between 0 and 1"):
        Precision(5, ("cost_total",), 10)


def test_unpaired_interval_is_welch() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]
    diff, low, high = unpaired_interval(a, b)
    assert diff == pytest.approx(2.75)
    from scipy import stats

    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (low, high) == pytest.approx((welch.low, welch.high))


def test_the_journal_keeps_results_and_refuses_another_seed(tmp_path: Path) -> None:
    admitted = admit(small())
    journal = Journal(tmp_path, fingerprint(admitted, 7))
    journal.write("k", "label", 3, {"x": 1.5, "y": math.nan})
    journal.close()
    again = Journal(tmp_path, fingerprint(admitted, 7), resume=True)
    assert again.done[("k", 3)]["x"] == 1.5 and math.isnan(again.done[("k", 3)]["y"])
    again.close()
    with pytest.raises(DolsSimError, match="another seed"):
        Journal(tmp_path, fingerprint(admitted, 8), resume=True)
    fresh = Journal(tmp_path, fingerprint(admitted, 8))  # without --resume: a fresh start
    fresh.close()
    assert len((tmp_path / "journal.jsonl").read_text().splitlines()) == 1


def test_a_line_cut_short_by_a_crash_is_run_again(tmp_path: Path) -> None:
    admitted = admit(small())
    journal = Journal(tmp_path, fingerprint(admitted, 1))
    journal.write("k", "label", 0, {"x": 1.0})
    journal.close()
    path = tmp_path / "journal.jsonl"
    path.write_text(path.read_text() + json.dumps({"option": "k", "replication": 1})[:20])
    resumed = Journal(tmp_path, fingerprint(admitted, 1), resume=True)
    assert set(resumed.done) == {("k", 0)}
    resumed.write("k", "label", 1, {"x": 2.0})
    resumed.close()
    assert set(Journal(tmp_path, fingerprint(admitted, 1), resume=True).done) == {("k", 0), ("k", 1)}


def broken_on_second(admitted: object, rep: int, seed: int) -> dict[str, float]:
    """A replication task that fails on replication 1 (module level, so a pool could run it)."""
    if rep == 1:
        raise MemoryError("out of memory")
    return {"replication": float(rep), "seed": float(seed)}


def test_a_failed_replication_names_the_option_and_keeps_the_rest(tmp_path: Path) -> None:
    admitted = admit(small())
    journal = Journal(tmp_path, fingerprint(admitted, 5))
    evaluator = Evaluator(admitted, 5, journal=journal, task=broken_on_second)  # type: ignore[arg-type]
    option = Option.of({"staffing.bia_fte": 7})
    with pytest.raises(ReplicationError) as err:
        evaluator.ensure((option, i) for i in range(3))
    text = str(err.value)
    assert "option staffing.bia_fte=7: replication 1 failed: MemoryError: out of memory" in text
    assert "journal.jsonl" in text
    journal.close()
    assert evaluator.has(option, 0) and not evaluator.has(option, 1)


def test_in_order_decides_on_the_first_replications_only() -> None:
    """Whoever runs ahead, a decision reads replications in order, so it is the same on any executor."""
    admitted = admit(small())
    option = Option.of({})
    serial = Evaluator(admitted, 9)
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = Evaluator(admitted, 9, pool, workers=3)
        seen = [
            ev.in_order(option, list(range(6)), lambda rows: len(rows) >= 2 and rows[-1]["decided"] > 0)
            for ev in (serial, threaded)
        ]
    assert seen[0] == seen[1] and list(seen[0]) == [0, 1]
    assert seen[0][0] == replication_kpis(admitted, 0, 9)


def test_executors_are_named_and_checked() -> None:
    with open_executor("serial") as workers:
        assert isinstance(workers.executor, SerialExecutor) and workers.describe() == "serial (1 worker)"
    with pytest.raises(DolsSimError, match="must be one of serial, processes"), open_executor("threads"):
        pass
    with (
        pytest.raises(DolsSimError, match="only with --executor"),
        open_executor("processes", 2, "tcp://h:1"),
    ):
        pass
    with pytest.raises(DolsSimError, match="expected an address like tcp://HOST:8786"):
        check_scheduler("127.0.0.1")
    with (
        pytest.raises(DolsSimError, match="cannot connect"),
        open_executor("dask", None, "tcp://127.0.0.1:9"),
    ):
        pass


def test_backlog_bands_stacked_or_grouped_give_the_same_numbers() -> None:
    """Replications counting the same weeks stack (the fast way); any that do not are grouped: both give
    the mean and the 5th and 95th percentiles of each week's and band's open count."""
    import pandas as pd

    from simulation.experiment import _backlog_bands

    def frame(counts: list[int]) -> pd.DataFrame:
        weeks = len(counts)
        dates = pd.date_range("2025-04-01", periods=weeks, freq="7D")
        return pd.DataFrame({"week": range(weeks), "date": dates, "band": "all", "open": counts})

    aligned = _backlog_bands([frame([10, 20]), frame([30, 40]), frame([50, 60])])
    assert list(aligned["mean"]) == [30.0, 40.0]
    assert list(aligned["p05"]) == [12.0, 22.0] and list(aligned["p95"]) == [48.0, 58.0]
    ragged = _backlog_bands([frame([10, 20]), frame([30]), frame([50, 90])])  # week 1: 20 and 90 only
    assert list(ragged["mean"]) == [30.0, 55.0] and list(ragged["p95"]) == [48.0, 86.5]
