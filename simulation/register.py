"""The run's register of applications: each one's state as plain lists, and the changes due to its keys.

Why plain lists: the event loop reads and writes one application's values millions of times in a national
run, and list indexing is several times faster than a DataFrame's or numpy's scalar access. Blocks of
applications (the starting backlog, all new requests, renewals a week at a time) are appended in batch.

Closures: a request waiting on a list closes when its hazard budget (``patience``, in days of waiting)
runs out or the person leaves the setting (``stay_end``), found lazily when it reaches the head of its
list (or at the end of the run), so closures cost no events. Once an assessor has it, the budget runs at
``while_allocated_factor`` of that speed (see :meth:`Register.closes_during`).

Key changes (a request becomes breached, an urgent authorisation runs out, ...) are kept in a heap by time
and applied before any list is read (:meth:`Register.apply_changes`): the request is pushed again with its
new key, and the old entry, now stale, is skipped when it surfaces. O(log n) a change.
"""

from __future__ import annotations

import math
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING

import numpy as np

from simulation.applications import AppBlock, KeyChange

if TYPE_CHECKING:
    from simulation.waiting_list import WaitingList

#: Why a request closed without a decision (the run log's ``closure``).
CLOSURES: tuple[str, ...] = ("none", "screening", "died", "circumstances_changed")
NOT_CLOSED, AT_SCREENING, DIED, CHANGED = range(len(CLOSURES))


class Register:
    """Per-application state of one run (see the module docstring)."""

    def __init__(self, while_allocated_factor: float) -> None:
        self.allocated_factor = while_allocated_factor
        self.blocks: list[AppBlock] = []
        self.sources: list[np.ndarray] = []
        self.parents: list[np.ndarray] = []
        # queue keys and where each request waits
        self.keys: list[tuple[float, ...]] = []
        self.ring_keys: list[tuple[float, ...]] = []
        self.version: list[int] = []
        self.where: list[WaitingList | None] = []
        self.changes: list[tuple[float, int, tuple[float, ...], tuple[float, ...] | None]] = []
        # closing
        self.enq: list[float] = []
        self.patience: list[float] = []
        self.stay_end: list[float] = []
        self.died: list[bool] = []
        self.closes_at_screening: list[bool] = []
        # work
        self.screen_days: list[float] = []
        self.bia_days: list[float] = []
        self.independent_days: list[float] = []
        self.mha_days: list[float] = []
        self.sign_off_days: list[float] = []
        self.bia_turnaround: list[float] = []
        self.ring_turnaround: list[float] = []
        self.mha_turnaround: list[float] = []
        # outcomes and renewals
        self.granted: list[bool] = []
        self.renewal_after: list[float] = []
        self.authorisation_days: list[float] = []
        self.setting: list[int] = []
        self.reason: list[int] = []
        # what happened (NaN: not within the run)
        self.screened: list[float] = []
        self.allocated: list[float] = []
        self.route: list[int] = []
        self.bia_done: list[float] = []
        self.mha_done: list[float] = []
        self.decided: list[float] = []
        self.closed: list[float] = []
        self.closure: list[int] = []
        self.n_closed = 0
        #: True while key changes are applied inside a read of a list: a post woken then must look for
        #: work afterwards, not in the middle of that read.
        self.rekeying = False

    def __len__(self) -> int:
        return len(self.keys)

    def append(self, block: AppBlock, source: int, parents: np.ndarray | None = None) -> int:
        """Add a block's applications; returns the first new index."""
        first = len(self.keys)
        n = len(block)
        self.blocks.append(block)
        self.sources.append(np.full(n, source, dtype=np.int8))
        self.parents.append(np.full(n, -1, dtype=np.int64) if parents is None else parents)
        self.keys.extend(block.keys)
        if block.ring_keys is not None:
            self.ring_keys.extend(block.ring_keys)
        self.version.extend([0] * n)
        self.where.extend([None] * n)
        self._add_changes(block.key_changes, first)
        nan = [math.nan] * n
        self.enq.extend(nan)
        for name in (
            "patience", "stay_end", "died", "closes_at_screening", "screen_days", "bia_days",
            "independent_days", "mha_days", "sign_off_days", "bia_turnaround", "ring_turnaround",
            "mha_turnaround", "granted", "renewal_after", "authorisation_days", "setting",
        ):  # fmt: skip
            getattr(self, name).extend(getattr(block, name).tolist())
        self.reason.extend(block.support_reason.tolist())
        for out in (self.screened, self.allocated, self.bia_done, self.mha_done, self.decided, self.closed):
            out.extend(nan)
        self.route.extend([0] * n)
        self.closure.extend([NOT_CLOSED] * n)
        return first

    def _add_changes(self, changes: list[KeyChange], first: int) -> None:
        if not changes:
            return
        shifted = [(t, first + i, key, ring) for t, i, key, ring in changes]
        if len(shifted) > len(self.changes):
            self.changes.extend(shifted)
            heapify(self.changes)
        else:
            for item in shifted:
                heappush(self.changes, item)

    def apply_changes(self, now: float) -> None:
        """Give every request whose key changed by ``now`` its new key (and list) before a list is read."""
        changes = self.changes
        self.rekeying = True
        while changes and changes[0][0] <= now:
            _, idx, key, ring = heappop(changes)
            self.keys[idx] = key
            if ring is not None:
                self.ring_keys[idx] = ring
            waiting = self.where[idx]
            if waiting is not None:
                waiting.stage.place(idx)
        self.rekeying = False

    # ---- closing ----------------------------------------------------------------------------------------

    def close(self, idx: int, when: float, why: int) -> None:
        self.closed[idx] = when
        self.closure[idx] = why
        self.where[idx] = None
        self.n_closed += 1

    def waiting_until(self, idx: int) -> float:
        """When a request waiting since ``enq`` will close if still waiting (inf: never)."""
        return min(self.enq[idx] + self.patience[idx], self.stay_end[idx])

    def why_closed(self, idx: int, when: float) -> int:
        """The published reason: leaving the setting (a stay's end) is a change of circumstances."""
        if when >= self.stay_end[idx] or not self.died[idx]:
            return CHANGED
        return DIED

    def closes_during(self, idx: int, start: float, end: float) -> float:
        """When a request allocated at ``start`` closes before ``end`` (inf: it does not); spends its hazard
        budget for the time it was in hand."""
        factor = self.allocated_factor
        at = self.stay_end[idx]
        if factor > 0:
            at = min(at, start + self.patience[idx] / factor)
        if at < end:
            return at
        self.patience[idx] -= factor * (end - start)
        return math.inf
