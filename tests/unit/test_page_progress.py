"""The page's progress bar redraws at most once in PROGRESS_EVERY seconds, and always for a new phase."""

from __future__ import annotations

import pytest

import page.state as state


class Bar:
    def __init__(self) -> None:
        self.drawn: list[tuple[float, str]] = []

    def progress(self, fraction: float, text: str) -> None:
        self.drawn.append((fraction, text))

    def empty(self) -> None:
        self.drawn.append((-1.0, ""))


def test_progress_redraws_at_most_once_a_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    bar = Bar()
    monkeypatch.setattr(state.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(state.st, "progress", lambda fraction, text: bar)
    progress = state.Progress("Running replications...")
    step = state.PROGRESS_EVERY / 4
    for done in range(1, 21):  # a replication every quarter of the interval
        clock[0] += step
        progress.update(done, 20, f"Replication {done} of 20")
    assert [text for _, text in bar.drawn] == [f"Replication {d} of 20" for d in (4, 8, 12, 16, 20)]
    assert [f for f, _ in bar.drawn] == [0.2, 0.4, 0.6, 0.8, 1.0]
    progress.show(1.0, "Searching for the cheapest option...")  # a new phase is shown at once
    assert bar.drawn[-1] == (1.0, "Searching for the cheapest option...")
    clock[0] += step
    progress.update(20, 20, "late")  # and restarts the interval
    assert bar.drawn[-1][1] != "late"
    progress.empty()
    assert bar.drawn[-1] == (-1.0, "")
