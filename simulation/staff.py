"""Staff posts: long-lived SimPy processes that work a waiting list, one application at a time.

A post is a whole or part FTE (``speed``): a half-time BIA takes twice as many calendar days per
assessment. Posts can fall vacant (turnover) and be refilled after a hiring lag; a post whose holder
leaves finishes the assessment in hand first. A :class:`Pool` is a staff group (in-house BIAs, mental
health assessors, authorisers); :class:`PoolStats` is what it did over a run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulation.waiting_list import WaitingList

IDLE, BUSY, VACANT, CLOSED = 0, 1, 2, 3


@dataclass
class PoolStats:
    """What a staff group did over the run, in FTE-days (one FTE for one calendar day)."""

    name: str
    busy_fte_days: float = 0.0
    available_fte_days: float = 0.0
    jobs: int = 0

    @property
    def utilisation(self) -> float:
        """Share of filled staff time spent on assessments (NaN when nobody was in post)."""
        return self.busy_fte_days / self.available_fte_days if self.available_fte_days > 0 else math.nan


class Post:
    """One staff post: a SimPy process that works its pool's waiting list, one application at a time."""

    def __init__(
        self,
        pool: Pool,
        speed: float,
        *,
        rng: np.random.Generator | None,
        vacant_until: float,
    ) -> None:
        self.pool = pool
        self.speed = speed
        self.rng = rng
        self.state = IDLE
        self.retired = False
        self.event: simpy.Event | None = None
        self.job_start = 0.0
        self.last_end = -math.inf
        self.busy = 0.0
        self.avail = 0.0
        self.jobs = 0
        self.filled_since = vacant_until
        self.leave_at = vacant_until + self._stay()
        self.process = pool.env.process(self.run())

    def _stay(self) -> float:
        mean = self.pool.mean_stay_days
        if self.rng is None or not math.isfinite(mean):
            return math.inf
        return float(self.rng.exponential(mean))

    def wake(self) -> None:
        """Called by the waiting list: work has arrived."""
        assert self.event is not None
        self.event.succeed()

    def _turnover(self, now: float) -> float:
        """Process leavers up to ``now``; the time the post is filled again (``now`` if it is)."""
        while self.leave_at <= now:
            left = max(self.leave_at, self.last_end)
            self.avail += max(0.0, left - self.filled_since)
            back = left + self.pool.lag_days
            self.filled_since = back
            self.leave_at = back + self._stay()
            if back > now:
                return back
        return now

    def run(self) -> Generator[simpy.Event, Any, None]:
        """Take the next application, work it, repeat; sleep when the list is empty."""
        pool = self.pool
        env = pool.env
        waiting = pool.waiting
        days = pool.days
        on_start, on_done = pool.on_start, pool.on_done
        timeout = env.timeout
        speed = self.speed
        if self.filled_since > env.now:  # vacant at the start
            self.state = VACANT
            yield timeout(self.filled_since - env.now)
        while True:
            now = env.now
            if self.retired:
                self._close(now)
                return
            if now >= self.leave_at:
                back = self._turnover(now)
                if back > now:
                    self.state = VACANT
                    waiting.wake_one()
                    yield timeout(back - now)
                    continue
            idx = waiting.pop_live(now)
            if idx < 0:
                self.state = IDLE
                self.event = env.event()
                waiting.idle.append(self)
                yield self.event
                continue
            self.state = BUSY
            self.job_start = now
            on_start(idx, now)
            duration = days[idx] / speed
            yield timeout(duration)
            now = env.now
            self.busy += duration
            self.jobs += 1
            self.last_end = now
            on_done(idx, now)

    def retire(self) -> None:
        """Close the post (a staffing cut): at once if free, else after the assessment in hand."""
        self.retired = True
        if self.state == IDLE and self in self.pool.waiting.idle:
            self.pool.waiting.idle.remove(self)
            self.wake()

    def _close(self, now: float) -> None:
        if self.state == IDLE:
            self._turnover(now)
        if self.state != VACANT or self.filled_since <= now:
            self.avail += max(0.0, now - self.filled_since)
        self.filled_since = math.inf
        self.state = CLOSED

    def finish(self, end: float) -> None:
        """Account for the part of the run not yet counted (called once, at the end)."""
        if self.state == CLOSED:
            return
        if self.state == BUSY:
            self.busy += end - self.job_start
            self.avail += max(0.0, end - self.filled_since)
        else:
            if self.state == IDLE:
                self._turnover(end)
            self.avail += max(0.0, end - self.filled_since)
        self.state = CLOSED


class Pool:
    """A staff group (in-house BIAs, mental health assessors, authorisers) working one waiting list."""

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        waiting: WaitingList,
        days: list[float],
        on_start: Callable[[int, float], None],
        on_done: Callable[[int, float], None],
        *,
        post_rng: Callable[[int], np.random.Generator] | None = None,
        turnover_per_year: float = 0.0,
        lag_days: float = 0.0,
    ) -> None:
        self.env = env
        self.name = name
        self.waiting = waiting
        self.days = days
        self.on_start = on_start
        self.on_done = on_done
        self.post_rng = post_rng
        self.mean_stay_days = 365.25 / turnover_per_year if turnover_per_year > 0 else math.inf
        self.lag_days = lag_days
        self.posts: list[Post] = []
        self._created = 0

    @property
    def fte(self) -> float:
        """Funded FTE (filled or vacant) of the posts still open."""
        return sum(p.speed for p in self.posts if not p.retired)

    def add(
        self, fte: float, *, vacant_until: Callable[[np.random.Generator | None], float] | None = None
    ) -> None:
        """Open posts for ``fte`` more FTE: whole-time posts and one part-time post for the rest."""
        whole, part = divmod(round(fte, 9), 1.0)
        speeds = [1.0] * int(whole) + ([part] if part > 1e-9 else [])
        for speed in speeds:
            rng = self.post_rng(self._created) if self.post_rng is not None else None
            self._created += 1
            start = vacant_until(rng) if vacant_until is not None else self.env.now
            self.posts.append(Post(self, speed, rng=rng, vacant_until=max(start, self.env.now)))

    def set_fte(self, fte: float) -> None:
        """Change the funded FTE: close the most recent posts first, open new ones for any rise."""
        current = self.fte
        if fte < current - 1e-9:
            for post in reversed(self.posts):
                if current <= fte + 1e-9:
                    break
                if not post.retired:
                    post.retire()
                    current -= post.speed
        if fte > current + 1e-9:
            self.add(fte - current)

    def in_service(self) -> int:
        """Applications being worked right now."""
        return sum(1 for p in self.posts if p.state == BUSY)

    def finish(self, end: float) -> PoolStats:
        """Close the books at the end of the run."""
        stats = PoolStats(self.name)
        for post in self.posts:
            post.finish(end)
            stats.busy_fte_days += post.busy * post.speed
            stats.available_fte_days += post.avail * post.speed
            stats.jobs += post.jobs
        return stats
