"""What a plan found: the answer, its runners-up, the relief capacity beside it, and how the search went.

``plan.json`` (:meth:`PlanResult.to_json`) holds ``feasible``, ``option`` (key path -> value),
``probability``, ``cost_total``, ``cost_per_year``, ``evaluations``, ``relief_capacity`` and
``binding_staff_group`` as the issue asked, and more: the runners-up, the cost's period, the parts of
the relief capacity, the monotonicity checks and the search's size against the grid's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation.arrivals import add_months
from simulation.evaluator import KpiRow, Option
from simulation.experiment import summarise
from simulation.metrics import binding_staff_group
from simulation.precision import Precision, Settled, settle
from simulation.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from simulation.plan import Planner, _Search

RUNNERS_UP = 2


def cleared_by(row: KpiRow, days_to_date: int) -> bool:
    """Did this replication's backlog fall below the target by the date (its first week below)?"""
    weeks = row.get("weeks_to_clear", math.nan)
    return not math.isnan(weeks) and weeks * 7 <= days_to_date


def _mean(rows: Sequence[KpiRow], kpi: str) -> float:
    values = np.asarray([r.get(kpi, math.nan) for r in rows], dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else math.nan


@dataclass(frozen=True)
class Evaluation:
    """One option as far as it was taken: replications run (their KPIs), outcomes inferred from other
    options (common random numbers), how many cleared by the date, and the verdict."""

    option: Option
    index: tuple[int, ...]
    runs: dict[int, KpiRow] = field(repr=False)
    inferred: dict[int, bool]
    cleared: int
    #: Whether at least the share asked of ``reps`` replications clears: None while it could go either way.
    feasible: bool | None
    complete: bool

    @staticmethod
    def of(
        option: Option,
        index: tuple[int, ...],
        runs: Mapping[int, KpiRow],
        inferred: Mapping[int, bool],
        days: int,
        reps: int,
        confidence: float,
    ) -> Evaluation:
        needed = math.ceil(confidence * reps - 1e-9)
        own = {i: runs[i] for i in sorted(runs)}
        guessed = {i: v for i, v in sorted(inferred.items()) if i not in own}
        cleared = sum(cleared_by(r, days) for r in own.values()) + sum(guessed.values())
        known = len(own) + len(guessed)
        feasible = True if cleared >= needed else False if known - cleared > reps - needed else None
        complete = not guessed and all(i in own for i in range(reps))
        return Evaluation(option, index, own, guessed, cleared, feasible, complete)

    @property
    def reps(self) -> int:
        """Replications whose outcome is known (run or inferred)."""
        return len(self.runs) + len(self.inferred)

    @property
    def probability(self) -> float:
        return self.cleared / self.reps if self.reps else math.nan

    def mean(self, kpi: str) -> float:
        """Mean over the replications run."""
        return _mean(list(self.runs.values()), kpi)

    def summary(self) -> pd.DataFrame:
        return summarise(pd.DataFrame(list(self.runs.values())))


@dataclass(frozen=True)
class PlanResult:
    """A plan's answer (or the plain statement that nothing in the ranges does) and its evidence."""

    feasible: bool
    answer: Evaluation | None
    runners_up: list[Evaluation]
    top: Evaluation
    evaluated: list[Evaluation]
    keys: list[str]
    grid_size: int
    clear_by: str
    target: int
    confidence: float
    reps: int
    run_months: int
    run_days: float
    start: str
    relief: dict[str, float]
    binding_staff_group: str | None
    monotonicity: dict[str, Any]
    precision: Settled | None = None
    precision_target: Precision | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        """Replications run for the search and the finalists (outcomes inferred are not counted)."""
        return sum(len(e.runs) for e in self.evaluated)

    def per_year(self, cost_total: float) -> float:
        return cost_total * 365.25 / self.run_days

    def chance(self, e: Evaluation) -> float:
        """The share of replications that clear: exact when all were run, else the least it can be
        (those known to clear, of all ``reps``; a runner-up is run only until it surely clears)."""
        return e.probability if e.complete else e.cleared / self.reps

    def _brief(self, e: Evaluation) -> dict[str, Any]:
        cost = e.mean("cost_total")
        return {
            "option": e.option.as_dict,
            "probability": self.chance(e),
            "probability_exact": e.complete,
            "replications_run": len(e.runs),
            "outcomes_inferred": len(e.inferred),
            "cost_total": cost,
            "cost_per_year": self.per_year(cost),
        }

    def to_json(self) -> dict[str, Any]:
        """``plan.json``'s content."""
        answer = self._brief(self.answer) if self.answer else {}
        return {
            "feasible": self.feasible,
            "option": answer.get("option"),
            "probability": answer.get("probability"),
            "cost_total": answer.get("cost_total"),
            "cost_per_year": answer.get("cost_per_year"),
            "evaluations": len(self.evaluated),
            "relief_capacity": self.relief["relief_capacity"],
            "binding_staff_group": self.binding_staff_group,
            "clear_by": self.clear_by,
            "backlog_target": self.target,
            "confidence": self.confidence,
            "replications_per_option": self.reps,
            "replications": self.replications,
            "grid_size": self.grid_size,
            "cost_period": {"from": self.start, "months": self.run_months},
            "runners_up": [self._brief(e) for e in self.runners_up],
            "biggest_option": None if self.feasible else self._brief(self.top),
            "relief": self.relief,
            "monotonicity": self.monotonicity,
            "precision": None
            if self.precision is None or self.precision_target is None
            else {
                "target": self.precision_target.target,
                "kpis": list(self.precision_target.kpis),
                "replications": self.precision.reps,
                "reached": self.precision.reached,
            },
        }

    def evaluations_frame(self) -> pd.DataFrame:
        """One row per option run: the keys, replications, cleared, probability, verdict, cost."""
        rows = []
        roles = {id(self.answer): "answer", **{id(e): "runner-up" for e in self.runners_up}}
        for e in self.evaluated:
            cost = e.mean("cost_total")
            rows.append(
                {
                    **e.option.as_dict,
                    "replications_run": len(e.runs),
                    "outcomes_inferred": len(e.inferred),
                    "cleared_by_date": e.cleared,
                    "probability": e.probability,
                    "feasible": e.feasible,
                    "stopped_early": not e.complete and e.feasible is not None,
                    "cost_total": cost,
                    "cost_per_year": self.per_year(cost),
                    "unauthorised_person_days": e.mean("unauthorised_person_days"),
                    "role": roles.get(id(e), ""),
                }
            )
        return pd.DataFrame(rows)


def relief_capacity(planner: Planner, e: Evaluation) -> dict[str, float]:
    """NHS waiting-list planning's relief capacity, a month: demand + (backlog - target) / time to the
    date; demand is the requests (new and renewals) the option's replications received a month. Beside
    it, what the option's BIA stage could do and what closed before a decision, a month."""
    run_months = planner.admitted.scenario.horizon.months
    months_to_date = planner.days_to_date / MONTH_DAYS
    demand = e.mean("received") / run_months
    backlog = e.mean("initial_backlog")
    relief = demand + max(backlog - planner.target, 0.0) / months_to_date
    return {
        "relief_capacity": relief,
        "demand_per_month": demand,
        "backlog_at_start": backlog,
        "backlog_target": float(planner.target),
        "months_to_date": months_to_date,
        "option_bia_capacity_per_month": e.mean("capacity_bia") / run_months,
        "option_decided_per_month": e.mean("decided") / run_months,
        "option_closed_per_month": e.mean("closed_before_decision") / run_months,
    }


def _dominates(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a != b and all(x >= y for x, y in zip(a, b, strict=True))


def _only_inner(big: tuple[int, ...], small: tuple[int, ...], inner: int) -> bool:
    return all(a == b for d, (a, b) in enumerate(zip(big, small, strict=True)) if d != inner)


def monotonicity(evaluated: Sequence[Evaluation], days: int, inner: int) -> dict[str, Any]:
    """Every pair of options run where one has at least as much of everything: did the bigger one do
    at least as well (not failed where the smaller cleared, as an option and replication by
    replication)? And along the searched key alone, did more cost no less? Counts, and the pairs that
    disagreed. (Along the other keys cost may fall: staff paid by the year do work that bought
    assessments would otherwise be paid for.)"""
    pairs = options_bad = reps_checked = reps_bad = cost_bad = 0
    listed = []
    indexed = [e for e in evaluated if e.index]
    for big in indexed:
        for small in indexed:
            if not _dominates(big.index, small.index):
                continue
            pairs += 1
            shared = sorted(set(big.runs) & set(small.runs))
            rep_bad = sum(
                cleared_by(small.runs[i], days) and not cleared_by(big.runs[i], days) for i in shared
            )
            reps_checked += len(shared)
            reps_bad += rep_bad
            worse = small.feasible is True and big.feasible is False
            big_cost = _mean([big.runs[i] for i in shared], "cost_total")
            small_cost = _mean([small.runs[i] for i in shared], "cost_total")
            cheaper = _only_inner(big.index, small.index, inner) and big_cost < small_cost * (1 - 1e-9)
            options_bad += worse
            cost_bad += cheaper
            if worse or cheaper or rep_bad:
                listed.append({"bigger": big.option.as_dict, "smaller": small.option.as_dict})
    return {
        "pairs_checked": pairs,
        "bigger_did_worse": options_bad,
        "more_of_the_searched_key_cost_less": cost_bad,
        "replications_checked": reps_checked,
        "replications_where_bigger_did_worse": reps_bad,
        "disagreeing_pairs": listed[:20],
    }


def pick_finalists(
    planner: Planner, candidates: list[Evaluation]
) -> tuple[Evaluation | None, list[Evaluation], list[Evaluation]]:
    """The answer (the cheapest candidate that clears with all its replications run), the runners-up
    (the next cheapest that clear, as far as it takes to know), and the candidates that were expected to
    clear (a smaller option did) but did not. Candidates are ranked by cost on the same first
    replications (common random numbers make that comparison fair)."""
    k = planner.cost_reps
    ranked = sorted(candidates, key=lambda e: (_mean([e.runs[i] for i in range(k)], "cost_total"), e.index))
    answer: Evaluation | None = None
    runners: list[Evaluation] = []
    unmet: list[Evaluation] = []
    for e in ranked:
        done = planner.complete(e.option) if answer is None else planner.evaluate(e.option, e.index)
        if not done.feasible:
            unmet.append(done)
        elif answer is None:
            answer = done
        else:
            runners.append(done)
        if len(runners) == RUNNERS_UP:
            break
    return answer, runners, unmet


def build_result(planner: Planner, search: _Search, precision: Precision | None) -> PlanResult:
    """Rank the candidates by cost, complete the finalists (and refine them in precision mode)."""
    answer, runners, unmet = pick_finalists(planner, search.candidates())
    finalists = [answer, *runners] if answer is not None else []
    settled = None
    if precision is not None and finalists:
        settled = settle(planner.evaluator, [[e.option for e in finalists]], planner.reps, precision)[0]
        finalists = [planner.complete(e.option, settled.reps) for e in finalists]
        answer, runners = finalists[0], finalists[1:]
    top_option = search.top_option()
    top = planner.complete(top_option) if answer is None else planner.evaluated[top_option]
    chosen = answer or top
    found = binding_staff_group(chosen.summary())
    scenario = planner.admitted.scenario
    start = scenario.horizon.start_date
    run_days = float((add_months(start, scenario.horizon.months) - start).days)
    evaluated = sorted(planner.evaluated.values(), key=lambda e: e.index)
    return PlanResult(
        feasible=answer is not None,
        answer=answer,
        runners_up=runners,
        top=top,
        evaluated=evaluated,
        keys=list(search.dims),
        grid_size=math.prod(len(v) for v in search.dims.values()),
        clear_by=planner.clear_by.isoformat(),
        target=planner.target,
        confidence=planner.confidence,
        reps=planner.reps,
        run_months=scenario.horizon.months,
        run_days=run_days,
        start=start.isoformat(),
        relief=relief_capacity(planner, chosen),
        binding_staff_group=found[0] if found else None,
        monotonicity={
            **monotonicity(evaluated, planner.days_to_date, search.inner),
            "expected_to_clear_but_did_not": [e.option.as_dict for e in unmet],
            "inferred_outcomes_checked": planner.inferences_checked,
            "inferred_outcomes_wrong": planner.inferences_wrong,
        },
        precision=settled,
        precision_target=precision,
    )
