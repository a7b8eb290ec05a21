"""The NHS number: ten digits, the last a modulus 11 check digit."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

_SEPARATORS = re.compile(r"[\s-]+")


def normalise_nhs_number(value: str) -> str:
    """Strip the spaces and hyphens people type ('943 476 5919')."""
    return _SEPARATORS.sub("", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no digit fits (the remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


@deconstructible
class NhsNumberValidator:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""

    def __call__(self, value: str) -> None:
        if not value.isascii() or not value.isdigit():
            raise ValidationError(
                "Enter an NHS number using digits only, like 943 476 5919", code="nhs_digits"
            )
        if len(value) != 10:
            raise ValidationError(
                "An NHS number is 10 digits long; this one has %(n)s",
                code="nhs_length",
                params={"n": len(value)},
            )
        if not is_valid_nhs_number(value):
            raise ValidationError(
                "This is not a valid NHS number: check each digit against the client’s letter "
                "or prescription",
                code="nhs_check_digit",
            )

    def __eq__(self, other):
        return isinstance(other, NhsNumberValidator)


validate_nhs_number = NhsNumberValidator()
