"""Scenario files: TOML in and out, and changes to a scenario by key path (``--set`` and the page's levers).

Every way a scenario is made (a file, a ``--set`` override, a lever on the page) ends in one validation,
:func:`validate_scenario`, so a mistake gets the same one-line message naming the key path wherever it
was made.

Before any of that, the text itself is bounded, because a scenario may come from a stranger (an upload
on the page): at most :data:`MAX_TOML_BYTES` of TOML, tables and arrays nested at most
:data:`MAX_DEPTH` deep, a ``--set`` value of at most :data:`MAX_LITERAL` characters and a key path of at
most :data:`MAX_KEY_PARTS` parts. Past them, one line; never a recursion error or a run of memory.
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

#: A scenario file is a page of TOML (the example is 5 KB); a megabyte is not a scenario.
MAX_TOML_BYTES = 1024 * 1024
#: The deepest a scenario nests (demand.mix.primary_support_reason.dementia is 4; lists add one).
MAX_DEPTH = 8
MAX_LITERAL = 10_000
MAX_KEY_PARTS = 8

__all__ = [
    "load_scenario",
    "parse_value",
    "scaled",
    "scenario_from_toml",
    "scenario_to_dict",
    "scenario_to_toml",
    "validate_scenario",
    "with_overrides",
    "with_values",
]


def _depth_path(data: Any) -> str | None:
    """The key path of the first value nested deeper than :data:`MAX_DEPTH` (None: none is). Iterative,
    so a deep value cannot exhaust the stack here."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path or "(top level)"
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
    return None


def validate_scenario(data: dict[str, Any], where: str = "") -> Scenario:
    """A scenario from plain values (parsed TOML), or :class:`ScenarioError` naming the key path."""
    deep = _depth_path(data)
    if deep is not None:
        raise ScenarioError(f"{where}{deep.split('[')[0][:200]}: nested more than {MAX_DEPTH} deep")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario, where)) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a value no model field can hold
        raise ScenarioError(f"{where}a value cannot be used ({type(exc).__name__})") from None


def _loads(text: str, what: str) -> dict[str, Any]:
    """TOML text parsed, or one line: too long, not TOML, nested too deep, a number too long."""
    if len(text) > MAX_TOML_BYTES:
        raise ScenarioError(f"{what}: {len(text):,} characters, more than {MAX_TOML_BYTES:,}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{what}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(f"{what}: nested more than {MAX_DEPTH} deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ScenarioError(f"{what}: a value cannot be read ({str(exc).split(':')[0]})") from None


def scenario_from_toml(text: str, *, source: str = "") -> Scenario:
    """Parse and validate a scenario from TOML text (``source`` prefixes error messages)."""
    where = f"{source}: " if source else ""
    data = _loads(text, source or "scenario")
    return validate_scenario(data, where)


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_TOML_BYTES:
            raise ScenarioError(f"{p.name}: {p.stat().st_size:,} bytes, more than {MAX_TOML_BYTES:,}")
        if p.exists() and not p.is_file():
            raise ScenarioError(f"cannot read scenario file {p}: not a plain file")
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
        if not all(parts) or len(parts) > MAX_KEY_PARTS or len(key) > 200:
            raise ScenarioError(f"{key[:60]!r}: not a key path (expected e.g. staffing.bia_fte)")
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


def parse_value(text: str, where: str = "--set") -> Any:
    """A TOML literal (9, 8.5, true, "x", [1, 2], 2025-04-01); a bare word is taken as a string. Bounded:
    its length, its nesting and its digits; ``where`` (``--set staffing.bia_fte``) begins each message."""
    where = where[:80]
    if len(text) > MAX_LITERAL:
        raise ScenarioError(f"{where}: a value of {len(text):,} characters, more than {MAX_LITERAL:,}")
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()
    except RecursionError:
        raise ScenarioError(f"{where}: nested more than {MAX_DEPTH} deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ScenarioError(f"{where}: cannot be read ({str(exc).split(':')[0]})") from None


def with_overrides(scenario: Scenario, overrides: Iterable[str]) -> Scenario:
    """A copy of ``scenario`` with ``key.path=value`` overrides applied and validated like the file."""
    values: dict[str, Any] = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set {item!r}: expected key.path=value, e.g. staffing.bia_fte=9")
        values[key.strip()] = parse_value(raw, f"--set {key.strip()[:60]}")
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


def value_at(scenario: Scenario, path: str) -> Any:
    """The value of a key path in a scenario (``staffing.bia_fte``): what a lever or a plan reads."""
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value
