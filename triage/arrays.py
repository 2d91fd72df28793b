"""Array helpers shared by screening, the queue policy and the simulation's batches of applications."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

#: Up to this many values, a dict beats pandas' hashing, whose fixed cost is tens of microseconds.
SMALL = 256


def distinct(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(each value's position in the distinct values, the distinct values in order of first appearance).

    Why two ways: the simulation keys renewals a week's batch at a time (a dozen or so requests, thousands
    of batches in a replication), where pandas' per-call cost was most of the work; pandas' hash table is
    the fast way for a whole export. Values must be hashable and not missing (codes, band names).
    """
    if len(values) <= SMALL:
        seen: dict[Any, int] = {}
        order = [seen.setdefault(v, len(seen)) for v in np.asarray(values, dtype=object).tolist()]
        return np.array(order, dtype=np.intp), list(seen)
    inverse, uniques = pd.factorize(np.asarray(values, dtype=object))
    return inverse, list(uniques)


#: pandas' own text type (Arrow strings, missing as NaN): what it infers for a column of Python strings.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def labelled(codes: np.ndarray, labels: list[str]) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as pandas text, built in Arrow (a take from a handful of labels).

    Why: a worklist column of 100,000 labels from an object array is 100,000 Python strings for pandas
    to copy into Arrow, ten times the cost of this; a dozen such columns were a tenth of triage's time.
    """
    taken = pa.array(labels, type=pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.array(taken, dtype=TEXT)
