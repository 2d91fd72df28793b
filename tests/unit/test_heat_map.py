"""The Options heat map can be read (issue 21): white text on dark cells and dark text on light ones,
its whole title, and the currency on the scale of costs."""

from __future__ import annotations

import pandas as pd
import pytest

from presentation.charts import DARK_FROM, cell_ink, option_heat_map

FTE, BOUGHT = "staffing.bia_fte", "staffing.independent_bia_per_month"


def grid() -> pd.DataFrame:
    rows = []
    for i, fte in enumerate([6.0, 10.0, 14.0]):
        for j, bought in enumerate([0.0, 200.0]):
            chance = (i * 2 + j) / 5
            cost = 100_000 + 50_000 * (i * 2 + j)
            rows.append(
                {
                    FTE: fte,
                    BOUGHT: bought,
                    "chance": chance,
                    "chance_text": f"{chance:.0%}",
                    "cost": cost,
                    "cost_text": f"£{cost:,.0f}",
                    "unauthorised": 1000.0 * (5 - i * 2 - j),
                    "unauthorised_text": f"{1000 * (5 - i * 2 - j):,}",
                }
            )
    return pd.DataFrame(rows)


def layers(measure: str, currency: str = "GBP") -> list[dict]:
    spec = option_heat_map(
        grid(), (BOUGHT, "Bought"), (FTE, "In-house BIAs"), measure, {FTE: 10.0, BOUGHT: 200.0}, currency
    ).to_dict()
    return spec["layer"]


def test_ink_is_white_on_the_dark_end_and_dark_on_the_light_end() -> None:
    chance = pd.Series([0.0, 0.5, DARK_FROM, 1.0])
    assert list(cell_ink(chance, (0.0, 1.0))) == ["#111111", "#111111", "#ffffff", "#ffffff"]
    cost = pd.Series([200_000.0, 300_000.0, 1_200_000.0])  # its own range: the dearest is darkest
    assert list(cell_ink(cost)) == ["#111111", "#111111", "#ffffff"]
    assert list(cell_ink(pd.Series([5.0, 5.0]))) == ["#111111", "#111111"]  # one value: light, not NaN


@pytest.mark.parametrize("measure", ["chance", "cost", "unauthorised"])
def test_each_cell_text_takes_its_cells_ink(measure: str) -> None:
    cells, text = layers(measure)[:2]
    colour = text["encoding"]["color"]  # white where the ink says so, else near-black; no second scale
    assert colour["condition"] == {"test": "datum.ink == '#ffffff'", "value": "#ffffff"}
    assert colour["value"] == "#111111" and "field" not in colour
    assert text["mark"]["fontSize"] >= 12
    data = grid()
    fixed = (0.0, 1.0) if measure == "chance" else None
    inks = cell_ink(data[measure], fixed)
    assert set(inks) == {"#111111", "#ffffff"}  # both ends of this grid are drawn, so both inks are used
    title = cells["title"]
    assert title["anchor"] == "start" and title["limit"] == 0  # the whole title, never cut to fit


def test_the_scale_of_costs_says_its_currency() -> None:
    legend = layers("cost")[0]["encoding"]["color"]["legend"]
    assert legend["title"] == "cost (GBP)" and "'£' + format(datum.value" in legend["labelExpr"]
    euros = layers("cost", "EUR")[0]["encoding"]["color"]["legend"]
    assert euros["title"] == "cost (EUR)" and "'€'" in euros["labelExpr"]
    chance = layers("chance")[0]["encoding"]["color"]["legend"]
    assert chance["format"] == "%" and "labelExpr" not in chance


def test_the_answer_is_outlined_so_it_shows_on_any_cell() -> None:
    outlines = layers("chance")[2:]
    strokes = {o["mark"]["stroke"] for o in outlines}
    assert strokes == {"#111111", "#ffffff"}  # black round white: seen on light and dark cells
