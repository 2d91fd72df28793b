"""From a run log to the KPIs a DoLS lead and a commissioner ask about (shared by the CLI and the page).

One place decides what each KPI means, so the terminal table, the CSVs and the web page never disagree
(their labels and units: :mod:`simulation.kpi_catalogue`):

- published definitions (NHS England's DoLS statistics): ``received`` (during the run, renewals
  included); ``completed`` = decided + closed without a decision (at screening, while waiting, or while
  being assessed); ``closed_without_assessment`` (closed before any BIA assessment started, screening
  closures included); ``standard_completed_within_21_days_share`` (of requests without an urgent
  authorisation completed in the run, the share completed by the end of their 21st day);
  ``mean_days_to_complete`` (receipt to completion, over all completed in the run);
- backlog: requests received and not yet completed, counted at the end of each week;
- ``weeks_to_clear``: the first week whose backlog is below ``targets.backlog_target`` (0 if it starts
  below); if it never is within the horizon, it is missing (NaN: "not reached" is never shown as a
  number) and ``cleared_within_horizon`` is 0, so the summary's mean is over the replications that
  cleared and ``cleared_within_horizon``'s mean is the share that did;
- decision-based waits: received to decision, for decisions in the run, of requests received after any
  warm-up (``within_statutory_share``: made by the statutory deadline: day 21, the urgent authorisation's
  end with any extension, or a renewal's deadline); requests still open at the end are in none of these:
  ``mean_days_open_at_end`` and ``longest_wait_days_<band>`` (open ones counted to the end) show them;
- ``unauthorised_person_days``: days within the run a person spent deprived of liberty without
  authority while undecided, as the law counts it (:mod:`triage.authority`, the worklist's own rule): a
  standard request for a person already deprived, from receipt (a request gives no authority); an
  urgent authorisation, from its end (extension included); a renewal, from the end of the standing
  authorisation; until decided, closed or the end of the run;
- ``person_days_past_statutory_period``: days within the run a request was undecided after its reg 13
  deadline (the old "day 22" count, which is not a count of people without authority);
- costs: filled in-house BIA posts (salary with on-costs per FTE-year), bought BIA assessments, mental
  health assessments and sign-offs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulation.kpi_catalogue import (
    KPI_CATALOGUE,
    SATURATED,
    STAFF_GROUPS,
    Kpi,
    binding_sentence,
    binding_staff_group,
    headline_kpis,
    kpi_info,
)
from simulation.run_log import RunLog

__all__ = [
    "KPI_CATALOGUE",
    "SATURATED",
    "STAFF_GROUPS",
    "WAIT_GROUPS",
    "Kpi",
    "backlog_by_week",
    "binding_sentence",
    "binding_staff_group",
    "exit_times",
    "headline_kpis",
    "kpi_info",
    "kpis",
    "unauthorised_days",
    "waits_by_group",
    "weeks_to_clear",
]

#: Groupings of the wait tables (equity by support reason and setting: the CQC's concern).
WAIT_GROUPS: tuple[str, ...] = ("band", "setting", "primary_support_reason", "request_type")
WEEK_DAYS = 7.0


def exit_times(apps: pd.DataFrame) -> np.ndarray:
    """When each application was completed (decided, or closed without a decision); +inf if still open."""
    exit_ = np.fmin(apps["decided"].to_numpy(), apps["closed"].to_numpy())
    return np.where(np.isnan(exit_), np.inf, exit_)


def completed_in_time(apps: pd.DataFrame, period_days: int) -> np.ndarray:
    """Completed by the end of the statutory period counted from the day of receipt (as NHS England counts
    "completed within 21 days": any completion, a closure included)."""
    return exit_times(apps) <= np.floor(apps["received"].to_numpy()) + period_days


def week_times(log: RunLog) -> np.ndarray:
    """Times of the weekly backlog counts: the start, then the end of each whole week of the run."""
    return np.arange(int(log.horizon_days // WEEK_DAYS) + 1) * WEEK_DAYS


def _open_counts(received: np.ndarray, exits: np.ndarray, times: np.ndarray) -> np.ndarray:
    arrived = np.searchsorted(np.sort(received), times, side="right")
    left = np.searchsorted(np.sort(exits), times, side="right")
    return arrived - left


def backlog_by_week(log: RunLog) -> pd.DataFrame:
    """Open applications at each week's end, by band and in all (``week``, ``date``, ``band``, ``open``)."""
    apps = log.apps
    times = week_times(log)
    received = apps["received"].to_numpy()
    exits = exit_times(apps)
    band = apps["band"].cat.codes.to_numpy()
    frames = [("all", _open_counts(received, exits, times))]
    for code, name in enumerate(log.bands):
        mask = band == code
        frames.append((name, _open_counts(received[mask], exits[mask], times)))
    weeks = np.arange(len(times))
    dates = pd.Timestamp(log.start_date) + pd.to_timedelta(times, unit="D")
    return pd.concat(
        [
            pd.DataFrame({"week": weeks, "date": dates, "band": name, "open": counts})
            for name, counts in frames
        ],
        ignore_index=True,
    )


