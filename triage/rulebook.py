"""The rulebook: load and validate the rules files in triage/rules/ (timescales, criteria, policies).

The rules of law and of screening live in one place each, as TOML data beside this module, so a council
can read them, and replace them with its own (``--timescales`` / ``--criteria``), without a code change.
Each file is checked when loaded: a broken rules file is a clear :class:`RulesError` naming the file and
the key, never a traceback half-way through a worklist.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.errors import RulesError, describe_validation_error
from triage.vocabulary import CATEGORICAL_FIELDS, SETTINGS

RULES_DIR = Path(__file__).parent / "rules"
DEFAULT_TIMESCALES = RULES_DIR / "timescales.toml"
DEFAULT_CRITERIA = RULES_DIR / "screening_criteria.toml"
DEFAULT_POLICIES = RULES_DIR / "queue_policies.toml"

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- timescales --------------------------------------------------------------------------------------


class Scheme(_Frozen):
    in_force_from: date = date(2009, 4, 1)


class Counting(_Frozen):
    standard: Literal["day_one", "day_after"] = "day_one"
    urgent: Literal["day_one", "day_after"] = "day_one"


class StandardClock(_Frozen):
    assessment_period_days: PositiveInt = 21


class UrgentClock(_Frozen):
    period_days: PositiveInt = 7
    max_extension_days: NonNegativeInt = 7
    #: What an export's "extension granted: yes" means in days (the extension the rules allow).
    extension_granted_days: NonNegativeInt = 7

    @model_validator(mode="after")
    def _granted_within_the_maximum(self) -> UrgentClock:
        if self.extension_granted_days > self.max_extension_days:
            raise ValueError(
                f"extension_granted_days ({self.extension_granted_days}) is more than max_extension_days "
                f"({self.max_extension_days})"
            )
        return self


class StandardAuthorisation(_Frozen):
    max_days: PositiveInt = 365
    renewal_request_window_days: NonNegativeInt = 28


class Alerts(_Frozen):
    urgent_expiring_within_days: NonNegativeInt = 7
    extension_decision_within_days: NonNegativeInt = 3
    renewal_authorisation_ending_within_days: NonNegativeInt = 7
    last_lawful_day_within_days: NonNegativeInt = 1


class AuthorityDefaults(_Frozen):
    """Who is taken to be already deprived of liberty when the export does not say (see the rules file)."""

    already_deprived_by_setting: dict[str, bool] = {s: True for s in SETTINGS}

    @model_validator(mode="after")
    def _every_setting(self) -> AuthorityDefaults:
        given = set(self.already_deprived_by_setting)
        if given != set(SETTINGS):
            raise ValueError(
                f"already_deprived_by_setting: expected exactly the settings {list(SETTINGS)}, "
                f"got {sorted(given)}"
            )
        return self


class RegisterRules(_Frozen):
    """The register of authorisations in force (issue 20): when its duties fall due."""

    #: An authorisation ending within this many days with no further request received is alerted.
    ending_within_days: NonNegativeInt = 28
    #: No relevant person's representative appointed this many days after the authorisation began.
    rpr_appoint_within_days: NonNegativeInt = 7
    #: A suspended authorisation ceases after this many days (Sch A1 Part 6).
    suspension_ceases_after_days: PositiveInt = 28


class Timescales(_Frozen):
    """The statutory clock (the law's timescales; see the comments in rules/timescales.toml)."""

    scheme: Scheme = Scheme()
    counting: Counting = Counting()
    standard: StandardClock = StandardClock()
    urgent: UrgentClock = UrgentClock()
    standard_authorisation: StandardAuthorisation = StandardAuthorisation()
    alerts: Alerts = Alerts()
    authority: AuthorityDefaults = AuthorityDefaults()
    authorisations_register: RegisterRules = Field(default=RegisterRules(), alias="register")


# ---- screening criteria --------------------------------------------------------------------------------

ConditionValue = bool | str | list[str]


class Criterion(_Frozen):
    id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9_]+$")]
    label: Annotated[str, Field(min_length=1)]
    band: str
    when: dict[str, ConditionValue]
    #: which tool (and version) the item follows, honestly: "ADASS 2014", "WM ADASS 2024", "dols-sim"
    source: str = ""

    @model_validator(mode="after")
    def _has_conditions(self) -> Criterion:
        if not self.when:
            raise ValueError(f"criterion '{self.id}': `when` needs at least one condition")
        return self


