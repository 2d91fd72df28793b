"""One SimPy run of a DoLS service: applications arrive, wait, are assessed, decided, renewed or lapse.

The flow of one application:

1. it arrives (new request, renewal of an authorisation this run granted, or already open at the start),
   banded by the triage screening rules and keyed by the scenario's queue policy;
2. it waits on the waiting list (a heap in policy order) and may lapse while it waits;
3. a best interests assessment by an in-house BIA post or a bought (independent) assessment;
4. a mental health assessment by a different person (a separate staff group), then sign-off by an
   authoriser, each with its own list in the same policy order (either can be switched off, so the
   model reduces to the textbook M/M/c and M/M/c+M queues);
5. the decision: granted (a standard authorisation, which comes back as a renewal request 28 days before
   it expires if the person is still there) or not granted.

The run records one row per application (times of each step) in a :class:`RunLog`; all counting of
KPIs is :mod:`simulation.metrics`' job. The model knows nothing of replications or executors: it is given
an admitted scenario (:func:`simulation.admission.admit`) and a SeedSequence, and returns a log.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import simpy

from simulation.admission import Admitted
from simulation.applications import (
    SUPPORT_REASON_CODES,
    AppBlock,
    BlockBuilder,
    arrival_times,
    backlog_settings,
    draw_numbers,
    draw_request_columns,
    generated_backlog_ages,
    month_edges,
)
from simulation.initial_backlog import worklist_inputs
from simulation.renewals import Renewals
from simulation.run_log import ROUTES, SOURCES, RunLog, categorical
from simulation.scenario import MONTH_DAYS
from simulation.staff import Pool
from simulation.streams import RunStreams
from simulation.waiting_list import WaitingList
from triage.vocabulary import REQUEST_TYPES, SETTINGS

__all__ = ["RunLog", "simulate"]

log = logging.getLogger(__name__)

INITIAL, NEW, RENEWED = (SOURCES.index(s) for s in SOURCES)
NO_ROUTE, IN_HOUSE, INDEPENDENT = (ROUTES.index(r) for r in ROUTES)


@contextmanager
def _collector_skips_setup() -> Iterator[None]:
    """Freeze the objects that exist before the run, so Python's cyclic collector stops re-scanning them.

    Why: a national run holds millions of per-application values in long-lived lists; each full
    collection during the run walked them all (about a fifth of the run time), though none of them can be
    cyclic garbage. Freezing is undone at the end, so nothing is kept alive longer than it would be.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Run:
    """The state and processes of one run (private: :func:`simulate` is the interface)."""

    def __init__(self, admitted: Admitted, streams: RunStreams) -> None:
        scenario = admitted.scenario
        self.admitted = admitted
        self.scenario = scenario
        self.rules = admitted.rules
        self.streams = streams
        self.builder = BlockBuilder(admitted)
        self.edges = month_edges(scenario.horizon)
        self.end = float(self.edges[-1])
        self.env = simpy.Environment()

        # Per-application state, as plain lists (fast scalar access in the event loop).
        self.blocks: list[AppBlock] = []
        self.sources: list[np.ndarray] = []
        self.parents: list[np.ndarray] = []
        self.keys: list[tuple[float, ...]] = []
        self.enq: list[float] = []
        self.patience: list[float] = []
        self.bia_days: list[float] = []
        self.independent_days: list[float] = []
        self.mha_days: list[float] = []
        self.sign_off_days: list[float] = []
        self.granted: list[bool] = []
        self.renewal_after: list[float] = []
        self.authorisation_days: list[float] = []
        self.setting: list[int] = []
        self.reason: list[int] = []
        self.allocated: list[float] = []
        self.route: list[int] = []
        self.bia_done: list[float] = []
        self.mha_done: list[float] = []
        self.decided: list[float] = []
        self.lapsed: list[float] = []

        self.n_arrived = 0
        self.n_decided = 0
        self.n_independent = 0
        self.independent_in_progress = 0
        self.independent_rate = 0.0
        self.independent_wakeup = self.env.event()
        self.renewals = Renewals(
            self.env,
            self.builder,
            streams.group("renewals"),
            self.end,
            append=lambda block, parents: self._append(block, RENEWED, parents),
            arrive=self._arrive,
        )

        a = scenario.assessment
        self.bia_list = self._list("bia")
        self.mha_list = self._list("mha") if a.mental_health_assessment else None
        self.sign_off_list = self._list("sign_off") if a.sign_off else None

    # ---- applications ---------------------------------------------------------------------------------

    def _list(self, name: str) -> WaitingList:
        return WaitingList(name, self.keys, self.enq, self.patience, self.lapsed)

    def _append(self, block: AppBlock, source: int, parents: np.ndarray | None = None) -> int:
        """Add a block's applications to the per-application lists; returns the first new index."""
        first = len(self.keys)
        n = len(block)
        self.blocks.append(block)
        self.sources.append(np.full(n, source, dtype=np.int8))
        self.parents.append(np.full(n, -1, dtype=np.int64) if parents is None else parents)
        self.keys.extend(block.keys)
        nan = [math.nan] * n
        self.enq.extend(nan)
        self.patience.extend(block.patience.tolist())
        self.bia_days.extend(block.bia_days.tolist())
        self.independent_days.extend(block.independent_days.tolist())
        self.mha_days.extend(block.mha_days.tolist())
        self.sign_off_days.extend(block.sign_off_days.tolist())
        self.granted.extend(block.granted.tolist())
        self.renewal_after.extend(block.renewal_after.tolist())
        self.authorisation_days.extend(block.authorisation_days.tolist())
        self.setting.extend(block.setting.tolist())
        self.reason.extend(block.support_reason.tolist())
        for out in (self.allocated, self.bia_done, self.mha_done, self.decided, self.lapsed):
            out.extend(nan)
        self.route.extend([NO_ROUTE] * n)
        return first

    def _initial_block(self) -> AppBlock:
        scenario = self.scenario
        group = self.streams.group("initial_backlog")
        initial_worklist = self.admitted.initial_worklist
        if initial_worklist is not None:
            n = len(initial_worklist)
            draws = draw_numbers(n, scenario, group)
            columns, received, band, clock = worklist_inputs(
                initial_worklist, scenario.horizon.start_date, self.builder, draws.extension_u
            )
            return self.builder.build(columns, received, draws, band=band, clock=clock)
        n = scenario.initial_backlog.size
        ages = generated_backlog_ages(scenario, group["age"])
        setting = backlog_settings(scenario, ages, group["age"])
        columns = draw_request_columns(
            n, scenario.demand, self.rules.criteria, group["attributes"], setting=setting
        )
        received = -ages
        return self.builder.build(columns, received, draw_numbers(n, scenario, group))

    def _new_block(self) -> AppBlock:
        scenario = self.scenario
        times = arrival_times(scenario.demand, scenario.horizon, self.streams.generator("arrivals"))
        group = self.streams.group("new_requests")
        n = len(times)
        columns = draw_request_columns(n, scenario.demand, self.rules.criteria, group["attributes"])
        return self.builder.build(columns, times, draw_numbers(n, scenario, group))

    # ---- steps ----------------------------------------------------------------------------------------

    def _bia_start(self, idx: int, now: float) -> None:
        self.allocated[idx] = now
        self.route[idx] = IN_HOUSE

    def _bia_done(self, idx: int, now: float) -> None:
        self.bia_done[idx] = now
        if self.mha_list is not None:
            self.mha_list.put(idx, now)
        elif self.sign_off_list is not None:
            self.sign_off_list.put(idx, now)
        else:
            self._decide(idx, now)

    def _mha_done(self, idx: int, now: float) -> None:
        self.mha_done[idx] = now
        if self.sign_off_list is not None:
            self.sign_off_list.put(idx, now)
        else:
            self._decide(idx, now)

    def _sign_off_done(self, idx: int, now: float) -> None:
        self._decide(idx, now)

    def _no_op(self, idx: int, now: float) -> None:
        pass

    def _decide(self, idx: int, now: float) -> None:
        self.decided[idx] = now
        self.n_decided += 1
        if self.granted[idx]:
            self.renewals.after_grant(
                idx,
                now,
                self.renewal_after[idx],
                self.setting[idx],
                self.reason[idx],
                self.authorisation_days[idx],
            )

    # ---- processes ------------------------------------------------------------------------------------

    def _arrivals(self, first: int, received: list[float]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        timeout = env.timeout
        put = self.bia_list.put
        for idx, when in enumerate(received, start=first):
            yield timeout(when - env.now)
            self.n_arrived += 1
            put(idx, env.now)

    def _arrive(self, idx: int) -> None:
        self.n_arrived += 1
        self.bia_list.put(idx, self.env.now)

    def _independent(self) -> Generator[simpy.Event, Any, None]:
        """Bought BIA assessments: evenly spread at the month's rate, each taking its turnaround."""
        env = self.env
        waiting = self.bia_list
        while True:
            rate = self.independent_rate
            if rate <= 0:
                self.independent_wakeup = env.event()
                yield self.independent_wakeup
                continue
            yield env.timeout(MONTH_DAYS / rate)
            now = env.now
            idx = waiting.pop_live(now)
            if idx < 0:
                continue
            self.allocated[idx] = now
            self.route[idx] = INDEPENDENT
            self.n_independent += 1
            self.independent_in_progress += 1
            event = env.timeout(self.independent_days[idx])
            event.callbacks.append(partial(self._independent_done, idx))

    def _independent_done(self, idx: int, _event: simpy.Event) -> None:
        self.independent_in_progress -= 1
        self._bia_done(idx, self.env.now)

    def _staffing_changes(
        self, levels: list[tuple[float, dict[str, float]]]
    ) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for when, level in levels:
            yield env.timeout(when - env.now)
            self._apply_levels(level)

    def _apply_levels(self, level: dict[str, float]) -> None:
        self.bia_pool.set_fte(level["bia_fte"])
        if self.mha_pool is not None:
            self.mha_pool.set_fte(level["mental_health_assessors"])
        if self.sign_off_pool is not None:
            self.sign_off_pool.set_fte(level["authorisers"])
        was = self.independent_rate
        self.independent_rate = level["independent_bia_per_month"]
        if was <= 0 < self.independent_rate and not self.independent_wakeup.triggered:
            self.independent_wakeup.succeed()

    def _levels(self) -> list[tuple[float, dict[str, float]]]:
        """Staffing levels from each change within the horizon on: (time, levels), the first at time 0."""
        months = self.scenario.horizon.months
        schedule = self.scenario.staffing.level_schedule()
        return [(float(self.edges[m - 1]), level) for m, level in schedule if m <= months]

    # ---- the run ----------------------------------------------------------------------------------------

    def execute(self) -> RunLog:
        scenario = self.scenario
        env = self.env
        s = scenario.staffing
        initial = self._initial_block()
        self._append(initial, INITIAL)
        n_initial = len(initial)
        new = self._new_block()

        levels = self._levels()
        start_level = levels[0][1]
        vacant = min(s.vacancies.bia_vacant_fte_at_start, start_level["bia_fte"])
        lag = s.vacancies.hiring_lag_months * MONTH_DAYS
        self.bia_pool = Pool(
            env,
            "bia",
            self.bia_list,
            self.bia_days,
            self._bia_start,
            self._bia_done,
            post_rng=partial(self.streams.post, "bia"),
            turnover_per_year=s.vacancies.bia_turnover_per_year,
            lag_days=lag,
        )
        self.mha_pool = (
            Pool(env, "mha", self.mha_list, self.mha_days, self._no_op, self._mha_done)
            if self.mha_list is not None
            else None
        )
        self.sign_off_pool = (
            Pool(env, "sign_off", self.sign_off_list, self.sign_off_days, self._no_op, self._sign_off_done)
            if self.sign_off_list is not None
            else None
        )
        # The starting backlog is on the list before anyone starts work.
        self.bia_list.load(list(range(n_initial)), 0.0)
        self.bia_pool.add(start_level["bia_fte"] - vacant)
        if vacant > 0:
            self.bia_pool.add(vacant, vacant_until=lambda rng: float(rng.random()) * lag if rng else lag / 2)
        if self.mha_pool is not None:
            self.mha_pool.add(start_level["mental_health_assessors"])
        if self.sign_off_pool is not None:
            self.sign_off_pool.add(start_level["authorisers"])
        self.independent_rate = start_level["independent_bia_per_month"]

        first_new = self._append(new, NEW)
        if scenario.outcomes.renewals and scenario.initial_backlog.authorisations_in_force:
            self.renewals.standing(
                scenario.initial_backlog.authorisations_in_force, self.streams.generator("standing")
            )
        env.process(self._arrivals(first_new, new.received.tolist()))
        env.process(self._independent())
        if scenario.outcomes.renewals:
            env.process(self.renewals.intake())
        if len(levels) > 1:
            env.process(self._staffing_changes(levels[1:]))

        with _collector_skips_setup():
            env.run(until=self.end)
        return self._log(n_initial)

    def _log(self, n_initial: int) -> RunLog:
        end = self.end
        in_service = self.bia_pool.in_service() + self.independent_in_progress
        waiting = self.bia_list.settle(end)
        lapsed = self.bia_list.lapses
        pools = {"bia": self.bia_pool.finish(end)}
        for wl, pool in ((self.mha_list, self.mha_pool), (self.sign_off_list, self.sign_off_pool)):
            if wl is not None and pool is not None:
                in_service += pool.in_service()
                waiting += wl.settle(end)
                lapsed += wl.lapses
                pools[pool.name] = pool.finish(end)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in self.blocks])

        arrived = cat("received") < end  # renewals gathered for the last week but due after the end
        apps = pd.DataFrame(
            {
                "source": categorical(np.concatenate(self.sources), SOURCES),
                "request_type": categorical(cat("request_type"), REQUEST_TYPES),
                "setting": categorical(cat("setting"), SETTINGS),
                "primary_support_reason": categorical(cat("support_reason"), SUPPORT_REASON_CODES),
                "band": categorical(cat("band"), self.builder.bands),
                "received": cat("received"),
                "deadline_end": cat("deadline_end"),
                "urgent_end": cat("urgent_end"),
                "extension_granted": cat("extension_granted"),
                "unauthorised_from": cat("unauthorised_from"),
                "allocated": np.asarray(self.allocated),
                "bia_route": categorical(np.asarray(self.route, dtype=np.int8), ROUTES),
                "bia_done": np.asarray(self.bia_done),
                "mha_done": np.asarray(self.mha_done),
                "decided": np.asarray(self.decided),
                "lapsed": np.asarray(self.lapsed),
                "granted": cat("granted"),
                "authorisation_days": cat("authorisation_days"),
                "parent": np.concatenate(self.parents),
            }
        )
        apps = apps.loc[arrived].reset_index(drop=True) if not arrived.all() else apps
        apps["granted"] = apps["granted"] & apps["decided"].notna()
        mha = pools.get("mha")
        return RunLog(
            scenario_name=self.scenario.name,
            start_date=self.scenario.horizon.start_date,
            horizon_days=end,
            warm_up_days=float(self.edges[self.scenario.horizon.warm_up_months]),
            bands=self.builder.bands,
            apps=apps,
            pools=pools,
            independent_assessments=self.n_independent,
            mental_health_assessments=mha.jobs if mha is not None else 0,
            state={
                "initial": n_initial,
                "arrived": self.n_arrived,
                "decided": self.n_decided,
                "lapsed": lapsed,
                "open": waiting + in_service,
            },
            costs=self.scenario.costs,
            backlog_target=self.scenario.targets.backlog_target,
            month_edges=self.edges,
        )


def simulate(admitted: Admitted, seed_seq: np.random.SeedSequence) -> RunLog:
    """Run an admitted scenario once with the random streams of ``seed_seq``; return its :class:`RunLog`.

    The starting backlog is ``admitted.initial_worklist`` when given (today's open applications as a
    triage worklist, dates placed relative to ``horizon.start_date``), else generated from the
    scenario's ``initial_backlog``.
    """
    run = _Run(admitted, RunStreams(seed_seq))
    result = run.execute()
    log.debug("run of %s: %s", admitted.scenario.name, result.state)
    return result
