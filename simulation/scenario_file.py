"""Scenario files: TOML in and out, and changes to a scenario by key path (``--set`` and the page's levers).

Every way a scenario is made (a file, a ``--set`` override, a lever on the page) ends in one validation,
:func:`validate_scenario`, so a mistake gets the same one-line message naming the key path wherever it
was made.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from simulation.scenario import Scenario, ScenarioError
from triage.errors import describe_validation_error

__all__ = [
    "load_scenario",
    "scaled",
    "scenario_from_toml",
    "scenario_to_dict",
    "scenario_to_toml",
    "validate_scenario",
    "with_overrides",
    "with_values",
]


def validate_scenario(data: dict[str, Any], where: str = "") -> Scenario:
    """A scenario from plain values (parsed TOML), or :class:`ScenarioError` naming the key path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario, where)) from None


def scenario_from_toml(text: str, *, source: str = "") -> Scenario:
    """Parse and validate a scenario from TOML text (``source`` prefixes error messages)."""
    where = f"{source}: " if source else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}not valid TOML ({exc})") from None
    return validate_scenario(data, where)


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {p}: {exc}") from None
    return scenario_from_toml(text, source=p.name)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain TOML-ready values (dates stay dates; unset optional keys are left out)."""
    return scenario.model_dump(mode="python", exclude_none=True)


def scenario_to_toml(scenario: Scenario) -> str:
    """TOML text that loads back to an equal scenario (comments are not kept)."""
    # A fixed header: the name may hold characters a comment cannot (a newline would break the file).
    header = "# dols-sim scenario (written by dols-sim: comments in the original are not kept)\n\n"
    return header + tomli_w.dumps(scenario_to_dict(scenario))


def with_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with each ``key.path`` set to its value, validated like the file.

    ``with_values(s, {"staffing.bia_fte": 12, "queue.policy": "fifo"})``: the typed way (the page's
    levers, scripts); :func:`with_overrides` is the same for ``key.path=value`` strings (``--set``).
    """
    data = scenario_to_dict(scenario)
    for key, value in values.items():
        parts = key.strip().split(".")
        if not all(parts):
            raise ScenarioError(f"{key!r}: not a key path (expected e.g. staffing.bia_fte)")
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = node.get(part) if isinstance(node, dict) else None
            if nxt is None:
                nxt = {}
                node[part] = nxt
            if not isinstance(nxt, dict):
                prefix = ".".join(parts[: depth + 1])
                raise ScenarioError(f"{key}: {prefix} is a value, not a section")
            node = nxt
        node[parts[-1]] = value
    return validate_scenario(data)


def _parse_value(text: str) -> Any:
    """A TOML literal (9, 8.5, true, "x", [1, 2], 2025-04-01); a bare word is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def with_overrides(scenario: Scenario, overrides: Iterable[str]) -> Scenario:
    """A copy of ``scenario`` with ``key.path=value`` overrides applied and validated like the file."""
    values: dict[str, Any] = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set {item!r}: expected key.path=value, e.g. staffing.bia_fte=9")
        values[key.strip()] = _parse_value(raw)
    return with_values(scenario, values)


#: What grows with a council's size: demand, the starting state, staff and the backlog target. Rates,
#: shares, hours, hazards and costs per unit stay as they are.
SCALED_KEYS: tuple[str, ...] = (
    "demand.applications_per_month",
    "initial_backlog.size",
    "initial_backlog.authorisations_in_force",
    "staffing.bia_fte",
    "staffing.independent_bia_per_month",
    "staffing.mental_health_assessors",
    "staffing.authorisers",
    "staffing.vacancies.bia_vacant_fte_at_start",
    "screening.coordinator_fte",
    "targets.backlog_target",
)


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The same service at ``factor`` times the size (England at 1/20 for a quick replay, say): demand,
    starting backlog, staff and target scaled; every mechanism (hazards, hours, turnaround, policy) kept."""
    if factor <= 0:
        raise ScenarioError(f"scale factor: must be > 0, got {factor}")
    data = scenario_to_dict(scenario)
    for key in SCALED_KEYS:
        *parents, name = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if name in node:
            value = node[name] * factor
            node[name] = round(value) if isinstance(node[name], int) else value
    demand = data["demand"]
    demand["observed_monthly_counts"] = [c * factor for c in demand.get("observed_monthly_counts", [])]
    for change in data["staffing"].get("changes", []):
        for name in list(change):
            if name.endswith("_change"):
                change[name] *= factor
    return validate_scenario(data)
