"""The input contract, defined once: its column names, and its coded values (request types, settings,
primary support reasons).

Everything that names these codes (validation of an export, the screening criteria's checks, the
simulation's draws and run log, the initial backlog read from a worklist, synthetic exports) imports them
from here, so adding a code is one edit, and no two places can disagree on the spelling.
"""

from __future__ import annotations

#: The input contract's column names (DESIGN §4), in the order the README's input table lists them. The
#: screening questions are the criteria file's ``inputs.flags`` (the shipped ones are listed here too,
#: so a mapping file can name them before any criteria are loaded).
CONTRACT_COLUMNS: tuple[str, ...] = (
    "application_id",
    "received_date",
    "setting",
    "request_type",
    "urgent_start",
    "urgent_extended_days",
    "current_authorisation_expiry",
    "already_deprived",
    "age",
    "date_of_birth",
    "primary_support_reason",
    "objecting",
    "family_objecting",
    "unsettled_placement",
    "restraint",
    "sedation_or_covert_medication",
    "one_to_one",
    "contact_restrictions",
    "move_considered",
    "fluctuating_capacity",
    "end_of_life",
    "change_since_last_authorisation",
    "safeguarding_concern",
    "no_one_to_consult",
    "representative_not_in_place",
    "challenge_raised",
    "completed_date",
    "outcome",
    "person_id",
    "status",
    "status_date",
    "assessor",
)
#: The contract's date columns.
DATE_COLUMNS: tuple[str, ...] = (
    "received_date",
    "urgent_start",
    "current_authorisation_expiry",
    "completed_date",
    "status_date",
    "date_of_birth",
)
#: The contract's number columns: a yes/no or a word is never guessed for one (the page's mapping step).
#: ``urgent_extended_days`` also reads yes/no (extension granted), ``age`` a date (of birth).
NUMBER_COLUMNS: tuple[str, ...] = ("urgent_extended_days", "age")
#: Without these a file cannot be triaged at all: it is refused whole, naming what is missing.
REQUIRED_COLUMNS: tuple[str, ...] = ("application_id", "received_date", "setting", "request_type")

#: ``request_type``: urgent = the managing authority gave an urgent authorisation; renewal = a request
#: for a further standard authorisation (Sch A1 para 24). These are the requests the model simulates.
REQUEST_TYPES: tuple[str, ...] = ("standard", "urgent", "renewal")
#: A request to review a standard authorisation in force (Sch A1 Part 8, paras 101-125): on the
#: worklist in its own section; reg 13's 21 days do not apply, and the simulation does not model it.
REVIEW = "review"
#: Every request type an export may hold.
WORKLIST_REQUEST_TYPES: tuple[str, ...] = (*REQUEST_TYPES, REVIEW)
#: Request types that follow a standard authorisation (so they carry its expiry date).
FURTHER_REQUEST_TYPES: tuple[str, ...] = ("renewal", REVIEW)
#: ``setting``: the managing authority's type.
SETTINGS: tuple[str, ...] = ("care_home", "hospital")
#: ``primary_support_reason``, for equity reporting (the CQC's concern about dementia and learning
#: disability in the lower band), in a fixed order.
SUPPORT_REASONS: tuple[str, ...] = (
    "dementia",
    "learning_disability",
    "mental_health",
    "acquired_brain_injury",
    "other",
)
#: What the worklist says when the export gave no (or an unrecognised) support reason.
UNKNOWN_REASON = "unknown"

#: ``status``: where an open request is in the team's work (issue 20). Only what awaits allocation is
#: ranked on the worklist; the rest are work in hand, with their own table and each assessor's caseload.
#: A blank status means awaiting allocation (an export without the column is all awaiting allocation).
AWAITING_ALLOCATION = "awaiting_allocation"
STATUSES: tuple[str, ...] = (
    AWAITING_ALLOCATION,
    "with_best_interests_assessor",
    "with_mental_health_assessor",
    "awaiting_sign_off",
)
#: The stages of work in hand, in the order a request passes through them.
IN_HAND_STATUSES: tuple[str, ...] = STATUSES[1:]

#: A history's own coded fields (calibration): what became of a request, and why a withdrawn one closed
#: (``screening``: closed when the form was read; ``died``; ``circumstances_changed``: discharged, moved,
#: regained capacity, no longer deprived). Their spellings are data: ``[values.outcome]`` and
#: ``[values.closure_reason]`` in rules/export_mapping.toml.
OUTCOMES: tuple[str, ...] = ("granted", "not_granted", "withdrawn")
CLOSURE_REASONS: tuple[str, ...] = ("screening", "died", "circumstances_changed")
HISTORY_CODED_FIELDS: dict[str, frozenset[str]] = {
    "outcome": frozenset(OUTCOMES),
    "closure_reason": frozenset(CLOSURE_REASONS),
}

#: Categorical input fields a screening criterion may test, with their allowed values.
CATEGORICAL_FIELDS: dict[str, frozenset[str]] = {
    "request_type": frozenset(WORKLIST_REQUEST_TYPES),
    "setting": frozenset(SETTINGS),
    "primary_support_reason": frozenset(SUPPORT_REASONS),
    "status": frozenset(STATUSES),
}
