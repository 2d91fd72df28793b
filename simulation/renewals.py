"""Renewal requests: a granted authorisation comes back as a request 28 days before it ends.

Why its own piece: renewals are made during the run (by decisions) and by authorisations in force on the
start date, and they are the one kind of arrival that cannot be drawn up front. They wait in a heap
until due; once a week the ones due in the coming week are screened, clocked and keyed in one batch
(per-application Python would cost more than the simulation), each with its person's own setting and
support reason, and handed to the model (:meth:`Renewals.gather`), which screens them or schedules
their arrival.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import partial
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy

import triage
from simulation.applications import (
    SUPPORT_REASON_CODES,
    AppBlock,
    BlockBuilder,
    Draws,
    codes_of,
    draw_numbers,
)
from simulation.arrivals import draw_request_columns
from simulation.scenario import Scenario
from simulation.streams import GroupStreams
from triage.vocabulary import SETTINGS

RENEWAL_BATCH_DAYS = 7.0
RENEWAL_POOL_SIZE = 2048
#: False: screen each week's renewals as a batch even when the pool could be screened as drawn (the plain
#: reading the tests hold the shortcut to).
PRESCREEN = True

#: A renewal waiting to be requested: (time, parent row or -1, setting code, reason code, expiry time).
#: (request time, parent row, setting, reason, standing expiry, standing authorisation's length in days)
Pending = tuple[float, int, int, int, float, float]


class _FormPool:
    """Renewal requests' form answers and random numbers, drawn in batches from their own streams."""

    def __init__(self, scenario: Scenario, criteria: triage.Criteria, streams: GroupStreams) -> None:
        self.scenario, self.criteria, self.streams = scenario, criteria, streams
        self.columns: dict[str, np.ndarray] = {}
        self.draws: Draws | None = None
        self.band: np.ndarray | None = None
        self.pos = self.size = 0
        #: Screen the pool's forms when drawn, not a week's batch at a time, when no criterion reads what
        #: is the person's own (their setting or support reason, filled in only when the renewal is due).
        self.prescreen = PRESCREEN and not (
            {f for c in criteria.criterion for f in c.when} & {"setting", "primary_support_reason"}
        )

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
        self.band = triage.screen(self.columns, self.criteria).band if self.prescreen else None
        self.pos, self.size = 0, n

    def take(self, n: int) -> tuple[dict[str, np.ndarray], Draws, np.ndarray | None]:
        """The next ``n`` renewals' flag columns, draws and (if screened already) bands."""
        if self.size - self.pos < n:
            self._refill(n)
        assert self.draws is not None
        start, self.pos = self.pos, self.pos + n
        cols = {k: v[start : self.pos] for k, v in self.columns.items()}
        band = self.band[start : self.pos] if self.band is not None else None
        return cols, self.draws.take(start, self.pos), band


class Renewals:
    """Renewal requests due later in the run, and the weekly intake that turns them into applications.

    ``append(block, parents)`` adds a batch to the run and returns its first row; ``arrive(row)`` puts an
    application on the waiting list when its request arrives.
    """

    def __init__(
        self,
        env: simpy.Environment,
        builder: BlockBuilder,
        streams: GroupStreams,
        end: float,
        append: Callable[[AppBlock, np.ndarray], int],
        arrive: Callable[[int], None],
    ) -> None:
        self.env, self.builder, self.end = env, builder, end
        self.append, self.arrive = append, arrive
        self.pending: list[Pending] = []
        self.forms = _FormPool(builder.scenario, builder.rules.criteria, streams)

    def after_grant(
        self, row: int, now: float, after: float, setting: int, reason: int, length: float
    ) -> None:
        """A decision at ``now`` granted an authorisation of ``length`` days: its renewal is due ``after``
        days later (``inf``: the person will have left by then)."""
        if after != math.inf:
            heappush(self.pending, (now + after, row, setting, reason, now + length, length))

    def standing(self, n: int, rng: np.random.Generator) -> None:
        """Authorisations in force on the start date: each may come back as a renewal request.

        Time left on each is uniform over (0, mean authorisation length) (the stationary residual of
        equal-length authorisations); a renewal is requested ``renewal_request_window_days`` before it
        ends, if the person is still there then. Ones ending within that window already have their
        request in the starting backlog, so they are not added again.
        """
        scenario, builder = self.builder.scenario, self.builder
        columns = draw_request_columns(n, scenario.demand, builder.rules.criteria, rng)
        setting = codes_of(columns["setting"], SETTINGS, "setting")
        reason = codes_of(columns["primary_support_reason"], SUPPORT_REASON_CODES, "primary_support_reason")
        expiry = rng.random(n) * scenario.outcomes.authorisation_days.mean
        request = expiry - builder.renewal_window
        hazard = builder.leave_hazard[setting]
        stays = rng.exponential(1.0, n) / np.where(hazard > 0, hazard, 1.0)
        stays[hazard <= 0] = np.inf
        keep = (request > 0) & (stays > request)
        typical = float(scenario.outcomes.authorisation_days.mean)  # (their lengths are not known)
        for k in np.flatnonzero(keep).tolist():
            heappush(
                self.pending,
                (float(request[k]), -1, int(setting[k]), int(reason[k]), float(expiry[k]), typical),
            )

    def gather(self, now: float) -> tuple[int, list[float]]:
        """The renewals due in the coming week (before the end of the run) as applications, keyed in one
        batch: (first row, the times they are requested, in order). Every renewal due in the week is
        already known: it comes at least ``MIN_RENEWAL_DELAY_DAYS`` (a week) after its grant."""
        pending = self.pending
        limit = min(now + RENEWAL_BATCH_DAYS, self.end)
        batch: list[Pending] = []
        while pending and pending[0][0] < limit:
            batch.append(heappop(pending))
        if not batch:
            return 0, []
        return self._add(batch)

    def intake(self) -> Generator[simpy.Event, Any, None]:
        """Once a week, turn the renewals due in the coming week into applications and schedule each
        request's arrival (used when requests are not screened on receipt: see ``simulation.model``)."""
        env = self.env
        while True:
            now = env.now
            first, times = self.gather(now)
            for k, t in enumerate(times):
                event = env.timeout(t - now)
                event.callbacks.append(partial(self._arrives, first + k))
            yield env.timeout(RENEWAL_BATCH_DAYS)

    def _add(self, batch: list[Pending]) -> tuple[int, list[float]]:
        times = np.array([p[0] for p in batch])
        parents = np.array([p[1] for p in batch], dtype=np.int64)
        setting = np.array([p[2] for p in batch], dtype=np.int64)
        reason = np.array([p[3] for p in batch], dtype=np.int64)
        expiry = np.array([p[4] for p in batch])
        length = np.array([p[5] for p in batch])
        columns, draws, band = self.forms.take(len(batch))
        columns["setting"] = np.asarray(SETTINGS, dtype=object)[setting]
        columns["primary_support_reason"] = np.asarray(SUPPORT_REASON_CODES, dtype=object)[reason]
        block = self.builder.build(
            columns, times, draws, authorisation_expiry=expiry, band=band, prior_length=length
        )
        return self.append(block, parents), times.tolist()

    def _arrives(self, row: int, _event: simpy.Event) -> None:
        self.arrive(row)
