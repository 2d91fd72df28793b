"""``plan``: the cheapest capacity that clears the backlog by a date, searched, not brute-forced.

The question: which option in the ranges given gets the open backlog below the target by the clear-by
date in at least ``confidence`` of the replications, and at the least cost?

Why a search works: under common random numbers (every option runs replication i with the same random
numbers) more capacity in any staff group clears the backlog no later, so an option that clears has
every bigger option clear too, and cost rises with capacity. So for each value of the other keys
(ascending), the least feasible value of the key with most values is found by bisection, starting
from what the smaller options already showed (the "staircase": a bigger option needs no more of it, so
the search only walks down from there). Replications of an option run in order and stop as soon as the
verdict is certain (enough have cleared, or too many failed). For each value of the other keys the
least that clears is the cheapest there (cost rises with the searched key); those candidates are
ranked by cost on their first few replications, and the cheapest few get all theirs. The assumptions
are checked as they go: every pair of options run where the bigger one did worse (per option and per
replication), or cost less along the searched key, is counted and listed.

Beside the answer, the relief capacity of NHS waiting-list planning: demand + (backlog - target) /
time to the date, so a user sees where the simulation agrees and where lapses, renewals and chance
make it differ.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from simulation.admission import Admitted
from simulation.arrivals import add_months
from simulation.evaluator import KpiRow, Option
from simulation.plan_result import Evaluation, PlanResult, build_result, cleared_by

__all__ = [
    "Evaluation",
    "PlanResult",
    "Planner",
    "add_months",
    "cleared_by",
    "keep_up",
    "plan",
    "plan_scenario",
    "post_costs",
    "raised",
    "write_plan",
]
from simulation.scenario import MONTH_DAYS, Scenario, ScenarioError
from simulation.scenario_file import with_values
from simulation.sweep import SERIAL, Execution, as_admitted, evaluator_for, manifest_for

Index = tuple[int, ...]
#: Replications that rank the candidates by cost (cost varies little between replications, and every
#: candidate has the same ones); the cheapest few then get all theirs.
COST_REPS = 3
#: The biggest option is run until this many replications clear (or it cannot reach the share asked).
SCREEN = 3


def needed_to_clear(confidence: float, reps: int) -> int:
    """Replications of ``reps`` that must clear for a share of at least ``confidence``."""
    return math.ceil(confidence * reps - 1e-9)


def plan_horizon(start: date, clear_by: date) -> int:
    """Whole months from ``start`` that reach ``clear_by`` (nothing after the date matters to a plan)."""
    if clear_by <= start:
        raise ScenarioError(f"--clear-by: {clear_by.isoformat()} is not after the start {start.isoformat()}")
    months = 1
    while add_months(start, months) < clear_by:
        months += 1
        if months > 600:
            raise ScenarioError(f"--clear-by: {clear_by.isoformat()} is more than 600 months after the start")
    return months


def plan_scenario(scenario: Scenario, clear_by: date, target: int | None = None) -> Scenario:
    """The scenario run up to the clear-by date (whole months), with the backlog target if given."""
    months = plan_horizon(scenario.horizon.start_date, clear_by)
    if scenario.horizon.warm_up_months >= months:
        raise ScenarioError(
            f"--clear-by: the run to {clear_by.isoformat()} is {months} months; horizon.warm_up_months "
            f"({scenario.horizon.warm_up_months}) must be shorter"
        )
    values: dict[str, Any] = {"horizon.months": months}
    if target is not None:
        values["targets.backlog_target"] = target
    return with_values(scenario, values)


def capacity_keys(vary: Mapping[str, Sequence[Any]]) -> dict[str, list[float]]:
    """The ranges as ascending numbers; a plan varies amounts of capacity, so each must be a number."""
    out = {}
    for key, values in vary.items():
        if not values or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            raise ScenarioError(f"--vary {key}: a plan varies amounts (numbers), got {list(values)}")
        out[key] = sorted(set(values))
    if not out:
        raise ScenarioError("plan: give at least one --vary key.path=lo..hi to search")
    return out


#: Keys of the BIA stage's capacity, and of the groups after it that :func:`keep_up` sizes.
BIA_KEYS = ("staffing.bia_fte", "staffing.independent_bia_per_month")
LATER_GROUPS = ("staffing.mental_health_assessors", "staffing.authorisers")
#: :func:`keep_up` leaves this much slack, so random peaks do not make a queue.
HEADROOM = 1.1


def keep_up(scenario: Scenario, vary: Mapping[str, Sequence[Any]]) -> dict[str, float]:
    """Mental health assessors and authorisers enough for the biggest BIA option of ``vary`` (rounded up
    to half an FTE, never below the scenario's), so a plan over BIA capacity is not held up by them.

    Why: each application needs all three steps, so if only BIA capacity grows, the next group soon binds
    and nothing in a BIA range clears; a commissioner asking "how many BIAs" means "with the rest keeping
    up". The levels are worked out from the mean hours per assessment and each group's productive hours.
    """
    s = scenario.staffing
    weeks = MONTH_DAYS / 7
    fte = float(max(vary[BIA_KEYS[0]])) if BIA_KEYS[0] in vary else s.bia_fte
    bought = float(max(vary[BIA_KEYS[1]])) if BIA_KEYS[1] in vary else s.independent_bia_per_month
    per_month = fte * s.bia_productive_hours_per_week * weeks / s.bia_hours_per_assessment.mean + bought
    mha_hours = per_month * s.mha_hours_per_assessment.mean
    sign_off_hours = per_month * s.authoriser_hours_per_sign_off.mean
    need = {
        LATER_GROUPS[0]: mha_hours / (s.mha_productive_hours_per_week * weeks),
        LATER_GROUPS[1]: sign_off_hours / (s.authoriser_productive_hours_per_week * weeks),
    }
    now = {LATER_GROUPS[0]: s.mental_health_assessors, LATER_GROUPS[1]: s.authorisers}
    return {k: max(now[k], math.ceil(v * HEADROOM * 2) / 2) for k, v in need.items() if k not in vary}


#: The weeks in a year (365.25 / 7): a post is paid for every one of them.
WEEKS_A_YEAR = 365.25 / 7


@dataclass(frozen=True)
class PostCost:
    """What a post added to keep up costs a year, and how that was priced."""

    key: str
    added: float  # FTE (mental health assessors) or people (authorisers) added
    per_hour: float  # the scenario's price of an hour of this group's time
    hours_a_year: float  # productive hours of one post a year
    per_year: float  # added x per_hour x hours_a_year


def raised(scenario: Scenario, levels: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """The groups :func:`keep_up`'s ``levels`` raise above ``scenario``'s: {key: (before, after)}."""
    from simulation.scenario_file import value_at

    return {
        k: (float(value_at(scenario, k)), float(v)) for k, v in levels.items() if v != value_at(scenario, k)
    }


def post_costs(scenario: Scenario, added: Mapping[str, tuple[float, float]]) -> list[PostCost]:
    """The staff :func:`keep_up` added (``{key: (before, after)}``), costed as posts.

    Why: the model pays mental health assessors and authorisers per piece of work (the fee for an
    assessment, the cost of a sign-off), so capacity added to keep up looks free while idle; a council
    that funds it pays by the year. Each added post is priced at the scenario's own rate for an hour of
    that group's time (the fee over the mean hours the work takes) for every productive hour of the year.
    The option's cost already counts the work they do at the fee, so this is the most funding them as
    posts adds."""
    s, c = scenario.staffing, scenario.costs
    rates = {
        LATER_GROUPS[0]: (c.mental_health_assessment / s.mha_hours_per_assessment.mean,
                          s.mha_productive_hours_per_week),
        LATER_GROUPS[1]: (c.sign_off / s.authoriser_hours_per_sign_off.mean,
                          s.authoriser_productive_hours_per_week),
    }  # fmt: skip
    out = []
    for key, (before, after) in added.items():
        if key not in rates or after <= before:
            continue
        per_hour, weekly = rates[key]
        hours = weekly * WEEKS_A_YEAR
        out.append(PostCost(key, after - before, per_hour, hours, (after - before) * per_hour * hours))
    return out


class Planner:
    """A plan's question (scenario up to the date, target, confidence, replications) and its evaluator.

    ``plan(vary)`` searches; ``option_map(vary)`` runs a whole grid (the page's heat map) sharing the
    replications the search already ran.
    """

    def __init__(
        self,
        scenario: Scenario | Admitted,
        clear_by: date,
        *,
        target: int | None = None,
        confidence: float = 0.9,
        reps: int = 20,
        seed: int = 42,
        run: Execution = SERIAL,
        hard_first: bool = True,
    ) -> None:
        if not 0 < confidence <= 1:
            raise ScenarioError(f"--confidence: must be in (0, 1], e.g. 0.9, got {confidence}")
        if reps < 1:
            raise ScenarioError(f"--reps: must be >= 1, got {reps}")
        admitted = as_admitted(scenario)
        admitted = replace(admitted, scenario=plan_scenario(admitted.scenario, clear_by, target))
        self.admitted = admitted
        self.clear_by = clear_by
        self.confidence = confidence
        self.reps = reps
        self.needed = needed_to_clear(confidence, reps)
        self.cost_reps = min(reps, COST_REPS)
        self.days_to_date = (clear_by - admitted.scenario.horizon.start_date).days
        self.run = run
        self.evaluator = evaluator_for(admitted, seed, run, None)
        self.evaluated: dict[Option, Evaluation] = {}
        self.inferences_checked = 0
        self.inferences_wrong = 0
        self.hard_first = hard_first

    @property
    def target(self) -> int:
        return self.admitted.scenario.targets.backlog_target

    def close(self) -> None:
        if self.evaluator.journal is not None:
            self.evaluator.journal.close()

    def inferred(self, index: Index) -> dict[int, bool]:
        """Outcomes that follow, replication by replication, from options already run (common random
        numbers): a replication that cleared for a smaller option clears here, one that failed for a
        bigger option fails here. A replication with evidence both ways runs."""
        said: dict[int, set[bool]] = {}
        if not index:
            return {}
        for other in self.evaluated.values():
            if not other.index or other.index == index:
                continue
            smaller = all(a <= b for a, b in zip(other.index, index, strict=True))
            bigger = all(a >= b for a, b in zip(other.index, index, strict=True))
            for i, row in other.runs.items():
                ok = cleared_by(row, self.days_to_date)
                if i < self.reps and ((smaller and ok) or (bigger and not ok)):
                    said.setdefault(i, set()).add(ok)
        return {i: next(iter(v)) for i, v in sorted(said.items()) if len(v) == 1}

    def evaluate(self, option: Option, index: Index = ()) -> Evaluation:
        """Replications in order until it is certain whether the share asked is reached (enough have
        cleared, or too many have failed for the rest to make it up), counting first the outcomes
        that follow from options already run."""
        found = self.evaluated.get(option)
        if found is not None and found.feasible is not None:
            return found
        own = dict(found.runs) if found else {}
        known = {i: v for i, v in self.inferred(index).items() if i not in own}
        before = sum(known.values())
        failed_before = len(known) - before
        most_failures = self.reps - self.needed

        def decided(rows: list[KpiRow]) -> bool:
            cleared = before + sum(cleared_by(r, self.days_to_date) for r in rows)
            return cleared >= self.needed or failed_before + len(rows) + before - cleared > most_failures

        todo = self.run_order([i for i in range(self.reps) if i not in known], option)
        runs = self.evaluator.in_order(option, todo, decided)
        return self._keep(option, index, {**own, **runs}, known, self.reps)

    def run_order(self, todo: list[int], option: Option) -> list[int]:
        """The replications to run, hardest first: most failures to clear in the options already run,
        then by number.

        Why: under common random numbers a replication that failed for other options (a run of bad
        luck: a surge of requests, long assessments) is the likeliest to fail here too, and an option
        that does not clear is known as soon as more than ``reps - needed`` fail (at 90% of 20, three
        failures), so it is found in a few runs instead of after most of those that clear. The verdict
        is the same in any order (it is whether at least ``needed`` of the ``reps`` clear, and it stops
        only when that is certain); the order depends only on results already in, so it is the same on
        any executor. ``hard_first=False``: in number order (to compare; tests/unit/test_plan.py).
        """
        if not self.hard_first:
            return todo
        hardness = dict.fromkeys(todo, 0.0)
        for other in self.evaluated.values():
            if other.option == option or not other.runs:
                continue
            failed = {i: not cleared_by(row, self.days_to_date) for i, row in other.runs.items()}
            rate = sum(failed.values()) / len(failed)
            for i, bad in failed.items():
                if i in hardness:
                    hardness[i] += bad - rate  # failing where most clear says more than where all fail
        return sorted(todo, key=lambda i: (-hardness[i], i))

    def screen(self, option: Option, index: Index) -> Evaluation:
        """Replications in order until the share asked is out of reach or ``SCREEN`` have cleared."""
        most_failures = self.reps - self.needed
        enough = min(self.needed, SCREEN)

        def decided(rows: list[KpiRow]) -> bool:
            cleared = sum(cleared_by(r, self.days_to_date) for r in rows)
            return cleared >= enough or len(rows) - cleared > most_failures

        runs = self.evaluator.in_order(option, list(range(self.reps)), decided)
        return self._keep(option, index, runs, {}, self.reps)

    def _keep(
        self, option: Option, index: Index, runs: dict[int, KpiRow], inferred: dict[int, bool], reps: int
    ) -> Evaluation:
        """Record an evaluation, checking any earlier inferred outcome that has now been run."""
        earlier = self.evaluated.get(option)
        if earlier is not None:
            for i, guess in earlier.inferred.items():
                if i in runs:
                    self.inferences_checked += 1
                    self.inferences_wrong += cleared_by(runs[i], self.days_to_date) != guess
        evaluation = Evaluation.of(option, index, runs, inferred, self.days_to_date, reps, self.confidence)
        self.evaluated[option] = evaluation
        return evaluation

    def estimate(self, option: Option, index: Index) -> Evaluation:
        """At least the first few replications of an option run (enough to rank it by cost)."""
        found = self.evaluated.get(option)
        if found is not None and all(i in found.runs for i in range(self.cost_reps)):
            return found
        rows = self.evaluator.rows(option, self.cost_reps)
        runs = {**(found.runs if found else {}), **dict(enumerate(rows))}
        return self._keep(option, index, runs, found.inferred if found else {}, self.reps)

    def complete(self, option: Option, reps: int | None = None) -> Evaluation:
        """An option with all its replications run (a finalist, or the biggest option)."""
        n = reps or self.reps
        index = self.evaluated[option].index if option in self.evaluated else ()
        return self._keep(option, index, dict(enumerate(self.evaluator.rows(option, n))), {}, n)

    def option_map(self, vary: Mapping[str, Sequence[Any]], reps: int | None = None) -> list[Evaluation]:
        """Every option of the grid with ``reps`` replications (reusing what the search ran)."""
        dims = capacity_keys(vary)
        keys = list(dims)
        indexes = list(itertools.product(*(range(len(v)) for v in dims.values())))
        options = [Option.of({k: dims[k][i] for k, i in zip(keys, idx, strict=True)}) for idx in indexes]
        n = reps or self.reps
        self.evaluator.check(options)
        self.evaluator.ensure((o, i) for o in options for i in range(n))
        out = []
        for option, index in zip(options, indexes, strict=True):
            runs = dict(enumerate(self.evaluator.rows(option, n)))
            out.append(Evaluation.of(option, index, runs, {}, self.days_to_date, n, self.confidence))
        return out

    def plan(self, vary: Mapping[str, Sequence[Any]]) -> PlanResult:
        """Search the ranges for the cheapest option that clears by the date often enough (``run``'s
        progress: options searched; its precision: for the answer and runners-up)."""
        started, clock = datetime.now(UTC), time.perf_counter()
        search = _Search(self, capacity_keys(vary), self.run.progress)
        search.run()
        result = build_result(self, search, self.run.precision)
        manifest = manifest_for(
            self.admitted,
            self.evaluator.seed,
            self.run.workers,
            started,
            clock,
            grid=search.dims,
            clear_by=self.clear_by,
            backlog_target=self.target,
            confidence=self.confidence,
            reps=self.reps,
            evaluations=len(result.evaluated),
            replications_run=self.evaluator.computed,
        )
        return replace(result, manifest=manifest)


class _Search:
    """The staircase search over a grid (see the module docstring)."""

    def __init__(
        self, planner: Planner, dims: dict[str, list[float]], progress: Callable[[int, int], None] | None
    ) -> None:
        self.planner = planner
        self.dims = dims
        self.keys = list(dims)
        sizes = [len(v) for v in dims.values()]
        # The key with most values is searched by bisection; the others are walked in ascending order.
        self.inner = max(range(len(sizes)), key=lambda d: (sizes[d], d))
        self.outer_sizes = [s for d, s in enumerate(sizes) if d != self.inner]
        self.n_inner = sizes[self.inner]
        self.frontier: dict[Index, int | None] = {}
        self.progress = progress
        planner.evaluator.check([self.option(self.full(o, i)) for o, i in self._corners()])

    def _corners(self) -> list[tuple[Index, int]]:
        top = tuple(s - 1 for s in self.outer_sizes)
        return [(tuple(0 for _ in self.outer_sizes), 0), (top, self.n_inner - 1)]

    def full(self, outer: Index, inner: int) -> Index:
        idx = list(outer)
        idx.insert(self.inner, inner)
        return tuple(idx)

    def option(self, index: Index) -> Option:
        return Option.of({k: self.dims[k][i] for k, i in zip(self.keys, index, strict=True)})

    def feasible(self, outer: Index, inner: int) -> bool:
        index = self.full(outer, inner)
        return self.planner.evaluate(self.option(index), index).feasible is True

    def top_option(self) -> Option:
        top = tuple(s - 1 for s in self.outer_sizes)
        return self.option(self.full(top, self.n_inner - 1))

    def run(self) -> None:
        outers = list(itertools.product(*(range(s) for s in self.outer_sizes)))
        total = len(outers) + 1
        # The biggest option first: if it cannot clear, nothing in the ranges can (a few replications
        # that clear are enough to go on: the search does not need its verdict otherwise).
        top = self.full(tuple(s - 1 for s in self.outer_sizes), self.n_inner - 1)
        if self.planner.screen(self.option(top), top).feasible is False:
            self.frontier = dict.fromkeys(outers)
            if self.progress:
                self.progress(total, total)
            return
        for done, outer in enumerate(outers, start=1):
            self.frontier[outer] = self._walk(outer)
            if self.progress:
                self.progress(done, total)
        if self.progress:
            self.progress(total, total)

    def _walk(self, outer: Index) -> int | None:
        """The least feasible inner index for ``outer`` (None: none in the range)."""
        below = [
            f
            for o, f in self.frontier.items()
            if f is not None and all(a <= b for a, b in zip(o, outer, strict=True))
        ]
        if below and min(below) == 0:
            return 0  # a smaller option already clears at the least inner value: this one is dearer
        if not below:  # nothing known: bisect the whole range (the top may not clear either)
            lo, hi = -1, self.n_inner
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (lo, mid) if self.feasible(outer, mid) else (mid, hi)
            return hi if hi < self.n_inner else None
        # A smaller option clears at index f, so this one does too: walk down, doubling the step.
        feasible, lo, step = min(below), -1, 1
        while feasible - lo > 1:
            probe = max(feasible - step, lo + 1)
            if not self.feasible(outer, probe):
                lo = probe
                break
            feasible, step = probe, step * 2
        while feasible - lo > 1:
            mid = (lo + feasible) // 2
            lo, feasible = (lo, mid) if self.feasible(outer, mid) else (mid, feasible)
        return feasible

    def candidates(self) -> list[Evaluation]:
        """The option on the staircase for each value of the other keys: the least of the searched key
        that clears (less would not; more costs more), with enough replications to rank it by cost."""
        staircase = [self.full(outer, f) for outer, f in self.frontier.items() if f is not None]
        # All their first replications in one stream, so every worker is busy until the last.
        k = self.planner.cost_reps
        self.planner.evaluator.ensure((self.option(index), i) for index in staircase for i in range(k))
        return [self.planner.estimate(self.option(index), index) for index in staircase]


def plan(
    scenario: Scenario | Admitted,
    clear_by: date,
    vary: Mapping[str, Sequence[Any]],
    *,
    target: int | None = None,
    confidence: float = 0.9,
    reps: int = 20,
    seed: int = 42,
    run: Execution = SERIAL,
    hard_first: bool = True,
) -> PlanResult:
    """The cheapest option in ``vary``'s ranges that gets the backlog below ``target`` (the scenario's
    if None) by ``clear_by`` in at least ``confidence`` of ``reps`` replications (see the module)."""
    planner = Planner(scenario, clear_by, target=target, confidence=confidence, reps=reps, seed=seed, run=run)
    planner.hard_first = hard_first
    try:
        return planner.plan(vary)
    finally:
        planner.close()


def write_plan(result: PlanResult, out: Path | str) -> dict[str, Path]:
    """``plan.json`` (the answer), ``evaluations.csv`` (every option run) and ``manifest.json``."""
    folder = Path(out)
    paths = {name: folder / name for name in ("plan.json", "evaluations.csv", "manifest.json")}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths["plan.json"].write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", "utf-8")
        result.evaluations_frame().to_csv(paths["evaluations.csv"], index=False, lineterminator="\n")
        paths["manifest.json"].write_text(json.dumps(result.manifest, indent=2, default=str) + "\n", "utf-8")
    except OSError as exc:
        raise ScenarioError(f"--out: cannot write into {folder}: {exc.strerror} ({exc.filename})") from None
    return paths
