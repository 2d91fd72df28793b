"""Histories: the model's own output written as a case-management export of past requests.

Why: calibration and backtests need a history of requests (received, setting, type, form, completed,
outcome), and demos, tests and the README must never need a real person's data. A run of the model is
such a history: :func:`history_from_log` writes a run log in the input format (the triage columns plus
``completed_date``, ``outcome`` and ``closure_reason``), and :func:`synth_history` runs a scenario once and
does that. The backtest turns each simulated replication into a history the same way, so the observed and
the simulated months are counted by the same code.

The run log keeps each request's band, not its form's answers; the answers are drawn again from the
scenario's prevalences *given* the request's type, setting, support reason and band (draw, screen with
the real criteria, keep the draws that give the band the run used). Everything the model did depends on
the form only through the band, so the history's forms have exactly the distribution the run's had.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

import triage
from simulation.admission import Admitted, admit
from simulation.arrivals import add_months, draw_request_columns
from simulation.experiment import replication_seed
from simulation.metrics import exit_times
from simulation.model import simulate
from simulation.run_log import RunLog
from simulation.scenario import Scenario
from simulation.scenario_file import with_values
from triage.history import CLOSURE_REASONS

__all__ = ["history_from_log", "synth_history"]

#: Rounds of drawing forms for a band before giving up (a band the prevalences almost never give).
MAX_FORM_ROUNDS = 400
FORMS_STREAM = 1000


def _dates(start: date, days: np.ndarray) -> np.ndarray:
    """Day offsets from ``start`` (NaN: none) as ISO text ('' for none)."""
    out = np.full(len(days), "", dtype=object)
    known = ~np.isnan(days)
    if known.any():
        stamps = pd.Timestamp(start) + pd.to_timedelta(days[known], unit="D")
        out[known] = stamps.strftime("%Y-%m-%d").to_numpy(dtype=object)
    return out


def _forms(apps: pd.DataFrame, admitted: Admitted, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Screening answers for each request, drawn given its type, setting, support reason and band."""
    criteria = admitted.rules.criteria
    demand = admitted.scenario.demand
    n = len(apps)
    rtype = apps["request_type"].astype(str).to_numpy(dtype=object)
    setting = apps["setting"].astype(str).to_numpy(dtype=object)
    reason = apps["primary_support_reason"].astype(str).to_numpy(dtype=object)
    band = apps["band"].astype(str).to_numpy(dtype=object)
    out = {flag: np.full(n, triage.UNKNOWN, dtype=np.int8) for flag in criteria.inputs.flags}
    todo = np.arange(n)
    for _ in range(MAX_FORM_ROUNDS):
        if not todo.size:
            break
        cols = draw_request_columns(
            len(todo),
            demand,
            criteria,
            rng,
            request_type=rtype[todo],
            setting=setting[todo],
            support_reason=reason[todo],
        )
        ok = triage.screen(cols, criteria).band == band[todo]
        for flag in out:
            out[flag][todo[ok]] = cols[flag][ok]
        todo = todo[~ok]
    # Any left (a band these prevalences all but never give, e.g. from a worklist): answers not known.
    return out


def history_from_log(log: RunLog, admitted: Admitted, rng: np.random.Generator | None = None) -> pd.DataFrame:
    """A run log as an export of past requests (see the module docstring), one row per request, in the
    order received. Requests still open at the end of the run have no ``completed_date``. Without
    ``rng`` the screening answers are left out (a backtest counts months, it does not screen)."""
    apps = log.apps.sort_values("received", kind="stable").reset_index(drop=True)
    start, end = log.start_date, log.horizon_days
    received = np.floor(apps["received"].to_numpy())
    exits = exit_times(apps)
    done = exits < end
    completed = np.where(done, np.floor(exits), np.nan)
    decided = apps["decided"].notna().to_numpy() & done
    granted = apps["granted"].to_numpy(dtype=bool)
    outcome = np.where(done, np.where(decided, np.where(granted, "granted", "not_granted"), "withdrawn"), "")
    closure = apps["closure"].astype(str).to_numpy(dtype=object)
    reason = np.where(done & ~decided & np.isin(closure, CLOSURE_REASONS), closure, "")
    rtype = apps["request_type"].astype(str).to_numpy(dtype=object)
    urgent = rtype == "urgent"
    # An extension is asked for only when the request is still undecided as the urgent authorisation ends.
    urgent_end = apps["urgent_end"].to_numpy()
    with np.errstate(invalid="ignore"):
        extended = urgent & apps["extension_granted"].to_numpy(dtype=bool) & (exits > urgent_end)
        extended &= urgent_end < end
    ext_days = admitted.rules.timescales.urgent.max_extension_days
    renewal = rtype == "renewal"
    # A renewal's standing authorisation ends when its person would start to be unauthorised.
    expiry = np.where(renewal, np.ceil(apps["unauthorised_from"].to_numpy()) - 1, np.nan)
    reasons = apps["primary_support_reason"].astype(str).to_numpy(dtype=object)
    table: dict[str, object] = {
        "application_id": [f"H-{i + 1:07d}" for i in range(len(apps))],
        "received_date": _dates(start, received),
        "setting": apps["setting"].astype(str).to_numpy(dtype=object),
        "request_type": rtype,
        "urgent_start": np.where(urgent, _dates(start, received), ""),
        "urgent_extended_days": np.where(urgent, np.where(extended, str(ext_days), "0"), ""),
        "current_authorisation_expiry": _dates(start, expiry),
        "primary_support_reason": np.where(reasons == "not_recorded", "", reasons),
    }
    if rng is not None:
        for flag, values in _forms(apps, admitted, rng).items():
            table[flag] = np.select([values == triage.YES, values == triage.NO], ["yes", "no"], "")
    table["completed_date"] = _dates(start, completed)
    table["outcome"] = outcome
    table["closure_reason"] = reason
    return pd.DataFrame(table)


def synth_history(
    scenario: Scenario,
    months: int,
    seed: int,
    *,
    rules: triage.Rules | None = None,
    admitted: Admitted | None = None,
    as_of: date | None = None,
) -> tuple[pd.DataFrame, date]:
    """A synthetic history: ``scenario`` run once for ``months`` from its start date with ``seed`` (or, with
    ``as_of``, the ``months`` that end on that day), as an export of past requests, and the export's as-of
    date (the last day of the run)."""
    if admitted is None:
        values: dict[str, object] = {"horizon.months": months, "horizon.warm_up_months": 0}
        if as_of is not None:
            values["horizon.start_date"] = add_months(as_of + timedelta(days=1), -months)
        admitted = admit(with_values(scenario, values), rules)
    log = simulate(admitted, replication_seed(seed, 0))
    # The forms' own stream: a child of the run's SeedSequence far beyond the run's own streams.
    forms_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, FORMS_STREAM)))
    history = history_from_log(log, admitted, forms_rng)
    as_of = log.start_date + timedelta(days=int(log.horizon_days) - 1)
    return history, as_of
