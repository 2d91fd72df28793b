"""Real-shaped exports (tests/exports.py): each is read through the mapping with no row refused for a
naming reason, every row is accounted for, and the worklist is the one the contract-named export gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import cli
from tests.exports import AS_OF, Shape, export_shapes
from triage.columns import match_columns
from triage.mapping import load_mapping, mapping_from_text, parse_dates
from triage.rulebook import load_rules
from triage.summary import summarise
from triage.worklist import TriageResult, build_worklist

CANONICAL, SHAPES = export_shapes()
COMPARED = ["application_id", "priority", "statutory_deadline", "urgent_expiry", "worklist_group", "alerts"]


@pytest.fixture(scope="module")
def expected() -> TriageResult:
    return build_worklist(CANONICAL.to_csv(index=False).encode(), AS_OF, filename="canonical.csv")


def triage(shape: Shape) -> TriageResult:
    flags = load_rules().criteria.inputs.flags
    mapping = mapping_from_text(shape.mapping_text, "council.toml", flags) if shape.mapping_text else None
    return build_worklist(shape.data, AS_OF, filename=shape.filename, mapping=mapping)


def test_the_corpus_has_five_shapes_in_both_formats() -> None:
    assert len(SHAPES) >= 5
    assert {Path(s.filename).suffix for s in SHAPES} == {".csv", ".xlsx"}
    assert any(not s.screening_columns for s in SHAPES)


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_each_shape_triages_like_the_contract_named_export(shape: Shape, expected: TriageResult) -> None:
    result = triage(shape)
    assert result.rows_in == len(CANONICAL) == len(result.worklist) + len(result.rejects)  # conservation
    assert len(result.rejects) == 0, result.rejects["problems"].tolist()[:3]
    assert result.worklist["data_warnings"].eq("").all(), result.worklist["data_warnings"].unique()[:3]
    got = result.worklist.reset_index(drop=True)
    want = expected.worklist.reset_index(drop=True)
    if shape.screening_columns:
        pd.testing.assert_frame_equal(got[[*COMPARED, "reasons"]], want[[*COMPARED, "reasons"]])
        assert list(got["primary_support_reason"]) == list(want["primary_support_reason"])
        assert result.absent_screening_columns == ()
    else:  # no answers: nothing fires, every row is unscreened and says why
        assert set(got["priority"]) == {"unscreened"}
        assert set(got["application_id"]) == set(want["application_id"])


def test_missing_screening_columns_are_named_and_counted() -> None:
    shape = next(s for s in SHAPES if not s.screening_columns)
    rules = load_rules()
    result = triage(shape)
    summary = summarise(result, rules.criteria.all_bands)
    assert summary.absent_screening_columns == tuple(rules.criteria.required_flags)
    assert summary.unscreened_for_absent_columns == summary.accepted == len(CANONICAL)
    assert "safeguarding_concern" not in summary.absent_screening_columns  # optional: never missing


def test_the_cli_reads_a_council_mapping_file_and_says_what_is_absent(tmp_path: Path) -> None:
    council = next(s for s in SHAPES if s.mapping_text)
    (tmp_path / council.filename).write_bytes(council.data)
    (tmp_path / "ours.toml").write_text(council.mapping_text or "")
    out = tmp_path / "w.csv"
    args = ["triage", tmp_path / council.filename, "--as-of", AS_OF.isoformat(), "--out", out]
    r = cli(*args, "--columns", tmp_path / "ours.toml")
    assert r.exit_code == 0, r.output
    assert f"{len(CANONICAL):,} on the worklist, 0 outside the DoLS (under 18), 0 refused" in r.stdout
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == len(CANONICAL)
    # without its mapping file the same export cannot be triaged: one line naming what is missing
    r = cli(*args)
    assert r.exit_code == 2 and "no application_id or received_date or setting or request_type" in r.stderr
    none = next(s for s in SHAPES if not s.screening_columns)
    (tmp_path / none.filename).write_bytes(none.data)
    r = cli("triage", tmp_path / none.filename, "--as-of", AS_OF.isoformat())
    assert r.exit_code == 0
    assert "No column for screening question(s) objecting, family_objecting" in r.stdout
    assert f"{len(CANONICAL):,} rows unscreened for want of them" in r.stdout


def test_the_shipped_mapping_loads_and_a_council_file_is_read_on_top() -> None:
    shipped = load_mapping()
    council = mapping_from_text(next(s for s in SHAPES if s.mapping_text).mapping_text or "", "c.toml")
    assert council.columns["setting"][0] == "Where"  # own spellings first
    assert set(shipped.columns["setting"]) <= set(council.columns["setting"])  # the shipped ones kept


def _readme_section() -> str:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return text.split("### Map your system's export", 1)[1].split("\n### ", 1)[0]


def test_the_readme_summary_of_the_shipped_mapping_is_what_it_reads() -> None:
    """Every spelling the README says the shipped mapping reads, it reads as the column or code named."""
    import re

    shipped = load_mapping()
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", _readme_section(), flags=re.M)
    coded = re.findall(
        r"^\| (request type|setting|support reason) `(\w+)` \| (.+) \|$", _readme_section(), re.M
    )
    assert len(rows) >= 8 and len(coded) >= 6
    contract = list(shipped.columns)
    for column, cell in rows:
        for header in re.findall(r"`([^`]+)`", cell):
            assert match_columns([header], shipped, contract).used == {column: header}, header
    (dates,) = re.findall(r"^\| dates \| (.+) \|$", _readme_section(), flags=re.M)
    examples = re.findall(r"`([^`]+)`", dates.split(";")[0])
    parsed = parse_dates(pd.Series(examples, dtype=str), shipped.date_formats)
    assert len(examples) >= 6 and set(parsed) == {pd.Timestamp("2026-03-01")}, examples
    field = {"request type": "request_type", "setting": "setting", "support reason": "primary_support_reason"}
    for kind, code, cell in coded:
        for spelling in re.findall(r"`([^`]+)`", cell):
            assert shipped.coder(field[kind])(spelling) == code, spelling


def test_the_readme_mapping_example_is_a_valid_mapping_file() -> None:
    import re

    (example,) = re.findall(r"```toml\n(.*?)```", _readme_section(), flags=re.S)
    mapping = mapping_from_text(example, "our-system.toml")
    assert mapping.columns["setting"][0] == "Where" and mapping.ignore[0] == "Notes"
    assert mapping.coder("yes_no")("Not ticked") == "no" and mapping.date_formats[0] == "%d/%m/%Y"
