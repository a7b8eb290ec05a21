import datetime as dt

import pytest
from django.utils import timezone

from clients.services import assignment_create
from tests.factories import (
    AgreementSignatureFactory,
    ClientFactory,
    ConfidentialityAgreementFactory,
    VolunteerFactory,
)
from tests.volunteers.helpers import ready_volunteer
from volunteers.enums import VolunteerStatus
from volunteers.models import ConfidentialityAgreement
from volunteers.selectors import missing_requirements, volunteer_agreement_is_current
from volunteers.services import (
    VolunteerError,
    agreement_publish,
    agreement_sign,
    agreements_bring_into_force,
    signature_remove,
    training_record,
    volunteer_update,
)
from volunteers.signals import agreement_lapsed
from volunteers.tasks import sweep_agreements_in_force

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapses():
    heard = []

    def receiver(sender, volunteer, agreement, **kwargs):
        heard.append((volunteer.pk, agreement.version))

    agreement_lapsed.connect(receiver)
    yield heard
    agreement_lapsed.disconnect(receiver)


def test_new_version_in_force_lapses_older_signatures(west, lapses):
    today = timezone.localdate()
    v1 = ConfidentialityAgreementFactory(version="v1", in_force_from=today - dt.timedelta(days=90))
    signed_v1 = VolunteerFactory(locality=west)
    signed_ahead = VolunteerFactory(locality=west)
    never_signed = VolunteerFactory(locality=west)
    left = VolunteerFactory(locality=west, status=VolunteerStatus.LEFT)
    for v in (signed_v1, signed_ahead, left):
        AgreementSignatureFactory(volunteer=v, agreement=v1)
    assert volunteer_agreement_is_current(signed_v1)

    v2 = agreement_publish(
        version="v2", text="New wording", in_force_from=today + dt.timedelta(days=7)
    )
    AgreementSignatureFactory(volunteer=signed_ahead, agreement=v2)
    assert lapses == []  # not in force yet: nothing lapses
    assert volunteer_agreement_is_current(signed_v1)

    v2.in_force_from = today
    v2.save()
    assert sweep_agreements_in_force() == 1
    assert lapses == [(signed_v1.pk, "v2")]
    assert not volunteer_agreement_is_current(signed_v1)
    assert volunteer_agreement_is_current(signed_ahead)
    assert not volunteer_agreement_is_current(never_signed)
    assert missing_requirements(signed_v1)[-1] == (
        "has not signed the current confidentiality agreement (v2)"
    )
    # Once per version, however often the sweep runs.
    assert sweep_agreements_in_force() == 0
    assert lapses == [(signed_v1.pk, "v2")]


def test_publishing_a_version_in_force_today_lapses_at_once(west, lapses):
    v1 = ConfidentialityAgreementFactory(version="v1", in_force_from=dt.date(2025, 1, 1))
    volunteer = VolunteerFactory(locality=west)
    AgreementSignatureFactory(volunteer=volunteer, agreement=v1)
    v2 = agreement_publish(version="v2", text="New", in_force_from=timezone.localdate())
    assert lapses == [(volunteer.pk, "v2")]
    v2.refresh_from_db()
    assert v2.lapses_sent_at is not None


def test_sweep_after_missed_days_tells_everyone_once(west, lapses):
    today = timezone.localdate()
    v1 = ConfidentialityAgreementFactory(version="v1", in_force_from=dt.date(2024, 1, 1))
    on_v1 = VolunteerFactory(locality=west)
    AgreementSignatureFactory(volunteer=on_v1, agreement=v1)
    # Two versions came into force while the sweep did not run.
    ConfidentialityAgreement.objects.create(
        version="v2", text="x", in_force_from=today - dt.timedelta(days=3)
    )
    ConfidentialityAgreement.objects.create(
        version="v3", text="y", in_force_from=today - dt.timedelta(days=1)
    )
    assert agreements_bring_into_force() == 1
    assert lapses == [(on_v1.pk, "v3")]
    assert not ConfidentialityAgreement.objects.filter(lapses_sent_at__isnull=True).exists()


def test_publishing_an_older_version_lapses_nothing(west, lapses):
    current = ConfidentialityAgreementFactory(version="v2", in_force_from=dt.date(2025, 6, 1))
    volunteer = VolunteerFactory(locality=west)
    AgreementSignatureFactory(volunteer=volunteer, agreement=current)
    agreement_publish(version="v1-backfill", text="old", in_force_from=dt.date(2024, 1, 1))
    assert lapses == []
    assert volunteer_agreement_is_current(volunteer)


def test_removing_current_signature_lapses_it(west, lapses, coordinator):
    volunteer = ready_volunteer(west)
    signature = volunteer.signatures.get()
    signature_remove(signature=signature, by=coordinator)
    assert lapses == [(volunteer.pk, signature.agreement.version)]
    assert not volunteer_agreement_is_current(volunteer)


def test_removing_an_old_signature_lapses_nothing(west, lapses, coordinator):
    volunteer = ready_volunteer(west)
    old = ConfidentialityAgreementFactory(version="old", in_force_from=dt.date(2020, 1, 1))
    signature = AgreementSignatureFactory(volunteer=volunteer, agreement=old)
    signature_remove(signature=signature, by=coordinator)
    assert lapses == []


def test_signing_twice_is_refused(west, coordinator):
    volunteer = ready_volunteer(west)
    agreement = volunteer.signatures.get().agreement
    with pytest.raises(
        VolunteerError, match="has already signed the confidentiality agreement 2025-1"
    ):
        agreement_sign(
            volunteer=volunteer, agreement=agreement, signed_on=timezone.localdate(), by=coordinator
        )


def test_training_record_rules(west, coordinator):
    volunteer = VolunteerFactory(locality=west)
    today = timezone.localdate()
    with pytest.raises(VolunteerError, match="expiry date must be after"):
        training_record(
            volunteer=volunteer,
            module="medically_aware",
            completed_on=today,
            expires_on=today,
            by=coordinator,
        )
    with pytest.raises(VolunteerError, match="cannot be in the future"):
        training_record(
            volunteer=volunteer,
            module="medically_aware",
            completed_on=today + dt.timedelta(days=1),
            by=coordinator,
        )
    record = training_record(
        volunteer=volunteer, module="medically_aware", completed_on=today, by=coordinator
    )
    assert record.is_current() and record.recorded_by == coordinator


def test_volunteer_who_still_visits_cannot_be_marked_left(west, west_practice, coordinator):
    volunteer = ready_volunteer(west)
    assignment_create(
        client=ClientFactory(practice=west_practice), volunteer=volunteer, by=coordinator
    )
    with pytest.raises(VolunteerError, match="End their assignments before marking them as left"):
        volunteer_update(
            volunteer=volunteer, by=coordinator, fields={"status": VolunteerStatus.LEFT}
        )
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE
    assert volunteer_update(volunteer=volunteer, by=coordinator, fields={"status": "paused"}) == [
        "status"
    ]
    assert volunteer.history.first().history_user == coordinator
