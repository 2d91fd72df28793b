"""From a run log to the KPIs a DoLS lead and a commissioner ask about (shared by the CLI and the page).

One place decides what each KPI means, so the terminal table, the CSVs and the web page never disagree:

- backlog: applications received and not yet decided or lapsed, counted at the end of each week;
- ``weeks_to_clear``: the first week whose backlog is below ``targets.backlog_target`` (0 if it starts
  below); if it never is within the horizon, it is missing (NaN: "not reached" is never shown as a
  number) and ``cleared_within_horizon`` is 0, so the summary's mean is over the replications that
  cleared and ``cleared_within_horizon``'s mean is the share that did;
- waits: received to decision, for decisions in the run, of applications received after any warm-up;
- ``within_statutory_share``: of those decisions, the share made by the statutory deadline (day 21, the
  urgent authorisation's end with any extension, or a renewal's deadline);
- ``unauthorised_person_days``: days within the run a person spent undecided after their authority ran
  out (day 21 or the urgent authorisation's end; for a renewal, the end of the standing authorisation),
  until decided, lapsed or the end of the run;
- costs: filled in-house BIA posts (salary with on-costs per FTE-year), bought BIA assessments, mental
  health assessments and sign-offs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from simulation.run_log import RunLog

Unit = Literal["count", "days", "weeks", "share", "money", "flag"]


@dataclass(frozen=True)
class Kpi:
    """What a KPI is called for people, its unit (which decides how it is shown), whether it is a
    headline figure (the CLI table, comparisons, the report), and which way is better (None: neither)."""

    name: str
    label: str
    unit: Unit
    headline: bool = False
    better: Literal["lower", "higher"] | None = None


#: Every KPI of :func:`kpis` and of the wait tables, in display order: the one list the command line,
#: the comparison, the page and the report label and format from. ``longest_wait_days_<band>`` (one per
#: band of the criteria in use) is described by :func:`kpi_info`.
KPI_CATALOGUE: tuple[Kpi, ...] = (
    Kpi("initial_backlog", "Open at start", "count", headline=True),
    Kpi("arrivals", "Requests received (incl. renewals)", "count", headline=True),
    Kpi("arrivals_new", "New requests received", "count"),
    Kpi("arrivals_renewal", "Renewal requests received", "count"),
    Kpi("decided", "Decided", "count", headline=True, better="higher"),
    Kpi("granted", "Granted", "count"),
    Kpi("lapsed_while_waiting", "Lapsed while waiting", "count", headline=True),
    Kpi("lapsed", "Lapsed while waiting", "count"),
    Kpi("open_at_end", "Open at end", "count", headline=True, better="lower"),
    Kpi("breached_open_at_end", "Open at end, past their statutory deadline", "count", better="lower"),
    Kpi("mean_backlog", "Mean open backlog", "count", better="lower"),
    Kpi(
        "weeks_to_clear",
        "Weeks until the backlog is below target (replications that got there)",
        "weeks",
        headline=True,
        better="lower",
    ),
    Kpi(
        "cleared_within_horizon",
        "Backlog below target within the horizon (share of replications)",
        "share",
        headline=True,
        better="higher",
    ),
    Kpi("mean_wait_days", "Mean wait to decision (days)", "days", headline=True, better="lower"),
    Kpi("median_wait_days", "Median wait to decision (days)", "days", better="lower"),
    Kpi("p90_wait_days", "90th percentile wait to decision (days)", "days", headline=True, better="lower"),
    Kpi(
        "within_statutory_share", "Decided within the statutory time", "share", headline=True, better="higher"
    ),
    Kpi("mean_waiting_list_days", "Mean time on the waiting list (days)", "days", better="lower"),
    Kpi("mean_time_in_system_days", "Mean time from receipt to decision or lapse (days)", "days"),
    Kpi("lapsed_share", "Share of those leaving who lapsed", "share"),
    Kpi("urgent_extensions_requested", "Urgent authorisations needing an extension", "count", better="lower"),
    Kpi(
        "urgent_expired_undecided",
        "Urgent authorisations expired undecided",
        "count",
        headline=True,
        better="lower",
    ),
    Kpi(
        "urgent_expired_unextended", "Urgent authorisations expired, never extended", "count", better="lower"
    ),
    Kpi(
        "unauthorised_person_days",
        "Person-days deprived of liberty without authorisation",
        "count",
        headline=True,
        better="lower",
    ),
    Kpi("unauthorised_person_days_standard", "Person-days without authorisation: standard", "count"),
    Kpi("unauthorised_person_days_urgent", "Person-days without authorisation: urgent", "count"),
    Kpi("unauthorised_person_days_renewal", "Person-days without authorisation: renewal", "count"),
    Kpi("longest_wait_days", "Longest wait (days)", "days", better="lower"),
    Kpi("utilisation_bia", "In-house BIA utilisation", "share", headline=True),
    Kpi("utilisation_mha", "Mental health assessor utilisation", "share", headline=True),
    Kpi("utilisation_sign_off", "Authoriser utilisation", "share", headline=True),
    Kpi("capacity_bia", "BIA assessments possible at full use (in-house + bought)", "count"),
    Kpi("capacity_mha", "Mental health assessments possible at full use", "count"),
    Kpi("capacity_sign_off", "Sign-offs possible at full use", "count"),
    Kpi("independent_assessments", "Independent BIA assessments bought", "count"),
    Kpi("mental_health_assessments", "Mental health assessments", "count"),
    Kpi("cost_in_house_bia", "Cost: in-house BIAs", "money"),
    Kpi("cost_independent_bia", "Cost: independent BIA assessments", "money"),
    Kpi("cost_mental_health", "Cost: mental health assessments", "money"),
    Kpi("cost_sign_off", "Cost: sign-off", "money"),
    Kpi("cost_total", "Total cost", "money", headline=True, better="lower"),
    Kpi("cost_per_decision", "Cost per decision", "money", headline=True, better="lower"),
)
_BY_NAME = {k.name: k for k in KPI_CATALOGUE}
_LONGEST = "longest_wait_days_"


def kpi_info(name: str) -> Kpi:
    """The catalogue entry of a KPI (a per-band longest wait is made up for its band)."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith(_LONGEST):
        band = name.removeprefix(_LONGEST)
        return Kpi(name, f"Longest wait, {band} band (days)", "days", better="lower")
    raise KeyError(f"{name!r} is not a KPI in simulation.metrics.KPI_CATALOGUE")


