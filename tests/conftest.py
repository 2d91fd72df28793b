"""Shared helpers: small exports built in memory (never real data)."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from triage.rules import Rules, load_rules

AS_OF = date(2026, 11, 23)

BASE_ROW = {
    "application_id": "A1",
    "received_date": "2026-11-01",
    "setting": "care_home",
    "request_type": "standard",
    "urgent_start": "",
    "urgent_extended_days": "",
    "current_authorisation_expiry": "",
    "age": "84",
    "primary_support_reason": "dementia",
    "objecting": "no",
    "family_objecting": "no",
    "unsettled_placement": "no",
    "restraint": "no",
    "sedation_or_covert_medication": "no",
    "one_to_one": "no",
    "contact_restrictions": "no",
    "move_considered": "no",
    "fluctuating_capacity": "no",
    "end_of_life": "no",
    "change_since_last_authorisation": "",
}


def make_rows(*overrides: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for i, o in enumerate(overrides):
        row = {**BASE_ROW, "application_id": f"A{i + 1}"}
        row.update(o)
        rows.append(row)
    return rows


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    return buf.getvalue().encode(encoding)


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()
