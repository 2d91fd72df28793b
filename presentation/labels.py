"""Plain names for the contract's code names: what a DoLS lead reads on the page and in the report.

Why: the worklist, the register and the rejects keep the contract's code names (``received_date``,
``care_home``, ``urgent_extended_days``) because scripts and the downloads read them; a person reading the
page should see "date received", "care home" and "urgent extension (days)". This is the one place that
says how each code name reads. The screening criteria, the register's alerts and the queue policies carry
their own plain names in the rules files (their ``label``); :func:`plain` takes those as ``extra``.

A code name with no entry here still never reaches a person as code: its underscores become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from triage.register import REGISTER_ALERT_LABELS

#: Column and value code names of the contract, the worklist, the register and work in hand.
PLAIN: dict[str, str] = {
    # the input contract
    "application_id": "application ID",
    "received_date": "date received",
    "setting": "setting",
    "request_type": "request type",
    "urgent_start": "urgent authorisation start",
    "urgent_extended_days": "urgent extension (days)",
    "current_authorisation_expiry": "current authorisation ends",
    "already_deprived": "already deprived of liberty",
    "date_of_birth": "date of birth",
    "primary_support_reason": "support reason",
    "person_id": "person reference",
    "status": "status",
    "status_date": "status date",
    "assessor": "assessor",
    "team": "team",
    "managing_authority": "managing authority",
    "completed_date": "date completed",
    "closure_reason": "closure reason",
    "data_warnings": "data warnings",
    "problems": "why refused",
    # the screening questions (the shipped criteria's inputs; a council's own read as words)
    "objecting": "objecting",
    "family_objecting": "family objecting",
    "unsettled_placement": "unsettled placement",
    "sedation_or_covert_medication": "sedation or covert medication",
    "one_to_one": "one-to-one supervision",
    "contact_restrictions": "contact restrictions",
    "move_considered": "move considered",
    "fluctuating_capacity": "fluctuating capacity",
    "end_of_life": "end of life",
    "change_since_last_authorisation": "change since the last authorisation",
    "safeguarding_concern": "safeguarding concern",
    "no_one_to_consult": "no one to consult but paid carers",
    "representative_not_in_place": "no representative in place",
    "challenge_raised": "challenge raised",
    # what the worklist adds
    "priority": "band",
    "reasons": "why this band",
    "missing_information": "missing information",
    "statutory_deadline": "statutory deadline",
    "days_waiting": "days waiting",
    "days_to_deadline": "days to deadline",
    "breached": "past deadline",
    "urgent_expiry": "urgent authorisation ends",
    "urgent_expiring_soon": "urgent ending soon",
    "extension_due": "extension decision due",
    "authorisation_expiry": "authorisation ends",
    "worklist_group": "worklist group",
    "authority": "authority now",
    "without_authority_since": "without authority since",
    "days_without_authority": "days without authority",
    "already_deprived_assumed": "already deprived: the setting's default",
    "authority_ended_before_request": "authorisation ended before the request",
    "last_lawful_day": "last lawful day",
    "urgent_final_day": "urgent on its final day",
    "imca_to_instruct": "IMCA to instruct (s39A)",
    "authorisation_ending_soon": "authorisation ending soon",
    "renewal_requested_early": "renewal requested early",
    "route": "route instead",
    # work in hand
    "stage": "stage",
    "days_in_stage": "days in stage",
    # the register of authorisations in force
    "authorisation_id": "authorisation ID",
    "start_date": "starts",
    "end_date": "ends",
    "conditions": "conditions",
    "rpr_appointed_date": "RPR appointed",
    "rpr_type": "RPR type",
    "rpr_end_date": "RPR ended",
    "imca_39c": "s39C IMCA",
    "imca_39d_requested": "s39D IMCA requested",
    "review_requested": "review requested",
    "suspended_since": "suspended since",
    "further_request_received": "further request received",
    **REGISTER_ALERT_LABELS,
    # coded values
    "care_home": "care home",
    "learning_disability": "learning disability",
    "mental_health": "mental health",
    "acquired_brain_injury": "acquired brain injury",
    "awaiting_allocation": "awaiting allocation",
    "with_best_interests_assessor": "with a best interests assessor",
    "with_mental_health_assessor": "with a mental health assessor",
    "awaiting_sign_off": "awaiting sign-off",
    "not_granted": "not granted",
    "circumstances_changed": "circumstances changed",
}

#: A code name: lower-case words joined by underscores (``received_date``, ``imca_39d_requested``); a
#: file's name (``open_applications.csv``, ``rules/export_mapping.toml``) is not one.
CODE_NAME = re.compile(r"(?<![\w`/.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w`]|\.\w)")


def plain(name: object, extra: Mapping[str, str] | None = None) -> str:
    """The plain name of one code name (``extra`` first: the rules' own labels), else the name itself
    with its underscores as spaces; anything that is not a code name is returned as it is."""
    text = str(name)
    if extra and text in extra:
        return extra[text]
    if text in PLAIN:
        return PLAIN[text]
    return text.replace("_", " ") if CODE_NAME.fullmatch(text) else text


def plain_text(text: object, extra: Mapping[str, str] | None = None) -> str:
    """A text with every code name in it in plain words: ``received_date '31/02/2025': not a date``
    reads ``date received '31/02/2025': not a date``; ``objecting; one_to_one`` reads
    ``objecting; one-to-one supervision`` (the words inside backticks are code, and stay; so is a value
    in single quotes, which is what the file held)."""
    # a value quoted in a message ('dols_17', 'nursing_home': what the file held) is the user's, as written
    parts = re.split(r"('[^']*')", str(text))
    return "".join(
        part if part.startswith("'") else CODE_NAME.sub(lambda m: plain(m.group(0), extra), part)
        for part in parts
    )


def code_names_in(text: str) -> list[str]:
    """The code names a text shows outside backticks (what a test of the page looks for)."""
    return CODE_NAME.findall(re.sub(r"`[^`]*`", "", text))
