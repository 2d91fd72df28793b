"""Queue policy: the order in which applications are worked (DESIGN §5 "Queue policy").

One piece of code orders both the triage worklist and the simulated waiting list. A policy (data, in
``rules/queue_policies.toml``) is a list of tiers; :func:`sort_keys` turns each application into a row
of numbers ``(tier, key1, key2, ...)`` and lower rows are worked first. The simulation pushes those rows
onto its heap; the worklist sorts by them.

Dates are float day numbers (any common origin; NaN = not known, sorted last within its key).
"""

from __future__ import annotations

import numpy as np

from triage.errors import RulesError
from triage.rulebook import Policies, Policy


def sort_keys(
    policy: Policy,
    policies: Policies,
    *,
    request_type: np.ndarray,
    band: np.ndarray,
    received_date: np.ndarray,
    statutory_deadline: np.ndarray,
    urgent_expiry: np.ndarray,
    breached: np.ndarray | None = None,
) -> np.ndarray:
    """An (n, 1 + m) float array of sort keys: column 0 is the tier, then the tier's order_by keys.

    ``breached`` is needed only by policies with a "breached" tier (triage, as of a date); the simulated
    queue must use a static policy (:attr:`Policy.is_static`).
    """
    n = len(received_date)
    width = max(len(t.order_by) for t in policy.tiers)
    keys = np.full((n, 1 + width), np.inf)
    band = np.asarray(band, dtype=object)
    band_rank_of = {b: float(i) for i, b in enumerate(policies.band_order)}
    uniq, inverse = (
        np.unique(band, return_inverse=True) if n else (np.zeros(0, dtype=object), np.zeros(0, int))
    )
    unknown = set(uniq.tolist()) - set(band_rank_of)
    if unknown:
        raise RulesError(f"queue policy: band(s) {sorted(unknown)} not in band_order {policies.band_order}")
    ranks = np.array([band_rank_of[b] for b in uniq], dtype=float)[inverse]
    ageing = np.array([policies.ageing_days[b] for b in uniq], dtype=float)[inverse]
    columns = {
        "urgent_expiry": np.asarray(urgent_expiry, dtype=float),
        "statutory_deadline": np.asarray(statutory_deadline, dtype=float),
        "received_date": np.asarray(received_date, dtype=float),
        "band": ranks,
        "aged_received_date": np.asarray(received_date, dtype=float) + ageing,
    }
    assigned = np.zeros(n, dtype=bool)
    for t, tier in enumerate(policy.tiers):
        if tier.when == "any":
            cond = np.ones(n, dtype=bool)
        elif tier.when == "urgent":
            cond = np.asarray(request_type, dtype=object) == "urgent"
        else:  # breached
            if breached is None:
                raise RulesError(
                    f"queue policy '{policy.id}' orders by 'breached', which changes with time: "
                    "give the as-of breached flags, or use a static policy"
                )
            cond = np.asarray(breached, dtype=bool)
        rows = cond & ~assigned
        assigned |= rows
        keys[rows, 0] = t
        for k, name in enumerate(tier.order_by):
            values = columns[name][rows]
            keys[rows, 1 + k] = np.where(np.isnan(values), np.inf, values)
    return keys


def order(keys: np.ndarray) -> np.ndarray:
    """Row indices in working order (stable: equal keys keep their input order)."""
    if keys.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.lexsort(keys.T[::-1])
