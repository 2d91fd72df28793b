"""One SimPy run of a DoLS service: applications arrive, wait, are assessed, decided, renewed or lapse.

The flow of one application (DESIGN §5):

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
a SeedSequence and returns a log.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from heapq import heappop, heappush
from typing import Any

import numpy as np
import pandas as pd
import simpy

import triage
from simulation.applications import (
    REQUEST_TYPES,
    SETTINGS,
    SUPPORT_REASON_CODES,
    AppBlock,
    BlockBuilder,
    Draws,
    arrival_times,
    backlog_settings,
    draw_numbers,
    draw_request_columns,
    generated_backlog_ages,
    month_edges,
)
from simulation.queueing import Pool, PoolStats, Stage
from simulation.scenario import MONTH_DAYS, Costs, Scenario, ScenarioError
from simulation.streams import GroupStreams, RunStreams
from simulation.worklist import worklist_inputs

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("initial", "new", "renewal")
ROUTES: tuple[str, ...] = ("none", "in_house", "independent")
INITIAL, NEW, RENEWED = 0, 1, 2
NO_ROUTE, IN_HOUSE, INDEPENDENT = 0, 1, 2
RENEWAL_BATCH_DAYS = 7.0
RENEWAL_POOL_SIZE = 2048

#: A renewal waiting to be requested: (time, parent row or -1, setting code, reason code, expiry time).
Pending = tuple[float, int, int, int, float]


@dataclass
class RunLog:
    """Everything one run did: one row per application plus staff and state tallies.

    ``apps`` columns (times in days from the start date; NaN = did not happen within the run):
    ``source`` (initial/new/renewal), ``request_type``, ``setting``, ``primary_support_reason``,
    ``band``; ``received``; ``deadline_end`` (end of the last lawful day, with any urgent extension);
    ``urgent_end`` (end of the urgent authorisation before extension); ``extension_granted``;
    ``unauthorised_from``; ``allocated`` (BIA assessment started); ``bia_route``
    (in_house/independent); ``bia_done``; ``mha_done``; ``decided``; ``lapsed``; ``granted`` (the
    decision, if one was made); ``authorisation_days``; ``parent`` (row of the authorisation a renewal
    renews, -1 otherwise).
    """

    scenario_name: str
    start_date: date
    horizon_days: float
    warm_up_days: float
    bands: tuple[str, ...]
    apps: pd.DataFrame
    pools: dict[str, PoolStats]
    independent_assessments: int
    mental_health_assessments: int
    #: Tallies kept by the model's own state (not from ``apps``): a check on the bookkeeping.
    state: dict[str, int]
    costs: Costs
    backlog_target: int
    month_edges: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def resolve_policy(scenario: Scenario, rules: triage.Rules) -> tuple[triage.Policy, triage.Policies]:
    """The scenario's queue policy, refused if it is not static, with any ageing override applied."""
    try:
        policy = rules.policies.get(scenario.queue.policy)
    except triage.RulesError:
        ids = [p.id for p in rules.policies.policy]
        raise ScenarioError(f"queue.policy: must be one of {ids}, got {scenario.queue.policy!r}") from None
    if not policy.is_static:
        raise ScenarioError(
            f"queue.policy: {policy.id!r} orders by 'breached', which changes from day to day; "
            "the simulated waiting list needs a static policy (e.g. earliest_deadline)"
        )
    policies = rules.policies
    if scenario.queue.ageing_days:
        unknown = set(scenario.queue.ageing_days) - set(policies.band_order)
        if unknown:
            band = sorted(unknown)[0]
            raise ScenarioError(
                f"queue.ageing_days.{band}: not a band (expected one of {policies.band_order})"
            )
        ageing = {**policies.ageing_days, **scenario.queue.ageing_days}
        policies = policies.model_copy(update={"ageing_days": ageing})
    return policy, policies


def check_against_rules(scenario: Scenario, rules: triage.Rules) -> None:
    """Names a scenario uses that the rules files must know (flags, bands, policy)."""
    resolve_policy(scenario, rules)
    flags = rules.criteria.inputs.flags
    for flag in scenario.demand.flags:
        if flag not in flags:
            raise ScenarioError(f"demand.flags.{flag}: not a screening flag (expected one of {flags})")
    bands = rules.criteria.all_bands
    for band in scenario.assessment.proportionate_bands:
        if band not in bands:
            raise ScenarioError(
                f"assessment.proportionate_bands: {band!r} is not a band (expected one of {bands})"
            )


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


