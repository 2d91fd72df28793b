"""Priority screening: band each application from its form, and say why (DESIGN §3).

The criteria are data (``rules/screening_criteria.toml``); this module only evaluates them. It works on
plain column arrays, so the triage worklist (a DataFrame's columns) and the simulation (arrays it draws
itself) band applications with the very same code.

Yes/no screening fields are encoded as small integers: 1 = yes, 0 = no, -1 = not known (blank). A blank
never satisfies a condition, so an application with a blank form is not "low": when no criterion fires
its band is the criteria file's ``no_criterion_band`` and ``missing_information`` lists the blanks; and a
band in ``complete_form_for`` (low, by default) is given only when every question a higher band reads
is answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from triage.rulebook import Criteria
from triage.vocabulary import FURTHER_REQUEST_TYPES

YES, NO, UNKNOWN = 1, 0, -1


@dataclass(frozen=True)
class Screening:
    """The result of screening n applications against k criteria."""

    band: np.ndarray  # (n,) str: the band name
    band_rank: np.ndarray  # (n,) int: index into criteria.all_bands (0 = highest)
    fired: np.ndarray  # (n, k) bool: criterion j fired for application i
    criterion_ids: tuple[str, ...]
    missing: np.ndarray  # (n, f) bool: screening field j was blank (and applies)
    flag_fields: tuple[str, ...]
    #: (n,) str: the band the queue orders by. The band itself, except for an unscreened application
    #: whose blank questions could make it no more than a lower band (a blank medium question cannot
    #: make a row high): it is ordered with that band. One that could be high keeps the unscreened
    #: place in the policies' band_order.
    order_band: np.ndarray | None = None
    #: (k,) int: each criterion's band rank; ``lowest``: the rank of the lowest real band
    criterion_rank: np.ndarray | None = None
    lowest: int = 0

    def reasons(self, sep: str = "; ") -> np.ndarray:
        """Ids of the criteria that fired, per application, joined by ``sep``. A lowest-band criterion
        ("settled, no objection", "renewal, no change") is listed only when the row is in that band, so
        a row's reasons never pair a low item with a high one."""
        if self.criterion_rank is None:
            return _join_patterns(self.fired, self.criterion_ids, sep)
        low = self.criterion_rank[None, :] == self.lowest
        shown = self.fired & (~low | (self.band_rank == self.lowest)[:, None])
        return _join_patterns(shown, self.criterion_ids, sep)

    def missing_information(self, sep: str = "; ") -> np.ndarray:
        """Blank screening fields, per application, joined by ``sep``."""
        return _join_patterns(self.missing, self.flag_fields, sep)


def _join_patterns(matrix: np.ndarray, names: tuple[str, ...], sep: str) -> np.ndarray:
    """Join the names of the true cells of each row; computed once per distinct row pattern (fast)."""
    n = matrix.shape[0]
    if n == 0:
        return np.empty(0, dtype=object)
    # A row of up to 62 booleans packs into one integer, and np.unique on integers is quick.
    if matrix.shape[1] > 62:  # pragma: no cover - no criteria file has that many
        patterns, inverse = np.unique(matrix, axis=0, return_inverse=True)
    else:
        weights = np.left_shift(np.int64(1), np.arange(matrix.shape[1], dtype=np.int64))
        codes, inverse = np.unique(matrix.astype(np.int64) @ weights, return_inverse=True)
        patterns = (codes[:, None] & weights[None, :]) != 0
    labels = np.array(
        [sep.join(name for name, on in zip(names, row, strict=True) if on) for row in patterns], dtype=object
    )
    return labels[inverse.reshape(-1)]


def _condition(
    columns: Mapping[str, np.ndarray], field: str, value: bool | str | list[str], n: int
) -> np.ndarray:
    col = columns.get(field)
    if col is None:  # column not in the export at all: "not known"
        return np.zeros(n, dtype=bool)
    if isinstance(value, bool):
        return np.asarray(col) == (YES if value else NO)
    values = [value] if isinstance(value, str) else value
    return np.isin(np.asarray(col, dtype=object), values)


