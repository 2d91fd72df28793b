"""Every table on the page in plain words: headers and text cells through :mod:`presentation.labels`.

Why here, in one function: the frames the page shows are the engine's own (their columns are the
contract's code names, and the downloads are built from them), so renaming them where they are made would
change what scripts read. :func:`dataframe` shows a plain copy instead: headers as ``st.column_config``
labels, coded cells in words (:data:`WORDED`). Every other cell (an application ID, an assessor's
name, a council's own column) is shown exactly as the export wrote it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from presentation.labels import PLAIN, plain, plain_text

#: The only columns whose cells are worded: the contract's coded values and the engine's own text (its
#: reasons, problems, alerts), and the display tables' columns that hold them. Anything else (a council's
#: own columns passed through, free text) is shown exactly as the file gave it.
WORDED: frozenset[str] = frozenset(
    {
        "setting", "request_type", "primary_support_reason", "support reason", "status", "stage",
        "authority", "reasons", "missing_information", "problems", "data_warnings", "alerts", "route",
        "worklist_group", "outcome", "closure_reason", "group", "value", "Value (95% simultaneous CI)",
    }
)  # fmt: skip
#: Of those, the columns holding one code each (the rest hold the engine's sentences).
CODED: frozenset[str] = frozenset(
    {"setting", "request_type", "primary_support_reason", "support reason", "status", "stage", "outcome",
     "closure_reason", "group"}
)  # fmt: skip


def plain_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with plain column names (for ``st.table``, which takes no column labels)."""
    return frame.rename(columns={c: plain(c) for c in frame.columns}).rename_axis(
        index=plain(frame.index.name) if frame.index.name else None
    )


def plain_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose coded cells read in plain words (``care_home`` -> ``care home``): only the columns
    of :data:`WORDED`; a value quoted inside a message (``'dols_17'``) stays as written. Each distinct
    value is worded once (a 2,000-row worklist has a few dozen)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column not in WORDED:
            continue
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        # a coded cell is worded only when it is a code (a refused row's 'nursing_home' stays, so the
        # fault can be seen); the engine's own text is worded all through, but for what it quotes
        word = (lambda v: PLAIN.get(v, v)) if column in CODED else plain_text
        words = {v: word(v) for v in values.dropna().unique() if isinstance(v, str)}
        if any(k != v for k, v in words.items()):
            out[column] = values.map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    return out


def plain_config(frame: pd.DataFrame, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """``column_config`` giving every code-named column its plain header (keeping any format given)."""
    out: dict[str, Any] = dict(config or {})
    for column in frame.columns:
        label = plain(column)
        if column in out and out[column] is None:  # hidden by the caller: stays hidden
            continue
        given = out.get(column)
        if isinstance(given, dict):
            out[column] = {**given, "label": given.get("label") or label}
        elif given is None and label != column:
            out[column] = label
    return out


def dataframe(where: Any, frame: pd.DataFrame, **options: Any) -> Any:
    """``where.dataframe(frame)`` in plain words (``where`` is ``st`` or a column of the page)."""
    config = plain_config(frame, options.pop("column_config", None))
    return where.dataframe(plain_cells(frame), column_config=config, **options)


def table(where: Any, frame: pd.DataFrame) -> Any:
    """``where.table(frame)`` in plain words (headers, index name and text cells), its index shown
    (Streamlit hides an index of 1, 2, 3 ... as if it were a row count: the worklist's rank is one)."""
    return where.table(plain_headers(plain_cells(frame)), hide_index=False)


__all__ = [
    "WORDED",
    "dataframe",
    "plain_cells",
    "plain_config",
    "plain_headers",
    "table",
]
