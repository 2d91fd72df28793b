"""Waiting lists: applications in queue-policy order, and the stages that hold them.

Why not ``simpy.PriorityResource``: it re-sorts its whole queue on every request, which is quadratic with
a national backlog (124,000 open). Here a waiting list is a plain ``heapq`` of ``(*key, seq, index,
version)`` (``key`` from :func:`triage.sort_keys`, flattened into the entry so the heap compares floats,
not tuples of tuples; ``seq`` breaking ties first come first served; ``version`` telling a live entry
from one left behind when the request was re-keyed or moved); staff posts take the next application when
they are free, or sleep until one arrives. Closures and key changes are the register's
(:mod:`simulation.register`).

A stage is a step of the work (the BIA assessment, the mental health assessment, sign-off);
it decides which of its lists a request waits on. Only the BIA stage has two: requests the ring-fence
policy picks wait for ring-fenced staff, the rest on the main list.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, Protocol

from simulation.register import Register


class Sleeper(Protocol):
    """A staff post asleep on empty lists, to be woken when work arrives."""

    def wake(self) -> bool: ...


class WaitingList:
    """Applications in key order, shared by the posts (and buyers) that serve the list."""

    def __init__(
        self, name: str, register: Register, stage: Stage, *, ring: bool = False, fifo: bool = False
    ):
        self.name = name
        self.register = register
        self.stage = stage
        self.ring = ring
        self.fifo = fifo
        self.heap: list[tuple[Any, ...]] = []  # (*key floats, seq, index, version)
        self.idle: list[Sleeper] = []
        self._seq = 0

    def key(self, idx: int) -> tuple[float, ...]:
        reg = self.register
        return reg.ring_keys[idx] if self.ring else reg.keys[idx]

    def push(self, idx: int) -> None:
        """(Re-)enter ``idx`` with its current key; any earlier entry of it goes stale."""
        reg = self.register
        version = reg.version[idx] + 1
        reg.version[idx] = version
        reg.where[idx] = self
        self._seq += 1
        heappush(self.heap, (*(reg.ring_keys[idx] if self.ring else reg.keys[idx]), self._seq, idx, version))
        if self.idle:
            self.wake_one()

    def pop_live(self, now: float) -> int:
        """The next application to work, skipping stale entries and closing those whose time ran out
        (recorded at the moment it did); -1 if none."""
        reg = self.register
        if reg.changes and reg.changes[0][0] <= now:
            reg.apply_changes(now)
        heap, version, where = self.heap, reg.version, reg.where
        enq, patience, stay_end = reg.enq, reg.patience, reg.stay_end
        while heap:
            entry = heappop(heap)
            idx, ver = entry[-2], entry[-1]
            if ver != version[idx] or where[idx] is not self:
                continue
            due = enq[idx] + patience[idx]  # (inlined Register.waiting_until: this is the hot path)
            if stay_end[idx] < due:
                due = stay_end[idx]
            if due <= now:
                reg.close(idx, due, reg.why_closed(idx, due))
                continue
            patience[idx] -= now - enq[idx]
            where[idx] = None
            return idx
        return -1

    def load(self, indices: list[int], now: float) -> None:
        """Put many requests at once (the starting backlog): one heapify instead of a push each."""
        reg = self.register
        for idx in indices:
            reg.enq[idx] = now
            reg.version[idx] += 1
            reg.where[idx] = self
            self._seq += 1
            self.heap.append((*self.key(idx), self._seq, idx, reg.version[idx]))
        heapify(self.heap)

    def wake_one(self) -> None:
        """Wake one sleeping post, if there is work (a post asleep on two lists may already be awake)."""
        while self.idle and self.heap:
            if self.idle.pop().wake():
                return

    def settle(self, until: float) -> int:
        """At the end of a run: close those due by ``until``; return how many are still waiting."""
        reg = self.register
        reg.apply_changes(until)
        waiting = 0
        for entry in self.heap:
            idx, ver = entry[-2], entry[-1]
            if ver != reg.version[idx] or reg.where[idx] is not self:
                continue
            due = reg.waiting_until(idx)
            if due <= until:
                reg.close(idx, due, reg.why_closed(idx, due))
            else:
                waiting += 1
        self.heap.clear()
        return waiting


class Stage:
    """A step of the work: its waiting lists, and which one a request waits on."""

    def __init__(self, name: str, register: Register, *, ring_fenced: bool = False):
        self.name = name
        self.register = register
        self.main = WaitingList(name, register, self)
        self.fast = WaitingList(f"{name}_ring_fenced", register, self, ring=True) if ring_fenced else None
        self.lists = (self.main,) if self.fast is None else (self.main, self.fast)

    def put(self, idx: int, now: float) -> None:
        """A request arrives at this step at ``now`` (its wait starts)."""
        self.register.enq[idx] = now
        if self.fast is None:
            self.main.push(idx)
        else:
            self.place(idx)

    def load(self, indices: list[int], now: float) -> None:
        """The starting backlog, all at once, each on its list."""
        if self.fast is None:
            self.main.load(indices, now)
            return
        inf = float("inf")
        ring = self.register.ring_keys
        self.fast.load([i for i in indices if ring[i][0] != inf], now)
        self.main.load([i for i in indices if ring[i][0] == inf], now)

    def place(self, idx: int) -> None:
        """Onto the right list with its current key (on arrival, and again when its key changes)."""
        if self.fast is not None and self.register.ring_keys[idx][0] != float("inf"):
            self.fast.push(idx)
        else:
            self.main.push(idx)

    def settle(self, until: float) -> int:
        return sum(lst.settle(until) for lst in self.lists)
