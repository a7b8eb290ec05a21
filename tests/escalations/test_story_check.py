"""The publish check: each identifying detail is refused, case-insensitively and through
punctuation, and a clean story passes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.story_check import describe, identifying_details

MARY = SimpleNamespace(
    first_name="Mary",
    last_name="Trevithick",
    address="Rose Cottage, 1 Fore Street\nPenzance",
    postcode="TR18 2AA",
    nhs_number="9434765919",
    date_of_birth=dt.date(1938, 5, 17),
)

CLEAN = (
    "A volunteer noticed that a lady she visits had stopped going to her appointments because "
    "the bus no longer runs. The coordinator found a community transport scheme, and she has "
    "been to the surgery twice since. She says she feels less alone. It happened in Penzance "
    "in May, when she was 88."
)


def found(text):
    return [(f.what, f.found) for f in identifying_details(text, MARY)]


def test_a_clean_story_passes():
    assert found(CLEAN) == []


@pytest.mark.parametrize(
    ("text", "what", "as_written"),
    [
        ("Mary was delighted.", "first name", "Mary"),
        ("MARY was delighted.", "first name", "MARY"),
        ("mary's daughter rang.", "first name", "mary"),
        ("We visited (M.a.r.y) today.", "first name", "M.a.r.y"),
        ("Thanks from —mary— and family", "first name", "mary"),
        ("Mrs Trevithick was delighted.", "surname", "Trevithick"),
        ("mrs trevithick's garden", "surname", "trevithick"),
        ("the T-R-E-V-I-T-H-I-C-K family", "surname", "T-R-E-V-I-T-H-I-C-K"),
        ("She lives at 1 Fore Street.", "address", "1 Fore Street"),
        ("just off FORE STREET, by the harbour", "address", "FORE STREET"),
        ("at rose-cottage", "address", "rose-cottage"),
        ("postcode TR18 2AA", "postcode", "TR18 2AA"),
        ("postcode tr182aa", "postcode", "tr182aa"),
        ("(tr18-2aa)", "postcode", "tr18-2aa"),
        ("NHS 943 476 5919", "NHS number", "943 476 5919"),
        ("ref 943-476-5919.", "NHS number", "943-476-5919"),
        ("9434765919", "NHS number", "9434765919"),
        ("born 17/05/1938", "date of birth", "17/05/1938"),
        ("born 17.5.38!", "date of birth", "17.5.38"),
        ("born 1938-05-17", "date of birth", "1938-05-17"),
        ("born on the 17th May 1938", "date of birth", "17th May 1938"),
        ("born 17 MAY, 1938", "date of birth", "17 MAY, 1938"),
        ("born May 17th, 1938", "date of birth", "May 17th, 1938"),
        ("born 17th of may 1938", "date of birth", "17th of may 1938"),
    ],
)
def test_each_identifying_detail_is_refused(text, what, as_written):
    assert found(f"{CLEAN} {text}") == [(what, as_written)]


def test_words_that_only_contain_a_name_are_allowed():
    assert found("Maryland is far away; a rosemary bush; marygold.") == []


def test_a_different_date_or_number_is_allowed():
    assert found("On 17/06/1938 and 18/05/1938 and 94347659190 things happened.") == []


def test_everything_found_is_named_in_one_message():
    findings = identifying_details(
        "Mary Trevithick of 1 Fore Street, TR18 2AA, NHS 943 476 5919, born 17/05/1938.", MARY
    )
    assert [f.what for f in findings] == [
        "first name",
        "surname",
        "address",
        "postcode",
        "NHS number",
        "date of birth",
    ]
    assert describe(findings) == (
        "This story contains the client's first name (“Mary”), the client's surname "
        "(“Trevithick”), the client's address (“1 Fore Street”), the client's postcode "
        "(“TR18 2AA”), the client's NHS number (“943 476 5919”) and the client's date of "
        "birth (“17/05/1938”). Take them out before it is shared."
    )


def test_unicode_lookalikes_and_case_folding():
    # Full-width letters and a capital sharp S are folded before matching.
    assert found("ＭＡＲＹ smiled") == [("first name", "MARY")]
    client = SimpleNamespace(**{**MARY.__dict__, "last_name": "Strauß"})
    assert [f.what for f in identifying_details("the STRAUSS family", client)] == ["surname"]


@given(
    st.sampled_from(["Mary", "Trevithick", "TR18 2AA", "9434765919"]),
    st.text(alphabet=".,;:!?()-'\"/ ", min_size=1, max_size=3),
    st.text(alphabet=".,;:!?()-'\"/ ", min_size=1, max_size=3),
    st.sampled_from([str.lower, str.upper, str.title, str]),
)
def test_a_detail_in_any_case_between_any_punctuation_is_found(detail, before, after, case):
    assert identifying_details(f"{CLEAN}{before}{case(detail)}{after}", MARY)
