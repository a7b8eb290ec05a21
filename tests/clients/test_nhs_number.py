import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from clients.validators import (
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    validate_nhs_number,
)


@pytest.mark.parametrize("number", ["9434765919", "9434765870", "4010232137", "1234567881"])
def test_nhs_number_valid(number):
    validate_nhs_number(number)
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("9434765918", "nhs_check_digit"),  # last digit off by one
        ("9434765871", "nhs_check_digit"),
        ("1234567890", "nhs_check_digit"),
        ("943476591", "nhs_length"),  # nine digits
        ("94347659190", "nhs_length"),  # eleven
        ("", "nhs_digits"),
        ("943476591X", "nhs_digits"),  # letters
        ("ABCDEFGHIJ", "nhs_digits"),
        ("943 476 5919", "nhs_digits"),  # the validator sees stored values; forms strip spaces
        ("٩٤٣٤٧٦٥٩١٩", "nhs_digits"),  # Arabic-Indic digits are digits to Python, not to the NHS
    ],
)
def test_nhs_number_invalid(number, code):
    with pytest.raises(ValidationError) as exc:
        validate_nhs_number(number)
    assert exc.value.code == code
    assert not is_valid_nhs_number(number)


def test_nhs_number_whose_check_digit_would_be_ten_is_never_valid():
    # 10 is not a digit: no tenth digit makes such a number valid.
    first_nine = next(
        f"{n:09d}" for n in range(100_000_000, 100_001_000) if nhs_check_digit(f"{n:09d}") is None
    )
    for last in "0123456789":
        assert not is_valid_nhs_number(first_nine + last)


def test_normalise_strips_spaces_and_hyphens():
    assert normalise_nhs_number(" 943 476-5919 ") == "9434765919"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_number_exactly_one_last_digit_is_valid_unless_none(first_nine):
    valid = [d for d in "0123456789" if is_valid_nhs_number(first_nine + d)]
    check = nhs_check_digit(first_nine)
    if check is None:
        assert valid == []
    else:
        assert valid == [str(check)]


@given(st.text(min_size=0, max_size=14))
def test_nhs_number_validator_never_raises_anything_but_validation_error(text):
    try:
        validate_nhs_number(text)
    except ValidationError:
        assert not is_valid_nhs_number(text)
    else:
        assert is_valid_nhs_number(text)


@given(st.integers(min_value=0, max_value=999_999_999), st.integers(0, 8), st.integers(1, 9))
def test_nhs_number_changing_one_digit_breaks_the_check(n, position, delta):
    first_nine = f"{n:09d}"
    check = nhs_check_digit(first_nine)
    if check is None:
        return
    number = list(first_nine + str(check))
    number[position] = str((int(number[position]) + delta) % 10)
    # Modulus 11 with weights 10..2 catches every single-digit error.
    assert not is_valid_nhs_number("".join(number))