class ScreeningInputs(_Frozen):
    flags: list[str]
    renewal_only: list[str] = []
    #: Questions many forms do not ask: a "yes" raises the band, but a blank or an absent column is
    #: never missing information and never keeps a lower band from being given.
    optional: list[str] = []


class Criteria(_Frozen):
    """Screening criteria (ADASS-style): each criterion implies a band; the highest band fired wins."""

    bands: list[str]
    no_criterion_band: str = "unscreened"
    complete_form_for: list[str] = []
    inputs: ScreeningInputs
    criterion: list[Criterion]

    @model_validator(mode="after")
    def _consistent(self) -> Criteria:
        if len(set(self.bands)) != len(self.bands) or not self.bands:
            raise ValueError(f"bands: must be a non-empty list of distinct names, got {self.bands}")
        if self.no_criterion_band in self.bands:
            raise ValueError(f"no_criterion_band: '{self.no_criterion_band}' must not also be in bands")
        odd = set(self.complete_form_for) - set(self.bands)
        if odd:
            raise ValueError(f"complete_form_for: {sorted(odd)} not in bands {self.bands}")
        for key in ("renewal_only", "optional"):
            unknown = set(getattr(self.inputs, key)) - set(self.inputs.flags)
            if unknown:
                raise ValueError(f"inputs.{key}: {sorted(unknown)} not in inputs.flags")
        seen: set[str] = set()
        for c in self.criterion:
            if c.id in seen:
                raise ValueError(f"criterion '{c.id}': id used twice")
            seen.add(c.id)
            if c.band not in self.bands:
                raise ValueError(f"criterion '{c.id}': band '{c.band}' is not one of {self.bands}")
            for field, value in c.when.items():
                if field in self.inputs.flags:
                    if not isinstance(value, bool):
                        raise ValueError(
                            f"criterion '{c.id}': {field} is a yes/no field, expected true or false, "
                            f"got {value!r}"
                        )
                elif field in CATEGORICAL_FIELDS:
                    values = [value] if isinstance(value, str) else value
                    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                        raise ValueError(f"criterion '{c.id}': {field} expects a string or list of strings")
                    bad = set(values) - CATEGORICAL_FIELDS[field]
                    if bad:
                        raise ValueError(
                            f"criterion '{c.id}': {field} value(s) {sorted(bad)} not one of "
                            f"{sorted(CATEGORICAL_FIELDS[field])}"
                        )
                else:
                    raise ValueError(
                        f"criterion '{c.id}': unknown field '{field}' (expected one of inputs.flags "
                        f"or {sorted(CATEGORICAL_FIELDS)})"
                    )
        return self

    def questions_above(self, band: str) -> list[str]:
        """The yes/no questions (optional ones aside) read by criteria of bands higher than ``band``."""
        rank = self.bands.index(band)
        required = set(self.required_flags)
        return sorted(
            {f for c in self.criterion if self.bands.index(c.band) < rank for f in c.when if f in required}
        )

    @property
    def required_flags(self) -> list[str]:
        """The yes/no questions whose blank answer is missing information (all but the optional ones)."""
        return [f for f in self.inputs.flags if f not in self.inputs.optional]

    @property
    def all_bands(self) -> list[str]:
        """Bands from highest to lowest, then the band given when no criterion fires."""
        return [*self.bands, self.no_criterion_band]


# ---- queue policies --------------------------------------------------------------------------------------

