"""Replications of one scenario, and their summary with 95% confidence intervals.

Replication ``i`` of a run with master seed ``s`` uses the SeedSequence ``SeedSequence(s).spawn(n)[i]``
(built directly, so :func:`run_one` is a pure function of ``(scenario, rep_index, seed)``): results do
not depend on how many replications run, in which order, or on which worker, which is what lets an
executor (process pool, Dask) be plugged in later without changing a number. Two scenarios run with the
same seed share random numbers (common random numbers), so their difference is sharper than either.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import triage
from simulation.admission import Admitted, admit
from simulation.kpi_catalogue import bounds
from simulation.metrics import backlog_by_week, kpis, waits_by_group
from simulation.model import simulate
from simulation.scenario import Scenario, ScenarioError
from simulation.scenario_file import scenario_to_dict, scenario_to_toml
from triage.outputs import write_atomically

if TYPE_CHECKING:
    from simulation.precision import Precision, Settled

log = logging.getLogger(__name__)

CONFIDENCE = 0.95
#: Wait statistics carried from each replication's wait table into ``waits.csv``.
WAIT_KPIS: tuple[str, ...] = (
    "completed",
    "decided",
    "closed",
    "mean_days_to_complete",
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "within_statutory_share",
    "longest_wait_days",
)


@dataclass(frozen=True)
class Replication:
    """What one replication returns: its KPIs, its weekly backlog and its wait table."""

    kpis: dict[str, float]
    backlog: pd.DataFrame
    waits: pd.DataFrame


@dataclass(frozen=True)
class Results:
    """Replications of one scenario, summarised (see :func:`write_results` for the files)."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    backlog: pd.DataFrame
    waits: pd.DataFrame
    manifest: dict[str, Any]


def replication_seed(seed: int, rep_index: int) -> np.random.SeedSequence:
    """The SeedSequence of replication ``rep_index``: ``SeedSequence(seed).spawn(...)[rep_index]``."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(rep_index,))


def run_one(admitted: Admitted, rep_index: int, seed: int) -> Replication:
    """One replication (a pure function of its arguments, so any executor can call it)."""
    run = simulate(admitted, replication_seed(seed, rep_index))
    backlog = backlog_by_week(run)
    waits = waits_by_group(run)
    backlog.insert(0, "replication", rep_index)
    waits.insert(0, "replication", rep_index)
    return Replication({"replication": float(rep_index), **kpis(run)}, backlog, waits)


def dry_run(admitted: Admitted) -> None:
    """One month of one replication: checks a starting worklist exactly as a run will use it (``validate``),
    raising :class:`~simulation.scenario.ScenarioError` naming the row at fault."""
    from simulation.scenario_file import with_values

    month = replace(admitted, scenario=with_values(admitted.scenario, {"horizon.months": 1}))
    simulate(month, replication_seed(0, 0))


def t_interval(
    values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the non-missing values: a Student t interval for the mean.

    With one value the interval is unknown (NaN); with no spread it is the mean itself.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    from scipy import stats  # here, not at the top: it costs 0.6 s, which `dols-sim triage` need not pay

    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n) if sd > 0 else 0.0
    return mean, mean - half, mean + half, n


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI: the mean across replications and its 95% t-interval.

    Columns ``kpi, mean, ci_low, ci_high, reps`` (``reps``: replications with a value for that KPI). The
    interval is cut to the values the KPI can take (:func:`simulation.kpi_catalogue.bounds`): a share
    decided in time that is nearly always 0 has the interval "0.0% (0.0%-0.2%)", not one from -0.1%.
    """
    rows = []
    for column in replications.columns:
        if column == "replication":
            continue
        mean, low, high, n = t_interval(replications[column].to_numpy(dtype=float))
        floor, ceiling = bounds(column)
        low, high = min(max(low, floor), ceiling), min(max(high, floor), ceiling)
        rows.append({"kpi": column, "mean": mean, "ci_low": low, "ci_high": high, "reps": n})
    return pd.DataFrame(rows, columns=["kpi", "mean", "ci_low", "ci_high", "reps"])


