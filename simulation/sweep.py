"""Sweeps: every combination of the values given for some scenario keys, each run with the same seed.

``dols-sim sweep scenario.toml --vary staffing.bia_fte=6,8,10 --vary
staffing.independent_bia_per_month=0..150:50`` and, from Python,
``sweep(scenario, {"staffing.bia_fte": [6, 8, 10]}, reps=50, seed=7)``. Tidy results:
``replications`` (one row per option x replication: a column per varied key named by its key path,
``replication``, then the KPIs of ``run``) and ``summary`` (the varied keys, ``kpi``, ``mean``,
``ci_low``, ``ci_high``, ``reps``). Every option is run at the same seed, so options differ only by
what was varied (common random numbers): comparisons between them are sharp.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.admission import Admitted, admit
from simulation.evaluator import Evaluator, Option, run_grid
from simulation.executors import Workers
from simulation.experiment import _json_safe, _versions, summarise
from simulation.journal import Journal, fingerprint
from simulation.precision import Precision, Settled, settle
from simulation.scenario import Scenario, ScenarioError
from simulation.scenario_file import parse_value, scenario_to_dict, scenario_to_toml

#: A range without a step (``0..400``) gets a round step giving at most this many steps.
MAX_DEFAULT_STEPS = 20
MAX_OPTIONS = 10_000


def _literal(text: str, where: str) -> Any:
    """One value of a ``--vary`` list or range, read as ``--set`` reads one (bounded: length, depth,
    digits), a bare word (fifo) as text."""
    return parse_value(text.strip(), where)


def _round_step(span: float, whole: bool) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k giving at most MAX_DEFAULT_STEPS steps over ``span``."""
    if span <= 0:
        return 1.0
    k = math.floor(math.log10(span / MAX_DEFAULT_STEPS)) - 1
    while True:
        for m in (1, 2, 2.5, 5):
            step = m * 10.0**k
            if span / step <= MAX_DEFAULT_STEPS + 1e-9 and (not whole or (step >= 1 and step.is_integer())):
                return step
        k += 1


def range_values(text: str, where: str) -> list[Any]:
    """``lo..hi`` or ``lo..hi:step`` as the values from lo to hi (both included)."""
    body, _, step_text = text.partition(":")
    lo_text, _, hi_text = body.partition("..")
    lo, hi = _literal(lo_text, where), _literal(hi_text, where)
    step = _literal(step_text, where) if step_text else None
    numbers = (int, float)
    if not isinstance(lo, numbers) or not isinstance(hi, numbers) or isinstance(lo, bool):
        raise ScenarioError(f"{where}: a range is lo..hi or lo..hi:step with numbers, got {text!r}")
    if hi < lo:
        raise ScenarioError(f"{where}: the range {text!r} ends below its start")
    whole = isinstance(lo, int) and isinstance(hi, int)
    if step is None:
        step = _round_step(hi - lo, whole)
    if not isinstance(step, numbers) or isinstance(step, bool) or step <= 0:
        raise ScenarioError(f"{where}: the step must be a number > 0, got {step_text!r}")
    d_lo, d_step = Decimal(str(lo)), Decimal(str(step))
    count = int((Decimal(str(hi)) - d_lo) / d_step) + 1
    if count > MAX_OPTIONS:
        raise ScenarioError(f"{where}: {text!r} has {count:,} values; at most {MAX_OPTIONS:,}")
    values = [d_lo + d_step * k for k in range(count)]
    whole = whole and float(step).is_integer()
    return [int(v) if whole else float(v) for v in values]


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """``key.path=v1,v2,...`` or ``key.path=lo..hi[:step]`` as (key path, values)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    where = f"--vary {text}"
    if not sep or not key or not raw.strip():
        raise ScenarioError(f"{where}: expected key.path=v1,v2,... or key.path=lo..hi[:step]")
    if ".." in raw and "," not in raw and not raw.strip().startswith(("[", '"', "'")):
        return key, range_values(raw, where)
    values = [_literal(part, where) for part in raw.split(",") if part.strip()]
    if not values:
        raise ScenarioError(f"{where}: no values")
    if len(set(map(repr, values))) != len(values):
        raise ScenarioError(f"{where}: a value is given twice")
    return key, values


def grid(vary: Mapping[str, Sequence[Any]]) -> list[Option]:
    """Every combination of the values, the first key varying slowest."""
    keys = list(vary)
    if len(set(keys)) != len(keys):
        raise ScenarioError("--vary: each key once")
    combos = list(itertools.product(*(vary[k] for k in keys)))
    if len(combos) > MAX_OPTIONS:
        raise ScenarioError(f"--vary: {len(combos):,} options; at most {MAX_OPTIONS:,} in one sweep")
    return [Option.of(dict(zip(keys, combo, strict=True))) for combo in combos]


@dataclass(frozen=True)
class SweepResults:
    """A sweep's tidy results (see the module's docstring) and its manifest."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    precision: list[Settled] | None = None


