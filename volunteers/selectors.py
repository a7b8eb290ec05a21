"""Reads of volunteers, already scoped to the user asking, and their readiness to visit."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from livingwell.enums import Role

from .enums import REQUIRED_TRAINING, TrainingModule
from .models import AgreementSignature, ConfidentialityAgreement, TrainingRecord, Volunteer


def volunteers_for(user) -> QuerySet[Volunteer]:
    """The volunteers ``user`` may see.

    A coordinator or team leader: their locality's. An admin: everyone. A volunteer: only
    themselves (their own workload). Anyone else: none.
    """
    if not user.is_authenticated or not user.is_active:
        return Volunteer.objects.none()
    if user.role == Role.ADMIN:
        return Volunteer.objects.all()
    if user.role in (Role.COORDINATOR, Role.TEAM_LEADER):
        if user.locality_id is None:
            return Volunteer.objects.none()
        return Volunteer.objects.filter(locality_id=user.locality_id)
    if user.role == Role.VOLUNTEER:
        return Volunteer.objects.filter(user=user)
    return Volunteer.objects.none()


def current_agreement(on: dt.date | None = None) -> ConfidentialityAgreement | None:
    """The confidentiality agreement in force now (or on ``on``)."""
    return ConfidentialityAgreement.objects.current(on)


def _current_training(module: str, on: dt.date):
    return Exists(
        TrainingRecord.objects.filter(
            volunteer=OuterRef("pk"), module=module, completed_on__lte=on
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
    )


def with_readiness(
    qs: QuerySet[Volunteer],
    *,
    on: dt.date | None = None,
    agreement: ConfidentialityAgreement | None | bool = False,
) -> QuerySet[Volunteer]:
    """Annotate each volunteer with ``training_<module>`` for every required module and
    ``has_current_agreement``, in the same query. Pass ``agreement`` when the caller already
    knows the current one (None when there is none) to save its query."""
    on = on or timezone.localdate()
    if agreement is False:
        agreement = current_agreement(on)
    annotations = {f"training_{m}": _current_training(m, on) for m in REQUIRED_TRAINING}
    if agreement is None:
        annotations["has_current_agreement"] = Value(False, output_field=BooleanField())
    else:
        annotations["has_current_agreement"] = Exists(
            AgreementSignature.objects.filter(volunteer=OuterRef("pk"), agreement=agreement)
        )
    return qs.annotate(**annotations)


def missing_requirements(
    volunteer: Volunteer,
    *,
    on: dt.date | None = None,
    agreement: ConfidentialityAgreement | None | bool = False,
) -> list[str]:
    """What stops ``volunteer`` visiting a client now, in plain words (empty: nothing).

    Reads the annotations of ``with_readiness`` when present, otherwise queries.
    """
    on = on or timezone.localdate()
    if agreement is False:
        agreement = current_agreement(on)
    missing = []
    for module in REQUIRED_TRAINING:
        attr = f"training_{module}"
        if hasattr(volunteer, attr):
            current = getattr(volunteer, attr)
        else:
            current = (
                TrainingRecord.objects.filter(
                    volunteer=volunteer, module=module, completed_on__lte=on
                )
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
                .exists()
            )
        if not current:
            missing.append(f"no current ‘{TrainingModule(module).label}’ training")
    if agreement is None:
        missing.append("no confidentiality agreement has been published yet")
    else:
        if hasattr(volunteer, "has_current_agreement"):
            signed = volunteer.has_current_agreement
        else:
            signed = AgreementSignature.objects.filter(
                volunteer=volunteer, agreement=agreement
            ).exists()
        if not signed:
            missing.append(
                f"has not signed the current confidentiality agreement ({agreement.version})"
            )
    return missing


def volunteer_agreement_is_current(volunteer: Volunteer, on: dt.date | None = None) -> bool:
    """Whether ``volunteer`` has signed the confidentiality agreement in force now."""
    agreement = current_agreement(on)
    return (
        agreement is not None
        and AgreementSignature.objects.filter(volunteer=volunteer, agreement=agreement).exists()
    )