TierCondition = Literal[
    "any",
    "urgent",
    "renewal",
    "breached",
    "within_time",
    "urgent_in_force",
    "urgent_expired",
    "renewal_expiring",
    "achievable",
    "long_wait",
]
#: Conditions that change with the date (the simulation re-keys a request when one flips).
TIME_CONDITIONS: frozenset[str] = frozenset(get_args(TierCondition)) - {"any", "urgent", "renewal"}
OrderKey = Literal[
    "urgent_expiry",
    "statutory_deadline",
    "received_date",
    "band",
    "aged_received_date",
    "authorisation_expiry",
]


class Tier(_Frozen):
    """A group of the worklist: the requests for which every ``when`` condition holds (and, if ``bands``
    is given, whose band is one of them), ordered by ``order_by``."""

    when: list[TierCondition]
    bands: list[str] = []
    order_by: Annotated[list[OrderKey], Field(min_length=1)]
    #: What the worklist calls the group (``worklist_group``); a plain default from the conditions.
    label: str = ""

    @model_validator(mode="before")
    @classmethod
    def _one_condition(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("when"), str):
            return {**data, "when": [data["when"]]}
        return data

    @property
    def is_static(self) -> bool:
        return not TIME_CONDITIONS.intersection(self.when)


class Policy(_Frozen):
    id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9_]+$")]
    label: str
    tiers: Annotated[list[Tier], Field(min_length=1)]

    @property
    def is_static(self) -> bool:
        """True when the order never changes with the date."""
        return all(t.is_static for t in self.tiers)


class Policies(_Frozen):
    """Named queue policies shared by the triage worklist and the simulated waiting list."""

    worklist_default: str
    band_order: list[str]
    ageing_days: dict[str, Annotated[float, Field(ge=0)]]
    #: ``achievable``: at least this many days left before the deadline to still decide in time.
    achievable_days: NonNegativeInt = 7
    #: ``renewal_expiring``: a renewal whose standing authorisation ends within this many days.
    renewal_window_days: NonNegativeInt = 7
    #: ``long_wait``: waiting at least this many days since receipt, whatever the band (the bound that
    #: keeps a band from starving when urgent work alone could fill the team: LGSCO 18 004 809, 2019).
    long_wait_days: Annotated[int, Field(ge=1)] = 365
    #: The policy whose tiers say which requests ring-fenced staff take (those in no tier: not theirs).
    ring_fence: str | None = None
    policy: list[Policy]

    @model_validator(mode="after")
    def _consistent(self) -> Policies:
        ids = [p.id for p in self.policy]
        if len(set(ids)) != len(ids):
            raise ValueError(f"policy ids must be distinct, got {ids}")
        for name, value in (("worklist_default", self.worklist_default), ("ring_fence", self.ring_fence)):
            if value is not None and value not in ids:
                raise ValueError(f"{name}: '{value}' is not one of {ids}")
        missing = set(self.band_order) - set(self.ageing_days)
        if missing:
            raise ValueError(f"ageing_days: no value for band(s) {sorted(missing)}")
        for p in self.policy:
            for t in p.tiers:
                odd = set(t.bands) - set(self.band_order)
                if odd:
                    raise ValueError(f"policy '{p.id}': tier bands {sorted(odd)} not in band_order")
        return self

    def get(self, policy_id: str) -> Policy:
        for p in self.policy:
            if p.id == policy_id:
                return p
        raise RulesError(f"unknown queue policy '{policy_id}': expected one of {[p.id for p in self.policy]}")


# ---- loading -----------------------------------------------------------------------------------------


#: A rules, criteria or mapping file is a page or two of text: more than this is not one (a 2 GB device
#: named by mistake would otherwise be read whole).
MAX_RULES_BYTES = 1024 * 1024
#: The deepest nesting a rules file needs is 4 (a table of tables of lists); beyond this it is not one.
MAX_RULES_DEPTH = 16


