"""A first-come-first-served step of the work: screening on receipt, the mental health assessment, sign-off.

Why not staff posts and a waiting list (as for the BIA assessment): these steps are worked in order of
arrival, and for a first-come-first-served queue the post that can start soonest takes the next request,
so each request's start is known the moment it arrives. A heap of the posts' next possible start times
does the whole queue exactly, at one event a request (a national run has a third of a million of each):
a third of the cost of waking a post to take work from a list.
Two consequences save more events (:class:`simulation.model._Run` ``shortcuts``): screening can be worked
out as soon as a week's requests are known (``arrive(idx, at)``), and on the last step of the work a
decision that falls within the run is recorded the moment its time is known (:meth:`Desk._finish`).

A post is a whole or part FTE (``speed``) carrying up to ``caseload`` cases; a case's report comes after
its turnaround or its work at the post's speed, whichever is later, and the post's hours on one case must
be done before it starts the next (as for BIAs, :mod:`simulation.staff`). A request can close while it
waits (it then never takes a post's time) or while it is in hand (its slot frees at once).

One simplification, said here so it is findable: a change of staffing (more or fewer mental health
assessors or authorisers from a month on) applies to requests arriving from then on; requests already
queued keep the start they were given.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Callable
from functools import partial
from heapq import heappop, heappush, heapreplace

import simpy

from simulation.register import Register
from simulation.staff import PoolStats


class _Post:
    __slots__ = ("active_since", "ends", "retired", "speed", "work_free")

    def __init__(self, speed: float, since: float) -> None:
        self.speed = speed
        self.work_free = since  # its hours are taken until then
        self.ends: list[float] = []  # when each case in hand ends, sorted
        self.retired = False
        self.active_since = since


class Desk:
    """A team working one step first come, first served (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        register: Register,
        days: list[float],
        on_done: Callable[[int, float], None],
        *,
        caseload: int = 1,
        turnaround: list[float] | None = None,
        last_step_until: float | None = None,
    ) -> None:
        self.env, self.name, self.register, self.days = env, name, register, days
        #: The last step of the work, in a run ending then: see :meth:`_finish`.
        self.last_step_until = -math.inf if last_step_until is None else last_step_until
        self.on_done = on_done
        self.caseload = caseload
        self.turnaround = turnaround
        self.posts: list[_Post] = []
        self.ready: list[tuple[float, int]] = []  # (next start, post number)
        self.busy = 0.0
        self.available = 0.0  # FTE-days of posts closed so far
        self.jobs = 0
        self.in_hand = 0  # arrived, not yet done or closed
        self.unserved: list[int] = []  # arrived while nobody was in post, in order
        self.retiring = False  # a post has been closed: the heap of starts may hold closed posts

    @property
    def fte(self) -> float:
        return sum(p.speed for p in self.posts if not p.retired)

    def add(self, fte: float, since: float | None = None) -> None:
        """Open posts for ``fte`` more FTE (whole posts and one part-time post), working from ``since``."""
        since = self.env.now if since is None else since
        whole, part = divmod(round(fte, 9), 1.0)
        for speed in [1.0] * int(whole) + ([part] if part > 1e-9 else []):
            self.posts.append(_Post(speed, since))
            heappush(self.ready, (since, len(self.posts) - 1))
        waiting, self.unserved = self.unserved, []
        for idx in waiting:  # those who waited for someone to be in post, first come first served
            self._assign(idx, self.env.now)

    def set_fte(self, fte: float) -> None:
        """Change the team from now: close the most recent posts first, or open new ones."""
        now = self.env.now
        current = self.fte
        for post in reversed(self.posts):
            if current <= fte + 1e-9:
                break
            if not post.retired:
                post.retired = self.retiring = True
                self.available += max(0.0, now - post.active_since) * post.speed
                current -= post.speed
        if fte > current + 1e-9:
            self.add(fte - current)

    def arrive(self, idx: int, at: float | None = None) -> None:
        """A request reaches this step (now, or at ``at`` when a week's requests are
        screened ahead: see ``simulation.model._Run._weekly_intake``): it starts when the first
        post can take it, unless it closes first."""
        at = self.env.now if at is None else at
        self.register.enq[idx] = at
        self.in_hand += 1
        self._assign(idx, at)

    def _assign(self, idx: int, now: float) -> None:
        """Give ``idx`` to the post free soonest from ``now``; schedule its end (the hot path: locals, and
        ``Register.closes_during`` inlined)."""
        ready = self.ready
        if self.retiring:
            posts = self.posts
            while ready and posts[ready[0][1]].retired:
                heappop(ready)
        if not ready:  # nobody in post: it waits until someone is (or it closes: see settle)
            self.unserved.append(idx)
            return
        env, reg = self.env, self.register
        start, k = ready[0]
        if start < now:
            start = now
        patience, arrived = reg.patience, reg.enq[idx]
        due = arrived + patience[idx]
        stay_end = reg.stay_end[idx]
        if stay_end < due:
            due = stay_end
        if due <= start:  # closes while it waits: the post takes the next one instead
            self._finish(idx, max(0.0, due - env.now), due, closed=True)
            return
        left = patience[idx] - (start - arrived)
        post = self.posts[k]
        speed = post.speed
        work = self.days[idx] / speed
        done = start + work
        if self.turnaround is not None:
            turnaround = self.turnaround[idx]
            if turnaround > work:
                done = start + turnaround
        # when it closes while in hand, if before done (Register.closes_during)
        factor, closes = reg.allocated_factor, stay_end
        if factor > 0 and start + left / factor < closes:
            closes = start + left / factor
        if closes < done:
            end, closed = closes, True
            patience[idx] = left
        else:
            end, closed = done, False
            patience[idx] = left - factor * (done - start)
        spent = end - start if end - start < work else work
        self.busy += spent * speed
        free = post.work_free = start + spent
        ends = post.ends
        insort(ends, end)
        # the post's next possible start: hours free and a slot free (the ends are sorted)
        gone = bisect_right(ends, free)
        if gone:
            del ends[:gone]
        caseload = self.caseload
        heapreplace(ready, (free if len(ends) < caseload else max(free, ends[len(ends) - caseload]), k))
        self._finish(idx, end - env.now, end, closed)

    def _finish(self, idx: int, delay: float, end: float, closed: bool) -> None:
        """``idx`` is done (or closed, at ``end``) ``delay`` days from now: an event then, or, on the last
        step, recorded at once.

        Why at once on the last step: a decision (or a closure) there leads to nothing else within the
        run (a granted authorisation's renewal request comes weeks later), so when one that ends within
        the run is known, it can be recorded with its time without an event (a sixth of a national run's
        events). The time is the one the event would have had.
        """
        now = self.env.now
        if now + delay < self.last_step_until:
            self.in_hand -= 1
            if closed:
                self.register.close(idx, end, self.register.why_closed(idx, end))
            else:
                self.jobs += 1
                self.on_done(idx, now + delay)
        elif closed:
            self.env.timeout(delay).callbacks.append(partial(self._closed, idx, end))
        else:
            self.env.timeout(delay).callbacks.append(partial(self._done, idx))

    def _done(self, idx: int, _event: simpy.Event) -> None:
        self.in_hand -= 1
        self.jobs += 1
        self.on_done(idx, self.env.now)

    def _closed(self, idx: int, when: float, _event: simpy.Event) -> None:
        self.in_hand -= 1
        self.register.close(idx, when, self.register.why_closed(idx, when))

    def settle(self, until: float) -> int:
        """At the end of a run: close those who waited for a post in vain and whose time ran out; return how
        many are still in hand (waiting or being worked)."""
        reg = self.register
        for idx in self.unserved:
            due = min(reg.enq[idx] + reg.patience[idx], reg.stay_end[idx])
            if due <= until:
                reg.close(idx, due, reg.why_closed(idx, due))
                self.in_hand -= 1
        self.unserved.clear()
        return self.in_hand

    def stats(self, end: float) -> PoolStats:
        """Hours on requests against the posts' time over the run (work past the end left out)."""
        overrun = sum(max(0.0, p.work_free - end) * p.speed for p in self.posts)
        open_time = sum(max(0.0, end - p.active_since) * p.speed for p in self.posts if not p.retired)
        return PoolStats(self.name, self.busy - overrun, self.available + open_time, self.jobs)
