"""Staff posts: each takes work from waiting lists whenever it can, driven by events (no process of its own).

A post is a whole or part FTE (``speed``): a half-time BIA takes twice as many calendar days of work per
assessment. It carries up to ``caseload`` cases at once; each case's report comes after its *turnaround*
(elapsed days: visits, consulting family and the relevant person's representative, records) or after the
post's hours on it, whichever is later, while the post's hours limit how often it can take a new case (its
work on one case must be done before it starts the next: the hours bind when turnaround is short, the
caseload when it is long). Caseload 1 with no turnaround is the textbook server: one case at a time.

Why events and not a SimPy process per post: a post only acts when something changes for it (a case ends,
work arrives, its hours free up, its holder leaves or is replaced), and a callback at that moment is a
fraction of the cost of resuming a process; a national run has hundreds of thousands of such moments.

Posts can fall vacant (turnover) and be refilled after a hiring lag; a leaver's cases in hand are finished
(handed over). A request closed while in hand (the person died or left) frees its slot at once
(:meth:`Register.closes_during`). A :class:`Pool` is a staff group; :class:`PoolStats` what it did.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from simulation.register import Register
from simulation.waiting_list import WaitingList


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


def assess(register: Register, idx: int, now: float, work: float, turnaround: float) -> tuple[float, bool]:
    """When an assessment allocated at ``now`` ends, and whether it ends because the request closed
    (partly assessed) rather than with a report."""
    done = now + max(work, turnaround)
    closes = register.closes_during(idx, now, done)
    return (closes, True) if closes < done else (done, False)


class Post:
    """One staff post: takes work from its pool's lists, in order of preference, whenever it can."""

    def __init__(self, pool: Pool, speed: float, *, rng: np.random.Generator | None, vacant_until: float):
        self.pool = pool
        self.speed = speed
        self.rng = rng
        self.retired = False
        self.closed = False
        self.idle = False  # asleep on its lists, to be woken when work arrives
        self.timer_at = math.inf  # a timed look for work is pending for then
        self.open = 0
        self.work_free = -math.inf  # the post's hours are taken until then
        self.busy = 0.0
        self.avail = 0.0
        self.jobs = 0
        self.filled_since = vacant_until
        self.leave_at = vacant_until + self._stay()
        self.try_start()

    def _stay(self) -> float:
        mean = self.pool.mean_stay_days
        if self.rng is None or not math.isfinite(mean):
            return math.inf
        return float(self.rng.exponential(mean))

    def _later(self, when: float) -> None:
        """Look for work again at ``when`` (unless a look is already due by then)."""
        if when >= self.timer_at:
            return
        self.timer_at = when
        self.pool.env.timeout(when - self.pool.env.now).callbacks.append(self._timer)

    def _timer(self, _event: simpy.Event) -> None:
        if self.pool.env.now >= self.timer_at:
            self.timer_at = math.inf
        self.try_start()

    def wake(self) -> bool:
        """Called by a waiting list when work arrives; False if already awake (a post asleep on two lists
        can be woken by both). During re-keying the look for work is made just after, not inside it."""
        if not self.idle:
            return False
        self.idle = False
        pool = self.pool
        if len(pool.lists) > 1:
            for lst in pool.lists:
                if self in lst.idle:
                    lst.idle.remove(self)
        if pool.register.rekeying:
            self._later(pool.env.now)
        else:
            self.try_start()
        return True

    def _turnover(self, now: float) -> float:
        """Process leavers up to ``now``; the time the post is filled again (``now`` if it is). A leaver
        works the hours already committed; cases in hand are handed over."""
        while self.leave_at <= now:
            left = min(max(self.leave_at, self.work_free), now)
            self.avail += max(0.0, left - self.filled_since)
            back = left + self.pool.lag_days
            self.filled_since = back
            self.leave_at = back + self._stay()
            if back > now:
                return back
        return now

    def try_start(self, _event: simpy.Event | None = None) -> None:
        """Take cases while there is a free slot, free hours and work; else arrange to look again."""
        if self.closed or self.idle:
            return
        pool = self.pool
        now = pool.env.now
        if now < self.filled_since:  # vacant
            self._later(self.filled_since)
            return
        if now >= self.leave_at:
            back = self._turnover(now)
            if back > now:
                for lst in pool.lists:  # pass any wake-up on
                    lst.wake_one()
                self._later(back)
                return
        # The hot path of a national run: locals, and Pool.take and assess inlined.
        lists, days, turnaround, register = pool.lists, pool.days, pool.turnaround, pool.register
        timeout, finish, on_start, speed = pool.env.timeout, self._finish, pool.on_start, self.speed
        caseload, open_, work_free, busy = pool.caseload, self.open, self.work_free, self.busy
        try:
            while open_ < caseload:
                if work_free > now:
                    self._later(work_free)
                    return
                idx = -1
                for lst in lists:
                    idx = lst.pop_live(now)
                    if idx >= 0:
                        break
                if idx < 0:
                    self.idle = True
                    for lst in lists:
                        lst.idle.append(self)
                    return
                work = days[idx] / speed
                on_start(idx, now)
                end = now + (max(work, turnaround[idx]) if turnaround is not None else work)
                closes = register.closes_during(idx, now, end)
                closed = closes < end
                if closed:
                    end = closes
                spent = min(work, end - now)
                busy += spent
                work_free = now + spent
                open_ += 1
                timeout(end - now).callbacks.append(partial(finish, idx, closed))
        finally:
            self.open, self.work_free, self.busy = open_, work_free, busy

    def _finish(self, idx: int, closed: bool, _event: simpy.Event) -> None:
        self.open -= 1
        self.jobs += 1
        self.pool.finish(idx, self.pool.env.now, closed)
        self.try_start()

    def retire(self) -> None:
        """Close the post (a staffing cut) now; its cases in hand are finished (handed over)."""
        self.retired = True
        if self.idle:
            self.idle = False
            for lst in self.pool.lists:
                if self in lst.idle:
                    lst.idle.remove(self)
        self._close(self.pool.env.now)

    def _close(self, now: float) -> None:
        if self.closed:
            return
        self._turnover(now)
        self.avail += max(0.0, now - self.filled_since)
        self.filled_since = math.inf
        self.closed = True

    def finish(self, end: float) -> None:
        """Account for the part of the run not yet counted (called once, at the end)."""
        self.busy -= max(0.0, self.work_free - end)  # hours committed beyond the end of the run
        self._close(end)


