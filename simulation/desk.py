"""A first-come-first-served step of the work: screening on receipt, the mental health assessment, sign-off.

Why not staff posts and a waiting list (as for the BIA assessment): these steps are worked in order of
arrival, and for a first-come-first-served queue the post that can start soonest takes the next request,
so each request's start is known the moment it arrives. A heap of the posts' next possible start times
does the whole queue exactly, at one event a request (a national run has a third of a million of each):
a third of the cost of waking a post to take work from a list.

A post is a whole or part FTE (``speed``) carrying up to ``caseload`` cases; a case's report comes after
its turnaround or its work at the post's speed, whichever is later, and the post's hours on one case must
be done before it starts the next (as for BIAs, :mod:`simulation.staff`). A request can close while it
waits (it then never takes a post's time) or while it is in hand (its slot frees at once).

One simplification, said here so it is findable: a change of staffing (more or fewer mental health
assessors or authorisers from a month on) applies to requests arriving from then on; requests already
queued keep the start they were given.
"""

from __future__ import annotations

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

    def next_start(self, caseload: int) -> float:
        """The earliest time it can take another case: hours free and a slot free."""
        free, ends = self.work_free, self.ends
        done = bisect_right(ends, free)  # cases ended by then (the ends are sorted)
        if done:
            del ends[:done]
        return free if len(ends) < caseload else max(free, ends[len(ends) - caseload])


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
    ) -> None:
        self.env, self.name, self.register, self.days = env, name, register, days
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
            self._assign(idx)

    def set_fte(self, fte: float) -> None:
        """Change the team from now: close the most recent posts first, or open new ones."""
        now = self.env.now
        current = self.fte
        for post in reversed(self.posts):
            if current <= fte + 1e-9:
                break
            if not post.retired:
                post.retired = True
                self.available += max(0.0, now - post.active_since) * post.speed
                current -= post.speed
        if fte > current + 1e-9:
            self.add(fte - current)

    def arrive(self, idx: int) -> None:
        """A request reaches this step: it starts when the first post can take it, unless it closes first."""
        self.register.enq[idx] = self.env.now
        self.in_hand += 1
        self._assign(idx)

    def _assign(self, idx: int) -> None:
        env, reg = self.env, self.register
        now = env.now
        ready, posts = self.ready, self.posts
        while ready and posts[ready[0][1]].retired:
            heappop(ready)
        if not ready:  # nobody in post: it waits until someone is (or it closes: see settle)
            self.unserved.append(idx)
            return
        start, k = ready[0]
        start = max(now, start)
        arrived = reg.enq[idx]
        due = min(arrived + reg.patience[idx], reg.stay_end[idx])
        if due <= start:  # closes while it waits: the post takes the next one instead
            env.timeout(max(0.0, due - now)).callbacks.append(partial(self._closed, idx, due))
            return
        reg.patience[idx] -= start - arrived
        post = posts[k]
        work = self.days[idx] / post.speed
        done = start + (max(work, self.turnaround[idx]) if self.turnaround is not None else work)
        closes = reg.closes_during(idx, start, done)
        closed = closes < done
        end = closes if closed else done
        spent = min(work, end - start)
        self.busy += spent * post.speed
        post.work_free = start + spent
        insort(post.ends, end)
        heapreplace(ready, (post.next_start(self.caseload), k))
        if closed:
            env.timeout(end - now).callbacks.append(partial(self._closed, idx, end))
        else:
            env.timeout(end - now).callbacks.append(partial(self._done, idx))

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
