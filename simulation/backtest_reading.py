"""What a backtest's miss points to: which fitted figure (or which assumption) to look at first.

Why: "12 of 12 months outside the band" tells a DoLS lead the model is wrong for them, not what to do
about it. Each measure the backtest compares is driven mostly by one or two of the scenario's figures, and
the direction of the gap says which way that figure is off: more requests received than simulated means
the demand is too low for the window; more completions means the in-house capacity that makes the
decisions seen is too low (or closures too rare). The table below says so as data, one entry per measure
and direction, naming the fit report's keys so the reader can find the figure (and its interval) there.

A measure misses when more of its months lie outside the band than a right model would put there by
chance: with a 90% band, about 1 month in 10 falls outside; more than :data:`MISS_SHARE` of them is read as
a miss. Months outside on both sides (no common direction) point to spread, not level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.backtest import MEASURES, Backtest

__all__ = ["MISS_SHARE", "POINTERS", "Miss", "misses"]

#: More than this share of a measure's months outside the band is a miss (a right model puts about
#: 1 - BAND = 10% outside; a quarter leaves room for chance in 12 months: P(4+ of 12) = 2.6%).
MISS_SHARE = 0.25
#: And at least this many months outside: in a short window one month outside is chance (1 of 3 months
#: outside happens 27% of the time to a right model; 3 of 12 or fewer, 11%).
MISS_MONTHS = 3
#: At least this share of the months outside on one side gives the miss a direction.
SAME_SIDE = 0.75

#: What each measure's gap points to: the scenario keys to look at, as the fit report names them
#: (``.*``: each of a group); the same keys whichever way the gap goes.
LOOK_AT: dict[str, tuple[str, ...]] = {
    "received": ("demand.applications_per_month", "demand.growth_pct_per_year", "demand.seasonality[*]"),
    "completed": ("staffing.bia_fte", "screening.closed_on_receipt_share.*", "closure.*"),
    "closed_without_decision": ("screening.closed_on_receipt_share.*", "closure.*"),
    "open_at_month_end": ("demand.applications_per_month", "staffing.bia_fte"),
    "completed_within_21_days_share": ("queue.policy", "staffing.bia_fte"),
    "mean_days_to_complete": ("queue.policy", "closure.*"),
}
#: (measure, "higher" | "lower": the history against the model) -> what the gap says.
READINGS: dict[tuple[str, str], str] = {
    ("received", "higher"): (
        "the scenario's demand is too low for this window: the requests a month, their growth or the "
        "seasonal pattern"
    ),
    ("received", "lower"): (
        "the scenario's demand is too high for this window: the requests a month, their growth or the "
        "seasonal pattern"
    ),
    ("completed", "higher"): (
        "the team completed more than the model: the in-house BIA posts that make the decisions seen "
        "are too few, or closures (at screening, deaths, changes of circumstance) too rare"
    ),
    ("completed", "lower"): (
        "the team completed fewer than the model: the in-house BIA posts are too many, or closures "
        "too frequent"
    ),
    ("closed_without_decision", "higher"): (
        "more requests closed without a decision than the model closes: the closure rates (at "
        "screening, deaths, changes of circumstance, hospital stays) are too low"
    ),
    ("closed_without_decision", "lower"): (
        "fewer requests closed without a decision than the model closes: the closure rates are too high"
    ),
    ("open_at_month_end", "higher"): (
        "the list grew more than the model's: more received or fewer completed than simulated (read "
        "the two rows above); if neither misses, the starting list is larger than the history's state"
    ),
    ("open_at_month_end", "lower"): (
        "the list grew less than the model's: fewer received or more completed than simulated (read "
        "the two rows above)"
    ),
    ("completed_within_21_days_share", "higher"): (
        "the team decided more new requests within 21 days than the model: its order of work favours "
        "new requests more than the scenario's queue policy (not fitted: choose it on the Scenario "
        "tab or in the scenario file), or its capacity is higher"
    ),
    ("completed_within_21_days_share", "lower"): (
        "the team decided fewer new requests within 21 days than the model: it works older requests "
        "first more than the scenario's queue policy (not fitted), or its capacity is lower"
    ),
    ("mean_days_to_complete", "higher"): (
        "completions came later after receipt than the model's: the team works older requests first "
        "more than the queue policy (not fitted), or closures are signed off later than they happen "
        "(the model counts a closure on the day of the event)"
    ),
    ("mean_days_to_complete", "lower"): (
        "completions came sooner after receipt than the model's: the team works new requests first "
        "more than the queue policy (not fitted), or closes requests sooner"
    ),
}
#: Both, per (measure, direction): the keys to look at and what the gap says.
POINTERS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    (measure, way): (LOOK_AT[measure], said) for (measure, way), said in READINGS.items()
}


@dataclass(frozen=True)
class Miss:
    """One measure the model misses, which way, and what the gap points to."""

    measure: str
    label: str
    #: "higher" or "lower" (the history against the model), or "both sides" (spread, not level)
    direction: str
    outside: int
    months: int
    #: mean of observed - simulated over the months outside the band
    mean_error: float
    points_to: tuple[str, ...]
    reading: str

    @property
    def sentence(self) -> str:
        """The miss in one sentence, as the page and the command line say it."""
        head = f"{self.label}: {self.outside} of {self.months} months outside the band"
        if self.direction == "both sides":
            return (
                f"{head}, on both sides: the history varies more from month to month than the model "
                "(the band is too narrow), so the level is not the problem."
            )
        keys = ", ".join(f"`{k}`" for k in self.points_to)
        return f"{head}, the history {self.direction} than the model: {self.reading} (look at {keys})."


def misses(result: Backtest) -> list[Miss]:
    """The measures whose months lie outside the band more often than chance, each with its reading."""
    found = []
    for measure, (label, _) in MEASURES.items():
        part = result.table.loc[(result.table["measure"] == measure) & result.table["observed"].notna()]
        months = len(part)
        out = part.loc[~part["inside"].to_numpy(dtype=bool)]
        if not months or len(out) <= MISS_SHARE * months or len(out) < MISS_MONTHS:
            continue
        errors = out["error"].to_numpy(dtype=float)
        above = float(np.mean(errors > 0))
        direction = "higher" if above >= SAME_SIDE else "lower" if above <= 1 - SAME_SIDE else "both sides"
        keys, reading = POINTERS.get((measure, direction), ((), ""))
        found.append(Miss(measure, label, direction, len(out), months, float(errors.mean()), keys, reading))
    return found
