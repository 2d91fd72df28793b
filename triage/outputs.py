"""Output files that never overwrite an input or each other, and are never left half-written.

Why: a DoLS lead who types ``--out export.csv`` by mistake (or the same name for ``--out`` and
``--rejects``) must not lose the export, or 2 of 20 refused rows: the paths are compared before anything
is read or written (resolved, so ``./a.csv`` and ``a.csv`` are one file, and by the file system's identity,
so a link to the export is the export). A write goes to a temporary file beside the target and is renamed
over it only when complete, so a full disk or a kill mid-write leaves the old file (or none), never a
truncated one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from triage.errors import DolsSimError

__all__ = ["distinct_outputs", "ensure_writable", "write_atomically"]


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def distinct_outputs(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None]) -> None:
    """Refuse, in one line naming both options, an output that is one of the inputs or another output.

    ``inputs`` and ``outputs`` map the option as the user typed it (``--out``, ``the export``) to its path
    (None: not given).
    """
    given_in = [(name, Path(p)) for name, p in inputs.items() if p is not None]
    given_out = [(name, Path(p)) for name, p in outputs.items() if p is not None]
    for i, (name, path) in enumerate(given_out):
        for source, read in given_in:
            if _same(path, read):
                raise DolsSimError(
                    f"{name} {path}: is {source}, which would be overwritten; name another file"
                )
        for other, earlier in given_out[:i]:
            if _same(path, earlier):
                raise DolsSimError(
                    f"{name} {path}: is also {other}; one would overwrite the other, so name two files"
                )


def write_atomically(path: Path | str, data: bytes, option: str = "") -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed over it when
    complete; an OS error (no such folder, read-only, disk full) is one line (beginning with ``option``
    when given: ``--out: cannot write ...``) and leaves no partial file."""
    shown = Path(path)
    path = shown.resolve()  # a link is written through, as a plain write would: the file it names changes
    where = f"{option}: cannot write {shown}" if option else f"{shown}: cannot write"
    if path.exists() and not os.access(path, os.W_OK):
        raise DolsSimError(f"{where} (the file is read-only)")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        with open(tmp, "xb") as f:  # a new file, so the folder's usual permissions, as a plain write gets
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)  # the output keeps the permissions it had
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise DolsSimError(f"{where} ({exc.strerror or exc})") from None


def ensure_writable(folder: Path | str, option: str = "--out") -> Path:
    """Make ``folder`` (and its parents) and prove a file can be written there, before any work is done:
    a read-only or missing drive is one line at once, not after an hour of simulating."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DolsSimError(f"{option}: cannot create {out}: {exc.strerror or exc}") from None
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise DolsSimError(f"{option}: cannot write into {out}: {exc.strerror or exc}") from None
    return out