def weeks_to_clear(backlog_all: np.ndarray, target: int) -> tuple[float, bool]:
    """(first week the backlog is below ``target``, True); (NaN, False) when it never is in the horizon."""
    below = np.flatnonzero(backlog_all < target)
    if below.size:
        return float(below[0]), True
    return math.nan, False


def _safe_mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if x.size else math.nan


def _safe_quantile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if x.size else math.nan


def decision_stats(wait: np.ndarray, within: np.ndarray) -> dict[str, float]:
    """Mean, median and 90th percentile wait to decision, and the share decided in time (one place)."""
    return {
        "mean_wait_days": _safe_mean(wait),
        "median_wait_days": _safe_quantile(wait, 0.5),
        "p90_wait_days": _safe_quantile(wait, 0.9),
        "within_statutory_share": _safe_mean(within.astype(float)),
    }


def _wait_stats(apps: pd.DataFrame, end: float) -> dict[str, float]:
    decided = apps["decided"].to_numpy()
    received = apps["received"].to_numpy()
    done = ~np.isnan(decided)
    wait = decided[done] - received[done]
    within = decided[done] <= apps["deadline_end"].to_numpy()[done]
    exits = exit_times(apps)
    completed = np.isfinite(exits)
    waited = np.minimum(exits, end) - received
    return {
        "completed": float(completed.sum()),
        "decided": float(done.sum()),
        "closed": float(apps["closed"].notna().sum()),
        "mean_days_to_complete": _safe_mean(exits[completed] - received[completed]),
        **decision_stats(wait, within),
        "longest_wait_days": float(waited.max()) if waited.size else math.nan,
    }


def waits_by_group(log: RunLog) -> pd.DataFrame:
    """Waits and compliance by band, setting, support reason and request type (and ``all``).

    Wait statistics use decisions of applications received after the warm-up; ``longest_wait_days``
    is the longest anyone in the group waited, decided or not (still open: counted to the end).
    """
    apps = log.apps
    apps = apps.loc[apps["received"].to_numpy() >= log.warm_up_days] if log.warm_up_days > 0 else apps
    rows = [{"group_by": "all", "group": "all", **_wait_stats(apps, log.horizon_days)}]
    for by in WAIT_GROUPS:
        codes = apps[by].cat.codes.to_numpy()
        for code, name in enumerate(apps[by].cat.categories):
            part = apps.loc[codes == code]
            if len(part):
                rows.append({"group_by": by, "group": str(name), **_wait_stats(part, log.horizon_days)})
    return pd.DataFrame(rows)


def unauthorised_days(apps: pd.DataFrame, until: float) -> np.ndarray:
    """Days each person spent undecided without authority, from the start of the run to ``until``."""
    return _days_after(apps, "unauthorised_from", until)


def _days_after(apps: pd.DataFrame, column: str, until: float) -> np.ndarray:
    """Days each request was undecided after the time in ``column``, within the run to ``until``."""
    start = np.maximum(apps[column].to_numpy(), 0.0)
    stop = np.minimum(exit_times(apps), until)
    with np.errstate(invalid="ignore"):
        return np.maximum(np.nan_to_num(stop - start, nan=0.0, neginf=0.0), 0.0)


def _published(log: RunLog, sel: np.ndarray) -> dict[str, float]:
    """The published counts and definitions (see the module docstring), for the requests in ``sel``."""
    apps = log.apps
    source = apps["source"].to_numpy()
    closure = apps["closure"].to_numpy()
    closed = apps["closed"].notna().to_numpy()
    decided = apps["decided"].notna().to_numpy()
    assessed = apps["allocated"].notna().to_numpy()
    received = apps["received"].to_numpy()
    exits = exit_times(apps)
    completed = np.isfinite(exits)
    arrivals = source != "initial"
    urgent = apps["request_type"].to_numpy() == "urgent"
    standard = ~urgent & completed & sel
    in_time = completed_in_time(apps, log.standard_period_days)
    return {
        "received": float(arrivals.sum()),
        "received_new": float((source == "new").sum()),
        "received_renewal": float((source == "renewal").sum()),
        "urgent_share_of_received": _safe_mean(urgent[arrivals].astype(float)),
        "completed": float(completed.sum()),
        "decided": float(decided.sum()),
        "granted": float(apps["granted"].to_numpy().sum()),
        "closed_without_assessment": float((closed & ~assessed).sum()),
        "closed_at_screening": float((closure == "screening").sum()),
        "closed_partly_assessed": float((closed & assessed).sum()),
        "closed_before_decision": float(closed.sum()),
        "closed_died": float((closure == "died").sum()),
        "closed_circumstances_changed": float((closure == "circumstances_changed").sum()),
        "standard_completed_within_21_days_share": _safe_mean(in_time[standard].astype(float)),
        "mean_days_to_complete": _safe_mean((exits - received)[completed & sel]),
    }


