"""A simulation scenario: what a DoLS lead would change, as a validated, frozen model (the schema).

A scenario is a plain TOML file (``scenarios/*.toml``) a commissioner copies and edits; reading and
writing it is :mod:`simulation.scenario_file`'s job. Everything the model needs that is a *choice*
(demand, staffing, policy, costs) lives here; everything that is *law or screening* lives in the triage
rules files, so the two never disagree.

Errors are :class:`ScenarioError` with one line naming the key path, the value and what was expected
(``staffing.bia_fte: must be >= 0, got -2``), because that line is what the command line shows a user.
Three key paths are fixed because scripts and the page's levers rely on them:
``demand.applications_per_month``, ``staffing.bia_fte`` and ``staffing.independent_bia_per_month``.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from triage.errors import DolsSimError
from triage.errors import show_value as _fmt
from triage.vocabulary import SUPPORT_REASONS

__all__ = [
    "STAFF_LEVELS",
    "AgeBand",
    "Assessment",
    "Closure",
    "Costs",
    "Demand",
    "Distribution",
    "Horizon",
    "InitialBacklog",
    "Mix",
    "Outcomes",
    "Queue",
    "Scenario",
    "ScenarioError",
    "Screening",
    "SettingClosure",
    "SettingShares",
    "Staffing",
    "StaffingChange",
    "SupportReasonShares",
    "Targets",
    "Vacancies",
]

#: Days in an average month: the unit behind "per month" rates.
MONTH_DAYS = 365.25 / 12

Share = Annotated[float, Field(ge=0, le=1)]
#: No quantity the model takes (hours, days, money) is anywhere near a billion: past it, a typo (and
#: overflow in the model's arithmetic), refused naming the key.
MAX_QUANTITY = 1e9
NonNegative = Annotated[float, Field(ge=0, le=MAX_QUANTITY)]
Positive = Annotated[float, Field(gt=0, le=MAX_QUANTITY)]
#: Upper bounds well above England as a whole (about 28,000 requests a month, a few thousand assessors),
#: so a typo (an extra three noughts) is an error naming the key, not a run that never ends.
MAX_REQUESTS_PER_MONTH = 200_000
MAX_STAFF = 50_000
Requests = Annotated[float, Field(ge=0, le=MAX_REQUESTS_PER_MONTH)]
Staff = Annotated[float, Field(ge=0, le=MAX_STAFF)]
#: Open applications at the start (generated, or authorisations in force): England's whole backlog was
#: 124,000; ten million is a typo.
MAX_OPEN = 10_000_000
#: Dates the model can run from: the DoLS began on 1 April 2009; a horizon of 600 months from 2100 still
#: ends within the calendar Python knows.
START_DATES = (date(2009, 4, 1), date(2100, 12, 31))
#: A closure hazard of 10 a day means a mean stay of under 2.5 hours: beyond it, a typo.
MAX_HAZARD_PER_DAY = 10.0
Hazard = Annotated[float, Field(ge=0, le=MAX_HAZARD_PER_DAY)]
#: Text and list sizes: a scenario is a page of TOML, not a data file.
MAX_TEXT, MAX_ITEMS = 10_000, 1_000
#: The staffing levels a timeline of changes moves (each has a ``<name>_change`` in a change).
STAFF_LEVELS: tuple[str, ...] = (
    "bia_fte",
    "independent_bia_per_month",
    "mental_health_assessors",
    "authorisers",
)


class ScenarioError(DolsSimError):
    """A scenario file, override or initial worklist cannot be used; the message says which key and why."""


def _is_number(annotation: Any) -> bool:
    """True for a field that holds a number (int, float, or either or None), not a yes/no."""
    if annotation in (int, float):
        return True
    args = [a for a in get_args(annotation) if a is not type(None)]
    return bool(args) and all(a in (int, float) for a in args)


class _Model(BaseModel):
    # allow_inf_nan=False: "inf" or "nan" in a file or --set is a mistake, and would hang or mislead a run.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_yes_no_for_a_number(cls, data: Any) -> Any:
        """``horizon.months = true`` is a mistake, not 1 month: pydantic's lax mode reads a yes/no as 0 or
        1 where a number is expected, so a yes/no given for a number field is refused by name."""
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(str(name))
                if isinstance(value, bool) and field is not None and _is_number(field.annotation):
                    raise ValueError(f"{name} = {str(value).lower()}: a yes/no where a number is expected")
        return data


# ---- building blocks ------------------------------------------------------------------------------------


class Distribution(_Model):
    """A positive random quantity (hours, days) given by its mean and, where needed, its spread.

    ``fixed``: always ``mean``. ``exponential``: memoryless with that mean (the textbook queue).
    ``lognormal`` and ``gamma``: right-skewed with that mean and standard deviation ``sd`` (most
    assessments take about the usual time, a few take much longer).
    """

    kind: Literal["fixed", "exponential", "lognormal", "gamma"] = "fixed"
    mean: Positive
    sd: NonNegative = 0.0

    @model_validator(mode="after")
    def _spread(self) -> Distribution:
        if self.kind in ("lognormal", "gamma") and self.sd <= 0:
            raise ValueError(f"sd: must be > 0 for kind '{self.kind}', got {_fmt(self.sd)}")
        ratio = self.sd / self.mean
        if self.kind in ("lognormal", "gamma") and not 1e-3 <= ratio <= 1e3:
            # Beyond these the draws overflow (or collapse onto the mean): a typo, not a distribution.
            raise ValueError(
                f"sd: must be between a thousandth and a thousand times the mean ({_fmt(self.mean)}), "
                f"got {_fmt(self.sd)}"
            )
        if self.kind in ("fixed", "exponential") and self.sd != 0:
            raise ValueError(f"sd: not used by kind '{self.kind}' (leave it out), got {_fmt(self.sd)}")
        return self


class Horizon(_Model):
    """When the simulated period starts and how long it runs."""

    start_date: Annotated[date, Field(ge=START_DATES[0], le=START_DATES[1])]
    months: Annotated[int, Field(ge=1, le=600)]
    #: Wait and compliance KPIs ignore applications received in the first months (steady-state checks).
    warm_up_months: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _warm_up(self) -> Horizon:
        if self.warm_up_months >= self.months:
            raise ValueError(f"warm_up_months: must be < months ({self.months}), got {self.warm_up_months}")
        return self


class SupportReasonShares(_Model):
    """Share of applications by ``primary_support_reason`` (they must add up to 1)."""

    dementia: Share = 0.65
    learning_disability: Share = 0.12
    mental_health: Share = 0.08
    acquired_brain_injury: Share = 0.03
    other: Share = 0.12

    @model_validator(mode="after")
    def _sum(self) -> SupportReasonShares:
        total = sum(self.as_tuple())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"shares must add up to 1, got {_fmt(total)}")
        return self

    def as_tuple(self) -> tuple[float, ...]:
        """Shares in :data:`SUPPORT_REASONS` order."""
        return tuple(float(getattr(self, r)) for r in SUPPORT_REASONS)


class SettingShares(_Model):
    """A share for each setting (care homes, hospitals)."""

    care_home: Share = 0.0
    hospital: Share = 0.0


class Mix(_Model):
    """What the arriving requests look like."""

    hospital_share: Share = 0.2
    #: Share of NEW requests with an urgent authorisation (renewals never come with one). The published
    #: figure (58% in 2023-24) is of all requests received, renewals included: the run reports that as
    #: ``urgent_share_of_received``, so set this higher than the published share.
    urgent_share: Share = 0.58
    #: Renewals of authorisations the model did not grant itself (e.g. granted before the start).
    renewal_share: Share = 0.0
    primary_support_reason: SupportReasonShares = SupportReasonShares()
    #: Share of standard requests (no urgent authorisation) for people ALREADY deprived of liberty when
    #: the request is made, per setting: they are without authority from receipt (a request gives no
    #: authority, Sch A1 paras 1(3), 2); the rest are planned deprivations, without authority never while
    #: they wait. Not given: the rules file's default per setting (``[authority]`` in
    #: ``triage/rules/timescales.toml``: true = 1, false = 0).
    already_deprived_share: SettingShares | None = None

    @model_validator(mode="after")
    def _types(self) -> Mix:
        if self.urgent_share + self.renewal_share > 1 + 1e-9:
            raise ValueError(
                "urgent_share: urgent_share + renewal_share must be <= 1, got "
                f"{_fmt(self.urgent_share + self.renewal_share)}"
            )
        return self


class Demand(_Model):
    """Requests arriving from managing authorities (care homes and hospitals)."""

    applications_per_month: Requests
    #: At most doubling every year (compounded over 50 years that is still a finite, refusable demand).
    growth_pct_per_year: Annotated[float, Field(ge=-100, le=100)] = 0.0
    #: Month-of-year multipliers, January first; rescaled to average 1.
    seasonality: Annotated[list[NonNegative], Field(min_length=12, max_length=12)] = [1.0] * 12
    #: Expected requests in months 1, 2, ... of the horizon (repeated if shorter); replaces the above.
    observed_monthly_counts: Annotated[list[Requests], Field(max_length=600)] = []
    mix: Mix = Mix()
    #: Share of requests whose form says "yes" to each screening flag (absent flag: never "yes").
    flags: Annotated[dict[str, Share], Field(max_length=100)] = {}
    #: Chance that any one screening flag is left blank on the form ("not known").
    blank_flag_share: Share = 0.0

    @model_validator(mode="after")
    def _seasonality(self) -> Demand:
        if sum(self.seasonality) <= 0:
            raise ValueError("seasonality: at least one month must be > 0")
        return self


class AgeBand(_Model):
    """A slice of the starting backlog: ``share`` of it has waited up to ``up_to_days`` days."""

    up_to_days: Positive
    share: Share


class InitialBacklog(_Model):
    """Applications already open on the start date: generated, or read from a triage worklist."""

    size: Annotated[int, Field(ge=0, le=MAX_OPEN)] = 0
    age_profile: Annotated[list[AgeBand], Field(max_length=100)] = [AgeBand(up_to_days=21, share=1.0)]
    #: A triage worklist file (CSV or XLSX) to simulate forward from; relative to the scenario file.
    worklist: Annotated[str, Field(max_length=4096)] | None = None
    #: The work in hand written beside it (``dols-sim triage --in-hand FILE``): open requests too, read
    #: with the worklist so the run starts from every open request, as the page does. (The model does not
    #: yet start them in their stage: they wait in the queue like the rest.)
    in_hand: Annotated[str, Field(max_length=4096)] | None = None
    #: Standard authorisations in force on the start date: each comes back as a renewal request.
    authorisations_in_force: Annotated[int, Field(ge=0, le=MAX_OPEN)] = 0

    @model_validator(mode="after")
    def _profile(self) -> InitialBacklog:
        if self.worklist is not None and self.size > 0:
            raise ValueError("give either size (a generated backlog) or worklist (a file), not both")
        if self.in_hand is not None and self.worklist is None:
            raise ValueError("in_hand: read with a worklist; give worklist too")
        if not self.age_profile:
            raise ValueError("age_profile: needs at least one band")
        edges = [b.up_to_days for b in self.age_profile]
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError(f"age_profile: up_to_days must increase, got {[_fmt(e) for e in edges]}")
        total = sum(b.share for b in self.age_profile)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"age_profile: shares must add up to 1, got {_fmt(total)}")
        return self


class StaffingChange(_Model):
    """A step change in capacity from the start of a month of the horizon (month 1 is the first).

    A change after the end of the horizon has no effect (so a shorter ``--set horizon.months`` run of
    the same file still works).
    """

    from_month: Annotated[int, Field(ge=1, le=600)]
    bia_fte_change: Annotated[float, Field(ge=-MAX_STAFF, le=MAX_STAFF)] = 0.0
    independent_bia_per_month_change: Annotated[
        float, Field(ge=-MAX_REQUESTS_PER_MONTH, le=MAX_REQUESTS_PER_MONTH)
    ] = 0.0
    mental_health_assessors_change: Annotated[float, Field(ge=-MAX_STAFF, le=MAX_STAFF)] = 0.0
    authorisers_change: Annotated[float, Field(ge=-MAX_STAFF, le=MAX_STAFF)] = 0.0


class Vacancies(_Model):
    """Unfilled in-house BIA posts and staff turnover (a leaver's post is refilled after a hiring lag)."""

    bia_vacant_fte_at_start: NonNegative = 0.0
    bia_turnover_per_year: NonNegative = 0.0
    hiring_lag_months: Annotated[float, Field(ge=0, le=120)] = 3.0
    #: Posts added by ``staffing.changes`` start empty and are filled after the hiring lag (recruitment
    #: takes months); false: filled at once (the textbook).
    new_posts_wait_for_hiring: bool = True


class Staffing(_Model):
    """Who does the work: in-house and independent BIAs, mental health assessors, authorisers."""

    bia_fte: Staff
    bia_productive_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 22.5
    bia_hours_per_assessment: Distribution = Distribution(kind="lognormal", mean=12.0, sd=4.0)
    independent_bia_per_month: Requests = 0.0
    independent_bia_days: Distribution = Distribution(kind="fixed", mean=14.0)
    #: Cases an in-house BIA carries at once (1 with no turnaround: one case at a time, the textbook).
    bia_caseload: Annotated[int, Field(ge=1, le=100)] = 1
    #: Elapsed days from allocation to report (visits, consulting family and the representative,
    #: records): a case's report comes after this or after the BIA's hours on it, whichever is later.
    #: None: only the hours count.
    bia_turnaround_days: Distribution | None = None
    mental_health_assessors: Staff = 1.0
    mha_productive_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 30.0
    mha_hours_per_assessment: Distribution = Distribution(kind="fixed", mean=3.0)
    mha_caseload: Annotated[int, Field(ge=1, le=100)] = 1
    mha_turnaround_days: Distribution | None = None
    authorisers: Staff = 1.0
    authoriser_productive_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 7.5
    authoriser_hours_per_sign_off: Distribution = Distribution(kind="fixed", mean=1.0)
    changes: Annotated[list[StaffingChange], Field(max_length=MAX_ITEMS)] = []
    vacancies: Vacancies = Vacancies()

    @model_validator(mode="after")
    def _levels(self) -> Staffing:
        if self.vacancies.bia_vacant_fte_at_start > self.bia_fte + 1e-9:
            raise ValueError(
                f"vacancies.bia_vacant_fte_at_start: must be <= bia_fte ({_fmt(self.bia_fte)}), "
                f"got {_fmt(self.vacancies.bia_vacant_fte_at_start)}"
            )
        self.level_schedule()  # refuses a change that takes a level below 0
        return self

    def level_schedule(self) -> list[tuple[int, dict[str, float]]]:
        """Staffing levels from each change on: ``(from_month, levels)``, the first from month 1.

        The one place the timeline of changes is composed (the validator and the model both use it).
        Changes of the same month are applied together; a level that would go below 0 is an error naming
        the change, because a cut of more posts than exist is a typo, not a plan.
        """
        level = {name: float(getattr(self, name)) for name in STAFF_LEVELS}
        out: list[tuple[int, dict[str, float]]] = [(1, dict(level))]
        for i, change in sorted(enumerate(self.changes), key=lambda ic: ic[1].from_month):
            for name in STAFF_LEVELS:
                level[name] += getattr(change, f"{name}_change")
                if level[name] < -1e-9:
                    raise ValueError(
                        f"changes[{i}].{name}_change: takes {name} below 0 from month "
                        f"{change.from_month} (to {_fmt(level[name])})"
                    )
                ceiling = MAX_REQUESTS_PER_MONTH if name == "independent_bia_per_month" else MAX_STAFF
                if level[name] > ceiling:
                    raise ValueError(
                        f"changes[{i}].{name}_change: takes {name} above {ceiling:,} from month "
                        f"{change.from_month} (to {_fmt(level[name])})"
                    )
                level[name] = max(0.0, level[name])
            if out[-1][0] == change.from_month:
                out[-1] = (change.from_month, dict(level))
            else:
                out.append((change.from_month, dict(level)))
        return out


class Assessment(_Model):
    """How assessments are done: proportionate (desk-based) BIA work, and which stages are modelled."""

    #: ADASS (2016): desk-based BIA assessments for lower-priority cases and renewals.
    proportionate: bool = False
    proportionate_hours_factor: Annotated[float, Field(gt=0, le=1)] = 0.5
    proportionate_bands: Annotated[list[str], Field(max_length=100)] = ["low"]
    proportionate_renewals: bool = True
    #: false: the mental health assessment is not modelled (takes no time). For validation scenarios.
    mental_health_assessment: bool = True
    #: false: sign-off is not modelled (takes no time). For validation scenarios.
    sign_off: bool = True


class Queue(_Model):
    """The order the waiting list is worked in (a policy of the rules file, the worklist's own order by
    default), and in-house BIA time kept for requests that can still be decided in time."""

    policy: Annotated[str, Field(max_length=200)] = "act_first"
    #: Override the rules file's ageing days per band.
    ageing_days: Annotated[dict[str, NonNegative], Field(max_length=100)] = {}
    #: Share of in-house BIA FTE ring-fenced for the requests the rules' ring-fence policy picks (urgent
    #: and high-priority ones still decidable in time), worked by deadline.
    ring_fenced_share: Share = 0.0
    #: Ring-fenced BIAs take backlog work when none of theirs waits (false: capacity kept free for them).
    ring_fenced_help_backlog: bool = False
    #: Elapsed days from allocation to report for the ring-fenced (duty) team, who visit within days;
    #: None: as ``staffing.bia_turnaround_days``.
    ring_fenced_turnaround_days: Distribution | None = None


class Screening(_Model):
    """Screening on receipt: a coordinator reads each request, which can close it at once (already
    discharged or moved, a duplicate, not eligible) before it joins the waiting list."""

    #: Coordinators' DoLS time in FTE; 0: screening takes no time (closures on receipt still happen).
    coordinator_fte: Staff = 0.0
    coordinator_productive_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 30.0
    hours_per_request: Distribution = Distribution(kind="fixed", mean=0.5)
    #: Share of requests closed at screening, by setting (counted as completed, not assessed).
    closed_on_receipt_share: SettingShares = SettingShares()


class SettingClosure(_Model):
    """Why an open request closes without a decision, in one setting: the published reasons."""

    #: The person dies: a daily hazard.
    died_per_day: Hazard = 0.0
    #: Circumstances change (discharged, moved, regained capacity): a daily hazard.
    circumstances_changed_per_day: Hazard = 0.0
    #: Days from receipt until the person leaves the setting (a hospital stay); None: no fixed stay.
    stay_days: Distribution | None = None


class Closure(_Model):
    """Requests closed before a decision: hazards by setting while a request waits, scaled by
    ``while_allocated_factor`` once an assessor has it (0: never closed mid-assessment, the Erlang A
    reneging model; 1: the same as waiting), and a hospital stay that ends it whatever its stage."""

    care_home: SettingClosure = SettingClosure()
    hospital: SettingClosure = SettingClosure()
    while_allocated_factor: Annotated[float, Field(ge=0, le=100)] = 1.0


class Outcomes(_Model):
    """What decisions are, and what granted authorisations lead to."""

    granted_share: Share = 0.8
    authorisation_days: Distribution = Distribution(kind="lognormal", mean=276.0, sd=80.0)
    renewals: bool = True
    urgent_extension_granted_share: Share = 1.0


class Costs(_Model):
    """Money, in ``currency`` (GBP by default)."""

    currency: Annotated[str, Field(max_length=10)] = "GBP"
    #: Per funded in-house BIA FTE-year while the post is filled, on-costs included.
    bia_fte_per_year: NonNegative = 0.0
    independent_bia_per_assessment: NonNegative = 0.0
    mental_health_assessment: NonNegative = 0.0
    #: An authoriser's time for one sign-off.
    sign_off: NonNegative = 0.0


class Targets(_Model):
    """What "cleared" means: ``weeks_to_clear`` is the first week the open backlog is below this."""

    backlog_target: Annotated[int, Field(ge=0, le=MAX_OPEN)] = 100


class Scenario(_Model):
    """One council (or England) over a horizon: everything the simulation needs that is a choice."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    horizon: Horizon
    demand: Demand
    initial_backlog: InitialBacklog = InitialBacklog()
    staffing: Staffing
    assessment: Assessment = Assessment()
    queue: Queue = Queue()
    screening: Screening = Screening()
    closure: Closure = Closure()
    outcomes: Outcomes = Outcomes()
    costs: Costs = Costs()
    targets: Targets = Targets()
