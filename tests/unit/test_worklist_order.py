"""The worklist order comes from the policy file; the default first works anyone waiting a year or more
(no band starves), then acts where action still changes the outcome (urgent in force, renewals ending,
high within time), then the breached with ageing, then the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import csv_bytes, make_rows
from triage.errors import RulesError
from triage.policy import order, sort_keys, transition_days
from triage.rulebook import Rules, load_policies
from triage.worklist import build_worklist

AS_OF = date(2026, 3, 20)


ROWS = (
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


def test_the_old_statutory_order_is_a_named_alternative() -> None:
    rows = make_rows(*ROWS)
    w = build_worklist(csv_bytes(rows), AS_OF, filename="x.csv", policy_id="statutory_then_band").worklist
    assert w["application_id"].tolist() == ["A6", "A5", "A3", "A4", "A2", "A8", "A9", "A7", "A1"]
    assert w["rank"].tolist() == list(range(1, 10))
    assert w["worklist_group"].tolist()[:4] == [
        "urgent authorisation",
        "urgent authorisation",
        "past statutory deadline",
        "past statutory deadline",
    ]


def test_default_acts_first_where_action_still_changes_the_outcome() -> None:
    """As of 20 March 2026 (hand-worked):
    tier 1, urgent in force by expiry: A5 (ends 22 Mar; A6 ended 16 Mar, so it is breached instead);
    tier 2, renewal whose authorisation ends within 7 days: R1 (ends 25 Mar); R2 ends 20 Apr: later;
    tier 3, high within time by deadline: A2 (4 Apr), A8 (6 Apr);
    tier 4, breached, oldest first with ageing (low held back 56 days): A4 high received 1 Feb (aged
      1 Feb), A6 urgent unscreened 10 Mar (aged 10 Mar), A3 low received 10 Jan (aged 7 Mar) - so
      A4 (1 Feb), A3 (7 Mar), A6 (10 Mar);
    tier 5, the rest by band then deadline: A9 unscreened, A7 medium, R2 low (deadline 12 Apr...),
      A1 low (7 Apr): band low for both, by deadline: A1 (7 Apr) before R2.
    """
    renewals = (
        {"application_id": "R1", "request_type": "renewal", "received_date": "2026-03-19",
         "current_authorisation_expiry": "2026-03-25", "change_since_last_authorisation": "no"},
        {"application_id": "R2", "request_type": "renewal", "received_date": "2026-03-19",
         "current_authorisation_expiry": "2026-04-20", "change_since_last_authorisation": "no"},
    )  # fmt: skip
    rows = make_rows(*ROWS, *renewals)
    w = build_worklist(csv_bytes(rows), AS_OF, filename="x.csv").worklist
    assert w["application_id"].tolist() == ["A5", "R1", "A2", "A8", "A4", "A3", "A6", "A9", "A7", "A1", "R2"]
    assert w["worklist_group"].tolist()[:5] == [
        "urgent authorisation in force",
        "renewal: authorisation ending",
        "high priority, within time",
        "high priority, within time",
        "past statutory deadline",
    ]


def test_a_request_moves_tier_on_the_day_its_condition_flips(rules: Rules) -> None:
    """transition_days names the days a key can change; between them sort_keys gives the same key."""
    policy = rules.policies.get("act_first")
    arrays = {
        "request_type": np.array(["standard", "urgent", "renewal"], dtype=object),
        "band": np.array(["high", "low", "low"], dtype=object),
        "received_date": np.array([100.0, 100.0, 100.0]),
        "statutory_deadline": np.array([120.0, 106.0, 120.0]),
        "urgent_expiry": np.array([np.nan, 106.0, np.nan]),
        "authorisation_expiry": np.array([np.nan, np.nan, 125.0]),
    }
    days = transition_days(
        policy,
        rules.policies,
        **{
            k: arrays[k]
            for k in ("statutory_deadline", "urgent_expiry", "authorisation_expiry", "received_date")
        },
    )
    tiers = lambda day: sort_keys(policy, rules.policies, **arrays, as_of=day)[:, 0].tolist()  # noqa: E731
    assert tiers(105) == [3, 1, 5] and tiers(106) == [3, 1, 5]  # urgent in force to the end of day 106
    assert tiers(107) == [3, 4, 5]  # day 107: the urgent one has expired and is breached
    assert tiers(118) == [3, 4, 2]  # 7 days before its authorisation ends, the renewal moves up
    assert tiers(121) == [4, 4, 2]  # past their deadlines; the renewal still before its authorisation ends
    assert tiers(126) == [4, 4, 4]  # and after it: everything breached
    assert tiers(464) == [4, 4, 4] and tiers(465) == [0, 0, 0]  # a year after receipt: worked first
    flips = set(np.unique(days[~np.isnan(days)]).tolist())
    assert {107.0, 118.0, 121.0, 465.0} <= flips


def test_a_request_waiting_a_year_comes_first_whatever_its_band() -> None:
    """LGSCO 18 004 809 (2019): a council may not leave lower-priority requests waiting indefinitely. On
    20 March 2026 a low request received on 19 March 2025 (366 days) and one received on 20 March 2025
    (365 days: the bound, long_wait_days) come before an urgent authorisation in force, oldest first; one
    received a day later (364 days) stays among the breached."""
    rows = make_rows(
        {"received_date": "2025-03-21"},  # A1 low, 364 days
        {"received_date": "2025-03-20"},  # A2 low, 365 days
        {"request_type": "urgent", "received_date": "2026-03-16", "urgent_start": "2026-03-16"},  # A3
        {"received_date": "2025-03-19"},  # A4 low, 366 days
    )
    w = build_worklist(csv_bytes(rows), AS_OF, filename="x.csv").worklist
    assert w["application_id"].tolist() == ["A4", "A2", "A3", "A1"]
    assert w["worklist_group"].tolist() == [
        "waiting a year or more",
        "waiting a year or more",
        "urgent authorisation in force",
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


def test_a_dated_policy_needs_the_as_of_date(rules: Rules) -> None:
    policy = rules.policies.get("statutory_then_band")
    assert not policy.is_static
    with pytest.raises(RulesError, match="change with time"):
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
