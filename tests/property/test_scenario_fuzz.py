"""Fuzz: scenarios across and beyond every key's range, through ``--set`` and a TOML file (issue 10).

Each is either refused with one line naming a key, or admitted within the work budget; an admitted small
one runs, handling no more applications than the budget's estimate. Never a traceback.
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.random import SeedSequence

from simulation import budget
from simulation.admission import admit
from simulation.model import simulate
from simulation.scenario import ScenarioError
from simulation.scenario_file import scenario_from_toml, scenario_to_dict, with_values
from tests.conftest import EXAMPLE, SMALL, cli, small


def leaves(data: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        out.extend(leaves(value, path) if isinstance(value, dict) and value else [path])
    return out


BASE = scenario_to_dict(small("horizon.months=3"))
KEYS = sorted(set(leaves(BASE)) | set(leaves(tomllib.loads(EXAMPLE.read_text()))))
value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.text(max_size=20),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.lists(st.floats(min_value=0, max_value=1e12), max_size=14),
)
# TOML literals as a person types them on the command line, the odd ones included.
literal = st.one_of(
    value.filter(lambda v: not isinstance(v, float) or v == v).map(
        lambda v: tomli_w.dumps({"v": v})[4:].strip()
    ),
    st.sampled_from(
        ["", "[", "{", "nan", "inf", "-inf", "1e999", "9" * 5000, "[" * 600 + "]" * 600, "x" * 20000]
    ),
)
SMALL_ENOUGH_TO_RUN = 3_000


def admitted_or_refused(make: Any) -> None:
    try:
        admitted = admit(make(), work_limit=budget.RUN_LIMIT)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc), exc
        return
    assert admitted.work is not None and admitted.work.applications <= budget.RUN_LIMIT
    if admitted.work.applications <= SMALL_ENOUGH_TO_RUN and admitted.scenario.horizon.months <= 24:
        log = simulate(admitted, SeedSequence(0))
        assert log.state["initial"] + log.state["arrived"] <= admitted.work.applications + 50


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), text=literal)
def test_any_set_is_one_line_or_a_run_within_budget(key: str, text: str) -> None:
    result = cli("validate", EXAMPLE, "--set", f"{key}={text}")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    else:
        assert result.stdout.startswith("OK: ")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=3))
def test_any_toml_is_one_line_or_a_run_within_budget(changes: dict[str, Any]) -> None:
    data = tomllib.loads(SMALL)
    data.setdefault("horizon", {})["months"] = 3
    for key, v in changes.items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                break
            node = nxt
        else:
            node[last] = v
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        return  # not expressible as TOML (e.g. NaN in some writers): nothing a user could write
    admitted_or_refused(lambda: scenario_from_toml(text, source="fuzz.toml"))


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(KEYS), v=value)
def test_any_typed_value_is_one_line_or_a_run_within_budget(key: str, v: Any) -> None:
    """The page's levers and scripts (``with_values``) take the same path."""
    admitted_or_refused(lambda: with_values(small("horizon.months=3"), {key: v}))
