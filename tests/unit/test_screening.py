"""Screening: the highest band fired wins, blanks are never "low", and every reason is listed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from triage import NO, UNKNOWN, YES, arrays, screen
from triage.errors import RulesError
from triage.rulebook import Rules, load_criteria

FLAGS = load_criteria().inputs.flags


def columns(n: int = 1, **values: object) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {f: np.full(n, NO) for f in FLAGS}
    cols["change_since_last_authorisation"] = np.full(n, UNKNOWN)
    cols["request_type"] = np.full(n, "standard", dtype=object)
    for k, v in values.items():
        cols[k] = (
            np.asarray(v)
            if isinstance(v, list)
            else np.full(n, v, dtype=object if isinstance(v, str) else int)
        )
    return cols


def test_all_no_is_low_settled(rules: Rules) -> None:
    s = screen(columns(), rules.criteria)
    assert s.band.tolist() == ["low"]
    assert s.reasons().tolist() == ["settled_no_objection"]
    assert s.missing_information().tolist() == [""]


def test_one_red_item_makes_it_red_and_reasons_never_pair_a_low_item_with_it(rules: Rules) -> None:
    s = screen(columns(objecting=YES, fluctuating_capacity=YES, end_of_life=YES), rules.criteria)
    assert s.band.tolist() == ["high"]
    assert s.reasons().tolist() == ["objecting; fluctuating_capacity"]  # end_of_life (low) left out


def test_medium_beats_low(rules: Rules) -> None:
    s = screen(columns(fluctuating_capacity=YES), rules.criteria)
    assert s.band.tolist() == ["medium"]
    assert s.reasons()[0] == "fluctuating_capacity"  # not "settled, no objection" beside it


def test_blank_form_is_unscreened_not_low(rules: Rules) -> None:
    cols = {f: np.full(1, UNKNOWN) for f in FLAGS}
    cols["request_type"] = np.array(["standard"], dtype=object)
    s = screen(cols, rules.criteria)
    assert s.band.tolist() == [rules.criteria.no_criterion_band]
    missing = s.missing_information()[0].split("; ")
    # every screening field is listed, except the renewal-only one on a first request and the optional
    # ones (a question many forms do not ask is never missing information)
    optional = set(rules.criteria.inputs.optional)
    assert optional and set(missing) == set(FLAGS) - {"change_since_last_authorisation"} - optional


def test_one_blank_blocks_low_but_not_high(rules: Rules) -> None:
    s = screen(columns(objecting=UNKNOWN), rules.criteria)
    assert s.band.tolist() == ["unscreened"]
    s = screen(columns(objecting=UNKNOWN, restraint=YES), rules.criteria)
    assert s.band.tolist() == ["high"]
    assert s.missing_information().tolist() == ["objecting"]


def test_renewals(rules: Rules) -> None:
    s = screen(
        columns(3, request_type="renewal", change_since_last_authorisation=[YES, NO, UNKNOWN]), rules.criteria
    )
    # the first: a significant change is high on its own; the third: "change" is blank, and a change
    # would make it high, so it cannot be called low
    assert s.band.tolist() == ["high", "low", "unscreened"]
    assert s.reasons()[0] == "renewal_significant_change"
    assert "renewal_no_change" in s.reasons()[1]
    assert s.missing_information()[2] == "change_since_last_authorisation"


def test_absent_column_counts_as_blank(rules: Rules) -> None:
    cols = columns()
    del cols["objecting"]
    s = screen(cols, rules.criteria)
    assert s.band.tolist() == ["unscreened"]
    assert "objecting" in s.missing_information()[0]


def test_vectorised_equals_one_at_a_time(rules: Rules) -> None:
    rng = np.random.default_rng(3)
    n = 300
    cols = {f: rng.choice([YES, NO, UNKNOWN], n) for f in FLAGS}
    cols["request_type"] = rng.choice(np.array(["standard", "urgent", "renewal"], dtype=object), n)
    whole = screen(cols, rules.criteria)
    for i in range(0, n, 37):
        one = screen({k: v[i : i + 1] for k, v in cols.items()}, rules.criteria)
        assert one.band[0] == whole.band[i]
        assert one.reasons()[0] == whole.reasons()[i]


def _criteria_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "criteria.toml"
    p.write_text(text)
    return p


HEADER = 'bands = ["high", "low"]\n[inputs]\nflags = ["objecting"]\n'


def test_own_criteria_file(tmp_path: Path) -> None:
    p = _criteria_file(
        tmp_path,
        HEADER
        + '[[criterion]]\nid = "obj"\nlabel = "Objecting"\nband = "high"\nwhen = { objecting = true }\n'
        + '[[criterion]]\nid = "hosp"\nlabel = "In hospital"\nband = "low"\n'
        + 'when = { setting = "hospital" }\n',
    )
    crit = load_criteria(p)
    s = screen(
        {
            "objecting": np.array([YES, NO, NO]),
            "setting": np.array(["care_home", "hospital", "care_home"], dtype=object),
        },
        crit,
    )
    assert s.band.tolist() == ["high", "low", "unscreened"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[criterion]]\nid = "x"\nlabel = "X"\nband = "red"\nwhen = { objecting = true }\n', "band 'red'"),
        ('[[criterion]]\nid = "x"\nlabel = "X"\nband = "high"\nwhen = { shoe_size = true }\n', "shoe_size"),
        (
            '[[criterion]]\nid = "x"\nlabel = "X"\nband = "high"\nwhen = { objecting = "yes" }\n',
            "true or false",
        ),
        ('[[criterion]]\nid = "x"\nlabel = "X"\nband = "high"\nwhen = { setting = "hospice" }\n', "hospice"),
        ('[[criterion]]\nid = "x"\nlabel = "X"\nband = "high"\nwhen = {}\n', "at least one"),
        ("[[criterion]]\nid = 'x'\nlabel = \n", "not valid TOML"),
    ],
)
def test_broken_criteria_file_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        load_criteria(_criteria_file(tmp_path, HEADER + body))


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ({"one_to_one": UNKNOWN}, "unscreened"),  # settled, no objection, but 1:1 not answered
        ({"end_of_life": YES, "objecting": UNKNOWN}, "unscreened"),  # end of life, objection unknown
        ({"end_of_life": YES}, "low"),
        ({"fluctuating_capacity": YES, "objecting": UNKNOWN}, "medium"),  # at least medium, blank listed
        ({"end_of_life": UNKNOWN}, "low"),  # read only by a low criterion: not needed for low
    ],
)
def test_low_needs_every_higher_question_answered(rules: Rules, answers: dict[str, int], band: str) -> None:
    """Review #9: a single blank on a high question is not "low" (the CQC: incomplete forms)."""
    s = screen(columns(**answers), rules.criteria)
    assert s.band.tolist() == [band]
    blanks = [k for k, v in answers.items() if v == UNKNOWN]
    assert s.missing_information()[0].split("; ") == (blanks or [""])


