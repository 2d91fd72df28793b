"""The waiting list: applications in queue-policy order, with lapses found as they reach the head.

Why not ``simpy.PriorityResource``: it re-sorts its whole queue on every request, which is quadratic with
a national backlog (124,000 open). Here a waiting list is a plain ``heapq`` of ``(key, seq, index)``
(``key`` from :func:`triage.sort_keys`, ``seq`` breaking ties first come first served), and each staff
post is one SimPy process that takes the next application when it is free, or sleeps until one arrives.

Lapses (an application closed while waiting) cost no events: each application carries a budget of
queueing time (its "patience"); when it reaches the head of a list whose budget ran out, it is recorded
as lapsed at the moment the budget ran out and skipped. With an exponential budget that is exactly a
constant hazard while waiting, and an assessment under way is never interrupted.

The staff who work a list are :mod:`simulation.staff`'s.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Protocol


class Sleeper(Protocol):
    """A staff post asleep on an empty list, to be woken when work arrives."""

    def wake(self) -> None: ...


class WaitingList:
    """Applications in queue-policy order, shared by the posts (and buyers) that serve the list."""

    def __init__(
        self,
        name: str,
        keys: list[tuple[float, ...]],
        enq: list[float],
        patience: list[float],
        lapsed: list[float],
    ) -> None:
        self.name = name
        self.heap: list[tuple[tuple[float, ...], int, int]] = []
        self.idle: list[Sleeper] = []
        self._keys, self._enq, self._patience, self._lapsed = keys, enq, patience, lapsed
        self._seq = 0
        self.lapses = 0

    def put(self, idx: int, now: float) -> None:
        """Add application ``idx`` to the list at time ``now`` and wake a sleeping post, if any."""
        self._enq[idx] = now
        self._seq += 1
        heappush(self.heap, (self._keys[idx], self._seq, idx))
        if self.idle:
            self.idle.pop().wake()

    def load(self, indices: list[int], now: float) -> None:
        """Put many applications at once (the starting backlog), in index order for ties."""
        for idx in indices:
            self._enq[idx] = now
            self._seq += 1
            self.heap.append((self._keys[idx], self._seq, idx))
        self.heap.sort()

    def pop_live(self, now: float) -> int:
        """The next application to work, skipping (and recording) those that lapsed; -1 if none."""
        heap, enq, patience, lapsed = self.heap, self._enq, self._patience, self._lapsed
        while heap:
            idx = heappop(heap)[2]
            due = enq[idx] + patience[idx]
            if due <= now:
                lapsed[idx] = due
                self.lapses += 1
                continue
            patience[idx] = due - now
            return idx
        return -1

    def wake_one(self) -> None:
        """Pass a wake-up on (a post woken for work found it cannot take it)."""
        if self.idle and self.heap:
            self.idle.pop().wake()

    def settle(self, until: float) -> int:
        """At the end of a run: record lapses due by ``until``; return how many are still waiting."""
        waiting = 0
        for _, _, idx in self.heap:
            due = self._enq[idx] + self._patience[idx]
            if due <= until:
                self._lapsed[idx] = due
                self.lapses += 1
            else:
                waiting += 1
        self.heap.clear()
        return waiting
