"""What a user chose stays chosen: widget values and uploads that survive a change of tab and a rerun.

Why this module: the page's tabs are lazy (only the open tab runs), and Streamlit forgets a widget's
value as soon as a run does not draw it, so leaving the Triage tab dropped the export, the mapping file
and the as-of date. Each kept widget has a shadow entry in the session's state (in server memory, per
session; nothing is written to disk) that is put back before the widget is drawn again.

The rules, in one place:

- a kept widget shows what the user last chose, on any tab, after any rerun;
- a value that belongs to a source (the as-of date to the export, the levers to the base scenario)
  is reset to that source's value when, and only when, the source changes (:func:`follows`);
- an upload is kept until the user removes it or presses "Forget it".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from presentation.formats import as_text

SHADOW = "kept:"
FOLLOWS = "follows:"


def kept(key: str, default: Any) -> None:
    """Make the widget ``key`` (drawn next, without ``value=``) show the user's last choice, or
    ``default`` the first time."""
    state = st.session_state
    if key in state:  # drawn in the last run: the user's value (perhaps just changed) stands
        return
    state[key] = state.get(SHADOW + key, default)


def remember(key: str, value: Any) -> Any:
    """Record the widget's value as drawn, so the next run that draws it shows the same."""
    st.session_state[SHADOW + key] = value
    return value


def kept_widget(draw: Callable[..., Any], label: str, key: str, default: Any, **options: Any) -> Any:
    """Draw a kept widget: ``draw`` is a Streamlit widget function (``st.text_input``, a column's
    ``number_input``); returns its value."""
    kept(key, default)
    return remember(key, draw(label, key=key, **options))


def reset(key: str, value: Any) -> None:
    """Set a kept widget to ``value`` (before it is drawn in this run)."""
    st.session_state[SHADOW + key] = value
    st.session_state[key] = value


def follows(key: str, identity: str) -> bool:
    """True once each time ``identity`` (a source's name or digest) differs from the last one seen for
    ``key``, and the first time: the caller then resets the values that belong to that source."""
    marker = FOLLOWS + key
    if st.session_state.get(marker) == identity:
        return False
    st.session_state[marker] = identity
    return True


def fingerprint(content: bytes | str) -> str:
    """A short digest of a file's content: identifies an upload without keeping a copy of it."""
    data = content.encode() if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class Upload:
    """An uploaded file held in this session's memory (never written to disk)."""

    name: str
    data: bytes

    @property
    def identity(self) -> str:
        return f"{self.name}:{fingerprint(self.data)}"


def _forget_if_removed(key: str) -> None:
    """The uploader changed: if the user removed the file, the kept copy goes too."""
    if st.session_state.get(key) is None:
        st.session_state.pop(SHADOW + key, None)


def _forget(key: str) -> None:
    st.session_state.pop(SHADOW + key, None)


def kept_upload(label: str, key: str, types: list[str], **options: Any) -> Upload | None:
    """A file uploader whose file survives a change of tab: the bytes stay in the session's memory
    until the user removes the file or presses "Forget it"."""
    up = st.file_uploader(label, type=types, key=key, on_change=_forget_if_removed, args=(key,), **options)
    if up is not None:
        held = Upload(up.name, up.getvalue())
        st.session_state[SHADOW + key] = held
        return held
    held_before: Upload | None = st.session_state.get(SHADOW + key)
    if held_before is None:
        return None
    c1, c2 = st.columns([3, 1], vertical_alignment="center")
    c1.caption(f"Using {as_text(held_before.name)}, uploaded earlier in this session (held in memory only).")
    c2.button("Forget it", key=f"{key}:forget", on_click=_forget, args=(key,))
    return held_before