def screen(columns: Mapping[str, np.ndarray], criteria: Criteria) -> Screening:
    """Band every application: the highest band of any criterion that fired.

    ``columns`` maps field names to equal-length arrays: yes/no fields as int (1/0/-1), categorical
    fields (``request_type``, ``setting``, ``primary_support_reason``) as strings. A field absent from
    ``columns`` counts as blank for every application.
    """
    n = _length(columns)
    ids = tuple(c.id for c in criteria.criterion)
    fired = np.zeros((n, len(ids)), dtype=bool)
    for j, crit in enumerate(criteria.criterion):
        ok = np.ones(n, dtype=bool)
        for field, value in crit.when.items():
            ok &= _condition(columns, field, value, n)
        fired[:, j] = ok

    all_bands = criteria.all_bands
    crit_rank = np.array([criteria.bands.index(c.band) for c in criteria.criterion], dtype=np.int64)
    none_rank = len(all_bands) - 1
    ranks = np.where(fired, crit_rank[None, :], none_rank)
    band_rank = ranks.min(axis=1) if len(ids) else np.full(n, none_rank, dtype=np.int64)

    flags = tuple(criteria.required_flags)  # an optional question's blank is never missing information
    missing = np.zeros((n, len(flags)), dtype=bool)
    request_type = columns.get("request_type")
    is_renewal = (  # renewal_only questions apply to every request that follows an authorisation
        np.isin(np.asarray(request_type, dtype=object), FURTHER_REQUEST_TYPES)
        if request_type is not None
        else np.zeros(n, dtype=bool)
    )
    for j, field in enumerate(flags):
        col = columns.get(field)
        blank = np.ones(n, dtype=bool) if col is None else np.asarray(col) == UNKNOWN
        if field in criteria.inputs.renewal_only:
            blank &= is_renewal
        missing[:, j] = blank
    for needs_complete in criteria.complete_form_for:
        rank = criteria.bands.index(needs_complete)
        questions = [flags.index(f) for f in criteria.questions_above(needs_complete)]
        incomplete = missing[:, questions].any(axis=1) if questions else np.zeros(n, dtype=bool)
        band_rank = np.where((band_rank == rank) & incomplete, none_rank, band_rank)
    band = np.asarray(all_bands, dtype=object)[band_rank]
    return Screening(
        band=band,
        band_rank=band_rank,
        fired=fired,
        criterion_ids=ids,
        missing=missing,
        flag_fields=flags,
        order_band=_order_band(columns, criteria, band, band_rank, crit_rank, n),
        criterion_rank=crit_rank,
        lowest=len(criteria.bands) - 1,
    )


def _order_band(
    columns: Mapping[str, np.ndarray],
    criteria: Criteria,
    band: np.ndarray,
    band_rank: np.ndarray,
    crit_rank: np.ndarray,
    n: int,
) -> np.ndarray:
    """What an unscreened row could be: the highest band of a criterion its blank (required) questions
    could still make fire, given its known answers (see :attr:`Screening.order_band`)."""
    none_rank = len(criteria.all_bands) - 1
    unscreened = band_rank == none_rank
    if not unscreened.any() or not len(crit_rank):
        return band
    required = set(criteria.required_flags)
    potential = np.full(n, none_rank, dtype=np.int64)
    for j, crit in enumerate(criteria.criterion):
        could = unscreened.copy()
        for field, value in crit.when.items():
            ok = _condition(columns, field, value, n)
            if field in required:
                col = columns.get(field)
                ok |= np.ones(n, dtype=bool) if col is None else np.asarray(col) == UNKNOWN
            could &= ok
        potential = np.where(could, np.minimum(potential, crit_rank[j]), potential)
    lower = unscreened & (potential > 0) & (potential < none_rank)
    out = band.copy()
    out[lower] = np.asarray(criteria.bands, dtype=object)[potential[lower]]
    return out


def _length(columns: Mapping[str, np.ndarray]) -> int:
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"screening columns differ in length: {sorted(lengths)}")
    return lengths.pop() if lengths else 0
