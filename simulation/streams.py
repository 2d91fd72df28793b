"""Random streams: one numpy Generator per random process, spawned from the run's SeedSequence.

Why: two scenarios run at the same seed then share random numbers process by process (common random
numbers), so a difference in results comes from the difference in the scenario, not from luck. The
stream names are in a fixed order and new ones are only ever appended, so adding a process later never
shifts the numbers an existing process gets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Top-level processes, each spawned (in this order) from the run's SeedSequence.
RUN_STREAMS: tuple[str, ...] = (
    "arrivals",
    "initial_backlog",
    "new_requests",
    "renewals",
    "staffing",
    "standing",
)

#: Per-application draws, one stream each, within a group of applications (initial backlog, new
#: requests, renewals), so e.g. a bigger starting backlog does not change the new requests' draws.
APP_STREAMS: tuple[str, ...] = (
    "attributes",
    "bia_hours",
    "independent_days",
    "mha_hours",
    "sign_off_hours",
    "lapse",
    "outcome",
    "authorisation",
    "leaving",
    "extension",
    "age",
    "bia_turnaround",
    "mha_turnaround",
    "screen_hours",
    "stay",
    "closure_reason",
    "screen_close",
    "ring_turnaround",
    "already_deprived",
)


def _child(seq: np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """The ``index``-th child of ``seq``, as ``seq.spawn`` would give it, without mutating ``seq``."""
    return np.random.SeedSequence(entropy=seq.entropy, spawn_key=(*seq.spawn_key, index))


@dataclass(frozen=True)
class GroupStreams:
    """One Generator per per-application random process for a group of applications."""

    gens: dict[str, np.random.Generator]

    def __getitem__(self, name: str) -> np.random.Generator:
        return self.gens[name]


class RunStreams:
    """All streams of one run, derived deterministically from its SeedSequence."""

    def __init__(self, seed_seq: np.random.SeedSequence) -> None:
        self.seed_seq = seed_seq
        self._seqs = {name: _child(seed_seq, i) for i, name in enumerate(RUN_STREAMS)}

    def generator(self, name: str) -> np.random.Generator:
        """A fresh Generator for a top-level process (``arrivals``)."""
        return np.random.default_rng(self._seqs[name])

    def group(self, name: str) -> GroupStreams:
        """Per-application streams for a group (``initial_backlog``, ``new_requests``, ``renewals``)."""
        seq = self._seqs[name]
        return GroupStreams({s: np.random.default_rng(_child(seq, i)) for i, s in enumerate(APP_STREAMS)})

    def post(self, pool: str, index: int) -> np.random.Generator:
        """The stream of one staff post (turnover), so post k's leaving times do not depend on others."""
        pool_index = {"bia": 0, "mha": 1, "authoriser": 2, "bia_ring": 3, "coordinator": 4}[pool]
        return np.random.default_rng(_child(_child(self._seqs["staffing"], pool_index), index))
