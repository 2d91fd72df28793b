"""Backtest: a scenario run over a past window, set against what the history shows, month by month.

Why: "does it reproduce what happened to us last year?" is a DoLS lead's first question of any model. The
scenario is started where the history says the council was on the first day of the window (the requests
then open and how long they had waited, the authorisations then in force: :func:`simulation.window.
window_scenario`), run ``reps`` times, and each replication written as a history by the code that writes
synthetic histories (:func:`simulation.history.history_from_log`). Observed and simulated months are
then counted by one function (:func:`monthly_measures`), so a difference is the model's, never the
counting's.

The measures are NHS England's published ones, by calendar month: requests received, completed (decided
or closed), closed without a decision (outcome ``withdrawn``), open at the month's end, the share of
requests without an urgent authorisation completed within 21 days, and the mean days from receipt to
completion. Each observed month is set beside the simulated mean and its 90% band with the error
(observed - simulated mean) and whether it lies inside.

The band is a 90% prediction interval for one month, from the replications' mean and standard deviation
(mean +- t(0.95, n-1) x sd x sqrt(1 + 1/n)), not the 5th to 95th percentile of the replications: with 30
replications the percentiles would hold a new month only about 84% of the time (the extremes of 30 draws
understate the spread), so a model that is right would seem to fail. Counts and shares are clipped to
their range. The band is the model's randomness at the scenario's figures; the uncertainty of calibrated
figures is not in it (see the fit report's intervals).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

import triage
from simulation.admission import admit
from simulation.arrivals import add_months
from simulation.experiment import replication_seed
from simulation.history import history_from_log
from simulation.model import simulate
from simulation.scenario import Scenario, ScenarioError
from simulation.window import months_between, window_scenario, worklist_at
from triage.history import History

__all__ = ["BAND", "MEASURES", "Backtest", "backtest", "monthly_measures"]

#: The simulated band: this share of replications lies inside it.
BAND = 0.90
#: Measure id -> label and unit (the CSV keeps the ids; the chart and the table show the labels).
MEASURES: dict[str, tuple[str, str]] = {
    "received": ("Requests received", "count"),
    "completed": ("Completed (decided or closed)", "count"),
    "closed_without_decision": ("Closed without a decision", "count"),
    "open_at_month_end": ("Open at the month's end", "count"),
    "completed_within_21_days_share": ("Completed within 21 days (no urgent authorisation)", "share"),
    "mean_days_to_complete": ("Mean days to complete", "days"),
}  # fmt: skip
#: The run starts this many months before the window, from the history's state then: a run starts with
#: no case in an assessor's hands, and in a real council the cases allocated last month are in hand; the
#: months before the window let the model reach that, so the first month compared is not a start-up.
LEAD_MONTHS = 2
#: Days from receipt within which "completed within 21 days" (the day of receipt is day 1).
WITHIN_DAYS = 20


@dataclass(frozen=True)
class Backtest:
    """The month-by-month comparison (one row per month and measure) and what was run."""

    table: pd.DataFrame  # month, measure, observed, simulated, low, high, error, inside
    scenario: Scenario
    reps: int
    seed: int
    start: date
    months: int
    #: Months run before ``start`` (from the history's state then), left out of the comparison.
    lead: int

    def inside_share(self, measure: str) -> float:
        """The share of months whose observed value lies inside the simulated band."""
        rows = self.table.loc[(self.table["measure"] == measure) & self.table["observed"].notna()]
        return float(rows["inside"].mean()) if len(rows) else float("nan")


def _day(frame: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_datetime(frame[col].replace("", None))


def prediction_band(sims: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``sims`` (months x replications): the mean and a ``level`` prediction interval for one
    more draw (Student t, so a small number of replications widens it as it should)."""
    from scipy import stats

    n = np.sum(~np.isnan(sims), axis=1)
    mean = np.nanmean(sims, axis=1)
    sd = np.nanstd(sims, axis=1, ddof=1)
    t = stats.t.ppf(1 - (1 - level) / 2, np.maximum(n - 1, 1))
    half = t * sd * np.sqrt(1 + 1 / np.maximum(n, 1))
    return mean, mean - half, mean + half