def _codes_of(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(names)}
    return np.array([lookup[v] for v in values.tolist()], dtype=np.int64)


def _categorical(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(names)))


class _RenewalPool:
    """Renewal requests' form answers and random numbers, drawn in batches from their own streams."""

    def __init__(self, scenario: Scenario, criteria: triage.Criteria, streams: GroupStreams) -> None:
        self.scenario, self.criteria, self.streams = scenario, criteria, streams
        self.columns: dict[str, np.ndarray] = {}
        self.draws: Draws | None = None
        self.pos = self.size = 0

    def _refill(self, need: int) -> None:
        n = max(RENEWAL_POOL_SIZE, need)
        kind = np.full(n, "renewal", dtype=object)
        placeholder = np.full(n, "", dtype=object)  # setting and reason are the person's own
        self.columns = draw_request_columns(
            n,
            self.scenario.demand,
            self.criteria,
            self.streams["attributes"],
            request_type=kind,
            setting=placeholder,
            support_reason=placeholder,
        )
        self.draws = draw_numbers(n, self.scenario, self.streams)
        self.pos, self.size = 0, n

    def take(self, n: int) -> tuple[dict[str, np.ndarray], Draws]:
        """The next ``n`` renewals' flag columns and draws."""
        if self.size - self.pos < n:
            self._refill(n)
        assert self.draws is not None
        start, self.pos = self.pos, self.pos + n
        cols = {k: v[start : self.pos] for k, v in self.columns.items()}
        return cols, self.draws.take(start, self.pos)