def _option_columns(options: Sequence[Option], keys: Sequence[str]) -> dict[str, list[Any]]:
    if not keys:  # options are whole scenarios (compare): one column naming each
        return {"option": [o.label for o in options]}
    return {k: [o.as_dict.get(k) for o in options] for k in keys}


def tidy(
    evaluator: Evaluator, options: Sequence[Option], reps: Sequence[int], keys: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(replications, summary) frames for options (option columns first), in grid order."""
    columns = _option_columns(options, keys)
    rep_frames, sum_frames = [], []
    for k, (option, n) in enumerate(zip(options, reps, strict=True)):
        rows = pd.DataFrame(evaluator.rows(option, n))
        rows["replication"] = rows["replication"].astype(int)
        summary = summarise(rows)
        for pos, (name, values) in enumerate(columns.items()):
            rows.insert(pos, name, [values[k]] * len(rows))
            summary.insert(pos, name, [values[k]] * len(summary))
        rep_frames.append(rows)
        sum_frames.append(summary)
    return pd.concat(rep_frames, ignore_index=True), pd.concat(sum_frames, ignore_index=True)


def manifest_for(
    base: Admitted, seed: int, workers: Workers | None, started: datetime, clock: float, **extra: Any
) -> dict[str, Any]:
    """What a set of result files came from (scenario, seed, versions, executor, wall time)."""
    scenario = base.scenario
    return {
        "scenario_name": scenario.name,
        "scenario": _json_safe(scenario_to_dict(scenario)),
        "scenario_toml": scenario_to_toml(scenario),
        **_json_safe(extra),
        "seed": seed,
        "replication_seeds": "numpy SeedSequence(seed).spawn(reps)[i] for replication i of every option",
        "initial_worklist_rows": None if base.initial_worklist is None else len(base.initial_worklist),
        "versions": _versions(),
        "executor": workers.kind if workers else "serial",
        "workers": workers.workers if workers else 1,
        "scheduler": workers.address if workers and workers.address else None,
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_time_seconds": round(time.perf_counter() - clock, 3),
    }


@dataclass(frozen=True)
class Execution:
    """How replications run: on which workers (from :func:`simulation.executors.open_executor`; serial
    if None), journaled into which folder (``out``, reading what finished there with ``resume``), to
    what precision (None: the replications asked), reporting ``progress(done, total)`` as they go."""

    workers: Workers | None = None
    out: Path | str | None = None
    resume: bool = False
    precision: Precision | None = None
    progress: Callable[[int, int], None] | None = None


SERIAL = Execution()


def evaluator_for(
    base: Admitted, seed: int, run: Execution, on_result: Callable[[], None] | None
) -> Evaluator:
    """An evaluator on the run's workers, journaling into its ``out`` folder."""
    journal = Journal(run.out, fingerprint(base, seed), resume=run.resume) if run.out is not None else None
    workers = run.workers
    return Evaluator(
        base,
        seed,
        workers.executor if workers else None,
        workers=workers.workers if workers else 1,
        journal=journal,
        on_result=on_result,
    )


@dataclass(frozen=True)
class Ran:
    """Options run: the evaluator holding their replications, how many each has, where precision mode
    stopped (per group), and what the manifest records."""

    evaluator: Evaluator
    counts: list[int]
    settled: list[Settled] | None
    manifest: dict[str, Any]


def run_options(
    base: Admitted,
    seed: int,
    options: Sequence[Option],
    reps: int,
    run: Execution,
    groups: Sequence[Sequence[int]],
    record: Mapping[str, Any],
) -> Ran:
    """Run ``reps`` replications of each option, or, with the run's precision, until each group of
    options (indices; a group keeps the same replications) is that precise; the journal is closed after,
    whatever happens. ``record``: more for the manifest."""
    started, clock = datetime.now(UTC), time.perf_counter()
    counter = ReplicationCounter(run.progress, len(options) * reps)
    evaluator = evaluator_for(base, seed, run, counter.tick)
    evaluator.check(options)
    counter.done = sum(evaluator.has(o, i) for o in options for i in range(reps))
    settled = None
    try:
        if run.precision is None:
            run_grid(evaluator, options, [reps] * len(options))
            counts = [reps] * len(options)
        else:
            settled = settle(evaluator, [[options[i] for i in g] for g in groups], reps, run.precision)
            counts = [0] * len(options)
            for group, done in zip(groups, settled, strict=True):
                for i in group:
                    counts[i] = done.reps
    finally:
        if evaluator.journal is not None:
            evaluator.journal.close()
    manifest = manifest_for(
        base,
        seed,
        run.workers,
        started,
        clock,
        **record,
        reps=reps,
        replications_run=evaluator.computed,
        precision=precision_manifest(run.precision, settled),
    )
    return Ran(evaluator, counts, settled, manifest)


def as_admitted(scenario: Scenario | Admitted) -> Admitted:
    return scenario if isinstance(scenario, Admitted) else admit(scenario)


def sweep(
    scenario: Scenario | Admitted,
    vary: Mapping[str, Sequence[Any]],
    reps: int,
    seed: int,
    run: Execution = SERIAL,
) -> SweepResults:
    """Run every combination of ``vary`` (key path -> values) ``reps`` times at ``seed``, as ``run``
    says (workers, journal, precision: then ``reps`` is the least per option, progress)."""
    if reps < 1:
        raise ScenarioError(f"--reps: must be >= 1, got {reps}")
    base = as_admitted(scenario)
    options = grid(vary)
    groups = [[i] for i in range(len(options))]
    grid_ = {k: list(v) for k, v in vary.items()}
    ran = run_options(base, seed, options, reps, run, groups, {"grid": grid_, "options": len(options)})
    replications, summary = tidy(ran.evaluator, options, ran.counts, list(vary))
    return SweepResults(replications, summary, ran.manifest, ran.settled)


class ReplicationCounter:
    """Counts replications for a progress callback (the total grows in precision mode)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def tick(self) -> None:
        self.done += 1
        self.total = max(self.total, self.done)
        if self.progress is not None:
            self.progress(self.done, self.total)


def precision_manifest(precision: Precision | None, settled: Sequence[Settled] | None) -> Any:
    if precision is None or settled is None:
        return None
    return {
        "target": precision.target,
        "kpis": list(precision.kpis),
        "max_reps": precision.max_reps,
        "reps_needed": [s.reps for s in settled],
        "reached": [s.reached for s in settled],
    }


def write_tidy(
    replications: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict[str, Any],
    out: Path | str,
    extra: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write replications.csv and .parquet, summary.csv, any ``extra`` frames (name -> frame, as CSV)
    and manifest.json into ``out``."""
    folder = Path(out)
    paths = {
        "replications.csv": folder / "replications.csv",
        "replications.parquet": folder / "replications.parquet",
        "summary.csv": folder / "summary.csv",
        "manifest.json": folder / "manifest.json",
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        replications.to_csv(paths["replications.csv"], index=False, lineterminator="\n")
        replications.to_parquet(paths["replications.parquet"], index=False)
        summary.to_csv(paths["summary.csv"], index=False, lineterminator="\n")
        for name, frame in (extra or {}).items():
            paths[name] = folder / name
            frame.to_csv(paths[name], index=False, lineterminator="\n")
        paths["manifest.json"].write_text(json.dumps(manifest, indent=2, default=str) + "\n", "utf-8")
    except OSError as exc:
        raise ScenarioError(f"--out: cannot write into {folder}: {exc.strerror} ({exc.filename})") from None
    return paths
