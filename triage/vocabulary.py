"""The input contract's coded values, defined once: request types, settings, primary support reasons.

Everything that names these codes (validation of an export, the screening criteria's checks, the
simulation's draws and run log, the initial backlog read from a worklist, synthetic exports) imports them
from here, so adding a code is one edit, and no two places can disagree on the spelling.
"""

from __future__ import annotations

#: ``request_type``: urgent = the managing authority gave an urgent authorisation.
REQUEST_TYPES: tuple[str, ...] = ("standard", "urgent", "renewal")
#: ``setting``: the managing authority's type.
SETTINGS: tuple[str, ...] = ("care_home", "hospital")
#: ``primary_support_reason``, for equity reporting (the CQC's concern about dementia and learning
#: disability in the lower band), in a fixed order.
SUPPORT_REASONS: tuple[str, ...] = (
    "dementia",
    "learning_disability",
    "mental_health",
    "acquired_brain_injury",
    "other",
)
#: What the worklist says when the export gave no (or an unrecognised) support reason.
UNKNOWN_REASON = "unknown"

#: Categorical input fields a screening criterion may test, with their allowed values.
CATEGORICAL_FIELDS: dict[str, frozenset[str]] = {
    "request_type": frozenset(REQUEST_TYPES),
    "setting": frozenset(SETTINGS),
    "primary_support_reason": frozenset(SUPPORT_REASONS),
}
