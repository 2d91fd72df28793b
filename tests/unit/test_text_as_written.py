"""Issue 25, item 2 (part): text read as written. A UTF-8 file with a stray byte stays UTF-8 (the byte
shown as U+FFFD, its row flagged), never re-read whole as Windows-1252 (every accent turned to mojibake);
a NUL inside a value is shown and flagged, never dropped (``A1<NUL>2`` is not ``A12``); padding NULs at
the end of a file are not a row."""

from __future__ import annotations

from datetime import date

from triage.text_export import UNREADABLE, decode
from triage.worklist import build_worklist

HEAD = b"application_id,received_date,setting,request_type\n"


def _row(app_id: bytes) -> bytes:
    return app_id + b",2026-11-01,care_home,standard\n"


def test_a_stray_byte_in_a_utf8_file_is_that_byte_not_the_whole_file() -> None:
    names = HEAD + b"".join(_row(n.encode()) for n in ("Zoë", "Siân", "José"))
    text, encoding = decode(names + _row(b"caf\xe9"))
    assert "Zoë" in text and "ZoÃ«" not in text  # the accents the file holds, as it holds them
    assert f"caf{UNREADABLE}" in text
    assert encoding == f"UTF-8, 1 byte not UTF-8 shown as {UNREADABLE}"


def test_a_windows_1252_file_is_still_read_as_one() -> None:
    text, encoding = decode(HEAD + _row("café".encode("cp1252")) + _row("Zoë".encode("cp1252")))
    assert encoding == "Windows-1252" and "café" in text and "Zoë" in text
    # É then an en dash are a valid UTF-8 pair by chance; the £ is not: still Windows-1252
    text, encoding = decode(HEAD + _row("RENÉ–PAUL £5".encode("cp1252")))
    assert encoding == "Windows-1252" and "RENÉ–PAUL £5" in text


def test_nul_bytes_are_shown_and_flagged_never_dropped() -> None:
    data = HEAD + _row(b"A1") + _row(b"A1\x002") + _row(b"A12") + _row(b"caf\xe9")
    data += b"".join(_row(n.encode()) for n in ("Zoë", "Siân", "José"))
    result = build_worklist(data + b"\x00\x00\x00", date(2026, 11, 23), filename="nul.csv")
    w = result.worklist.set_index("application_id")
    assert sorted(w.index) == sorted(
        ["A1", f"A1{UNREADABLE}2", "A12", f"caf{UNREADABLE}", "Zoë", "Siân", "José"]
    )
    assert result.rejects.empty  # A12 is not refused as the twin of a NUL-stripped "A12"
    flagged = w["data_warnings"].str.contains("could not be read")
    assert set(w.index[flagged]) == {f"A1{UNREADABLE}2", f"caf{UNREADABLE}"}
    assert result.rows_in == 7  # the padding at the end is not a row


def test_a_repeated_header_is_a_warning_naming_both_columns() -> None:
    """Two columns with one name: the second was renamed without a word. Said now, for CSV and XLSX:
    which is read (the first) and what the other is kept as (in the downloads, unread)."""
    import io

    import pandas as pd

    from triage.summary import summarise

    csv = HEAD.replace(b"\n", b",objecting,objecting\n") + b"A1,2026-11-01,care_home,standard,yes,no\n"
    frame = pd.read_csv(io.BytesIO(csv), dtype=str)
    frame.columns = [*frame.columns[:-1], "objecting"]  # pandas would rename it; the sheet keeps the name
    book = io.BytesIO()
    frame.to_excel(book, index=False)
    for data, name in ((csv, "twice.csv"), (book.getvalue(), "twice.xlsx")):
        result = build_worklist(data, date(2026, 11, 23), filename=name)
        said = [w for w in summarise(result).column_warnings if "appears" in w]
        assert said == [
            "header 'objecting' appears 2 times (columns 5, 6): the first is the one read; the others are "
            "kept, unread, as 'objecting_2'"
        ], name
        row = result.worklist.iloc[0]
        assert row["objecting"] == "yes" and row["objecting_2"] == "no"


def test_a_repeat_never_takes_a_name_the_file_already_uses() -> None:
    """``a, a_2, a`` made two columns called ``a_2`` (one of them overwritten): every column is kept."""
    from triage.ingest import _unique_header, repeated_headers

    assert _unique_header(["a", "a_2", "a"]) == ["a", "a_2", "a_3"]
    assert _unique_header(["a", "a", "a"]) == ["a", "a_2", "a_3"]
    assert len(set(_unique_header(["x", "", "x", "column_2"]))) == 4
    (said,) = repeated_headers(["a", "a_2", "a"])
    assert said.endswith("kept, unread, as 'a_3'")
    data = b"application_id,received_date,setting,request_type,note,note_2,note\n"
    data += b"A1,2026-11-01,care_home,standard,first,second,third\n"
    row = build_worklist(data, date(2026, 11, 23), filename="notes.csv").worklist.iloc[0]
    assert (row["note"], row["note_2"], row["note_3"]) == ("first", "second", "third")  # none lost