def headline_kpis() -> tuple[str, ...]:
    """Names of the headline KPIs, in display order."""
    return tuple(k.name for k in KPI_CATALOGUE if k.headline)


#: Groupings of the wait tables (equity by support reason and setting: the CQC's concern).
WAIT_GROUPS: tuple[str, ...] = ("band", "setting", "primary_support_reason", "request_type")
WEEK_DAYS = 7.0


def exit_times(apps: pd.DataFrame) -> np.ndarray:
    """When each application left the backlog (decided or lapsed); +inf if still open."""
    exit_ = np.fmin(apps["decided"].to_numpy(), apps["lapsed"].to_numpy())
    return np.where(np.isnan(exit_), np.inf, exit_)


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


#: Staff groups in the order an application meets them, with the names a commissioner uses.
STAFF_GROUPS: dict[str, str] = {
    "bia": "best interests assessors",
    "mha": "mental health assessors",
    "sign_off": "authorisers",
}
#: A staff group busier than this is saturated: it can be what limits throughput.
SATURATED = 0.9


def binding_staff_group(summary: pd.DataFrame) -> tuple[str, float] | None:
    """The staff group that limits how many applications are decided, and its utilisation; None when no
    group is saturated (capacity exceeds the work: demand, not staff, sets the pace).

    Why not simply the busiest: with a backlog, every group upstream of the bottleneck is busy too (BIAs
    keep assessing while the mental health assessors' list grows). The binding group is the saturated one
    with the least capacity (assessments it could do at full use over the run), so adding to any other
    group would not raise throughput.
    """
    means = summary.set_index("kpi")["mean"]
    candidates = [
        (float(means[f"capacity_{g}"]), g, float(means[f"utilisation_{g}"]))
        for g in STAFF_GROUPS
        if f"capacity_{g}" in means.index and not math.isnan(float(means[f"capacity_{g}"]))
    ]
    saturated = [c for c in candidates if c[2] >= SATURATED]
    if not saturated:
        return None
    _, group, utilisation = min(saturated)
    return group, utilisation


