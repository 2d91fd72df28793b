"""Bought (independent) BIA assessments: taken off the lists at evenly spaced moments at the month's rate.

Why apart from the staff posts: a council buys a number of assessments a month, not staff time; each comes
back after the independent BIA's turnaround, and a moment with nothing waiting is not bought. They take
the main list's next request (the backlog) and ring-fenced work only when the main list is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import simpy

from simulation.register import Register
from simulation.scenario import MONTH_DAYS
from simulation.staff import assess
from simulation.waiting_list import WaitingList


class BoughtAssessments:
    """The buying process: ``set_rate`` changes how many a month (the staffing timeline)."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        lists: tuple[WaitingList, ...],
        on_start: Callable[[int, float], None],
        on_done: Callable[[int, float], None],
    ) -> None:
        self.env, self.register, self.lists = env, register, lists
        self.on_start, self.on_done = on_start, on_done
        self.rate = 0.0
        self.bought = 0
        self.in_progress = 0
        self._wakeup = env.event()
        env.process(self._run())

    def set_rate(self, per_month: float) -> None:
        was, self.rate = self.rate, per_month
        if was <= 0 < per_month and not self._wakeup.triggered:
            self._wakeup.succeed()

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env, reg = self.env, self.register
        while True:
            if self.rate <= 0:
                self._wakeup = env.event()
                yield self._wakeup
                continue
            yield env.timeout(MONTH_DAYS / self.rate)
            now = env.now
            idx = next((i for i in (lst.pop_live(now) for lst in self.lists) if i >= 0), -1)
            if idx < 0:
                continue
            self.on_start(idx, now)
            self.bought += 1
            self.in_progress += 1
            days = reg.independent_days[idx]
            end, closed = assess(reg, idx, now, days, days)
            env.timeout(end - now).callbacks.append(partial(self._done, idx, closed))

    def _done(self, idx: int, closed: bool, _event: simpy.Event) -> None:
        self.in_progress -= 1
        now = self.env.now
        if closed:
            self.register.close(idx, now, self.register.why_closed(idx, now))
        else:
            self.on_done(idx, now)
