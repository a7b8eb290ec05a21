"""Every write to volunteers, their training and their confidentiality agreements."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from livingwell.audit import audit
from livingwell.enums import AuditAction, Role
from livingwell.models import User
from livingwell.services import user_create

from .enums import MdtWish, VolunteerStatus
from .models import AgreementSignature, ConfidentialityAgreement, TrainingRecord, Volunteer
from .signals import agreement_lapsed, mdt_wish_withdrawn

logger = logging.getLogger(__name__)


class VolunteerError(Exception):
    """A change to a volunteer that the rules refuse; the message is for the user."""


# The profile fields a coordinator may change, and the ones a volunteer may change themself.
PROFILE_FIELDS = (
    "phone",
    "address",
    "skills",
    "professional_background",
    "availability",
    "mdt_wish",
    "status",
)
SELF_SERVICE_FIELDS = ("phone", "address", "skills", "availability", "mdt_wish")


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, by, fields: dict) -> list[str]:
    """Change a volunteer's profile; returns the names of the fields that changed.

    A volunteer who still visits clients cannot be marked as left: their assignments end
    first, so that no client is left with a volunteer who is gone.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if (
        fields.get("status") == VolunteerStatus.LEFT
        and volunteer.status != VolunteerStatus.LEFT
        and volunteer.assignments.filter(ended_on__isnull=True).exists()
    ):
        raise VolunteerError(
            f"{volunteer} still visits clients. End their assignments before marking them as left."
        )
    changed = [name for name, value in fields.items() if getattr(volunteer, name) != value]
    no_longer_wishes = (
        "mdt_wish" in changed
        and volunteer.mdt_wish == MdtWish.YES
        and fields["mdt_wish"] != MdtWish.YES
    )
    for name in changed:
        setattr(volunteer, name, fields[name])
    if changed:
        volunteer._history_user = by
        volunteer.save(update_fields=changed)
        if no_longer_wishes:
            # In this transaction: the agendas change with the wish, or neither does.
            mdt_wish_withdrawn.send(sender=Volunteer, volunteer=volunteer)
    return changed


@transaction.atomic
def volunteer_create(
    *,
    by,
    first_name: str,
    last_name: str,
    email: str,
    username: str,
    locality,
    phone: str = "",
    request=None,
) -> Volunteer:
    """Add a volunteer: their account (in the volunteer role, with no password yet) and their
    profile, audited. ``livingwell.tasks.send_invitation_email`` then lets them choose a
    password. Refuses a username already taken (``VolunteerError``)."""
    taken = VolunteerError("That username is taken: choose another")
    if User.objects.filter(username__iexact=username).exists():
        raise taken
    try:
        with transaction.atomic():  # a savepoint: another coordinator may take it meanwhile
            user = user_create(
                username=username,
                role=Role.VOLUNTEER,
                first_name=first_name,
                last_name=last_name,
                email=email,
                locality=locality,
            )
    except IntegrityError as exc:
        raise taken from exc
    volunteer = Volunteer.objects.create(user=user, locality=locality, phone=phone)
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=volunteer,
        summary="volunteer added",
        request=request,
    )
    logger.info("volunteer %s added by user %s", volunteer.pk, by.pk)
    return volunteer


def training_record(
    *,
    volunteer: Volunteer,
    module: str,
    completed_on: dt.date,
    expires_on: dt.date | None = None,
    by,
) -> TrainingRecord:
    """Record a training module a volunteer completed."""
    if expires_on is not None and expires_on <= completed_on:
        raise VolunteerError("The expiry date must be after the date it was completed.")
    if completed_on > timezone.localdate():
        raise VolunteerError("The date it was completed cannot be in the future.")
    return TrainingRecord.objects.create(
        volunteer=volunteer,
        module=module,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by=by,
    )


