"""One SimPy run of a DoLS service: requests arrive, are screened, wait, are assessed, decided or closed.

The flow of one request:

1. it arrives (a new request, a renewal of an authorisation this run granted or one in force at the
   start, or already open at the start), banded by the triage screening rules and keyed by the
   scenario's queue policy (the worklist's own policies, those that change with the date included);
2. screening on receipt: a coordinator reads it (``screening``); it may be closed at once;
3. it waits for a best interests assessment: on the ring-fenced list if the ring-fence policy picks it
   (urgent and high requests still decidable in time), else on the main list; it may close while waiting
   (the person dies, or circumstances change: discharged, moved), and a hospital stay ends it;
4. a BIA assessment by an in-house post (carrying a caseload; each case takes its turnaround) or a bought
   (independent) one; a request closed while in hand is "partly assessed";
5. a mental health assessment by a different person, then sign-off by an authoriser, each worked first
   come, first served (:mod:`simulation.desk`; either can be switched off, so the model reduces to the
   textbook M/M/c and M/M/c+M queues);
6. the decision: granted (a standard authorisation, which comes back as a renewal request 28 days before
   it expires if the person is still there) or not granted.

The run records one row per request in a :class:`RunLog`; all counting of KPIs is
:mod:`simulation.metrics`' job. The model knows nothing of replications or executors: it is given an
admitted scenario (:func:`simulation.admission.admit`) and a SeedSequence, and returns a log.
"""

from __future__ import annotations

import gc
import logging
from bisect import bisect_left
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from heapq import merge
from typing import Any

import numpy as np
import pandas as pd
import simpy

from simulation.admission import Admitted
from simulation.applications import SUPPORT_REASON_CODES, AppBlock, BlockBuilder, draw_numbers
from simulation.arrivals import (
    arrival_times,
    backlog_settings,
    draw_request_columns,
    generated_backlog_ages,
    month_edges,
)
from simulation.bought import BoughtAssessments
from simulation.desk import Desk
from simulation.initial_backlog import worklist_inputs
from simulation.register import AT_SCREENING, CLOSURES, Register
from simulation.renewals import RENEWAL_BATCH_DAYS, Renewals
from simulation.run_log import ROUTES, SOURCES, RunLog, categorical
from simulation.scenario import MONTH_DAYS
from simulation.staff import Pool, PoolStats
from simulation.streams import RunStreams
from simulation.waiting_list import Stage, WaitingList
from triage.vocabulary import REQUEST_TYPES, SETTINGS

__all__ = ["RunLog", "simulate"]

log = logging.getLogger(__name__)

