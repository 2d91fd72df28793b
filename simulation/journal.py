"""Replications written as they arrive (``journal.jsonl`` in ``--out``), so a rerun with ``--resume`` does
only what is missing.

Why a journal: a sweep of a few hundred options can run for hours on a cluster; a failed replication,
a lost connection or Ctrl+C must not throw away what finished. Each finished replication is one JSON line
(its option's key, label, replication number and KPIs), flushed at once. The first line is a fingerprint
of everything besides the option that decides the numbers (seed, rules, starting worklist, version): a
journal made with another seed or version is refused, never mixed in. An option is keyed by a digest of
its whole scenario, so the same option in a bigger grid, or a run with more replications, reuses it.
Floats are written with Python's shortest round-tripping repr, so a resumed run's files are byte for
byte those of a run in one go.
"""

from __future__ import annotations

import hashlib
import json
import math
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pandas as pd

from simulation.admission import Admitted
from simulation.scenario import Scenario
from simulation.scenario_file import scenario_to_toml
from triage.errors import DolsSimError

JOURNAL = "journal.jsonl"
FORMAT = 1


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def option_key(scenario: Scenario) -> str:
    """A digest of a whole scenario: two options with the same scenario have the same results."""
    return _digest(scenario_to_toml(scenario))


def fingerprint(admitted: Admitted, seed: int) -> str:
    """What, besides the option's scenario, decides a replication's numbers."""
    try:
        version = metadata.version("dols-sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a clone without installing
        version = "unknown"
    rules = admitted.rules
    parts: dict[str, Any] = {
        "format": FORMAT,
        "version": version,
        "seed": seed,
        "rules": [r.model_dump(mode="json") for r in (rules.timescales, rules.criteria, rules.policies)],
    }
    if admitted.initial_worklist is not None:
        rows = pd.util.hash_pandas_object(admitted.initial_worklist, index=False).to_numpy()
        parts["initial_worklist"] = hashlib.sha256(rows.tobytes()).hexdigest()
    return _digest(json.dumps(parts, sort_keys=True, default=str))


def _number(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


class Journal:
    """The journal in ``folder``: what finished before (with ``resume``), and a line for each new result."""

    def __init__(self, folder: Path | str, print_: str, *, resume: bool = False) -> None:
        self.path = Path(folder) / JOURNAL
        self.fingerprint = print_
        self.done: dict[tuple[str, int], dict[str, float]] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.path.exists():
                self._read()
                self._file: IO[str] = self.path.open("a", encoding="utf-8")
            else:  # a fresh start (a journal from an earlier run is replaced)
                self._file = self.path.open("w", encoding="utf-8")
                self._line({"journal": FORMAT, "fingerprint": print_})
        except OSError as exc:
            raise DolsSimError(f"--out: cannot write {self.path}: {exc.strerror}") from None

    def _read(self) -> None:
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.endswith("\n"):
                    break  # the last line was cut short by a crash: that replication runs again
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    raise DolsSimError(f"--resume: {self.path} line {number} is not a journal line") from None
                if number == 1:
                    if entry.get("fingerprint") != self.fingerprint:
                        raise DolsSimError(
                            f"--resume: {self.path} holds results of another seed, rules, worklist or "
                            "dols-sim version; use a new --out folder or leave out --resume"
                        )
                    continue
                kpis = {k: math.nan if v is None else float(v) for k, v in entry["kpis"].items()}
                self.done[(entry["option"], int(entry["replication"]))] = kpis
        if self.path.stat().st_size and not self.path.read_text(encoding="utf-8").endswith("\n"):
            self._truncate_partial_line()

    def _truncate_partial_line(self) -> None:
        text = self.path.read_text(encoding="utf-8")
        self.path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")

    def _line(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry, allow_nan=False) + "\n")
        self._file.flush()

    def write(self, key: str, label: str, replication: int, kpis: dict[str, float]) -> None:
        """Record one finished replication (flushed at once: a crash keeps it)."""
        values = {k: _number(v) for k, v in kpis.items()}
        self._line({"option": key, "label": label, "replication": replication, "kpis": values})

    def close(self) -> None:
        self._file.close()