def read_toml(path: Path, kind: str = "rules") -> dict[str, Any]:
    """A TOML file of ``kind`` (rules, mapping) as data, or one :class:`RulesError` line saying why not:
    missing, not a plain file (a folder, a device, a pipe: never read or waited on), too large, not UTF-8,
    not TOML, nested too deep or holding a number too long to read."""
    try:
        if not path.exists():
            raise RulesError(f"{kind} file not found: {path}")
        if not path.is_file():
            raise RulesError(
                f"cannot read {kind} file {path}: not a plain file (a folder, a device or a pipe)"
            )
        size = path.stat().st_size
        if size > MAX_RULES_BYTES:
            raise RulesError(f"{path.name}: {size:,} bytes, more than a {kind} file's {MAX_RULES_BYTES:,}")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start:,})") from None
    except OSError as exc:
        raise RulesError(f"cannot read {kind} file {path}: {exc.strerror}") from None
    return read_toml_text(text, path.name)


def _depth(data: Any) -> int:
    """How deep tables and lists nest (iteratively: a hostile file cannot exhaust the stack here)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        todo.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


M = TypeVar("M", bound=BaseModel)


def read_toml_text(text: str, name: str) -> dict[str, Any]:
    """An upload's TOML text (held in memory, never on disk) as data, or one :class:`RulesError` line
    naming the file: the text twin of :func:`read_toml` (criteria and mapping uploads)."""
    if len(text) > MAX_RULES_BYTES:
        raise RulesError(f"{name}: {len(text):,} characters, more than {MAX_RULES_BYTES:,}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{name}: not valid TOML ({exc})") from None
    except RecursionError:
        raise RulesError(f"{name}: nested more than {MAX_RULES_DEPTH} deep") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise RulesError(f"{name}: a value cannot be read ({str(exc).split(':')[0]})") from None
    if _depth(data) > MAX_RULES_DEPTH:
        raise RulesError(f"{name}: nested more than {MAX_RULES_DEPTH} deep")
    return data


def validated(model: type[M], data: dict[str, Any], name: str) -> M:
    """``data`` as ``model``, or one :class:`RulesError` line naming the file and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesError(describe_validation_error(exc, model, f"{name}: ")) from None


def _load(model: type[M], path: Path) -> M:
    return validated(model, read_toml(path), path.name)


def criteria_from_text(text: str, name: str = "criteria.toml") -> Criteria:
    """A council's own screening criteria from the text of its TOML file (the page's upload, held in
    memory and never written to disk); one :class:`RulesError` line naming the file if it cannot be used."""
    return validated(Criteria, read_toml_text(text, name), name)


@lru_cache(maxsize=32)
def load_timescales(path: Path | str = DEFAULT_TIMESCALES) -> Timescales:
    """The statutory clock from a TOML file (default: the shipped one)."""
    return _load(Timescales, Path(path))


@lru_cache(maxsize=32)
def load_criteria(path: Path | str = DEFAULT_CRITERIA) -> Criteria:
    """Screening criteria from a TOML file (default: the shipped ADASS-style one)."""
    return _load(Criteria, Path(path))


@lru_cache(maxsize=32)
def load_policies(path: Path | str = DEFAULT_POLICIES) -> Policies:
    """Queue policies from a TOML file (default: the shipped one)."""
    return _load(Policies, Path(path))


@dataclass(frozen=True)
class Rules:
    """The three rules files together, as one value to pass around."""

    timescales: Timescales
    criteria: Criteria
    policies: Policies

    def __post_init__(self) -> None:
        missing = set(self.criteria.all_bands) - set(self.policies.band_order)
        if missing:
            raise RulesError(
                f"queue policies: band_order {self.policies.band_order} lacks band(s) {sorted(missing)} "
                "used by the screening criteria"
            )


def load_rules(
    timescales: Path | str | None = None,
    criteria: Path | str | None = None,
    policies: Path | str | None = None,
) -> Rules:
    """Load all three rules files; ``None`` means the shipped default."""
    return Rules(
        timescales=load_timescales(timescales or DEFAULT_TIMESCALES),
        criteria=load_criteria(criteria or DEFAULT_CRITERIA),
        policies=load_policies(policies or DEFAULT_POLICIES),
    )
