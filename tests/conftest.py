"""Shared helpers: small exports built in memory (never real data), scenario paths, a small scenario
builder, the conservation check, the command line in-process; and the test tiers.

Tests live in one folder per tier, and each test is marked with its folder's tier, so a tier can be run
alone (``pytest -m unit``) or left out (``pytest -m "not browser"``, the quick loop):

- ``unit``: one module's behaviour, small inputs, hand-worked answers;
- ``property``: hypothesis searches for inputs that break an invariant (no row lost, round trips);
- ``validity``: the model against queueing theory (Erlang C and A, Little's law) and behaviour;
- ``backtest``: today's results against stored ones, so a refactor cannot move a number unseen;
- ``functional``: the command line, the README's examples, executors and the page (AppTest), end to end;
- ``browser``: the page in Debian's Chromium, as a user meets it.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

import triage
from simulation.run_log import RunLog
from simulation.scenario import Scenario
from simulation.scenario_file import load_scenario, scenario_from_toml, with_overrides

# In CI the property tests search the same inputs every run (derandomize): a red CI is then a change of
# ours, never a new draw. Locally they search afresh each run, and a failure is kept in .hypothesis/.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

AS_OF = date(2026, 11, 23)
TIERS = ("unit", "property", "validity", "backtest", "functional", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its folder's tier; skip ``long`` tests unless ``-m`` names them."""
    run_long = "long" in (config.option.markexpr or "").replace("not long", "")
    for item in items:
        tier = Path(str(item.fspath)).parent.name
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
        if "long" in item.keywords and not run_long:
            item.add_marker(pytest.mark.skip(reason="thousands of examples: run with -m long"))


BASE_ROW = {
    "application_id": "A1",
    "received_date": "2026-11-01",
    "setting": "care_home",
    "request_type": "standard",
    "urgent_start": "",
    "urgent_extended_days": "",
    "current_authorisation_expiry": "",
    "age": "84",
    "primary_support_reason": "dementia",
    "objecting": "no",
    "family_objecting": "no",
    "unsettled_placement": "no",
    "restraint": "no",
    "sedation_or_covert_medication": "no",
    "one_to_one": "no",
    "contact_restrictions": "no",
    "move_considered": "no",
    "fluctuating_capacity": "no",
    "end_of_life": "no",
    "change_since_last_authorisation": "",
}


def make_rows(*overrides: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for i, o in enumerate(overrides):
        row = {**BASE_ROW, "application_id": f"A{i + 1}"}
        row.update(o)
        rows.append(row)
    return rows


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    return buf.getvalue().encode(encoding)


#: The KPI columns scripts rely on in replications.csv (beside `replication`): issue 4's, and the
#: published definitions of issue 9.
REQUIRED_KPIS = (
    "initial_backlog",
    "received",
    "completed",
    "closed_without_assessment",
    "standard_completed_within_21_days_share",
    "mean_days_to_complete",
    "decided",
    "closed_before_decision",
    "open_at_end",
    "mean_wait_days",
    "within_statutory_share",
    "unauthorised_person_days",
    "weeks_to_clear",
    "cost_total",
)

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
EXAMPLE = SCENARIOS / "example-council.toml"
VALIDATION = SCENARIOS / "validation"

SMALL = """
name = "small"
[horizon]
start_date = 2025-04-01
months = 6
[demand]
applications_per_month = 120
blank_flag_share = 0.03
[demand.flags]
objecting = 0.15
restraint = 0.1
fluctuating_capacity = 0.2
change_since_last_authorisation = 0.3
[initial_backlog]
size = 200
authorisations_in_force = 100
age_profile = [{ up_to_days = 30, share = 0.5 }, { up_to_days = 400, share = 0.5 }]
[staffing]
bia_fte = 6.5
bia_caseload = 4
bia_turnaround_days = { kind = "gamma", mean = 14, sd = 5 }
independent_bia_per_month = 20
mental_health_assessors = 2
authorisers = 2
authoriser_productive_hours_per_week = 10
[closure]
care_home = { died_per_day = 0.001, circumstances_changed_per_day = 0.002 }
hospital = { died_per_day = 0.004, stay_days = { kind = "lognormal", mean = 20, sd = 15 } }
[screening]
coordinator_fte = 0.5
closed_on_receipt_share = { care_home = 0.03, hospital = 0.1 }
[queue]
ring_fenced_share = 0.2
[outcomes]
authorisation_days = { kind = "fixed", mean = 60 }
"""


def small(*overrides: str) -> Scenario:
    """A small, quick scenario exercising every part of the model (renewals within 6 months)."""
    return with_overrides(scenario_from_toml(SMALL), list(overrides))


def scenario_file(path: Path, *overrides: str) -> Scenario:
    return with_overrides(load_scenario(path), list(overrides))


@pytest.fixture(scope="session")
def rules() -> triage.Rules:
    return triage.load_rules()


def assert_conserved(log: RunLog) -> None:
    """initial + received (incl. renewals) = decided + closed + open at end, two independent ways.

    The model's own tallies (kept as events happen, and by counting what is still in its queues and
    in service at the end) must balance, and must agree with the per-application log.
    """
    state = log.state
    assert state["initial"] + state["arrived"] == state["decided"] + state["closed"] + state["open"]
    apps = log.apps
    decided = apps["decided"].notna().to_numpy()
    closed = apps["closed"].notna().to_numpy()
    assert not (decided & closed).any(), "an application both decided and closed"
    assert len(apps) == state["initial"] + state["arrived"]
    assert (apps["source"] == "initial").sum() == state["initial"]
    assert decided.sum() == state["decided"]
    assert closed.sum() == state["closed"]
    assert (~decided & ~closed).sum() == state["open"]
    assert ((apps["closure"] != "none").to_numpy() == closed).all(), "a closure without a reason"
    # Times run forwards and stay inside the run.
    end = log.horizon_days
    t = {
        c: apps[c].to_numpy()
        for c in ("received", "screened", "allocated", "bia_done", "mha_done", "decided", "closed")
    }
    assert (t["received"] < end).all()
    assert (t["received"][apps["source"].to_numpy() != "initial"] >= 0).all()
    with np.errstate(invalid="ignore"):
        for a, b in (
            ("received", "screened"),
            ("screened", "allocated"),
            ("received", "allocated"),
            ("allocated", "bia_done"),
            ("bia_done", "mha_done"),
        ):
            both = ~np.isnan(t[a]) & ~np.isnan(t[b])
            assert (t[a][both] <= t[b][both] + 1e-9).all(), f"{a} after {b}"
        assert (np.nan_to_num(t["decided"], nan=0) < end).all()
        assert (np.nan_to_num(t["closed"], nan=0) <= end).all()
        done = ~np.isnan(t["decided"])
        assert (t["allocated"][done] <= t["decided"][done]).all()
        assert (t["closed"][closed] >= t["received"][closed]).all()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: object) -> CliResult:
    """``dols-sim ARGS`` in this process, through the real entry point (its one error path included)."""
    from commands.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())
