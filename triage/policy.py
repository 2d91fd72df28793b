"""Queue policy: the order in which applications are worked.

One piece of code orders both the triage worklist and the simulated waiting list. A policy (data, in
``rules/queue_policies.toml``) is a list of tiers; :func:`sort_keys` turns each application into a row of
numbers ``(tier, key1, key2, ...)`` and lower rows are worked first. The worklist sorts by them; the
simulation pushes them onto its heaps.

Some tier conditions depend on the date (``breached``, ``urgent_in_force``, ``achievable``, ...): they are
evaluated as of ``as_of``. A request's key then changes only on the days one of its conditions flips, and
:func:`transition_days` says which days those are, so the simulation re-keys a waiting request exactly
then (a few times in its life) instead of re-sorting its list.

Dates are float day numbers (any common origin; NaN = not known, sorted last within its key). A day number
``d`` is the whole day: a request is breached from day ``deadline + 1``.
"""

from __future__ import annotations

import numpy as np

from triage.arrays import distinct
from triage.errors import RulesError
from triage.rulebook import Policies, Policy

__all__ = ["conditions", "order", "sort_keys", "transition_days"]


def conditions(
    policies: Policies,
    *,
    request_type: np.ndarray,
    statutory_deadline: np.ndarray,
    urgent_expiry: np.ndarray,
    authorisation_expiry: np.ndarray,
    as_of: float | np.ndarray | None,
    received_date: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every tier condition's truth for each application (time conditions as of ``as_of``).

    ``statutory_deadline`` is the last lawful day for the decision; ``urgent_expiry`` the last day of the
    urgent authorisation (with any extension granted); ``authorisation_expiry`` the last day of a
    renewal's standing authorisation; ``received_date`` the day the request was received (needed only by
    ``long_wait``).
    """
    rtype = np.asarray(request_type, dtype=object)
    n = len(rtype)
    urgent, renewal = rtype == "urgent", rtype == "renewal"
    out = {"any": np.ones(n, dtype=bool), "urgent": urgent, "renewal": renewal}
    if as_of is None:
        return out
    day = np.asarray(as_of, dtype=float)  # one day for all, or one each: numpy broadcasts either
    deadline = np.asarray(statutory_deadline, dtype=float)
    expiry = np.asarray(urgent_expiry, dtype=float)
    standing = np.asarray(authorisation_expiry, dtype=float)
    with np.errstate(invalid="ignore"):
        out["breached"] = day > deadline
        out["within_time"] = day <= deadline
        out["urgent_in_force"] = urgent & (day <= expiry)
        out["urgent_expired"] = urgent & (day > expiry)
        out["renewal_expiring"] = (
            renewal & (day >= standing - policies.renewal_window_days) & (day <= standing)
        )
        out["achievable"] = day + policies.achievable_days <= deadline
        if received_date is not None:
            out["long_wait"] = day >= np.asarray(received_date, dtype=float) + policies.long_wait_days
    return out


def sort_keys(
    policy: Policy,
    policies: Policies,
    *,
    request_type: np.ndarray,
    band: np.ndarray,
    received_date: np.ndarray,
    statutory_deadline: np.ndarray,
    urgent_expiry: np.ndarray,
    authorisation_expiry: np.ndarray | None = None,
    as_of: float | np.ndarray | None = None,
) -> np.ndarray:
    """An (n, 1 + m) float array of sort keys: column 0 is the tier, then the tier's order_by keys.

    An application in no tier gets tier ``inf`` (the ring-fence policy uses that for "not ours").
    ``as_of`` (a day number, or one per application) is needed only by policies whose tiers depend on the
    date (:attr:`Policy.is_static` is False).
    """
    n = len(received_date)
    if as_of is None and not policy.is_static:
        raise RulesError(
            f"queue policy '{policy.id}' has tiers that change with time (e.g. breached): give the "
            "as-of date, or use a static policy"
        )
    if authorisation_expiry is None:
        authorisation_expiry = np.full(n, np.nan)
    width = max(len(t.order_by) for t in policy.tiers)
    keys = np.full((n, 1 + width), np.inf)
    band = np.asarray(band, dtype=object)
    band_rank_of = {b: float(i) for i, b in enumerate(policies.band_order)}
    inverse, uniq = distinct(band)  # hashing, not sorting: a few bands among many applications
    unknown = set(uniq) - set(band_rank_of)
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
        "authorisation_expiry": np.asarray(authorisation_expiry, dtype=float),
    }
    holds = conditions(
        policies,
        request_type=request_type,
        statutory_deadline=statutory_deadline,
        urgent_expiry=urgent_expiry,
        authorisation_expiry=authorisation_expiry,
        as_of=as_of,
        received_date=received_date,
    )
    assigned = np.zeros(n, dtype=bool)
    for t, tier in enumerate(policy.tiers):
        cond = np.ones(n, dtype=bool)
        for name in tier.when:
            cond &= holds[name]
        if tier.bands:  # (by the distinct bands: a lookup, not a search of every row)
            cond &= np.array([b in tier.bands for b in uniq], dtype=bool)[inverse]
        rows = cond & ~assigned
        assigned |= rows
        keys[rows, 0] = t
        for k, key in enumerate(tier.order_by):
            values = columns[key][rows]
            keys[rows, 1 + k] = np.where(np.isnan(values), np.inf, values)
    return keys


def transition_days(
    policy: Policy,
    policies: Policies,
    *,
    statutory_deadline: np.ndarray,
    urgent_expiry: np.ndarray,
    authorisation_expiry: np.ndarray | None = None,
    received_date: np.ndarray | None = None,
) -> np.ndarray:
    """(n, k) day numbers on which one of the policy's time conditions may flip for each application (the
    first day of the new state; NaN: none). Between two of them an application's key cannot change."""
    deadline = np.asarray(statutory_deadline, dtype=float)
    expiry = np.asarray(urgent_expiry, dtype=float)
    standing = (
        np.full(len(deadline), np.nan)
        if authorisation_expiry is None
        else np.asarray(authorisation_expiry, float)
    )
    used = {c for t in policy.tiers for c in t.when}
    days: list[np.ndarray] = []
    if used & {"breached", "within_time"}:
        days.append(deadline + 1)
    if used & {"urgent_in_force", "urgent_expired"}:
        days.append(expiry + 1)
    if "renewal_expiring" in used:
        days += [standing - policies.renewal_window_days, standing + 1]
    if "achievable" in used:
        days.append(deadline - policies.achievable_days + 1)
    if "long_wait" in used:
        if received_date is None:
            raise RulesError(f"queue policy '{policy.id}' uses long_wait: give the received dates")
        days.append(np.asarray(received_date, dtype=float) + policies.long_wait_days)
    return np.column_stack(days) if days else np.zeros((len(deadline), 0))


def order(keys: np.ndarray) -> np.ndarray:
    """Row indices in working order (stable: equal keys keep their input order)."""
    if keys.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.lexsort(keys.T[::-1])