def binding_sentence(summary: pd.DataFrame) -> str:
    """What limits throughput, in words a commissioner can act on."""
    found = binding_staff_group(summary)
    if found is None:
        return "No staff group is saturated: capacity exceeds the work, so demand sets the pace."
    group, utilisation = found
    others = [name for g, name in STAFF_GROUPS.items() if g != group]
    return (
        f"The binding constraint is {STAFF_GROUPS[group]} ({utilisation:.0%} busy): adding "
        f"{' or '.join(others)} will not decide more applications; more {STAFF_GROUPS[group]}' time will."
    )


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
    done = ~np.isnan(decided)
    wait = decided[done] - apps["received"].to_numpy()[done]
    within = decided[done] <= apps["deadline_end"].to_numpy()[done]
    waited = np.minimum(exit_times(apps), end) - apps["received"].to_numpy()
    return {
        "decided": float(done.sum()),
        "lapsed": float(apps["lapsed"].notna().sum()),
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
    start = np.maximum(apps["unauthorised_from"].to_numpy(), 0.0)
    stop = np.minimum(exit_times(apps), until)
    return np.maximum(stop - start, 0.0)


def kpis(log: RunLog) -> dict[str, float]:
    """The scalar KPIs of one run, in a fixed order (one column each in ``replications.csv``)."""
    apps = log.apps
    end = log.horizon_days
    received = apps["received"].to_numpy()
    decided_t = apps["decided"].to_numpy()
    lapsed_t = apps["lapsed"].to_numpy()
    exits = exit_times(apps)
    source = apps["source"].to_numpy()
    is_decided = ~np.isnan(decided_t)
    is_lapsed = ~np.isnan(lapsed_t)
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
    # Time on the waiting list: until a BIA assessment started, or until it lapsed there.
    allocated = apps["allocated"].to_numpy()
    left_list = np.where(np.isnan(allocated), lapsed_t, allocated)
    q_sel = ~np.isnan(left_list) & after_warm_up
    exited = (is_decided | is_lapsed) & after_warm_up

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
    still_open = ~(is_decided | is_lapsed)

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
        "arrivals": float((source != "initial").sum()),
        "arrivals_new": float((source == "new").sum()),
        "arrivals_renewal": float((source == "renewal").sum()),
        "decided": float(n_decided),
        "granted": float(apps["granted"].to_numpy().sum()),
        "lapsed_while_waiting": float(is_lapsed.sum()),
        "open_at_end": float(still_open.sum()),
        "breached_open_at_end": float((still_open & (deadline_end < end)).sum()),
        "mean_backlog": _safe_mean(all_weeks[warm_week:].astype(float)),
        "weeks_to_clear": clear,
        "cleared_within_horizon": float(cleared),
        **decision_stats(wait, within),
        "mean_waiting_list_days": _safe_mean(left_list[q_sel] - received[q_sel]),
        "mean_time_in_system_days": _safe_mean(exits[exited] - received[exited]),
        "lapsed_share": _safe_mean(is_lapsed[exited].astype(float)),
        "urgent_extensions_requested": float(extensions.sum()),
        "urgent_expired_undecided": float(expired_undecided.sum()),
        "urgent_expired_unextended": float(unextended.sum()),
        "unauthorised_person_days": float(unauth.sum()),
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