def test_renewal_no_change_with_blanks_is_not_low(rules: Rules) -> None:
    s = screen(
        columns(request_type="renewal", change_since_last_authorisation=NO, restraint=UNKNOWN), rules.criteria
    )
    assert s.band.tolist() == ["unscreened"]


@pytest.mark.parametrize(
    "restriction",
    ["restraint", "sedation_or_covert_medication", "one_to_one", "contact_restrictions", "move_considered"],
)
def test_settled_no_objection_never_fires_beside_a_restriction(rules: Rules, restriction: str) -> None:
    """Issue 11: "no more than supervision" must not be said of a person restrained, sedated, on 1:1, with
    contact restricted or facing a move (it fired beside sedation, 1:1 and a planned move)."""
    s = screen(columns(**{restriction: YES}), rules.criteria)
    assert "settled_no_objection" not in s.reasons()[0].split("; ")
    assert s.band.tolist() == ["high"]
    assert "settled_no_objection" in screen(columns(), rules.criteria).reasons()[0]


@pytest.mark.parametrize(
    ("flag", "band"),
    [
        ("safeguarding_concern", "high"),
        ("challenge_raised", "high"),
        ("no_one_to_consult", "low"),  # s39A: a duty (an alert), not a band
        ("representative_not_in_place", "low"),  # a new request has no RPR yet (para 139)
    ],
)
def test_optional_adass_items_raise_the_band_when_yes(rules: Rules, flag: str, band: str) -> None:
    s = screen(columns(**{flag: YES}), rules.criteria)
    if band == "low":
        assert s.band.tolist() == ["low"] and flag not in s.reasons()[0]
        return
    assert s.band.tolist() == [band] and flag in s.reasons()[0].split("; ")


def test_optional_items_blank_or_absent_are_never_missing(rules: Rules) -> None:
    blank = columns(**dict.fromkeys(rules.criteria.inputs.optional, UNKNOWN))
    absent = {k: v for k, v in columns().items() if k not in rules.criteria.inputs.optional}
    for cols in (blank, absent):
        s = screen(cols, rules.criteria)
        assert s.band.tolist() == ["low"]  # a low band is still given
        assert s.missing_information().tolist() == [""]


@pytest.mark.parametrize("n", [0, 1, 17, arrays.SMALL, arrays.SMALL + 1, 5000])
def test_distinct_is_factorize_on_both_paths(n: int) -> None:
    """The dict path for a week's renewals and pandas' hashing for an export give the same codes."""
    rng = np.random.default_rng(n)
    values = np.asarray(rng.choice(["high", "medium", "low", "none"], size=n), dtype=object)
    inverse, uniques = arrays.distinct(values)
    expected_inverse, expected_uniques = pd.factorize(values)
    assert list(uniques) == list(expected_uniques)
    np.testing.assert_array_equal(inverse, expected_inverse)


def test_criteria_from_the_text_of_an_upload_are_the_files_and_bad_text_is_one_line() -> None:
    """The page's upload is read from memory (never written to disk) to the same criteria as the file."""
    from triage.errors import RulesError
    from triage.rulebook import DEFAULT_CRITERIA, criteria_from_text, load_criteria

    text = Path(DEFAULT_CRITERIA).read_text(encoding="utf-8")
    assert criteria_from_text(text, "ours.toml") == load_criteria()
    with pytest.raises(RulesError, match=r"^ours\.toml: not valid TOML \(") as bad:
        criteria_from_text("bands = [high", "ours.toml")
    assert "\n" not in str(bad.value)
    with pytest.raises(RulesError, match=r"^ours\.toml: .*criterion"):
        criteria_from_text(text.replace('band = "high"', 'band = "red"', 1), "ours.toml")