def kpis(log: RunLog) -> dict[str, float]:
    """The scalar KPIs of one run, in a fixed order (one column each in ``replications.csv``)."""
    apps = log.apps
    end = log.horizon_days
    received = apps["received"].to_numpy()
    decided_t = apps["decided"].to_numpy()
    closed_t = apps["closed"].to_numpy()
    exits = exit_times(apps)
    source = apps["source"].to_numpy()
    is_decided = ~np.isnan(decided_t)
    is_closed = ~np.isnan(closed_t)
    # With no warm-up every application counts, the starting backlog (received before day 0) included.
    after_warm_up = received >= log.warm_up_days if log.warm_up_days > 0 else np.ones(len(apps), dtype=bool)

    weekly = backlog_by_week(log)
    all_weeks = weekly.loc[weekly["band"] == "all", "open"].to_numpy()
    clear, cleared = weeks_to_clear(all_weeks, log.backlog_target)
    warm_week = math.ceil(log.warm_up_days / WEEK_DAYS)

    # Waits (decisions of applications received after the warm-up).
    sel = is_decided & after_warm_up
    wait = decided_t[sel] - received[sel]
    within = decided_t[sel] <= apps["deadline_end"].to_numpy()[sel]
    # Time on the waiting list: until a BIA assessment started, or until it closed there.
    allocated = apps["allocated"].to_numpy()
    left_list = np.where(np.isnan(allocated), closed_t, allocated)
    q_sel = ~np.isnan(left_list) & after_warm_up
    exited = (is_decided | is_closed) & after_warm_up

    rtype = apps["request_type"].to_numpy()
    urgent = rtype == "urgent"
    urgent_end = apps["urgent_end"].to_numpy()
    deadline_end = apps["deadline_end"].to_numpy()
    in_run = (urgent_end >= 0) & (urgent_end < end)
    extensions = urgent & in_run & (exits > urgent_end)
    expired_in_run = (deadline_end >= 0) & (deadline_end < end)
    expired_undecided = urgent & expired_in_run & (exits > deadline_end)
    unextended = expired_undecided & ~apps["extension_granted"].to_numpy(dtype=bool)
    unauth = unauthorised_days(apps, end)
    still_open = ~(is_decided | is_closed)

    pools = log.pools
    c = log.costs
    bia_days = pools["bia"].available_fte_days if "bia" in pools else 0.0
    sign_offs = pools["sign_off"].jobs if "sign_off" in pools else 0
    cost_in_house = bia_days * c.bia_fte_per_year / 365.25
    cost_independent = log.independent_assessments * c.independent_bia_per_assessment
    cost_mha = log.mental_health_assessments * c.mental_health_assessment
    cost_sign_off = sign_offs * c.sign_off
    cost_total = cost_in_house + cost_independent + cost_mha + cost_sign_off
    n_decided = int(is_decided.sum())

    out: dict[str, float] = {
        "initial_backlog": float((source == "initial").sum()),
        **_published(log, after_warm_up),
        "open_at_end": float(still_open.sum()),
        "breached_open_at_end": float((still_open & (deadline_end < end)).sum()),
        "mean_backlog": _safe_mean(all_weeks[warm_week:].astype(float)),
        "weeks_to_clear": clear,
        "cleared_within_horizon": float(cleared),
        **decision_stats(wait, within),
        "mean_days_open_at_end": _safe_mean(end - received[still_open]),
        "mean_waiting_list_days": _safe_mean(left_list[q_sel] - received[q_sel]),
        "mean_time_in_system_days": _safe_mean(exits[exited] - received[exited]),
        "closed_share": _safe_mean(is_closed[exited].astype(float)),
        "urgent_extensions_requested": float(extensions.sum()),
        "urgent_expired_undecided": float(expired_undecided.sum()),
        "urgent_expired_unextended": float(unextended.sum()),
        "unauthorised_person_days": float(unauth.sum()),
        "person_days_past_statutory_period": float(_days_after(apps, "deadline_end", end).sum()),
    }
    for kind in ("standard", "urgent", "renewal"):
        out[f"unauthorised_person_days_{kind}"] = float(unauth[rtype == kind].sum())
    waited = np.minimum(exits, end) - received
    band = apps["band"].to_numpy()
    for name in log.bands:
        in_band = band == name
        out[f"longest_wait_days_{name}"] = float(waited[in_band].max()) if in_band.any() else math.nan
    for name in STAFF_GROUPS:
        out[f"utilisation_{name}"] = pools[name].utilisation if name in pools else math.nan
    for name in STAFF_GROUPS:
        stats = pools.get(name)
        possible = stats.jobs / stats.utilisation if stats and stats.utilisation > 0 else math.nan
        if name == "bia":  # bought assessments add to what the BIA stage can do
            possible = (0.0 if math.isnan(possible) else possible) + log.independent_assessments
        out[f"capacity_{name}"] = possible
    out.update(
        {
            "independent_assessments": float(log.independent_assessments),
            "mental_health_assessments": float(log.mental_health_assessments),
            "cost_in_house_bia": cost_in_house,
            "cost_independent_bia": cost_independent,
            "cost_mental_health": cost_mha,
            "cost_sign_off": cost_sign_off,
            "cost_total": cost_total,
            "cost_per_decision": cost_total / n_decided if n_decided else math.nan,
        }
    )
    return out
