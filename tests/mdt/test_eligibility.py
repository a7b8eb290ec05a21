"""The four conditions for a volunteer to attend an MDT item, over every combination."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from mdt.eligibility import FAILURE_TEXT, attendance_failures, describe
from mdt.enums import Condition
from volunteers.enums import MdtWish
from volunteers.models import AgreementSignature
from volunteers.services import agreement_publish, agreement_sign

from ..volunteers.helpers import current_agreement
from .cases import mary_fixture, record_consent, withdraw  # noqa: F401

pytestmark = pytest.mark.django_db

ALL = [
    Condition.PRACTICE_ALLOWS,
    Condition.VOLUNTEER_WANTS,
    Condition.AGREEMENT_CURRENT,
    Condition.CLIENT_CONSENTS,
]


@pytest.mark.parametrize(
    "allows,wants,signed,consents", list(itertools.product([True, False], repeat=4))
)
def test_every_combination_names_exactly_the_failing_conditions(
    allows, wants, signed, consents, west_practice, volunteer, mary, coordinator
):
    vera = volunteer.volunteer
    west_practice.volunteers_may_attend_mdt = allows
    west_practice.save()
    vera.mdt_wish = MdtWish.YES if wants else MdtWish.NO
    vera.save()
    if not signed:
        AgreementSignature.objects.filter(volunteer=vera).delete()
    if consents:
        record_consent(mary, by=coordinator)

    failures = attendance_failures(practice=west_practice, volunteer=vera, client=mary)

    expected = [
        condition
        for condition, holds in zip(ALL, [allows, wants, signed, consents], strict=True)
        if not holds
    ]
    assert [f.condition for f in failures] == expected
    assert [str(f) for f in failures] == [FAILURE_TEXT[c] for c in expected]
    if expected:
        sentence = describe(failures)
        assert sentence.startswith("The volunteer cannot attend because ")
        assert all(FAILURE_TEXT[c] in sentence for c in expected)
    else:
        assert describe(failures) == ""


@pytest.mark.parametrize("wish", [MdtWish.MAYBE, MdtWish.NOT_ASKED, MdtWish.NO])
def test_only_a_yes_wish_counts(wish, west_practice, volunteer, mary, coordinator):
    record_consent(mary, by=coordinator)
    vera = volunteer.volunteer
    vera.mdt_wish = wish
    vera.save()
    failures = attendance_failures(practice=west_practice, volunteer=vera, client=mary)
    assert [f.condition for f in failures] == [Condition.VOLUNTEER_WANTS]


def test_consent_withdrawn_then_given_again_passes(west_practice, volunteer, mary, coordinator):
    vera = volunteer.volunteer
    record_consent(mary, by=coordinator)
    withdraw(mary, by=coordinator)
    assert [
        f.condition
        for f in attendance_failures(practice=west_practice, volunteer=vera, client=mary)
    ] == [Condition.CLIENT_CONSENTS]
    record_consent(mary, by=coordinator)
    assert attendance_failures(practice=west_practice, volunteer=vera, client=mary) == []


def test_given_then_withdrawn_fails(west_practice, volunteer, mary, coordinator):
    record_consent(mary, by=coordinator)
    withdraw(mary, by=coordinator)
    failures = attendance_failures(
        practice=west_practice, volunteer=volunteer.volunteer, client=mary
    )
    assert [f.condition for f in failures] == [Condition.CLIENT_CONSENTS]


def test_a_superseded_agreement_fails_until_the_new_one_is_signed(
    west_practice, volunteer, mary, coordinator
):
    record_consent(mary, by=coordinator)
    vera = volunteer.volunteer
    old = current_agreement()
    assert AgreementSignature.objects.filter(volunteer=vera, agreement=old).exists()
    new = agreement_publish(
        version="2026-1", text="Revised.", in_force_from=timezone.localdate(), by=coordinator
    )
    failures = attendance_failures(practice=west_practice, volunteer=vera, client=mary)
    assert [f.condition for f in failures] == [Condition.AGREEMENT_CURRENT]

    agreement_sign(volunteer=vera, agreement=new, signed_on=timezone.localdate(), by=coordinator)
    assert attendance_failures(practice=west_practice, volunteer=vera, client=mary) == []


def test_a_version_signed_ahead_counts_from_the_day_it_comes_into_force(
    west_practice, volunteer, mary, coordinator
):
    record_consent(mary, by=coordinator)
    vera = volunteer.volunteer
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = agreement_publish(version="2026-2", text="Next.", in_force_from=tomorrow)
    # Not signed: fine today (the old one is current), fails tomorrow.
    assert attendance_failures(practice=west_practice, volunteer=vera, client=mary) == []
    assert [
        f.condition
        for f in attendance_failures(
            practice=west_practice, volunteer=vera, client=mary, on=tomorrow
        )
    ] == [Condition.AGREEMENT_CURRENT]
    agreement_sign(volunteer=vera, agreement=later, signed_on=timezone.localdate(), by=None)
    assert (
        attendance_failures(practice=west_practice, volunteer=vera, client=mary, on=tomorrow) == []
    )


def test_no_volunteer_fails_their_two_conditions(west_practice, mary, coordinator):
    record_consent(mary, by=coordinator)
    failures = attendance_failures(practice=west_practice, volunteer=None, client=mary)
    assert [f.condition for f in failures] == [
        Condition.VOLUNTEER_WANTS,
        Condition.AGREEMENT_CURRENT,
    ]


def test_another_scope_of_consent_is_not_enough(west_practice, volunteer, mary, coordinator):
    from clients.enums import ConsentScope

    for scope in (ConsentScope.SHARE_WITH_PARTNERS, ConsentScope.ANONYMISED_STORY):
        record_consent(mary, by=coordinator, scope=scope)
    failures = attendance_failures(
        practice=west_practice, volunteer=volunteer.volunteer, client=mary
    )
    assert [f.condition for f in failures] == [Condition.CLIENT_CONSENTS]
