"""Triage: from a case-management export to today's explained DoLS worklist.

Pure functions over rules held as data (``triage/rules/*.toml``). Importable by the web page, the CLI
and the simulation (which bands its arrivals and orders its queue with this very code); it never
imports the simulation.

The names below are loaded on first use (PEP 562), so ``import triage.errors`` (the command line's
start-up) does not pay for pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "already_deprived_defaults": "triage.authority",
    "authority_times": "triage.authority",
    "AuthorityEnds": "triage.clock",
    "DeadlineDays": "triage.clock",
    "apply_clock": "triage.clock",
    "authority_ends": "triage.clock",
    "deadline_days": "triage.clock",
    "extension_adds_days": "triage.clock",
    "last_day_offset": "triage.clock",
    "DolsSimError": "triage.errors",
    "InputFileError": "triage.errors",
    "RulesError": "triage.errors",
    "order": "triage.policy",
    "sort_keys": "triage.policy",
    "transition_days": "triage.policy",
    "Criteria": "triage.rulebook",
    "Policies": "triage.rulebook",
    "Policy": "triage.rulebook",
    "Rules": "triage.rulebook",
    "Timescales": "triage.rulebook",
    "load_rules": "triage.rulebook",
    "NO": "triage.screening",
    "UNKNOWN": "triage.screening",
    "YES": "triage.screening",
    "Screening": "triage.screening",
    "screen": "triage.screening",
}
__all__ = [
    "NO",
    "UNKNOWN",
    "YES",
    "AuthorityEnds",
    "Criteria",
    "DeadlineDays",
    "DolsSimError",
    "InputFileError",
    "Policies",
    "Policy",
    "Rules",
    "RulesError",
    "Screening",
    "Timescales",
    "already_deprived_defaults",
    "apply_clock",
    "authority_ends",
    "authority_times",
    "deadline_days",
    "extension_adds_days",
    "last_day_offset",
    "load_rules",
    "order",
    "screen",
    "sort_keys",
    "transition_days",
]

if TYPE_CHECKING:
    from triage.authority import already_deprived_defaults, authority_times
    from triage.clock import (
        AuthorityEnds,
        DeadlineDays,
        apply_clock,
        authority_ends,
        deadline_days,
        extension_adds_days,
        last_day_offset,
    )
    from triage.errors import DolsSimError, InputFileError, RulesError
    from triage.policy import order, sort_keys, transition_days
    from triage.rulebook import Criteria, Policies, Policy, Rules, Timescales, load_rules
    from triage.screening import NO, UNKNOWN, YES, Screening, screen


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'triage' has no attribute {name!r}")