def agreement_sign(
    *,
    volunteer: Volunteer,
    agreement: ConfidentialityAgreement,
    signed_on: dt.date,
    by,
) -> AgreementSignature:
    """Record that a volunteer signed a version of the confidentiality agreement.

    A version not yet in force may be signed ahead, so the signature is current the day it
    comes into force.
    """
    if signed_on > timezone.localdate():
        raise VolunteerError("The date it was signed cannot be in the future.")
    try:
        with transaction.atomic():
            return AgreementSignature.objects.create(
                volunteer=volunteer, agreement=agreement, signed_on=signed_on, recorded_by=by
            )
    except IntegrityError:
        raise VolunteerError(
            f"{volunteer} has already signed the confidentiality agreement {agreement.version}."
        ) from None


@transaction.atomic
def signature_remove(*, signature: AgreementSignature, by) -> None:
    """Remove a signature recorded in error. If it was of the current agreement, the other
    apps hear that the volunteer's agreement lapsed (``agreement_lapsed``)."""
    current = ConfidentialityAgreement.objects.current()
    volunteer = signature.volunteer
    was_current = current is not None and signature.agreement_id == current.pk
    signature.delete()
    logger.info("signature %s of volunteer %s removed by %s", signature.pk, volunteer.pk, by)
    if was_current:
        agreement_lapsed.send(sender=AgreementSignature, volunteer=volunteer, agreement=current)


@transaction.atomic
def agreement_publish(
    *, version: str, text: str, in_force_from: dt.date, by=None
) -> ConfidentialityAgreement:
    """Publish a new version of the confidentiality agreement. If it is in force already,
    the volunteers whose signature it makes not current are told at once
    (``agreement_bring_into_force``); otherwise the daily sweep does it on the day."""
    agreement = ConfidentialityAgreement.objects.create(
        version=version, text=text, in_force_from=in_force_from
    )
    logger.info("confidentiality agreement %s published by %s", version, by)
    if in_force_from <= timezone.localdate():
        agreement_bring_into_force(agreement=agreement)
    return agreement


@transaction.atomic
def agreement_bring_into_force(*, agreement: ConfidentialityAgreement) -> list[Volunteer]:
    """Send ``agreement_lapsed`` for every volunteer whose signature stopped being current
    when ``agreement`` came into force: those who had signed an earlier version and not this
    one. Runs once per version (a conditional update claims it); returns those volunteers.
    """
    today = timezone.localdate()
    if agreement.in_force_from > today:
        return []
    claimed = ConfidentialityAgreement.objects.filter(
        pk=agreement.pk, lapses_sent_at__isnull=True
    ).update(lapses_sent_at=timezone.now())
    if not claimed:
        return []
    current = ConfidentialityAgreement.objects.current(today)
    if current is None or current.pk != agreement.pk:
        # Already superseded by a newer version in force: that version's lapse covers it.
        return []
    # Everyone who signed an earlier version and not this one. Those whose signature had lapsed
    # already hear it again, which receivers treat as the no-op it is; counting them in is
    # what keeps a missed day of the sweep from leaving anyone out.
    earlier = ConfidentialityAgreement.objects.filter(in_force_from__lte=agreement.in_force_from)
    earlier = earlier.exclude(pk=agreement.pk).exclude(
        in_force_from=agreement.in_force_from, id__gt=agreement.pk
    )
    lapsed = list(
        Volunteer.objects.filter(signatures__agreement__in=earlier)
        .exclude(signatures__agreement=agreement)
        .exclude(status=VolunteerStatus.LEFT)
        .distinct()
        .select_related("user")
    )
    for volunteer in lapsed:
        agreement_lapsed.send(
            sender=ConfidentialityAgreement, volunteer=volunteer, agreement=agreement
        )
    logger.info("agreement %s in force: %d signatures lapsed", agreement.version, len(lapsed))
    return lapsed


def agreements_bring_into_force() -> int:
    """The daily sweep: bring every version that came into force since the last run into
    force (at most one is current; the others are marked done). Returns volunteers told."""
    told = 0
    today = timezone.localdate()
    for agreement in ConfidentialityAgreement.objects.filter(
        lapses_sent_at__isnull=True, in_force_from__lte=today
    ).order_by("in_force_from", "id"):
        told += len(agreement_bring_into_force(agreement=agreement))
    return told
