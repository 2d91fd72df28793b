"""Triage: from a case-management export to today's explained DoLS worklist.

Pure functions over rules held as data (``triage/rules/*.toml``). Importable by the web page, the CLI
and the simulation (which bands its arrivals and orders its queue with this very code); it never
imports the simulation.
"""

from triage.clock import DeadlineDays, apply_clock, deadline_days, extension_adds_days, last_day_offset
from triage.errors import DolsSimError, InputFileError, RulesError
from triage.policy import order, sort_keys
from triage.rulebook import Criteria, Policies, Policy, Rules, Timescales, load_rules
from triage.screening import NO, UNKNOWN, YES, Screening, screen

__all__ = [
    "NO",
    "UNKNOWN",
    "YES",
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
    "apply_clock",
    "deadline_days",
    "extension_adds_days",
    "last_day_offset",
    "load_rules",
    "order",
    "screen",
    "sort_keys",
]
