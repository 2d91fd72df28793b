"""Issue 25, item 4: outputs never overwrite inputs or each other, are never half-written, and an XLSX
that Excel would truncate is refused naming CSV. Each refusal is one line, exit 2, before anything is
written, and the inputs are byte-for-byte as they were (by hash)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import EXAMPLE, cli
from tests.functional.test_run_cmd import assert_user_error
from triage.errors import DolsSimError
from triage.export import XLSX_MAX_ROWS, fits_a_sheet, write_table
from triage.outputs import write_atomically

ROOT = Path(__file__).resolve().parents[2]
APPLICATIONS = ROOT / "examples" / "open_applications.csv"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    copy = tmp_path / "export.csv"
    shutil.copy(APPLICATIONS, copy)
    return copy


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--out", "{export}"], "--out {export}: is the export, which would be overwritten"),
        (["--rejects", "{export}"], "--rejects {export}: is the export"),
        (["--out", "{tmp}/./export.csv"], "is the export"),  # the same file, spelt another way
        (["--out", "{tmp}/link.csv"], "is the export"),  # a link to the export is the export
        (["--out", "{tmp}/w.csv", "--rejects", "{tmp}/w.csv"], "--rejects {tmp}/w.csv: is also --out"),
        (["--in-hand", "{tmp}/w.csv", "--caseload", "{tmp}/sub/../w.csv"], "is also --in-hand"),
    ],
)
def test_an_output_that_is_an_input_or_another_output_is_refused(
    export: Path, tmp_path: Path, options: list[str], said: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(export)
    before = digest(export)
    filled = [o.format(export=export, tmp=tmp_path) for o in options]
    result = cli("triage", export, "--as-of", "2026-11-23", *filled)
    assert_user_error(result, said.format(export=export, tmp=tmp_path))
    assert digest(export) == before  # the export untouched
    assert not (tmp_path / "w.csv").exists()  # refused before anything was written


def test_calibrate_and_synth_history_never_overwrite_their_input(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    made = cli("synth-history", EXAMPLE, "--months", 13, "--as-of", "2026-10-31", "--out", history)
    assert made.exit_code == 0, made.output
    before = digest(history)
    assert_user_error(cli("calibrate", history, "--out", history), f"--out {history}: is the history")
    assert_user_error(
        cli("calibrate", history, "--out", tmp_path / "s.toml", "--report", history), "is the history"
    )
    assert digest(history) == before
    scenario = tmp_path / "s.toml"
    shutil.copy(EXAMPLE, scenario)
    assert_user_error(cli("synth-history", scenario, "--out", scenario), "is the scenario")
    assert digest(scenario) == digest(EXAMPLE)


def test_a_failed_write_leaves_the_old_file_and_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "worklist.csv"
    target.write_bytes(b"the old worklist")
    os.chmod(target, 0o640)

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(DolsSimError, match=r"worklist.csv: cannot write \(No space left on device\)"):
        write_atomically(target, b"a new worklist, cut short")
    assert target.read_bytes() == b"the old worklist"
    assert [p.name for p in tmp_path.iterdir()] == ["worklist.csv"]  # no temporary file left behind
    monkeypatch.undo()
    write_atomically(target, b"the new worklist")
    assert target.read_bytes() == b"the new worklist"
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions


def test_a_write_into_a_missing_folder_is_one_line(export: Path, tmp_path: Path) -> None:
    result = cli("triage", export, "--as-of", "2026-11-23", "--out", tmp_path / "no" / "such" / "w.csv")
    assert_user_error(result, "w.csv: cannot write (No such file or directory)")


def test_an_xlsx_excel_would_truncate_is_refused_naming_csv(tmp_path: Path) -> None:
    long_note = pd.DataFrame({"application_id": ["A1", "A2"], "note": ["short", "x" * 100_000]})
    with pytest.raises(DolsSimError, match=r"column note, row 2 holds 100,000 characters.*write a \.csv"):
        write_table(long_note, tmp_path / "w.xlsx")
    assert not (tmp_path / "w.xlsx").exists()
    write_table(long_note, tmp_path / "w.csv")  # the CSV holds it whole
    assert pd.read_csv(tmp_path / "w.csv", encoding="utf-8-sig")["note"].str.len().max() == 100_000
    too_long = pd.DataFrame({"n": range(XLSX_MAX_ROWS)})  # with its header, one row more than a sheet
    with pytest.raises(DolsSimError, match=r"1,048,576 rows do not fit an Excel sheet"):
        fits_a_sheet(too_long, "w.xlsx")
    fits_a_sheet(too_long.iloc[:-1], "w.xlsx")  # exactly a sheet: fine


def test_user_text_is_printed_as_text_never_as_markup(tmp_path: Path) -> None:
    """Issue 25, item 5: a scenario's name, a file's name or a header holding rich markup is printed as
    written: never a MarkupError traceback, never a tag silently eaten."""
    scenario = tmp_path / "odd.toml"
    text = EXAMPLE.read_text().replace('name = "', 'name = "Oops [/] [bold]x ', 1)
    scenario.write_text(text)
    ran = cli("run", scenario, "--reps", 2, "--set", "horizon.months=3", "--out", tmp_path / "out")
    assert ran.exit_code == 0, ran.output
    assert "Traceback" not in ran.output
    export = tmp_path / "ours[red].csv"
    export.write_text(
        "application_id,received_date,setting,request_type,Objecting [/]\n"
        "A1,2026-11-01,care_home,standard,yes\n"
    )
    shown = cli("triage", export, "--as-of", "2026-11-23")
    assert shown.exit_code == 0, shown.output
    assert "ours[red].csv" in shown.stdout  # the file's name as written


def test_a_run_whose_folder_cannot_be_written_says_so_before_simulating(tmp_path: Path) -> None:
    """``run --out`` on a path that cannot be a folder failed only after simulating; said first now,
    and a result file that cannot be written leaves no part file beside it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    before = cli("run", EXAMPLE, "--reps", 10_000, "--out", blocker / "results")  # hours, if it ran
    assert_user_error(before, f"--out: cannot create {blocker / 'results'}")
    out = tmp_path / "out"
    (out / "waits.csv").mkdir(parents=True)  # the last table cannot be written
    after = cli("run", EXAMPLE, "--reps", 2, "--set", "horizon.months=3", "--out", out)
    assert_user_error(after, f"--out: cannot write {out / 'waits.csv'}")
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]


def test_a_link_is_written_through_and_a_read_only_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"  # the link stays a link
    if os.geteuid() != 0:  # root may write any file: nothing to refuse there
        real.chmod(0o444)
        with pytest.raises(DolsSimError, match=r"link\.csv: cannot write \(the file is read-only\)"):
            write_atomically(link, b"newer")
        assert real.read_bytes() == b"new"
