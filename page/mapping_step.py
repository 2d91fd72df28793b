"""The Triage tab's mapping step: which column of the uploaded export holds each contract column.

Why a step on the page: no council's export uses the contract's names, and a lead should not have to
rename columns in a spreadsheet first. The shipped mapping (and any mapping file uploaded beside the
export) prefills a select box per contract column; a column it cannot place is prefilled with the
closest header, if one is close. A preview shows the first rows as they will be read, and the choices
download as a mapping file, so next time the same export (with that file) is read at once: the step
then stays folded. Everything happens in memory; nothing uploaded is written anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from page.tables import dataframe
from presentation.formats import as_text
from presentation.labels import plain
from triage.columns import MappedExport, apply_choices, best_guess, match_columns
from triage.errors import DolsSimError
from triage.ingest import EXTRA, ROW, RawExport
from triage.mapping import ExportMapping, contract_columns, match_key, on_top_of, to_toml
from triage.rulebook import Rules
from triage.screening import NO, YES
from triage.validate import validate
from triage.vocabulary import REQUIRED_COLUMNS

NOT_IN_FILE = "(not in this file)"
PREVIEW_ROWS = 5
MAPPING_FILE_NAME = "dols-sim-columns.toml"


@dataclass(frozen=True)
class Choices:
    """The header chosen for each contract column, and the mapping file that says so."""

    chosen: dict[str, str]
    own: ExportMapping  # only the choices that differ from the contract's own names

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """Hashable, for the page's cache."""
        return tuple(sorted(self.chosen.items()))


def mapping_step(raw: RawExport, base: ExportMapping, rules: Rules, as_of: date) -> MappedExport | None:
    """Show how the export's columns are read and let the user change it. Returns the export read with
    the choices, or None (with a message saying what to choose) while it cannot be triaged."""
    headers = [str(c) for c in raw.table.columns if c not in (ROW, EXTRA)]
    contract = contract_columns(rules.criteria.inputs.flags)
    try:
        auto = match_columns(headers, base, contract)
    except DolsSimError as exc:
        st.error(f"This file cannot be used: {as_text(exc)}")
        return None
    spare = [h for h in headers if h not in auto.used.values()]
    sample, flags = raw.table.head(50), rules.criteria.inputs.flags
    guesses = {
        c: g
        for c in contract
        if c not in auto.used and (g := best_guess(spare, c, base, sample, flags)) is not None
    }
    unplaced = [c for c in REQUIRED_COLUMNS if c not in auto.used and c not in guesses]
    attention = bool(unplaced or guesses or auto.spares)
    title = "Columns: how your export is read" + ("" if attention else f" ({len(auto.used)} recognised)")
    # Keyed by the file's name and headers and the mapping, so another upload (of either) starts from its
    # own best guesses.
    key_text = "\n".join([raw.source_name, *headers, base.model_dump_json()])
    file_key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    with st.expander(title, expanded=attention):
        if attention:
            st.warning(
                "Some columns were not recognised. Choose, for each column dols-sim reads, the column of "
                "your export that holds it; guesses are marked. Then download the mapping file below, and "
                "upload it beside the export next time."
            )
        elif not st.toggle("Change how the columns are read", key=f"map:change:{file_key}"):
            # Everything needed was recognised: say how, without a select box per column (a page of
            # widgets the common case does not need, and slower to draw).
            read = (
                f"`{c}`" + ("" if match_key(h) == match_key(c) else f" ← {as_text(h)}")
                for c, h in auto.used.items()
            )
            st.markdown("Read: " + ", ".join(read))
            return apply_choices(raw, auto.used, base)
        choices = _select_boxes(headers, contract, auto.used, guesses, file_key)
        if choices is None:
            return None
        try:
            export = apply_choices(raw, choices.chosen, on_top_of(choices.own, base))
        except DolsSimError as exc:
            st.error(as_text(exc))
            return None
        st.markdown(f"**The first {PREVIEW_ROWS} rows as they will be read**")
        dataframe(st, preview(export, as_of, rules), hide_index=True, key="mapping_preview")
        st.download_button(
            "Download this mapping (TOML)",
            to_toml(choices.own, note=f"made on the page for {raw.source_name}"),
            MAPPING_FILE_NAME,
            "application/toml",
            key="mapping_download",
        )
    return export


def _select_boxes(
    headers: list[str],
    contract: list[str],
    used: dict[str, str],
    guesses: dict[str, str],
    file_key: str,
) -> Choices | None:
    options = [NOT_IN_FILE, *headers]
    grid = st.columns(3)
    chosen: dict[str, str] = {}
    for i, column in enumerate(contract):
        prefill = used.get(column) or guesses.get(column)
        # the plain name a person reads, with the contract's name as code (the mapping file's key)
        label = f"{plain(column)[:1].upper()}{plain(column)[1:]} (`{column}`)"
        label += " · required" if column in REQUIRED_COLUMNS else ""
        label += " · guessed" if column in guesses else ""
        pick = grid[i % 3].selectbox(
            label,
            options,
            index=options.index(prefill) if prefill else 0,
            key=f"map:{column}:{file_key}",
        )
        if pick != NOT_IN_FILE:
            chosen[column] = pick
    missing = [c for c in REQUIRED_COLUMNS if c not in chosen]
    if missing:
        st.error(
            f"Choose the column that holds the {', '.join(plain(c) for c in missing)}: it is needed to "
            "triage at all."
        )
        return None
    own = ExportMapping(
        columns={c: [h] for c, h in chosen.items() if match_key(h) != match_key(c)},
        ignore=[h for h in headers if h not in chosen.values()],  # so next time nothing is guessed
    )
    return Choices(chosen, own)


def preview(export: MappedExport, as_of: date, rules: Rules, n: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``n`` rows as validation reads them: codes, dates and yes/no answers, or why refused."""
    head = MappedExport(export.raw, export.table.head(n), export.mapping, export.columns)
    checked = validate(head, as_of, rules)
    read = [c for c in contract_columns(rules.criteria.inputs.flags) if c in export.columns.used]
    accepted = checked.accepted[[ROW, *[c for c in read if c in checked.accepted.columns]]].copy()
    for flag in rules.criteria.inputs.flags:
        if flag in accepted.columns:
            accepted[flag] = np.select([accepted[flag] == YES, accepted[flag] == NO], ["yes", "no"], "")
    for col in accepted.columns:
        if pd.api.types.is_datetime64_any_dtype(accepted[col]):
            accepted[col] = accepted[col].dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(accepted[col]):  # ages and days: whole numbers, blank if none
            accepted[col] = accepted[col].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    accepted["as read"] = checked.accepted["data_warnings"].replace("", "ok").to_numpy()
    refused = checked.rejects[[ROW, "application_id"]].copy()
    refused["as read"] = [f"refused: {problems}" for problems in checked.rejects["problems"]]
    # as text before joining, so a refused row's blanks do not turn whole numbers into floats
    table = pd.concat([accepted.astype(str), refused.astype(str)], ignore_index=True)
    table = table.fillna("").sort_values(ROW, key=lambda rows: rows.astype(int), kind="stable")
    return table.reset_index(drop=True)
