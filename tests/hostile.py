"""Hostile and broken inputs, made small by the tests themselves (issue 10): one builder per finding's shape.

Used by the unit tests (each finding), the memory and time budget test (each under a limit in its own
process) and the inputs benchmark (the same shapes, bigger).
"""

from __future__ import annotations

import io
import re
import zipfile

from tests.conftest import BASE_ROW

COLUMNS = list(BASE_ROW)


def rows_text(n: int, sep: str = ",", start: int = 1) -> list[str]:
    """``n`` good application rows as lines of text (no line breaks)."""
    return [
        sep.join(f"A{start + i}" if c == "application_id" else v for c, v in BASE_ROW.items())
        for i in range(n)
    ]


def unclosed_quote_csv(n: int = 10, broken_row: int = 4) -> bytes:
    """Finding 1: ``n`` rows, row ``broken_row`` (1-based) with a quote opened and never closed."""
    lines = [",".join(COLUMNS), *rows_text(n)]
    cells = lines[broken_row].split(",")
    cells[-1] = '"Smith,note'  # change_since_last_authorisation: a note whose quote never closes
    lines[broken_row] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def workbook(rows: int = 2, far: tuple[int, int] | None = None, dimension: str | None = None) -> bytes:
    """An .xlsx export of ``rows`` good rows; ``far`` (row, column), 1-based: one stray cell there;
    ``dimension``: the sheet's dimension record rewritten to claim that range (findings 2 and 3)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for j, c in enumerate(COLUMNS):
        ws.write(0, j, c)
    for i in range(rows):
        for j, (c, v) in enumerate(BASE_ROW.items()):
            ws.write(i + 1, j, f"A{i + 1}" if c == "application_id" else v)
    if far is not None:
        ws.write(far[0] - 1, far[1] - 1, "x")
    wb.close()
    data = buf.getvalue()
    if dimension is None:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), part)
            dst.writestr(item, part)
    return out.getvalue()


def wide_csv(rows: int = 100, columns: int = 5000) -> bytes:
    """Finding 4: ``rows`` rows by ``columns`` columns (the contract's, then extra ones)."""
    extra = columns - len(COLUMNS)
    header = ",".join([*COLUMNS, *(f"extra_{k}" for k in range(extra))])
    body = [line + ",v" * extra for line in rows_text(rows)]
    return ("\n".join([header, *body]) + "\n").encode()


def utf16_tab_text(n: int = 5) -> bytes:
    """Finding 5: Excel's "Unicode text": UTF-16 with a BOM, tab-separated, CRLF."""
    return ("\r\n".join(["\t".join(COLUMNS), *rows_text(n, "\t")]) + "\r\n").encode("utf-16")


def cr_only_csv(n: int = 5) -> bytes:
    """Finding 5: an old Mac's line endings (a lone CR)."""
    return ("\r".join([",".join(COLUMNS), *rows_text(n)]) + "\r").encode()


def nested_toml(depth: int = 2000, kind: str = "array") -> str:
    """Finding 7 (arrays: RecursionError) and 6 (tables: memory)."""
    if kind == "array":
        return f'name = "x"\nv = {"[" * depth}{"]" * depth}\n'
    return f'name = "x"\n[{".".join(["a"] * depth)}]\nb = 1\n'