class Pool:
    """A staff group (coordinators, in-house BIAs, mental health assessors, authorisers) working lists
    in order of preference."""

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        lists: tuple[WaitingList, ...],
        register: Register,
        days: list[float],
        on_start: Callable[[int, float], None],
        on_done: Callable[[int, float], None],
        *,
        caseload: int = 1,
        turnaround: list[float] | None = None,
        post_rng: Callable[[int], np.random.Generator] | None = None,
        turnover_per_year: float = 0.0,
        lag_days: float = 0.0,
    ) -> None:
        self.env = env
        self.name = name
        self.lists = lists
        self.register = register
        self.days = days
        self.on_start = on_start
        self.on_done = on_done
        self.caseload = caseload
        self.turnaround = turnaround
        self.post_rng = post_rng
        self.mean_stay_days = 365.25 / turnover_per_year if turnover_per_year > 0 else math.inf
        self.lag_days = lag_days
        self.posts: list[Post] = []
        self._created = 0

    def take(self, now: float) -> int:
        """The next application from the first of the pool's lists that has one; -1 if none."""
        for lst in self.lists:
            idx = lst.pop_live(now)
            if idx >= 0:
                return idx
        return -1

    def finish(self, idx: int, now: float, closed: bool) -> None:
        """An assessment ended: with its report, or because the request closed while in hand."""
        if closed:
            reg = self.register
            reg.close(idx, now, reg.why_closed(idx, now))
        else:
            self.on_done(idx, now)

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

    def set_fte(self, fte: float, *, hiring_lag: float = 0.0) -> None:
        """Change the funded FTE: close the most recent posts first; new posts are filled after
        ``hiring_lag`` days (recruitment)."""
        current = self.fte
        start = self.env.now + hiring_lag
        if fte < current - 1e-9:
            for post in reversed(self.posts):
                if current <= fte + 1e-9:
                    break
                if not post.retired:
                    post.retire()
                    current -= post.speed
            start = self.env.now  # a cut that closed a whole post keeps the remainder's hours: no recruiting
        if fte > current + 1e-9:
            self.add(fte - current, vacant_until=lambda _rng: start)

    def in_service(self) -> int:
        """Applications in hand right now."""
        return sum(p.open for p in self.posts)

    def finish_books(self, end: float) -> PoolStats:
        """Close the books at the end of the run."""
        stats = PoolStats(self.name)
        for post in self.posts:
            post.finish(end)
            stats.busy_fte_days += post.busy * post.speed
            stats.available_fte_days += post.avail * post.speed
            stats.jobs += post.jobs
        return stats
