"""What the tabs share: the rules, cached triage and runs, the process pool, and the session's runs.

Caches live in server memory only (nothing uploaded is written to disk); the pool and the rules are
shared by every session, runs kept by name are each session's own.
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable

import pandas as pd
import streamlit as st

from simulation.admission import admit
from simulation.executors import default_workers, process_pool
from simulation.experiment import Results, run_replications
from simulation.scenario import Scenario
from triage.columns import MappedExport
from triage.errors import DolsSimError
from triage.ingest import RawExport, read_export
from triage.mapping import ExportMapping
from triage.register import RegisterResult, build_register
from triage.rulebook import Rules, criteria_from_text, load_rules
from triage.worklist import TriageResult, build_worklist

#: The shipped synthetic export and scenarios (package data, so an installed page has them too).
EXAMPLE: Traversable = files("dols_examples") / "open_applications.csv"
SCENARIOS: Traversable = files("dols_scenarios")
EXAMPLE_AS_OF = date(2026, 11, 23)  # the date the shipped synthetic export was made for
MAX_PAGE_REPS = 200  # the page's workers are shared by every session; bigger runs belong in `dols-sim run`
#: The most applications one replication may handle on the page (simulation.budget): about 330 MB a
#: worker, a few seconds a replication, so one upload cannot starve everyone else. The command line
#: allows more (simulation.budget.RUN_LIMIT).
PAGE_WORK_LIMIT = 250_000


@dataclass(frozen=True)
class Run:
    """A run kept by name in the session: the scenario as run, its seed and replications, its results."""

    name: str
    scenario: Scenario
    toml_text: str
    seed: int
    reps: int
    results: Results

    def pairs_with(self, other: Run) -> bool:
        """Same seed and replications: the two can be compared replication by replication."""
        return (self.seed, self.reps) == (other.seed, other.reps)


#: The progress bar is redrawn at most once in this many seconds. Each redraw animates the bar in the
#: browser (about 0.05 s of CPU): twenty a run took a tenth of the machine's CPU from the replications
#: when the browser shares it with the server, and a person reads it no faster.
PROGRESS_EVERY = 1.0


class Progress:
    """A progress bar that redraws at most every :data:`PROGRESS_EVERY` seconds."""

    def __init__(self, text: str) -> None:
        self.bar = st.progress(0.0, text=text)
        self.drawn = time.monotonic()

    def update(self, done: int, total: int, text: str) -> None:
        """Show ``done`` of ``total``, unless the bar was redrawn less than a moment ago."""
        if time.monotonic() - self.drawn >= PROGRESS_EVERY:
            self.show(min(1.0, done / total), text)

    def show(self, fraction: float, text: str) -> None:
        """A step the user should see now (a new phase), whenever the bar was last redrawn."""
        self.drawn = time.monotonic()
        self.bar.progress(fraction, text=text)

    def empty(self) -> None:
        self.bar.empty()


#: Session key of the council's own screening criteria: (file name, text), held in memory only.
CRITERIA_KEY = "own_criteria"


@st.cache_resource(max_entries=8)
def rules_for(criteria_text: str = "", name: str = "") -> Rules:
    """The shipped rules, with a council's own screening criteria (the text of its uploaded file) in
    place of the shipped ones, as ``dols-sim triage --criteria`` does. A bad file: one RulesError line."""
    shipped = load_rules()
    if not criteria_text:
        return shipped
    return Rules(shipped.timescales, criteria_from_text(criteria_text, name), shipped.policies)


def rules() -> Rules:
    """The rules this session uses: the council's own criteria if it uploaded them (Triage tab)."""
    held: tuple[str, str] | None = st.session_state.get(CRITERIA_KEY)
    return rules_for(held[1], held[0]) if held else rules_for()


def rules_key() -> str:
    """What makes this session's rules differ from the shipped ones (a cache key: results worked out
    under one set of criteria are never shown under another)."""
    held: tuple[str, str] | None = st.session_state.get(CRITERIA_KEY)
    return hashlib.sha256(held[1].encode()).hexdigest() if held else ""


@st.cache_data(max_entries=4, show_spinner=False)
def read_cached(data: bytes, filename: str, header_row: int | None = None) -> RawExport:
    """The upload read as text, in memory (its own headers: the mapping step reads them)."""
    return read_export(data, filename, header_row)


@st.cache_data(max_entries=8, show_spinner=False)
def triage_cached(
    data: bytes,
    filename: str,
    as_of: date,
    columns: tuple[tuple[str, str], ...],
    mapping_text: str,
    criteria_key: str,
    _export: MappedExport,
) -> TriageResult:
    """Cached in memory on (file bytes, name, date, the columns chosen, the mapping file uploaded):
    changing a filter does not re-run the triage. ``_export`` is that file read with those choices."""
    return build_worklist(_export, as_of, rules())


@st.cache_data(show_spinner=False, max_entries=4)
def register_cached(
    data: bytes,
    filename: str,
    as_of: date,
    open_key: str,
    mapping_text: str,
    criteria_key: str,
    _open: pd.DataFrame,
    _mapping: ExportMapping,
) -> RegisterResult:
    """The register read and alerted, cached in memory on (file bytes, name, date, the open requests'
    digest, the mapping file): a filter change does not re-read it. Never written to disk."""
    return build_register(data, as_of, _open, rules(), filename=filename, mapping=_mapping)


def worklist_fingerprint(worklist: pd.DataFrame) -> str:
    """A digest of the worklist's content (no data kept), to key cached runs started from it."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(worklist, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@st.cache_resource
def replication_pool() -> ProcessPoolExecutor:
    """One pool of worker processes for the whole server, shared by every session.

    Replications run on all cores (a 20-replication run is about twice as fast on two), and ten
    sessions queue on the same workers rather than oversubscribing the machine. Forked from the
    forkserver (:func:`simulation.executors.process_pool`): forking a threaded web server is unsafe, and
    its workers start with the model already imported. The numbers are the same as a serial run
    (replication i depends only on the scenario, i and the seed).
    """
    workers = default_workers()
    pool = process_pool(workers)
    for _ in range(workers):
        pool.submit(int)  # start the workers now, while the user sets the levers
    return pool


@st.cache_data(max_entries=16, show_spinner=False)
def run_cached(
    toml_text: str,
    reps: int,
    seed: int,
    worklist_key: str,
    criteria_key: str,
    _scenario: Scenario,
    _worklist: pd.DataFrame | None,
) -> Results:
    """Cached in memory on (scenario as TOML, reps, seed, worklist): the same run is never done twice.

    The scenario is admitted here, once: an uploaded scenario may not name a file on the server.
    """
    admitted = admit(
        _scenario,
        rules(),
        initial_worklist=_worklist,
        read_files=False,
        work_limit=PAGE_WORK_LIMIT,
        limit_owner="the page (bigger runs: dols-sim run)",
    )
    bar = Progress("Running replications...")

    def progress(done: int, total: int) -> None:
        bar.update(done, total, f"Replication {done} of {total}")

    for attempt in (1, 2):
        try:
            results = run_replications(
                admitted,
                reps,
                seed,
                progress=progress,
                executor=replication_pool(),
            )
            break
        except BrokenProcessPool:  # a worker died (e.g. out of memory): a fresh pool for everyone, once
            replication_pool.clear()
            if attempt == 2:
                raise DolsSimError(
                    "the simulation workers stopped unexpectedly; try fewer replications"
                ) from None
    bar.empty()
    return results


def runs() -> dict[str, Run]:
    """This session's kept runs, by name, oldest first."""
    kept: dict[str, Run] = st.session_state.setdefault("runs", {})
    return kept