class _Run:
    """The state and processes of one run (private: :func:`simulate` is the interface)."""

    def __init__(
        self,
        scenario: Scenario,
        rules: triage.Rules,
        streams: RunStreams,
    ) -> None:
        self.scenario = scenario
        self.rules = rules
        self.streams = streams
        policy, policies = resolve_policy(scenario, rules)
        self.builder = BlockBuilder(scenario, rules, policy, policies)
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
        self.pending_renewals: list[Pending] = []
        self.independent_rate = 0.0
        self.independent_wakeup = self.env.event()
        self.renewal_pool = _RenewalPool(scenario, rules.criteria, streams.group("renewals"))

        a = scenario.assessment
        self.bia_stage = self._stage("bia")
        self.mha_stage = self._stage("mha") if a.mental_health_assessment else None
        self.sign_off_stage = self._stage("sign_off") if a.sign_off else None

    # ---- applications ---------------------------------------------------------------------------------

    def _stage(self, name: str) -> Stage:
        return Stage(name, self.keys, self.enq, self.patience, self.lapsed)

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

    def _initial_block(self, initial_worklist: pd.DataFrame | None) -> AppBlock:
        scenario = self.scenario
        group = self.streams.group("initial_backlog")
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
        if self.mha_stage is not None:
            self.mha_stage.put(idx, now)
        elif self.sign_off_stage is not None:
            self.sign_off_stage.put(idx, now)
        else:
            self._decide(idx, now)

    def _mha_done(self, idx: int, now: float) -> None:
        self.mha_done[idx] = now
        if self.sign_off_stage is not None:
            self.sign_off_stage.put(idx, now)
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
            after = self.renewal_after[idx]
            if after != math.inf:
                expiry = now + self.authorisation_days[idx]
                heappush(
                    self.pending_renewals, (now + after, idx, self.setting[idx], self.reason[idx], expiry)
                )

    # ---- processes ------------------------------------------------------------------------------------

    def _arrivals(self, first: int, received: list[float]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        timeout = env.timeout
        put = self.bia_stage.put
        for idx, when in enumerate(received, start=first):
            yield timeout(when - env.now)
            self.n_arrived += 1
            put(idx, env.now)

    def _renewal_arrives(self, idx: int, _event: simpy.Event) -> None:
        self.n_arrived += 1
        self.bia_stage.put(idx, self.env.now)

    def _renewal_intake(self) -> Generator[simpy.Event, Any, None]:
        """Once a week, turn the renewals due in the coming week into applications (keys in batch)."""
        env = self.env
        pending = self.pending_renewals
        while True:
            now = env.now
            limit = min(now + RENEWAL_BATCH_DAYS, self.end)
            batch: list[Pending] = []
            while pending and pending[0][0] < limit:
                batch.append(heappop(pending))
            if batch:
                self._add_renewals(batch, now)
            yield env.timeout(RENEWAL_BATCH_DAYS)

    def _add_renewals(self, batch: list[Pending], now: float) -> None:
        times = np.array([p[0] for p in batch])
        parents = np.array([p[1] for p in batch], dtype=np.int64)
        setting = np.array([p[2] for p in batch], dtype=np.int64)
        reason = np.array([p[3] for p in batch], dtype=np.int64)
        expiry = np.array([p[4] for p in batch])
        columns, draws = self.renewal_pool.take(len(batch))
        columns["setting"] = np.asarray(SETTINGS, dtype=object)[setting]
        columns["primary_support_reason"] = np.asarray(SUPPORT_REASON_CODES, dtype=object)[reason]
        block = self.builder.build(columns, times, draws, authorisation_expiry=expiry)
        first = self._append(block, RENEWED, parents)
        env = self.env
        for k, t in enumerate(times.tolist()):
            event = env.timeout(t - now)
            event.callbacks.append(partial(self._renewal_arrives, first + k))

    def _standing_authorisations(self) -> None:
        """Authorisations in force on the start date: each may come back as a renewal request.

        Time left on each is uniform over (0, mean authorisation length) (the stationary residual of
        equal-length authorisations); a renewal is requested ``renewal_request_window_days`` before it
        ends, if the person is still there then. Ones ending within that window already have their
        request in the starting backlog, so they are not added again.
        """
        n = self.scenario.initial_backlog.authorisations_in_force
        if n == 0 or not self.scenario.outcomes.renewals:
            return
        rng = self.streams.generator("standing")
        columns = draw_request_columns(n, self.scenario.demand, self.rules.criteria, rng)
        setting = _codes_of(columns["setting"], SETTINGS)
        reason = _codes_of(columns["primary_support_reason"], SUPPORT_REASON_CODES)
        expiry = rng.random(n) * self.scenario.outcomes.authorisation_days.mean
        request = expiry - self.builder.renewal_window
        hazard = self.builder.hazard[setting]
        stays = rng.exponential(1.0, n) / np.where(hazard > 0, hazard, 1.0)
        stays[hazard <= 0] = np.inf
        keep = (request > 0) & (stays > request)
        for k in np.flatnonzero(keep).tolist():
            heappush(
                self.pending_renewals,
                (float(request[k]), -1, int(setting[k]), int(reason[k]), float(expiry[k])),
            )

    def _independent(self) -> Generator[simpy.Event, Any, None]:
        """Bought BIA assessments: evenly spread at the month's rate, each taking its turnaround."""
        env = self.env
        stage = self.bia_stage
        while True:
            rate = self.independent_rate
            if rate <= 0:
                self.independent_wakeup = env.event()
                yield self.independent_wakeup
                continue
            yield env.timeout(MONTH_DAYS / rate)
            now = env.now
            idx = stage.pop_live(now)
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
        """Staffing levels from each change onwards: (time, levels), the first at time 0."""
        s = self.scenario.staffing
        level = {
            "bia_fte": s.bia_fte,
            "independent_bia_per_month": s.independent_bia_per_month,
            "mental_health_assessors": s.mental_health_assessors,
            "authorisers": s.authorisers,
        }
        out: list[tuple[float, dict[str, float]]] = [(0.0, dict(level))]
        months = self.scenario.horizon.months
        for change in sorted(s.changes, key=lambda c: c.from_month):
            if change.from_month > months:
                continue
            when = float(self.edges[change.from_month - 1])
            for name in level:
                level[name] = max(0.0, level[name] + getattr(change, f"{name}_change"))
            if out[-1][0] == when:
                out[-1] = (when, dict(level))
            else:
                out.append((when, dict(level)))
        return out

    # ---- the run ----------------------------------------------------------------------------------------

    def execute(self, initial_worklist: pd.DataFrame | None) -> RunLog:
        scenario = self.scenario
        env = self.env
        s = scenario.staffing
        initial = self._initial_block(initial_worklist)
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
            self.bia_stage,
            self.bia_days,
            self._bia_start,
            self._bia_done,
            post_rng=partial(self.streams.post, "bia"),
            turnover_per_year=s.vacancies.bia_turnover_per_year,
            lag_days=lag,
        )
        self.mha_pool = (
            Pool(env, "mha", self.mha_stage, self.mha_days, self._no_op, self._mha_done)
            if self.mha_stage is not None
            else None
        )
        self.sign_off_pool = (
            Pool(env, "sign_off", self.sign_off_stage, self.sign_off_days, self._no_op, self._sign_off_done)
            if self.sign_off_stage is not None
            else None
        )
        # The starting backlog is on the list before anyone starts work.
        self.bia_stage.load(list(range(n_initial)), 0.0)
        self.bia_pool.add(start_level["bia_fte"] - vacant)
        if vacant > 0:
            self.bia_pool.add(vacant, vacant_until=lambda rng: float(rng.random()) * lag if rng else lag / 2)
        if self.mha_pool is not None:
            self.mha_pool.add(start_level["mental_health_assessors"])
        if self.sign_off_pool is not None:
            self.sign_off_pool.add(start_level["authorisers"])
        self.independent_rate = start_level["independent_bia_per_month"]

        first_new = self._append(new, NEW)
        self._standing_authorisations()
        env.process(self._arrivals(first_new, new.received.tolist()))
        env.process(self._independent())
        if scenario.outcomes.renewals:
            env.process(self._renewal_intake())
        if len(levels) > 1:
            env.process(self._staffing_changes(levels[1:]))

        with _collector_skips_setup():
            env.run(until=self.end)
        return self._log(n_initial)

    def _log(self, n_initial: int) -> RunLog:
        end = self.end
        in_service = self.bia_pool.in_service() + self.independent_in_progress
        waiting = self.bia_stage.settle(end)
        lapsed = self.bia_stage.lapses
        pools = {"bia": self.bia_pool.finish(end)}
        for stage, pool in ((self.mha_stage, self.mha_pool), (self.sign_off_stage, self.sign_off_pool)):
            if stage is not None and pool is not None:
                in_service += pool.in_service()
                waiting += stage.settle(end)
                lapsed += stage.lapses
                pools[pool.name] = pool.finish(end)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in self.blocks])

        arrived = cat("received") < end  # renewals gathered for the last week but due after the end
        apps = pd.DataFrame(
            {
                "source": _categorical(np.concatenate(self.sources), SOURCES),
                "request_type": _categorical(cat("request_type"), REQUEST_TYPES),
                "setting": _categorical(cat("setting"), SETTINGS),
                "primary_support_reason": _categorical(cat("support_reason"), SUPPORT_REASON_CODES),
                "band": _categorical(cat("band"), self.builder.bands),
                "received": cat("received"),
                "deadline_end": cat("deadline_end"),
                "urgent_end": cat("urgent_end"),
                "extension_granted": cat("extension_granted"),
                "unauthorised_from": cat("unauthorised_from"),
                "allocated": np.asarray(self.allocated),
                "bia_route": _categorical(np.asarray(self.route, dtype=np.int8), ROUTES),
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


def simulate(
    scenario: Scenario,
    seed_seq: np.random.SeedSequence,
    rules: triage.Rules | None = None,
    initial_worklist: pd.DataFrame | None = None,
) -> RunLog:
    """Run the scenario once with the random streams of ``seed_seq``; return its :class:`RunLog`.

    ``initial_worklist``: today's open applications as a triage worklist (columns ``received_date``,
    ``request_type``, ``setting``, ``priority``, ``primary_support_reason``, ``statutory_deadline``,
    ``urgent_expiry``; optional ``urgent_extended_days``, ``authorisation_expiry``), replacing the
    scenario's generated backlog; dates are placed relative to ``horizon.start_date``.
    """
    rules = rules if rules is not None else triage.load_rules()
    check_against_rules(scenario, rules)
    if initial_worklist is None and scenario.initial_backlog.worklist is not None:
        raise ScenarioError(
            "initial_backlog.worklist: the scenario names a worklist file; load it "
            "(simulation.worklist.read_worklist) and pass it as initial_worklist"
        )
    run = _Run(scenario, rules, RunStreams(seed_seq))
    result = run.execute(initial_worklist)
    log.debug("run of %s: %s", scenario.name, result.state)
    return result
