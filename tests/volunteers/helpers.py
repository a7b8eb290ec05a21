"""Helpers shared by the volunteers' and clients' tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.factories import (
    AgreementSignatureFactory,
    ConfidentialityAgreementFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)
from volunteers.models import ConfidentialityAgreement


def current_agreement():
    """The agreement in force (made if there is none)."""
    agreement = ConfidentialityAgreement.objects.current()
    if agreement is None:
        agreement = ConfidentialityAgreementFactory(
            version="2025-1", in_force_from=timezone.localdate() - dt.timedelta(days=200)
        )
    return agreement


def make_ready(volunteer):
    """Give a volunteer current 'medically aware' training and a signature of the current
    agreement, so they may be assigned to clients."""
    TrainingRecordFactory(volunteer=volunteer)
    AgreementSignatureFactory(volunteer=volunteer, agreement=current_agreement())
    return volunteer


def ready_volunteer(locality, **kwargs):
    return make_ready(VolunteerFactory(locality=locality, **kwargs))
