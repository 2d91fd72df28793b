"""Issue 25, items 5 and 6 (part): every rules, criteria and mapping file goes through one bounded reader
(plain files only, a size cap, a depth cap, numbers that can be read, a date format checked by reading
one back), a yes/no is never a number, and a ``--vary`` value is read as ``--set`` reads one. Each case
is one line and exit 2, never a traceback or a hang."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, cli
from tests.functional.test_run_cmd import assert_user_error
from triage.errors import DolsSimError
from triage.rulebook import criteria_from_text

APPLICATIONS = Path(__file__).resolve().parents[2] / "examples" / "open_applications.csv"
DEEP = "[columns]\napplication_id = " + "[" * 3000 + "]" * 3000 + "\n"
BIG = "[columns]\napplication_id = " + "9" * 5000 + "\n"


@pytest.mark.parametrize(
    ("option", "content", "said"),
    [
        ("--columns", DEEP, "deep.toml: nested more than 16 deep"),
        (
            "--columns",
            "[columns]\napplication_id = " + "[" * 20 + '"x"' + "]" * 20,
            "nested more than 16 deep",
        ),
        ("--columns", BIG, "a value cannot be read (Exceeds the limit (4300 digits)"),
        ("--columns", '[dates]\nformats = ["%d/%m/%Y %Q"]\n', "'%d/%m/%Y %Q' is not a date format"),
        ("--columns", b"[columns]\nx = 'caf\xe9'\n", "not UTF-8 text"),
        ("--criteria", DEEP, "nested more than 16 deep"),
        ("--criteria", "x" * (1024 * 1024 + 1), "more than a rules file's 1,048,576"),
    ],
)
def test_a_rules_or_mapping_file_that_cannot_be_used_is_one_line(
    tmp_path: Path, option: str, content: str | bytes, said: str
) -> None:
    path = tmp_path / "deep.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert_user_error(cli("triage", APPLICATIONS, "--as-of", "2026-11-23", option, path), said)


def test_a_device_or_a_pipe_is_never_read_or_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "mapping.toml"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        assert_user_error(
            cli("triage", APPLICATIONS, "--columns", path),
            f"cannot read mapping file {path}: not a plain file",
        )


def test_the_pages_criteria_upload_is_bounded_too() -> None:
    with pytest.raises(DolsSimError, match=r"criteria\.toml: nested more than 16 deep"):
        criteria_from_text(DEEP)
    with pytest.raises(DolsSimError, match="a value cannot be read"):
        criteria_from_text(BIG)


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_yes_no_is_not_a_number(tmp_path: Path, value: str) -> None:
    """``--set horizon.months=true`` was run as 1 month."""
    result = cli("run", EXAMPLE, "--reps", 2, "--set", f"horizon.months={value}", "--out", tmp_path)
    assert_user_error(result, f"months = {value}: a yes/no where a number is expected")
    ok = cli("validate", EXAMPLE, "--set", "assessment.proportionate=true")  # a yes/no field takes one
    assert ok.exit_code == 0, ok.output


def test_a_vary_value_is_read_as_a_set_value_is(tmp_path: Path) -> None:
    huge = "9" * 5000
    assert_user_error(
        cli("sweep", EXAMPLE, "--vary", f"staffing.bia_fte={huge}", "--reps", 2, "--out", tmp_path / "s"),
        "cannot be read (Exceeds the limit (4300 digits)",
    )
    assert_user_error(
        cli("sweep", EXAMPLE, "--vary", f"staffing.bia_fte=1..{huge}", "--reps", 2, "--out", tmp_path / "r"),
        "cannot be read",
    )
    deep = "[" * 2000 + "1" + "]" * 2000
    assert_user_error(
        cli("sweep", EXAMPLE, "--vary", f"staffing.bia_fte={deep}", "--reps", 2, "--out", tmp_path / "d"),
        "nested more than",
    )


def test_a_scenarios_description_is_shown_as_text_never_as_an_image() -> None:
    """Issue 25, item 7: a description holding ``![](//host/x)`` made the browser fetch it as soon as the
    scenario was uploaded. It is shown as the characters it is (each markup mark escaped)."""
    from streamlit.testing.v1 import AppTest

    from presentation.formats import as_text

    said = "Ours ![](//127.0.0.1:9/track.png) and <img src=x> **not bold** $x$"
    text = EXAMPLE.read_text()
    text = text.replace(text.split("description = ", 1)[1].split("\n", 1)[0], f'"{said}"', 1)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=120)
    at.run()
    at.session_state["tab"] = "Scenario"
    at.run()
    at.radio(key="scn_source").set_value("Upload a scenario (TOML)").run()
    at.file_uploader(key="scn_upload").set_value(("ours.toml", text.encode(), "application/toml")).run()
    assert not at.exception, at.exception
    shown = [c.value for c in at.caption if "Ours" in c.value]
    assert shown == [as_text(said)]
    assert not re.search(r"(?<!\\)[!\[<*$]", shown[0])  # every mark Markdown could read is escaped
    assert as_text("a_b (c) 3.5: d-e") == "a_b (c) 3.5: d-e"  # ordinary punctuation is left alone
