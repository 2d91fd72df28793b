"""Replications of many options of one scenario, each run once: the engine under sweep, compare and plan.

An :class:`Option` is the base scenario with some keys set (``staffing.bia_fte=8``), or a whole scenario
(an option file for ``compare``). The :class:`Evaluator` keeps every replication's KPIs it has seen (from
this run or, with a journal, an earlier one), so asking twice costs nothing: a plan's search and the
heat map beside it share work. Work goes to any ``concurrent.futures.Executor`` a window at a time;
results are stored (and journaled) as they arrive, whatever order they finish in, and read back in
replication order, so every decision made from them is the same under any executor.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any

from simulation.admission import Admitted, admit
from simulation.executors import SerialExecutor
from simulation.experiment import run_one
from simulation.journal import Journal, option_key
from simulation.scenario import Scenario, ScenarioError
from simulation.scenario_file import with_values
from triage.errors import DolsSimError, show_value

log = logging.getLogger(__name__)

KpiRow = dict[str, float]
#: A replication's task: (admitted scenario, replication, seed) -> KPIs. Module-level, so it pickles.
Task = Callable[[Admitted, int, int], KpiRow]


def replication_kpis(admitted: Admitted, rep_index: int, seed: int) -> KpiRow:
    """The KPIs of one replication (what a sweep keeps; the weekly backlog stays on the worker)."""
    return run_one(admitted, rep_index, seed).kpis


class ReplicationError(DolsSimError):
    """A replication failed: the message names the option and the replication."""


@dataclass(frozen=True)
class Option:
    """One choice to simulate: key paths set on the base scenario, or a whole scenario of its own."""

    values: tuple[tuple[str, Any], ...] = ()
    label: str = ""
    scenario: Scenario | None = field(default=None, compare=False)

    @staticmethod
    def of(values: Mapping[str, Any]) -> Option:
        """An option setting ``values`` (key path -> value), labelled ``key=value, ...``."""
        items = tuple(values.items())
        return Option(items, ", ".join(f"{k}={show_value(v)}" for k, v in items) or "baseline")

    @property
    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


class Evaluator:
    """Runs replications of options of ``base`` with ``seed`` on ``executor``, each at most once."""

    def __init__(
        self,
        base: Admitted,
        seed: int,
        executor: Executor | None = None,
        *,
        workers: int = 1,
        journal: Journal | None = None,
        on_result: Callable[[], None] | None = None,
        task: Task = replication_kpis,
    ) -> None:
        if seed < 0:
            raise DolsSimError(f"--seed: must be >= 0, got {seed}")
        self.base = base
        self.seed = seed
        self.executor = executor if executor is not None else SerialExecutor()
        self.workers = max(1, workers)
        self.journal = journal
        self.on_result = on_result
        self.task = task
        self.cache: dict[tuple[str, int], KpiRow] = dict(journal.done) if journal else {}
        self.computed = 0  # replications run by this evaluator (not read from a journal)
        self._admitted: dict[Option, tuple[str, Admitted]] = {}

    # ---- options ------------------------------------------------------------------------------------

    def admitted(self, option: Option) -> Admitted:
        return self._prepare(option)[1]

    def key(self, option: Option) -> str:
        return self._prepare(option)[0]

    def _prepare(self, option: Option) -> tuple[str, Admitted]:
        """The option's scenario, admitted once; a bad value is an error naming the option."""
        found = self._admitted.get(option)
        if found is None:
            base = self.base
            try:
                scenario = option.scenario or with_values(base.scenario, option.as_dict)
                admitted = admit(scenario, base.rules, initial_worklist=base.initial_worklist)
            except DolsSimError as exc:
                raise ScenarioError(f"option {option.label}: {exc}") from None
            found = (option_key(scenario), admitted)
            self._admitted[option] = found
        return found

    def check(self, options: Iterable[Option]) -> None:
        """Admit every option now, so a bad value is reported before anything runs."""
        for option in options:
            self._prepare(option)

    # ---- running ------------------------------------------------------------------------------------

    def has(self, option: Option, rep: int) -> bool:
        return (self.key(option), rep) in self.cache

    def get(self, option: Option, rep: int) -> KpiRow:
        return self.cache[(self.key(option), rep)]

    def rows(self, option: Option, reps: int) -> list[KpiRow]:
        """Replications 0..reps-1 of an option, running any not yet done."""
        self.ensure((option, i) for i in range(reps))
        return [self.get(option, i) for i in range(reps)]

    def _store(self, option: Option, rep: int, kpis: KpiRow) -> None:
        key = self.key(option)
        self.cache[(key, rep)] = kpis
        self.computed += 1
        if self.journal is not None:
            self.journal.write(key, option.label, rep, kpis)
        if self.on_result is not None:
            self.on_result()

    def _failed(self, option: Option, rep: int, exc: BaseException) -> ReplicationError:
        kept = f"; finished replications are kept in {self.journal.path}" if self.journal else ""
        return ReplicationError(
            f"option {option.label}: replication {rep} failed: {type(exc).__name__}: {exc}{kept}"
        )

    def ensure(self, pairs: Iterable[tuple[Option, int]]) -> None:
        """Run every (option, replication) not yet known, a window at a time; results stored as they come."""
        todo = [(o, i) for o, i in dict.fromkeys(pairs) if not self.has(o, i)]
        for _ in self._run(iter(todo), 2 * self.workers):
            pass

    def _run(
        self, todo: Iterator[tuple[Option, int]], window: int
    ) -> Generator[tuple[Option, int], None, None]:
        """Submit ``todo`` keeping ``window`` in flight; yield each pair when its result is stored.

        A failed replication stops the submitting; those already finished are stored; the error names
        the option and replication. Closing the iterator early cancels whatever has not started.
        """
        window = 1 if isinstance(self.executor, SerialExecutor) else window
        pending: dict[Future[KpiRow], tuple[Option, int]] = {}
        failure: ReplicationError | None = None

        def fill() -> None:
            for option, rep in itertools.islice(todo, max(0, window - len(pending))):
                future = self.executor.submit(self.task, self.admitted(option), rep, self.seed)
                pending[future] = (option, rep)

        try:
            fill()
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in done:
                    option, rep = pending.pop(future)
                    try:
                        kpis = future.result()
                    except Exception as exc:
                        failure = failure or self._failed(option, rep, exc)
                        continue
                    self._store(option, rep, kpis)
                    yield option, rep
                if failure is not None:
                    for future in pending:  # nothing new starts; the ones in hand finish and are kept
                        future.cancel()
                    wait(list(pending))
                    for future, (option, rep) in list(pending.items()):
                        if not future.cancelled() and future.exception() is None:
                            self._store(option, rep, future.result())
                    pending.clear()
                    raise failure
                fill()
        finally:
            for future in pending:
                future.cancel()

    def in_order(
        self, option: Option, indices: Sequence[int], decided: Callable[[list[KpiRow]], bool]
    ) -> dict[int, KpiRow]:
        """Replications ``indices`` of an option, taken in that order until ``decided(rows so far)``
        (asked before each one, so it may need none) or all are taken; {replication: KPIs}.

        Why in order: the decision depends only on the first k of them, so it is the same however many
        workers ran ahead (their results are kept for later, never used for this decision).
        """
        rows: list[KpiRow] = []
        taken: dict[int, KpiRow] = {}
        missing = (i for i in indices if not self.has(option, i))
        # One per worker in flight: work started beyond the decision is lost (a pool cannot stop it).
        runner = self._run(((option, i) for i in missing), self.workers)
        try:
            for i in indices:
                if decided(rows):
                    break
                while not self.has(option, i):
                    next(runner)
                rows.append(self.get(option, i))
                taken[i] = rows[-1]
        finally:
            runner.close()
        return taken


def run_grid(evaluator: Evaluator, options: Sequence[Option], reps: Sequence[int]) -> None:
    """Replications 0..reps[k]-1 of each option k (those not yet known), all in one stream of work."""
    evaluator.ensure((o, i) for o, n in zip(options, reps, strict=True) for i in range(n))