def lead_months(history: History, start: date) -> int:
    """Months to run before the window: :data:`LEAD_MONTHS` if the history shows the council then (its
    first completion is no later), else none."""
    done = history.used["completed_date"].dropna()
    first = done.min().date() if len(done) else start
    return LEAD_MONTHS if add_months(start, -LEAD_MONTHS) >= first else 0


def monthly_measures(history: pd.DataFrame, start: date, months: int) -> pd.DataFrame:
    """The measures of each calendar month from ``start`` (rows: months, columns: measures), from a
    history (text or datetime dates; blank ``completed_date``: still open)."""
    received = _day(history, "received_date")
    completed = _day(history, "completed_date")
    days = (completed - received).dt.days
    edges = [pd.Timestamp(add_months(start, m)) for m in range(months + 1)]
    not_urgent = history["request_type"].astype(str).to_numpy() != "urgent"
    withdrawn = history["outcome"].astype(str).to_numpy() == "withdrawn"
    rows = []
    for lo, hi in itertools.pairwise(edges):
        done = ((completed >= lo) & (completed < hi)).to_numpy()
        arrived = ((received >= lo) & (received < hi)).to_numpy()
        open_ = ((received < hi) & (completed.isna() | (completed >= hi))).to_numpy()
        standard = done & not_urgent
        rows.append(
            {
                "month": lo.date(),
                "received": float(arrived.sum()),
                "completed": float(done.sum()),
                "closed_without_decision": float((done & withdrawn).sum()),
                "open_at_month_end": float(open_.sum()),
                "completed_within_21_days_share": float((days[standard] <= WITHIN_DAYS).mean())
                if standard.any()
                else np.nan,
                "mean_days_to_complete": float(days[done].mean()) if done.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def backtest(
    scenario: Scenario,
    history: History,
    start: date,
    end: date,
    *,
    reps: int = 30,
    seed: int = 42,
    rules: triage.Rules | None = None,
) -> Backtest:
    """Run ``scenario`` over the whole months from ``start`` to ``end`` from the history's state on
    ``start``, ``reps`` times, and set each month against the history (see the module docstring)."""
    if end > history.as_of:
        raise ScenarioError(
            f"--to {end.isoformat()}: after the history's as-of date {history.as_of.isoformat()} "
            "(the history cannot show months that have not ended)"
        )
    months = months_between(start, end)
    if months < 1:
        raise ScenarioError(f"--from {start.isoformat()} --to {end.isoformat()}: not a whole month")
    lead = lead_months(history, start)
    run_start = add_months(start, -lead)
    rules = rules or triage.load_rules()
    window = window_scenario(scenario, history.used, run_start, months + lead)
    admitted = admit(window, rules, initial_worklist=worklist_at(history, run_start, rules))
    observed = monthly_measures(history.used, start, months)
    runs = []
    for rep in range(reps):
        log = simulate(admitted, replication_seed(seed, rep))
        runs.append(monthly_measures(history_from_log(log, admitted), start, months))
    rows = []
    for measure in MEASURES:
        sims = np.column_stack([r[measure].to_numpy(dtype=float) for r in runs])
        obs = observed[measure].to_numpy(dtype=float)
        with np.errstate(all="ignore"):
            mean, low, high = prediction_band(sims, BAND)
        if MEASURES[measure][1] == "share":
            low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
        else:
            low = np.maximum(low, 0.0)
        for i, month in enumerate(observed["month"]):
            rows.append(
                {
                    "month": month,
                    "measure": measure,
                    "observed": obs[i],
                    "simulated": mean[i],
                    "low": low[i],
                    "high": high[i],
                    "error": obs[i] - mean[i],
                    "inside": bool(low[i] <= obs[i] <= high[i]),
                }
            )
    table = pd.DataFrame(rows)
    return Backtest(table=table, scenario=window, reps=reps, seed=seed, start=start, months=months, lead=lead)
