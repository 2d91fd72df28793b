"""Errors a user can cause, each carrying one clear line to show them (never a traceback).

:func:`describe_validation_error` is the one translator from a pydantic error to that line (a scenario
file, a rules file): ``staffing.bia_fte: must be >= 0, got -2``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic is imported by whoever validates; this module stays import-light
    from pydantic import BaseModel, ValidationError


class DolsSimError(Exception):
    """A user's mistake (a file, a value, a rules file): the message is what they need to fix it."""


class RulesError(DolsSimError):
    """A rules file (timescales, criteria, policies) is missing or malformed."""


class InputFileError(DolsSimError):
    """An application export cannot be used at all (missing, unreadable, no required columns, empty)."""


_SHOWN = 60  # a value longer than this is cut in a message (it stays one line a person can read)


def show_value(value: Any) -> str:
    """A value as a user typed it: 2 not 2.0, true not True, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 12]}... ({len(text):,} characters)"


def key_path(loc: Sequence[int | str]) -> str:
    """A pydantic location as the key path a user sees in their file: ``staffing.changes[0].from_month``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The pydantic model that owns the key at ``loc`` (to list the keys it would accept)."""
    from pydantic import BaseModel

    model: type[BaseModel] = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        candidates = (ann, *getattr(ann, "__args__", ()))
        found = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if found is None:
            return None
        model = found
    return model


_RELATIVE_KEY = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")
_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def _describe(err: Any, root: type[BaseModel]) -> str:
    """One ``key.path: what was expected, got value`` line from one pydantic error."""
    kind = err["type"]
    loc = tuple(err["loc"])
    got = err.get("input")
    ctx = err.get("ctx") or {}
    where = key_path(loc)
    if kind == "value_error":
        # Model validators write "key: problem" relative to the section they validate.
        msg = str(ctx.get("error") or err["msg"])
        if not loc:
            return msg
        return f"{where}.{msg}" if _RELATIVE_KEY.match(msg) else f"{where}: {msg}"
    if kind == "extra_forbidden":
        owner = _model_at(root, loc)
        known = f" (expected one of: {', '.join(owner.model_fields)})" if owner else ""
        return f"{where}: unknown key{known}"
    if kind == "missing":
        return f"{where}: required key missing"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"{where}: must be {_BOUNDS[kind]} {show_value(bound)}, got {show_value(got)}"
    if kind == "literal_error":
        return f"{where}: must be one of {ctx.get('expected')}, got {show_value(got)}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        what = "a whole number" if kind.startswith("int") else "a number"
        return f"{where}: must be {what}, got {show_value(got)}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        need = "at least" if kind == "too_short" else "at most"
        return f"{where}: must have {need} {bound} values, got {ctx.get('actual_length')}"
    return f"{where}: {err['msg'][0].lower()}{err['msg'][1:]}, got {show_value(got)}"


def describe_validation_error(exc: ValidationError, root: type[BaseModel], where: str = "") -> str:
    """The first problem of a pydantic error as one line (``where`` prefixes it, e.g. the file name)."""
    errors = exc.errors()
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}{_describe(errors[0], root)}{more}"