def _backlog_bands(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Mean, 5th and 95th percentile of the open count per week and band, across replications.

    Every replication of a run counts the same weeks and bands in the same order, so the counts stack
    into one array (replications x rows) and numpy takes each statistic down the columns: 20 times
    faster than grouping, which the page's run waits for. The counts are whole numbers, so the means
    are exact and equal the grouped ones bit for bit (the back-test pins them).
    """
    first = frames[0]
    same = all(
        len(f) == len(first) and (f["band"].to_numpy() == first["band"].to_numpy()).all() for f in frames
    )
    if same:
        counts = np.stack([f["open"].to_numpy() for f in frames])
        out = first[["week", "date", "band"]].copy()
        out["mean"] = counts.mean(axis=0)
        out["p05"] = np.quantile(counts, 0.05, axis=0)
        out["p95"] = np.quantile(counts, 0.95, axis=0)
        return out.sort_values(["band", "week"], kind="stable").reset_index(drop=True)
    long = pd.concat(frames, ignore_index=True)
    grouped = long.groupby(["week", "date", "band"], sort=False)["open"]
    out = grouped.agg(
        mean="mean",
        p05=lambda s: float(np.quantile(s, 0.05)),
        p95=lambda s: float(np.quantile(s, 0.95)),
    ).reset_index()
    return out.sort_values(["band", "week"], kind="stable").reset_index(drop=True)


def _waits_across(frames: list[pd.DataFrame]) -> pd.DataFrame:
    long = pd.concat(frames, ignore_index=True)
    rows = []
    for (by, group), part in long.groupby(["group_by", "group"], sort=False):
        for name in WAIT_KPIS:
            mean, low, high, n = t_interval(part[name].to_numpy(dtype=float))
            rows.append(
                {
                    "group_by": by,
                    "group": group,
                    "kpi": name,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "reps": n,
                }
            )
    return pd.DataFrame(rows)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("dols-sim", "numpy", "pandas", "simpy", "scipy", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _replicate(
    admitted: Admitted,
    first: int,
    stop: int,
    seed: int,
    executor: Executor | None,
    progress: Callable[[int, int], None] | None,
) -> list[Replication]:
    """Replications ``first`` to ``stop - 1``, in order, serial or on ``executor``."""
    done: list[Replication] = []
    if executor is None:
        for i in range(first, stop):
            done.append(run_one(admitted, i, seed))
            if progress is not None:
                progress(i + 1, stop)
        return done
    futures = [executor.submit(run_one, admitted, i, seed) for i in range(first, stop)]
    try:
        for finished, _ in enumerate(as_completed(futures), start=first + 1):
            if progress is not None:
                progress(finished, stop)
    finally:  # interrupted (a page rerun, Ctrl+C, a failed replication): free the shared workers
        for f in futures:
            f.cancel()
    return [f.result() for f in futures]  # in replication order, whatever order they finished


def _to_precision(
    admitted: Admitted,
    reps: int,
    seed: int,
    executor: Executor | None,
    progress: Callable[[int, int], None] | None,
    precision: Precision,
) -> tuple[list[Replication], Settled]:
    """Replications until the first number at which every KPI of ``precision`` is within its target
    (or the cap): the same number whoever runs them, since it depends only on their values."""
    from simulation.precision import Settled, first_reached, next_reps, widest

    start = min(max(reps, 2), precision.max_reps)
    have, done = start, list[Replication]()
    while True:
        done += _replicate(admitted, len(done), have, seed, executor, progress)
        rows = [r.kpis for r in done]
        n = first_reached([rows], precision, start)
        if n is not None or have >= precision.max_reps:
            stop = n if n is not None else have
            return done[:stop], Settled(stop, n is not None, widest([rows], precision.kpis, stop))
        have = next_reps(widest([rows], precision.kpis, have), have, precision)


def run_replications(
    scenario: Scenario | Admitted,
    reps: int,
    seed: int,
    *,
    rules: triage.Rules | None = None,
    initial_worklist: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    precision: Precision | None = None,
) -> Results:
    """Run ``reps`` replications; ``progress(done, total)`` is called after each one.

    ``scenario`` is admitted once (:func:`simulation.admission.admit`, with ``rules`` and
    ``initial_worklist``) unless it already is. Serial by default. Any ``concurrent.futures.Executor``
    (a process pool, or a Dask client's ``get_executor()``) runs them side by side instead; since
    replication i is the pure function ``run_one(admitted, i, seed)``, the results are the same whoever
    runs it, in the same order. ``precision``: add replications (``reps`` the least) until its KPIs are
    that precise, or its cap (:mod:`simulation.precision`); the manifest says where it stopped.
    """
    if reps < 1:
        raise ScenarioError(f"reps: must be >= 1, got {reps}")
    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    admitted = (
        scenario
        if isinstance(scenario, Admitted)
        else admit(scenario, rules, initial_worklist=initial_worklist)
    )
    scenario, rules, initial_worklist = admitted.scenario, admitted.rules, admitted.initial_worklist
    started = datetime.now(UTC)
    clock = time.perf_counter()
    settled = None
    if precision is None:
        done = _replicate(admitted, 0, reps, seed, executor, progress)
    else:
        done, settled = _to_precision(admitted, reps, seed, executor, progress, precision)
        reps = len(done)
    wall = time.perf_counter() - clock
    log.info("%d replications of %s in %.2f s", reps, scenario.name, wall)

    replications = pd.DataFrame([r.kpis for r in done])
    replications["replication"] = replications["replication"].astype(int)
    manifest = {
        "scenario_name": scenario.name,
        "scenario": _json_safe(scenario_to_dict(scenario)),
        "scenario_toml": scenario_to_toml(scenario),
        "seed": seed,
        "reps": reps,
        "replication_seeds": "numpy SeedSequence(seed).spawn(reps)[i] for replication i",
        "initial_worklist_rows": None if initial_worklist is None else len(initial_worklist),
        "queue_policy": scenario.queue.policy,
        "timescales": rules.timescales.model_dump(),
        "versions": _versions(),
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_time_seconds": round(wall, 3),
    }
    if precision is not None and settled is not None:
        manifest["precision"] = {
            "target": precision.target,
            "kpis": list(precision.kpis),
            "max_reps": precision.max_reps,
            "reached": settled.reached,
            "sentence": settled.sentence(precision.target),
        }
    return Results(
        replications=replications,
        summary=summarise(replications),
        backlog=_backlog_bands([r.backlog for r in done]),
        waits=_waits_across([r.waits for r in done]),
        manifest=manifest,
    )


def write_results(results: Results, out_dir: Path | str) -> dict[str, Path]:
    """Write summary.csv, replications.csv, backlog.csv, waits.csv and manifest.json into ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out: cannot create {out}: {exc.strerror}") from None
    paths = {name: out / name for name in ("summary.csv", "replications.csv", "backlog.csv", "waits.csv")}
    paths["manifest.json"] = out / "manifest.json"
    backlog = results.backlog.assign(date=results.backlog["date"].dt.strftime("%Y-%m-%d"))
    tables = {"summary.csv": results.summary, "replications.csv": results.replications,
              "backlog.csv": backlog, "waits.csv": results.waits}  # fmt: skip
    # each file whole or not at all (a temporary file renamed): a full disk never leaves a cut waits.csv
    for name, table in tables.items():
        write_atomically(paths[name], table.to_csv(index=False, lineterminator="\n").encode("utf-8"), "--out")
    manifest = json.dumps(results.manifest, indent=2, default=str) + "\n"
    write_atomically(paths["manifest.json"], manifest.encode("utf-8"), "--out")
    return paths
