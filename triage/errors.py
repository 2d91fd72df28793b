"""Errors a user can cause, each carrying one clear line to show them (never a traceback)."""


class DolsSimError(Exception):
    """A user's mistake (a file, a value, a rules file): the message is what they need to fix it."""


class RulesError(DolsSimError):
    """A rules file (timescales, criteria, policies) is missing or malformed."""


class InputFileError(DolsSimError):
    """An application export cannot be used at all (missing, unreadable, no required columns, empty)."""
