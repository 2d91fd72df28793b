"""Calibrate: a council's history of past requests in; a scenario of that council and a fit report out.

What an export identifies, and what it cannot (so the template's value is kept, and the file says so):

- demand: new requests a month with trend and seasonality (:mod:`simulation.fit_demand`), the mix of
  setting, urgent authorisations and support reasons, and the screening answers;
- closures without a decision: screening closures and the hazards of death and of a change of
  circumstances by setting, open requests censored (:mod:`simulation.fit_closure`); the export has no
  allocation date, so the hazards are averages over the whole time open and the calibrated scenario runs
  them at that speed throughout (``closure.while_allocated_factor = 1``);
- decisions: the share granted, and the in-house BIA posts that make the decisions seen
  (:mod:`simulation.fit_capacity`: hours per assessment, caseloads, turnaround, bought assessments, the
  queue policy and costs are not in an export and come from the template);
- the start: the requests open on the day after the as-of date (how many, how long they had waited),
  and the standard authorisations then in force.

The window is the history's own: from its first completion (an export holds every request received since
it began, plus older ones still open then; those older ones are in it only because they survived, so they
start the backlog and are not counted as arrivals or used for hazards), or ``window_start`` if given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

import triage
from simulation.fit import MIN_EVENTS, Draft, Estimate, finalise, refused, wilson
from simulation.fit_capacity import fit_capacity
from simulation.fit_closure import fit_closure
from simulation.fit_demand import MIN_MONTHS, fit_arrivals, fit_mix
from simulation.history import synth_history
from simulation.scenario import Scenario
from simulation.scenario_file import scenario_from_toml, scenario_to_dict, with_values
from simulation.window import authorisations_in_force_at, backlog_at, months_between
from triage.errors import DolsSimError
from triage.history import History, read_history
from triage.vocabulary import SETTINGS, SUPPORT_REASONS

__all__ = [
    "Calibration",
    "CalibrationError",
    "Estimate",
    "calibrate",
    "calibrate_history",
    "commented_toml",
    "default_template",
    "synth_history",
]


class CalibrationError(DolsSimError):
    """A history that cannot calibrate a scenario (too short, nothing completed): one line saying why."""


@dataclass(frozen=True)
class Calibration:
    """A calibrated scenario, each figure behind it, and what the history held."""

    scenario: Scenario
    estimates: list[Estimate]
    checks: list[str]
    source_name: str
    rows_in: int
    rows_used: int
    rejects: pd.DataFrame
    window_start: date
    as_of: date
    #: closure_reason spellings the mapping does not know, with their row counts (read as not known)
    unknown_closure_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def report(self) -> pd.DataFrame:
        """One row per figure: key, label, value, low, high, rows, unit, refused, note."""
        return pd.DataFrame([e.__dict__ for e in self.estimates])


def default_template() -> Scenario:
    """The shipped example council: what an export cannot say (hours, caseloads, policy, costs)."""
    text = resources.files("dols_scenarios").joinpath("example-council.toml").read_text(encoding="utf-8")
    return scenario_from_toml(text)


def _sig(x: float) -> float:
    """Six significant figures: enough for any rate, short enough to read."""
    return float(f"{x:.6g}")


def _window_start(used: pd.DataFrame, source: str) -> date:
    done = used["completed_date"].dropna()
    if done.empty:
        raise CalibrationError(f"{source}: no completed requests, so nothing to calibrate from")
    return done.min().date()


def _outcomes(used: pd.DataFrame, window_start: date) -> list[Draft]:
    in_window = used["completed_date"] >= pd.Timestamp(window_start)
    decided = used.loc[in_window & used["outcome"].isin(["granted", "not_granted"]), "outcome"]
    n, yes = len(decided), int((decided == "granted").sum())
    label = "Decisions that grant an authorisation"
    if n < MIN_EVENTS:
        return [refused("outcomes.granted_share", label, "share", math.nan, n,
                        f"only {n} decisions (need {MIN_EVENTS})")]  # fmt: skip
    return [Draft("outcomes.granted_share", label, yes / n, n, "share", wilson(yes, n))]


def _extensions(
    used: pd.DataFrame, window_start: date, as_of: date, rules: triage.Rules, columns: frozenset[str]
) -> list[Draft]:
    """The share of urgent authorisations extended, of those still undecided when their 7 days ran out
    (an extension is asked for only then): received in the window, past their seventh day by ``as_of``.
    A history with no extension column does not say: the share is not known (the template's is kept),
    never a measured 0%."""
    label = "Urgent authorisations extended, of those undecided after 7 days"
    if "urgent_extended_days" not in columns:
        return [refused("outcomes.urgent_extension_granted_share", label, "share", math.nan, 0,
                        "not known: the history has no urgent_extended_days column")]  # fmt: skip
    urgent = used.loc[
        (used["request_type"] == "urgent") & (used["received_date"] >= pd.Timestamp(window_start))
    ]
    ts = rules.timescales
    days = triage.last_day_offset(ts.urgent.period_days, ts.counting.urgent) + 1
    ran_out = urgent["received_date"] + pd.Timedelta(days=days)
    waiting = (ran_out <= pd.Timestamp(as_of)) & (
        urgent["completed_date"].isna() | (urgent["completed_date"] >= ran_out)
    )
    n = int(waiting.sum())
    yes = int((urgent.loc[waiting, "urgent_extended_days"].fillna(0) > 0).sum())
    if n < MIN_EVENTS:
        return [refused("outcomes.urgent_extension_granted_share", label, "share", math.nan, n,
                        f"only {n} urgent authorisations ran out undecided (need {MIN_EVENTS})")]  # fmt: skip
    return [Draft("outcomes.urgent_extension_granted_share", label, yes / n, n, "share", wilson(yes, n))]


def _values(drafts: list[Draft], template: Scenario) -> dict[str, Any]:
    """Scenario values from the fitted (not refused) figures that are scenario keys."""
    fitted = {d.key: d.value for d in drafts if not d.refused and "[" not in d.key}
    reasons = [f"demand.mix.primary_support_reason.{r}" for r in SUPPORT_REASONS]
    values: dict[str, Any] = {}
    if all(k in fitted for k in reasons):
        shares = [round(fitted.pop(k), 4) for k in reasons]
        shares[int(np.argmax(shares))] += round(1.0 - sum(shares), 4)
        values["demand.mix.primary_support_reason"] = dict(zip(SUPPORT_REASONS, shares, strict=True))
    for k in reasons:
        fitted.pop(k, None)
    for key, value in fitted.items():
        if key.startswith("demand.flags."):
            continue
        if key.endswith(("stay_days.mean", "stay_days.sd")):
            continue
        values[key] = _sig(value)
    flags = dict(template.demand.flags)
    for d in drafts:
        if d.key.startswith("demand.flags.") and not d.refused:
            flags[d.key.removeprefix("demand.flags.")] = _sig(d.value)
    values["demand.flags"] = flags
    return values


def calibrate_history(
    history: History,
    *,
    template: Scenario | None = None,
    window_start: date | None = None,
    rules: triage.Rules | None = None,
    seed: int = 0,
) -> Calibration:
    """A scenario calibrated from an already validated ``history`` (see the module docstring)."""
    rules = rules or triage.load_rules()
    template = template or default_template()
    used, as_of, source = history.used, history.as_of, history.source_name
    if used.empty:
        raise CalibrationError(f"{source}: no usable rows (every row was rejected; see the rejects)")
    start = window_start or _window_start(used, source)
    months = months_between(start, as_of)
    if months < MIN_MONTHS:
        raise CalibrationError(
            f"{source}: the history covers {months} whole months ({start.isoformat()} to "
            f"{as_of.isoformat()}); calibration needs at least {MIN_MONTHS}, so that a season or a "
            "trend is not mistaken for the council's usual demand"
        )
    arrivals = used.loc[used["received_date"] >= pd.Timestamp(start)].reset_index(drop=True)
    new = arrivals.loc[arrivals["request_type"] != "renewal"]
    begins = as_of + timedelta(days=1)
    demand = fit_arrivals(new["received_date"], start, as_of, begins)
    criteria = rules.criteria
    drafts = [
        *demand.drafts,
        *fit_mix(new, arrivals, tuple(criteria.inputs.flags), tuple(criteria.inputs.renewal_only)),
    ]
    closures = {}
    checks = []
    for setting in SETTINGS:
        fit = fit_closure(arrivals, pd.Timestamp(as_of), setting, getattr(template.closure, setting))
        drafts += fit.drafts
        closures[setting] = fit.closure
        if fit.check:
            checks.append(fit.check)
    drafts += _outcomes(used, start) + _extensions(used, start, as_of, rules, history.columns)
    values = _values(drafts, template)
    values.update(
        {
            "name": f"Calibrated from {Path(source).name}",
            "description": f"Calibrated by dols-sim from {Path(source).name}, window {start.isoformat()} "
            f"to {as_of.isoformat()}; what an export cannot say is the template's ({template.name}).",
            "horizon.start_date": begins,
            "horizon.warm_up_months": 0,
            "demand.seasonality": [_sig(s) for s in demand.seasonality],
            "demand.observed_monthly_counts": [],
            "demand.mix.renewal_share": 0.0,
            "closure.while_allocated_factor": 1.0,
            "staffing.changes": [],
            "initial_backlog.worklist": None,
        }
    )
    for setting, closure in closures.items():
        values[f"closure.{setting}"] = {
            k: (_sig(v) if isinstance(v, float) else {kk: _sig(vv) if isinstance(vv, float) else vv
                                                      for kk, vv in v.items()})
            for k, v in closure.model_dump(exclude_none=True).items()
        }  # fmt: skip
    scenario = with_values(template, values)
    capacity = fit_capacity(used, scenario, start, as_of, rules, seed)
    drafts += capacity.drafts
    size, profile = backlog_at(used, begins)
    in_force = authorisations_in_force_at(used, begins, scenario)
    vacant = min(scenario.staffing.vacancies.bia_vacant_fte_at_start, capacity.bia_fte)
    scenario = with_values(
        scenario,
        {
            "staffing.bia_fte": round(capacity.bia_fte, 2),
            "staffing.vacancies.bia_vacant_fte_at_start": vacant,
            "initial_backlog.size": size,
            "initial_backlog.age_profile": profile,
            "initial_backlog.authorisations_in_force": in_force,
        },
    )
    renewals = int((arrivals["request_type"] == "renewal").sum())
    checks.append(
        f"renewal requests: {renewals:,} in the window ({renewals / max(months, 1):,.0f} a month); the "
        "model makes its own, one for each authorisation it grants whose person is still there"
    )
    return Calibration(
        scenario=scenario,
        estimates=finalise(drafts),
        checks=checks,
        source_name=source,
        rows_in=history.rows_in,
        rows_used=len(used),
        rejects=history.rejects,
        window_start=start,
        as_of=as_of,
        unknown_closure_reasons=dict(history.unknown_closure_reasons),
    )


def calibrate(
    source: bytes | str | Path, as_of: date, *, filename: str | None = None, **options: Any
) -> Calibration:
    """Read, validate and calibrate from a history (a path, or bytes held in memory with ``filename``);
    ``options`` are :func:`calibrate_history`'s (``template``, ``window_start``, ``rules``, ``seed``)."""
    rules = options.pop("rules", None) or triage.load_rules()
    history = read_history(source, as_of, rules, filename=filename)
    return calibrate_history(history, rules=rules, **options)


# ---- the commented scenario file ---------------------------------------------------------------------


def _ci(e: Estimate) -> str:
    def show(x: float) -> str:
        return f"{x:.4g}"

    return f"{show(e.value)} ({show(e.low)} to {show(e.high)})"


def _comments(cal: Calibration) -> dict[str, list[str]]:
    """Comment lines to write above each key path."""
    out: dict[str, list[str]] = {}
    season: list[str] = []
    for e in cal.estimates:
        if e.key.startswith("demand.seasonality["):
            season.append(f"{e.label.rsplit(', ', 1)[-1]} {_ci(e)}")
            continue
        if e.refused:
            text = f"not fitted: {e.note}" if e.note else "not fitted"
        else:
            text = f"fitted: {_ci(e)} from {e.rows:,} rows" + (f"; {e.note}" if e.note else "")
        key = e.key
        if key.startswith("closure.") and ".stay_days." in key:
            key = key.rsplit(".", 1)[0]
        if key.startswith("demand.mix.primary_support_reason."):
            key = "demand.mix.primary_support_reason"
            text = f"{e.label}: {text}"
        out.setdefault(key, []).append(text)
    if season:
        out.setdefault("demand.seasonality", []).append(
            "fitted, each with its interval: " + "; ".join(season)
        )
    out.setdefault("staffing.bia_productive_hours_per_week", []).append(
        "from the template: an export does not say how many hours a post gives"
    )
    out.setdefault("staffing.bia_hours_per_assessment", []).append("from the template (not in an export)")
    out.setdefault("closure.while_allocated_factor", []).append(
        "1: the fitted hazards are averages over the whole time open (an export has no allocation date)"
    )
    out.setdefault("initial_backlog.size", []).append(
        f"requests open at the end of {cal.as_of.isoformat()} in the history"
    )
    out.setdefault("initial_backlog.authorisations_in_force", []).append(
        "granted within the mean authorisation length before the start, person still there (expected)"
    )
    return out


def commented_toml(cal: Calibration) -> str:
    """The calibrated scenario as TOML, each fitted key with its interval and rows above it, each refused
    one with why, and a header saying where it came from. Loads back to the same scenario."""
    body = tomli_w.dumps(scenario_to_dict(cal.scenario))
    comments = _comments(cal)
    fitted = sum(1 for e in cal.estimates if not e.refused)
    header = [
        f"# Calibrated by dols-sim from {Path(cal.source_name).name}, as of {cal.as_of.isoformat()}.",
        f"# Window: {cal.window_start.isoformat()} to {cal.as_of.isoformat()}; rows: {cal.rows_in:,} in, "
        f"{cal.rows_used:,} used, {len(cal.rejects):,} rejected.",
        f"# {fitted} figures fitted. Intervals hold together with 95% confidence (each is a Bonferroni",
        "# interval, so that every figure inside its interval is what is promised). Keys without a",
        "# 'fitted' comment come from the template: an export cannot say them (hours, caseloads, policy,",
        "# costs). Check them, then: dols-sim validate FILE; dols-sim run FILE --reps 30 --out results/",
        "",
    ]
    lines: list[str] = []
    section = ""
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            section = stripped.strip("[]")
            lines.extend(f"# {text}" for text in comments.get(section, []))
        elif "=" in line and not line.startswith((" ", "]")):
            key = line.split("=", 1)[0].strip().strip('"')
            path = f"{section}.{key}" if section else key
            for text in comments.get(path, []):
                lines.append(f"# {text}")
        lines.append(line)
    return "\n".join(header + lines) + "\n"


def unknown_reasons_said(cal: Calibration) -> str:
    """One line on closure reasons the mapping does not know (counts only: a reason is free text on some
    systems, so its words stay off the terminal), or ''."""
    unknown = cal.unknown_closure_reasons
    if not unknown:
        return ""
    rows = sum(unknown.values())
    return (
        f"Closure reasons not recognised: {rows:,} rows, {len(unknown):,} spelling(s), read as not known "
        "(their closures count as changes of circumstance); add them to a mapping file's "
        "[values.closure_reason]"
    )
