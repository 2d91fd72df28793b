"""Synthetic DoLS exports, so demos, tests and benchmarks never need a real person's data.

The mix follows the published national picture (NHS England DoLS statistics, 2023-24): about 58% of requests
come with an urgent authorisation, most people are older and in care homes, hospital requests are
nearly all urgent, and the open backlog has a long tail (many councils hold requests for months or
years). Prevalences of the screening answers are plausible guesses, kept in :data:`FLAG_PREVALENCE` so
they are easy to see and change. ``bad_rows`` plants the mistakes real exports contain, one of each
kind in turn, so validation has something to refuse.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from triage.vocabulary import SUPPORT_REASONS

#: Share of applications answering "yes" to each screening question (the rest "no", some blank).
FLAG_PREVALENCE = {
    "objecting": 0.18,
    "family_objecting": 0.07,
    "unsettled_placement": 0.14,
    "restraint": 0.09,
    "sedation_or_covert_medication": 0.08,
    "one_to_one": 0.06,
    "contact_restrictions": 0.03,
    "move_considered": 0.04,
    "fluctuating_capacity": 0.20,
    "end_of_life": 0.06,
    "change_since_last_authorisation": 0.30,  # renewals only
}
#: Share of applications by primary support reason, in the vocabulary's order.
SUPPORT_REASON_SHARES = dict(zip(SUPPORT_REASONS, (0.56, 0.12, 0.12, 0.05, 0.15), strict=True))
BLANK_ANSWER_SHARE = 0.05  # each screening answer left blank
BLANK_FORM_SHARE = 0.03  # whole screening section left blank
TEAMS = ("North", "South", "East", "West", "Hospital team")

BAD_ROW_KINDS = (
    ("received_date", "31/02/2025"),  # impossible date
    ("received_date", "future"),  # after as_of
    ("urgent_start", ""),  # urgent without urgent_start
    ("age", "16"),  # under 18: not bad data, but outside the DoLS (listed apart, with the route)
    ("setting", "supported living"),  # outside the DoLS (the community: Court of Protection, Re X)
    ("application_id", "duplicate"),
    ("urgent_extended_days", "9"),
    ("current_authorisation_expiry", ""),  # renewal without expiry
    ("request_type", "review"),  # a review (Part 8) without the expiry of the authorisation reviewed
)


def synthesise(n: int, as_of: date, seed: int = 1, bad_rows: int = 0) -> pd.DataFrame:
    """A synthetic export of ``n`` open applications as of ``as_of`` (text cells, like a real CSV)."""
    if n < 0 or bad_rows < 0 or bad_rows > n:
        raise ValueError(f"need 0 <= bad_rows <= n, got n={n}, bad_rows={bad_rows}")
    ss = np.random.SeedSequence(seed)
    mix_rng, date_rng, flag_rng, bad_rng = (np.random.default_rng(s) for s in ss.spawn(4))

    hospital = mix_rng.random(n) < 0.16
    u = mix_rng.random(n)
    urgent = np.where(hospital, u < 0.92, u < 0.52)
    renewal = ~urgent & (mix_rng.random(n) < 0.38)
    request_type = np.where(urgent, "urgent", np.where(renewal, "renewal", "standard"))

    # Age of the backlog: a recent bulge plus a long tail (up to about three years).
    recent = date_rng.random(n) < 0.35
    waited = np.where(recent, date_rng.integers(0, 30, n), 30 + date_rng.exponential(180, n)).astype(int)
    waited = np.minimum(waited, 1100)
    waited = np.where(hospital, np.minimum(waited, date_rng.integers(0, 60, n)), waited)
    as_of_ord = as_of.toordinal()
    received = as_of_ord - waited
    urgent_start = received - (date_rng.random(n) < 0.2).astype(int)
    extended = np.where(urgent & (date_rng.random(n) < 0.25), 7, 0)
    expiry = received + date_rng.integers(1, 29, n)

    older = mix_rng.random(n) < 0.82
    age = np.where(older, np.clip(mix_rng.normal(84, 7, n), 65, 104), mix_rng.integers(18, 65, n)).astype(int)
    reasons = np.array(list(SUPPORT_REASON_SHARES))
    p_old = np.array(list(SUPPORT_REASON_SHARES.values()))
    p_young = np.array([0.02, 0.38, 0.32, 0.14, 0.14])
    reason = np.where(
        older,
        mix_rng.choice(reasons, n, p=p_old / p_old.sum()),
        mix_rng.choice(reasons, n, p=p_young / p_young.sum()),
    )

    def fmt(ordinals: np.ndarray, uk_share: float = 0.2) -> list[str]:
        uk = date_rng.random(len(ordinals)) < uk_share
        return [
            date.fromordinal(int(o)).strftime("%d/%m/%Y" if k else "%Y-%m-%d")
            for o, k in zip(ordinals, uk, strict=True)
        ]

    table: dict[str, object] = {
        "application_id": [f"DOLS-{i + 1:06d}" for i in range(n)],
        "received_date": fmt(received),
        "setting": np.where(hospital, "hospital", "care_home"),
        "request_type": request_type,
        "urgent_start": np.where(urgent, fmt(urgent_start), ""),
        "urgent_extended_days": np.where(urgent, extended.astype(str), ""),
        "current_authorisation_expiry": np.where(renewal, fmt(expiry, 0.0), ""),
        "age": age.astype(str),
        "primary_support_reason": reason,
    }
    blank_form = flag_rng.random(n) < BLANK_FORM_SHARE
    for flag, p in FLAG_PREVALENCE.items():
        yes = flag_rng.random(n) < p
        blank = blank_form | (flag_rng.random(n) < BLANK_ANSWER_SHARE)
        values = np.where(blank, "", np.where(yes, "yes", "no"))
        if flag == "change_since_last_authorisation":
            values = np.where(renewal, values, "")
        table[flag] = values
    table["team"] = np.where(hospital, TEAMS[4], mix_rng.choice(np.array(TEAMS[:4]), n))
    table["managing_authority"] = [f"Provider {k:03d}" for k in mix_rng.integers(1, 180, n)]
    df = pd.DataFrame(table)
    if bad_rows:
        _plant_bad_rows(df, bad_rows, as_of, bad_rng)
    return df


def _plant_bad_rows(df: pd.DataFrame, k: int, as_of: date, rng: np.random.Generator) -> None:
    """Spoil ``k`` distinct rows, cycling through :data:`BAD_ROW_KINDS`."""
    rows = rng.choice(len(df), size=k, replace=False)
    for j, i in enumerate(rows):
        col, value = BAD_ROW_KINDS[j % len(BAD_ROW_KINDS)]
        if value == "future":
            value = (as_of + timedelta(days=int(rng.integers(1, 30)))).isoformat()
        elif value == "duplicate":  # copies its neighbour's id: both rows are then refused
            value = str(df.at[(int(i) + 1) % len(df), "application_id"]) if len(df) > 1 else ""
        elif col == "urgent_start":
            df.at[i, "request_type"] = "urgent"
        elif col == "current_authorisation_expiry":
            df.at[i, "request_type"] = "renewal"
        elif col == "urgent_extended_days":
            df.at[i, "request_type"] = "urgent"
            df.loc[i, "urgent_start"] = df.loc[i, "received_date"]
        df.at[i, col] = value
