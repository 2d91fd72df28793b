"""Numbers for people: formats, CIs, plurals, band colours by rank, and the KPI catalogue's coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from presentation.charts import RAG, band_colours, band_swatch
from presentation.formats import dates_as_text, format_value, format_with_ci, money, plural
from presentation.tables import comparison_table, kpi_table, verdict
from simulation.metrics import KPI_CATALOGUE, kpi_info
from tests.conftest import REQUIRED_KPIS


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (8976.4, "count", "8,976"),
        (0.5423, "share", "54.2%"),
        (2802720.2, "money", "£2,802,720"),
        (345.14, "days", "345"),
        (12.34, "days", "12.3"),
        (math.nan, "days", "–"),
    ],
)
def test_values_are_formatted_by_unit(value: float, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown


def test_cis_money_and_plurals() -> None:
    assert format_with_ci(12, 10, 14, "count") == "12 (10–14)"
    assert format_with_ci(-3.2, -5.1, -1.3, "days") == "-3.2 (-5.1 to -1.3)"
    assert format_with_ci(7, math.nan, math.nan, "count") == "7"  # one replication: no interval
    # a difference of shares in points: 54% against 50% is +4.0 points, never "4.0%"
    assert format_value(0.54 - 0.50, "points") == "+4.0 points"
    assert format_with_ci(-0.034, -0.051, -0.012, "points") == "-3.4 points (-5.1 to -1.2)"
    assert format_with_ci(0.0, 0.0, 0.0, "points") == "+0.0 points"
    assert money(1500, "EUR") == "€1,500" and money(10, "NOK") == "NOK 10"
    assert plural(1, "application") == "1 application" and plural(2000, "application") == "2,000 applications"


def test_dates_are_shown_without_times() -> None:
    frame = pd.DataFrame({"urgent_expiry": pd.to_datetime(["2026-03-11", None])})
    assert dates_as_text(frame)["urgent_expiry"].tolist() == ["2026-03-11", ""]


def test_band_colours_go_by_rank_not_name() -> None:
    ours = band_colours(["high", "medium", "low", "unscreened"])
    theirs = band_colours(["red", "amber", "green", "not screened"])
    assert list(ours.values()) == list(theirs.values())  # a council's own names keep the colours
    assert (ours["high"], ours["medium"], ours["low"]) == RAG
    two = band_colours(["urgent", "routine", "blank"])
    assert two["urgent"] == RAG[0] and two["routine"] == RAG[-1] and two["blank"] != RAG[0]
    assert band_swatch(RAG[0]).startswith("data:image/svg+xml") and "#" not in band_swatch(RAG[0])


def test_every_kpi_of_a_run_is_in_the_catalogue() -> None:
    from simulation import admit, kpis, simulate
    from tests.conftest import small

    names = kpis(simulate(admit(small()), np.random.SeedSequence(3)))
    for name in [*names, *REQUIRED_KPIS]:
        assert kpi_info(name).label  # raises KeyError if a KPI has no label
    assert len({k.name for k in KPI_CATALOGUE}) == len(KPI_CATALOGUE)


def test_tables_for_people() -> None:
    summary = pd.DataFrame(
        {
            "kpi": ["cost_total", "within_statutory_share"],
            "mean": [1_000_000.0, 0.25],
            "ci_low": [900_000.0, 0.2],
            "ci_high": [1_100_000.0, 0.3],
            "reps": [5, 5],
        }
    )
    table = kpi_table(summary)
    assert table.to_dict("records") == [
        {"KPI": "Total cost", "mean (95% CI)": "£1,000,000 (£900,000–£1,100,000)"},
        {"KPI": "Decided within the statutory time", "mean (95% CI)": "25.0% (20.0%–30.0%)"},
    ]
    assert verdict("cost_total", -5.0, -1.0) == "better"  # lower cost, with confidence
    assert verdict("within_statutory_share", -0.1, -0.01) == "worse"
    assert verdict("cost_total", -1.0, 2.0) == "no clear difference"
    comparison = pd.DataFrame(
        {
            "kpi": ["decided"],
            "baseline": [10.0],
            "option": [12.0],
            "difference": [2.0],
            "ci_low": [1.0],
            "ci_high": [3.0],
        }
    )
    assert comparison_table(comparison).iloc[0].tolist()[1:] == ["10", "12", "2 (1–3)", "better"]
    shares = pd.DataFrame(
        {
            "kpi": ["within_statutory_share"],
            "baseline": [0.50],
            "option": [0.54],
            "difference": [0.04],
            "ci_low": [0.02],
            "ci_high": [0.06],
        }
    )
    row = comparison_table(shares).iloc[0].tolist()[1:]
    assert row == ["50.0%", "54.0%", "+4.0 points (+2.0 to +6.0)", "better"]  # points, not "4.0%"
