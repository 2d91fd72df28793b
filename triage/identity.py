"""Application ids compared as a person reads them, and written as the file gave them.

Why: ``DOLS-1``, ``dols-1``, ``DOLS-1`` with a zero-width space, in full-width letters or with a
non-breaking hyphen are one reference to a DoLS officer, and to the case system they were typed into; read
as different ids, the same application is worked (and counted) twice. Two rows whose ids match once case,
Unicode width and compatibility forms (NFKC), invisible characters, the kind of dash and surrounding or
repeated spaces are set aside are duplicates, and refused with both rows named. The id itself is never
rewritten: the worklist shows it as the export did.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = ["id_key", "visible"]

#: Dashes and minus signs a keyboard, a word processor or a spreadsheet may put for "-".
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")  # zero-width, BOM, bidi marks
    return _SPACES.sub(" ", _DASHES.sub("-", visible)).strip().casefold()


def id_key(ids: pd.Series) -> pd.Series:
    """Each id as it is compared (see the module docstring); plain ASCII ids (nearly all) vectorised."""
    text = ids.astype(str)
    plain = text.str.isascii().fillna(True).to_numpy(dtype=bool)
    key = text.str.replace(_SPACES, " ", regex=True).str.strip().str.lower()
    if plain.all():
        return key
    return key.mask(~plain, text[~plain].map(_key))  # aligned on the index: only the others are worked


def visible(text: str) -> str:
    """``text`` with what cannot be seen (zero-width and formatting characters, non-ASCII spaces and
    dashes) written as ``\\u200b``: a look-alike named in a message must look different."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Zs", "Pd") and not c.isascii() else c
        for c in text
    )