INITIAL, NEW, RENEWED = (SOURCES.index(s) for s in SOURCES)
NO_ROUTE, IN_HOUSE, INDEPENDENT = (ROUTES.index(r) for r in ROUTES)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the run (it is restored as it was at the end).

    Why: a run allocates millions of small container objects (key tuples, events, callbacks) and keeps
    millions of per-application values in long-lived lists; the collector, triggered every few hundred
    allocations, kept re-walking them (about a sixth of a national run's time), though the run makes
    almost no cyclic garbage (a handful of SimPy processes) and that little is collected once the
    collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Run:
    """The state and processes of one run (private: :func:`simulate` is the interface)."""

    #: Two exact shortcuts that save events: screening worked out when the week's requests are known
    #: (:meth:`_weekly_intake`), and the last step's outcome recorded when it is known
    #: (:meth:`simulation.desk.Desk._finish`). False: every step by its own event, the plain reading the
    #: tests hold the shortcuts to (same results).
    shortcuts = True

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
        self.reg = Register(scenario.closure.while_allocated_factor)

        self.n_arrived = 0
        self.n_decided = 0
        self.renewals = Renewals(
            self.env,
            self.builder,
            streams.group("renewals"),
            self.end,
            append=lambda block, parents: self.reg.append(block, RENEWED, parents),
            arrive=self._arrive,
        )
        a, q = scenario.assessment, scenario.queue
        self.bia = Stage("bia", self.reg, ring_fenced=q.ring_fenced_share > 0)
        self.pools: dict[str, Pool] = {}  # in-house BIAs (and the ring-fenced team)
        # First come, first served steps (simulation.desk): screening, mental health assessment, sign-off.
        reg, s = self.reg, scenario.staffing
        self.screening = (
            Desk(self.env, "coordinator", reg, reg.screen_days, self._screened)
            if scenario.screening.coordinator_fte > 0
            else None
        )
        self.mha = (
            Desk(
                self.env,
                "mha",
                reg,
                reg.mha_days,
                self._mha_done,
                caseload=s.mha_caseload,
                turnaround=reg.mha_turnaround if s.mha_turnaround_days is not None else None,
                last_step_until=None if a.sign_off or not self.shortcuts else self.end,
            )
            if a.mental_health_assessment
            else None
        )
        self.sign_off = (
            Desk(
                self.env,
                "sign_off",
                reg,
                reg.sign_off_days,
                self._decide,
                last_step_until=self.end if self.shortcuts else None,
            )
            if a.sign_off
            else None
        )

    # ---- applications ---------------------------------------------------------------------------------

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
            return self.builder.build(columns, received, draws, band=band, clock=clock, screened=True)
        n = scenario.initial_backlog.size
        ages = generated_backlog_ages(scenario, group["age"])
        setting = backlog_settings(scenario, ages, group["age"])
        columns = draw_request_columns(
            n, scenario.demand, self.rules.criteria, group["attributes"], setting=setting
        )
        return self.builder.build(columns, -ages, draw_numbers(n, scenario, group), screened=True)

    def _new_block(self) -> AppBlock:
        scenario = self.scenario
        times = arrival_times(scenario.demand, scenario.horizon, self.streams.generator("arrivals"))
        group = self.streams.group("new_requests")
        n = len(times)
        columns = draw_request_columns(n, scenario.demand, self.rules.criteria, group["attributes"])
        return self.builder.build(columns, times, draw_numbers(n, scenario, group))

    # ---- steps ----------------------------------------------------------------------------------------

    def _arrive(self, idx: int) -> None:
        """A request is received: to screening, or screened at once when coordinators are not modelled."""
        self.n_arrived += 1
        now = self.env.now
        if self.screening is not None:
            self.screening.arrive(idx)
        else:
            self._screened(idx, now)

    def _screened(self, idx: int, now: float) -> None:
        reg = self.reg
        reg.screened[idx] = now
        if reg.closes_at_screening[idx]:
            reg.close(idx, now, AT_SCREENING)
        else:
            self.bia.put(idx, now)

    def _bia_start(self, idx: int, now: float, route: int = IN_HOUSE) -> None:
        self.reg.allocated[idx] = now
        self.reg.route[idx] = route

    def _bia_done(self, idx: int, now: float) -> None:
        self.reg.bia_done[idx] = now
        if self.mha is not None:
            self.mha.arrive(idx)
        elif self.sign_off is not None:
            self.sign_off.arrive(idx)
        else:
            self._decide(idx, now)

    def _mha_done(self, idx: int, now: float) -> None:
        self.reg.mha_done[idx] = now
        if self.sign_off is not None:
            self.sign_off.arrive(idx)
        else:
            self._decide(idx, now)

    def _decide(self, idx: int, now: float) -> None:
        reg = self.reg
        reg.decided[idx] = now
        self.n_decided += 1
        if reg.granted[idx]:
            self.renewals.after_grant(
                idx,
                now,
                reg.renewal_after[idx],
                reg.setting[idx],
                reg.reason[idx],
                reg.authorisation_days[idx],
            )

    # ---- processes ------------------------------------------------------------------------------------

    def _arrivals(self, first: int, received: list[float]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        timeout = env.timeout
        arrive = self._arrive
        for idx, when in enumerate(received, start=first):
            yield timeout(when - env.now)
            arrive(idx)

    def _weekly_intake(self, first: int, received: list[float]) -> Generator[simpy.Event, Any, None]:
        """Once a week, the requests received in the coming week (new ones and renewals due), in order of
        receipt, straight to the screening desk.

        Why ahead of time: screening is first come, first served, so each request's start with a
        coordinator is fixed by those received before it (:mod:`simulation.desk`) and can be worked out
        the moment the week's requests are known, with no event at receipt (a third of a million events
        a national year). Every renewal due in the week is known at its start (see
        :meth:`Renewals.gather`). Used only when screening is modelled; without it a request must reach
        the BIA waiting list at the moment it is received, so it arrives by an event (:meth:`_arrivals`).
        """
        env, desk, end = self.env, self.screening, self.end
        assert desk is not None
        renewals = self.scenario.outcomes.renewals
        arrive = desk.arrive
        pos, n = 0, len(received)
        while True:
            now = env.now
            limit = min(now + RENEWAL_BATCH_DAYS, end)
            row, due = self.renewals.gather(now) if renewals else (0, [])
            stop = bisect_left(received, limit, pos)
            new = [(when, first + i) for i, when in enumerate(received[pos:stop], start=pos)]
            pos = stop
            week = list(merge(new, [(when, row + k) for k, when in enumerate(due)])) if due else new
            self.n_arrived += len(week)
            for when, idx in week:
                arrive(idx, when)
            if pos >= n and not renewals:
                return
            yield env.timeout(RENEWAL_BATCH_DAYS)

    def _staffing_changes(
        self, levels: list[tuple[float, dict[str, float]]]
    ) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for when, level in levels:
            yield env.timeout(when - env.now)
            self._apply_levels(level)

    def _apply_levels(self, level: dict[str, float]) -> None:
        vacancies = self.scenario.staffing.vacancies
        lag = vacancies.hiring_lag_months * MONTH_DAYS if vacancies.new_posts_wait_for_hiring else 0.0
        ring = self.scenario.queue.ring_fenced_share
        targets = {"bia": level["bia_fte"] * (1 - ring), "bia_ring": level["bia_fte"] * ring}
        for name, pool in self.pools.items():
            pool.set_fte(targets[name], hiring_lag=lag)
        if self.mha is not None:
            self.mha.set_fte(level["mental_health_assessors"])
        if self.sign_off is not None:
            self.sign_off.set_fte(level["authorisers"])
        self.bought.set_rate(level["independent_bia_per_month"])

    def _levels(self) -> list[tuple[float, dict[str, float]]]:
        """Staffing levels from each change within the horizon on: (time, levels), the first at time 0."""
        months = self.scenario.horizon.months
        schedule = self.scenario.staffing.level_schedule()
        return [(float(self.edges[m - 1]), level) for m, level in schedule if m <= months]

    def _bia_pool(self, name: str, lists: tuple[WaitingList, ...]) -> Pool:
        s, reg = self.scenario.staffing, self.reg
        timed = s.bia_turnaround_days is not None or (
            name == "bia_ring" and self.scenario.queue.ring_fenced_turnaround_days is not None
        )
        return Pool(
            self.env, name, lists, reg, reg.bia_days, self._bia_start, self._bia_done,
            caseload=s.bia_caseload,
            turnaround=(reg.ring_turnaround if name == "bia_ring" else reg.bia_turnaround) if timed else None,
            post_rng=partial(self.streams.post, name),
            turnover_per_year=s.vacancies.bia_turnover_per_year,
            lag_days=s.vacancies.hiring_lag_months * MONTH_DAYS,
        )  # fmt: skip

    def _pools(self, start: dict[str, float]) -> None:
        """The staff groups, filled as on the start date (vacant BIA posts filled within the hiring lag)."""
        s, env, reg = self.scenario.staffing, self.env, self.reg
        lag = s.vacancies.hiring_lag_months * MONTH_DAYS
        ring = self.scenario.queue.ring_fenced_share
        fast = self.bia.fast
        if fast is not None:
            helps = self.scenario.queue.ring_fenced_help_backlog
            self.pools["bia_ring"] = self._bia_pool("bia_ring", (fast, self.bia.main) if helps else (fast,))
        self.pools["bia"] = self._bia_pool("bia", self.bia.lists)
        vacant = min(s.vacancies.bia_vacant_fte_at_start, start["bia_fte"])
        for name, share in (("bia", 1 - ring), ("bia_ring", ring)):
            if name in self.pools:
                pool = self.pools[name]
                pool.add((start["bia_fte"] - vacant) * share)
                if vacant > 0:
                    pool.add(
                        vacant * share, vacant_until=lambda rng: float(rng.random()) * lag if rng else lag / 2
                    )
        for desk, fte in (
            (self.screening, self.scenario.screening.coordinator_fte),
            (self.mha, start["mental_health_assessors"]),
            (self.sign_off, start["authorisers"]),
        ):
            if desk is not None:
                desk.add(fte)
        self.bought = BoughtAssessments(
            env, reg, self.bia.lists, partial(self._bia_start, route=INDEPENDENT), self._bia_done
        )
        self.bought.set_rate(start["independent_bia_per_month"])

    # ---- the run ----------------------------------------------------------------------------------------

    def execute(self) -> RunLog:
        scenario, env, reg = self.scenario, self.env, self.reg
        initial = self._initial_block()
        reg.append(initial, INITIAL)
        n_initial = len(initial)
        new = self._new_block()
        levels = self._levels()
        # The starting backlog is on the list (screened) before anyone starts work.
        self.bia.load(list(range(n_initial)), 0.0)
        self._pools(levels[0][1])
        first_new = reg.append(new, NEW)
        if scenario.outcomes.renewals and scenario.initial_backlog.authorisations_in_force:
            self.renewals.standing(
                scenario.initial_backlog.authorisations_in_force, self.streams.generator("standing")
            )
        if self.screening is not None and self.shortcuts:
            env.process(self._weekly_intake(first_new, new.received.tolist()))
        else:
            env.process(self._arrivals(first_new, new.received.tolist()))
            if scenario.outcomes.renewals:
                env.process(self.renewals.intake())
        if len(levels) > 1:
            env.process(self._staffing_changes(levels[1:]))
        env.run(until=self.end)
        return self._log(n_initial)

    def _log(self, n_initial: int) -> RunLog:
        end, reg = self.end, self.reg
        in_service = self.bought.in_progress + sum(p.in_service() for p in self.pools.values())
        waiting = self.bia.settle(end)
        pools: dict[str, PoolStats] = {name: pool.finish_books(end) for name, pool in self.pools.items()}
        for desk in (self.screening, self.mha, self.sign_off):
            if desk is not None:
                in_service += desk.settle(end)
                pools[desk.name] = desk.stats(end)
        if "bia_ring" in pools:  # one BIA staff group for the KPIs; the ring-fenced part reported apart
            ring = pools["bia_ring"]
            pools["bia"] = PoolStats(
                "bia",
                pools["bia"].busy_fte_days + ring.busy_fte_days,
                pools["bia"].available_fte_days + ring.available_fte_days,
                pools["bia"].jobs + ring.jobs,
            )

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in reg.blocks])

        arrived = cat("received") < end  # renewals gathered for the last week but due after the end
        apps = pd.DataFrame(
            {
                "source": categorical(np.concatenate(reg.sources), SOURCES),
                "request_type": categorical(cat("request_type"), REQUEST_TYPES),
                "setting": categorical(cat("setting"), SETTINGS),
                "primary_support_reason": categorical(cat("support_reason"), SUPPORT_REASON_CODES),
                "band": categorical(cat("band"), self.builder.bands),
                "received": cat("received"),
                "deadline_end": cat("deadline_end"),
                "urgent_end": cat("urgent_end"),
                "extension_granted": cat("extension_granted"),
                "unauthorised_from": cat("unauthorised_from"),
                "screened": np.asarray(reg.screened),
                "allocated": np.asarray(reg.allocated),
                "bia_route": categorical(np.asarray(reg.route, dtype=np.int8), ROUTES),
                "bia_done": np.asarray(reg.bia_done),
                "mha_done": np.asarray(reg.mha_done),
                "decided": np.asarray(reg.decided),
                "closed": np.asarray(reg.closed),
                "closure": categorical(np.asarray(reg.closure, dtype=np.int8), CLOSURES),
                "granted": cat("granted"),
                "authorisation_days": cat("authorisation_days"),
                "parent": np.concatenate(reg.parents),
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
            independent_assessments=self.bought.bought,
            mental_health_assessments=mha.jobs if mha is not None else 0,
            state={
                "initial": n_initial,
                "arrived": self.n_arrived,
                "decided": self.n_decided,
                "closed": reg.n_closed,
                "open": waiting + in_service,
            },
            costs=self.scenario.costs,
            backlog_target=self.scenario.targets.backlog_target,
            standard_period_days=int(self.builder.standard_period_days),
            month_edges=self.edges,
        )


def simulate(admitted: Admitted, seed_seq: np.random.SeedSequence) -> RunLog:
    """Run an admitted scenario once with the random streams of ``seed_seq``; return its :class:`RunLog`.

    The starting backlog is ``admitted.initial_worklist`` when given (today's open applications as a
    triage worklist, dates placed relative to ``horizon.start_date``), else generated from the
    scenario's ``initial_backlog``.
    """
    with _collector_paused():
        run = _Run(admitted, RunStreams(seed_seq))
        result = run.execute()
    log.debug("run of %s: %s", admitted.scenario.name, result.state)
    return result
