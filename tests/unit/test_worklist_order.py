"""The worklist order comes from the policy file; the default is the issue's statutory order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import csv_bytes, make_rows
from triage.errors import RulesError
from triage.policy import order, sort_keys
from triage.rulebook import Rules, load_policies
from triage.worklist import build_worklist

AS_OF = date(2026, 3, 20)


def test_default_order() -> None:
    rows = make_rows(
        {"received_date": "2026-03-18"},  # A1 low, deadline 7 Apr
        {"received_date": "2026-03-15", "objecting": "yes"},  # A2 high, deadline 4 Apr
        {"received_date": "2026-01-10"},  # A3 low, breached (received earlier)
        {"received_date": "2026-02-01", "objecting": "yes"},  # A4 high, breached
        {
            "request_type": "urgent",
            "received_date": "2026-03-16",
            "urgent_start": "2026-03-16",
        },  # A5 exp 22 Mar
        {
            "request_type": "urgent",
            "received_date": "2026-03-10",
            "urgent_start": "2026-03-10",
        },  # A6 expired 16 Mar
        {"received_date": "2026-03-19", "fluctuating_capacity": "yes"},  # A7 medium
        {"received_date": "2026-03-17", "objecting": "yes"},  # A8 high, deadline 6 Apr
        {"received_date": "2026-03-17", "objecting": ""},  # A9 unscreened
    )
    w = build_worklist(csv_bytes(rows), AS_OF, filename="x.csv").worklist
    assert w["application_id"].tolist() == ["A6", "A5", "A3", "A4", "A2", "A8", "A9", "A7", "A1"]
    assert w["rank"].tolist() == list(range(1, 10))
    assert w["worklist_group"].tolist()[:4] == [
        "urgent authorisation",
        "urgent authorisation",
        "past statutory deadline",
        "past statutory deadline",
    ]


def _keys(policy_id: str, rules: Rules, **arrays: np.ndarray) -> np.ndarray:
    return sort_keys(rules.policies.get(policy_id), rules.policies, **arrays)  # type: ignore[arg-type]


def test_fifo_band_and_ageing(rules: Rules) -> None:
    arrays = {
        "request_type": np.array(["standard"] * 3, dtype=object),
        "band": np.array(["low", "high", "medium"], dtype=object),
        "received_date": np.array([0.0, 50.0, 20.0]),
        "statutory_deadline": np.array([20.0, 70.0, 40.0]),
        "urgent_expiry": np.full(3, np.nan),
    }
    assert order(_keys("fifo", rules, **arrays)).tolist() == [0, 2, 1]
    assert order(_keys("band_then_oldest", rules, **arrays)).tolist() == [1, 2, 0]
    # ageing: low gets 56 days' handicap (0+56=56), medium 28 (48), high 0 (50)
    assert order(_keys("band_with_ageing", rules, **arrays)).tolist() == [2, 1, 0]


def test_breached_policy_needs_the_as_of_flags(rules: Rules) -> None:
    policy = rules.policies.get("statutory_then_band")
    assert not policy.is_static
    with pytest.raises(RulesError, match="changes with time"):
        sort_keys(
            policy,
            rules.policies,
            request_type=np.array(["standard"], dtype=object),
            band=np.array(["low"], dtype=object),
            received_date=np.zeros(1),
            statutory_deadline=np.zeros(1),
            urgent_expiry=np.zeros(1),
        )


def test_unknown_policy_is_a_clear_error(rules: Rules) -> None:
    with pytest.raises(RulesError, match="unknown queue policy 'random'"):
        rules.policies.get("random")


def test_broken_policies_file(tmp_path: Path) -> None:
    text = (
        Path("triage/rules/queue_policies.toml")
        .read_text()
        .replace('"statutory_deadline", "received_date"]', '"shoe_size"]')
    )
    p = tmp_path / "p.toml"
    p.write_text(text)
    with pytest.raises(RulesError, match="order_by"):
        load_policies(p)
