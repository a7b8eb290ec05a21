"""Every write to clients, their needs, their volunteers and their consent.

Each function records an audit entry (``livingwell.audit``) besides the change history that
django-simple-history keeps, so a client's record says who changed what and when.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from livingwell.audit import audit
from livingwell.enums import AuditAction
from livingwell.models import Practice
from volunteers.models import Volunteer
from volunteers.selectors import missing_requirements

from .enums import ConsentAction, ConsentScope
from .models import Assignment, Client, ConsentRecord, Need
from .signals import consent_withdrawn

logger = logging.getLogger(__name__)

VIEW_CLIENT = "clients.view_client"

# The fields of a client a coordinator edits (locality follows the practice).
CLIENT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nhs_number",
    "address",
    "postcode",
    "phone",
    "visit_notes",
    "practice",
    "status",
)


class ClientError(Exception):
    """A change the rules refuse; the message is for the user."""


class AssignmentRefused(ClientError):
    """The volunteer may not be assigned; ``reasons`` says why, in plain words."""

    def __init__(self, volunteer, reasons: list[str]):
        self.volunteer = volunteer
        self.reasons = reasons
        super().__init__(f"{volunteer} cannot be assigned yet: " + "; ".join(reasons) + ".")


@transaction.atomic
def client_create(*, by, request=None, **data) -> Client:
    """Record a new client. The locality is the practice's."""
    unknown = set(data) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"not client fields: {sorted(unknown)}")
    practice: Practice = data["practice"]
    client = Client(locality_id=practice.locality_id, **data)
    client._history_user = by
    client.full_clean()
    client.save()
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=client,
        client_id=client.pk,
        summary=f"Client recorded at {practice.name}",
        request=request,
    )
    return client


@transaction.atomic
def client_update(*, client: Client, by, data: dict, request=None) -> list[str]:
    """Change a client's details; returns the names of the fields that changed (audited
    by name, never by value: the audit log is not a second copy of health data)."""
    unknown = set(data) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"not client fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(client, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(client, name, data[name])
    update_fields = list(changed)
    if "practice" in changed:
        client.locality_id = client.practice.locality_id
        update_fields.append("locality")
    client._history_user = by
    client.full_clean()
    client.save(update_fields=update_fields)
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=client,
        client_id=client.pk,
        summary="Changed " + ", ".join(Client._meta.get_field(n).verbose_name for n in changed),
        request=request,
    )
    return changed


@transaction.atomic
def need_add(*, client: Client, kind: str, description: str, by, request=None) -> Need:
    """Record a need of a client (medical or not)."""
    need = Need(client=client, kind=kind, description=description)
    need._history_user = by
    need.full_clean()
    need.save()
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=need,
        client_id=client.pk,
        summary=f"Need added ({need.get_kind_display()})",
        request=request,
    )
    return need


@transaction.atomic
def need_set_met(*, need: Need, met: bool, by, request=None) -> Need:
    """Mark a need met, or not met again."""
    if need.met == met:
        return need
    need.met = met
    need._history_user = by
    need.save(update_fields=["met"])
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=need,
        client_id=need.client_id,
        summary="Need marked met" if met else "Need marked not met",
        request=request,
    )
    return need


@transaction.atomic
def consent_record(
    *,
    client: Client,
    scope: str,
    action: str,
    method: str,
    privacy_notice_version: str,
    by,
    notes: str = "",
    request=None,
) -> ConsentRecord:
    """Record that a client gave or withdrew consent for one scope. The current consent is
    derived from these records (``clients.consent``); nothing else is updated.

    A withdrawal sends ``clients.signals.consent_withdrawn`` inside this transaction, so the
    apps that depended on the consent (MDT agendas, shared stories) act at once, or not at all.
    """
    record = ConsentRecord(
        client=client,
        scope=scope,
        action=action,
        method=method,
        privacy_notice_version=privacy_notice_version,
        notes=notes,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    record._history_user = by
    record.full_clean()
    record.save()
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=record,
        client_id=client.pk,
        summary=f"Consent {record.get_action_display().lower()}: {ConsentScope(scope).label}",
        request=request,
    )
    if action == ConsentAction.WITHDRAWN:
        consent_withdrawn.send(sender=ConsentRecord, client=client, scope=scope, by=by)
    return record


def assignment_refusal_reasons(*, client: Client, volunteer: Volunteer, on=None) -> list[str]:
    """Why ``volunteer`` may not start visiting ``client`` now, in plain words (empty: may)."""
    reasons = []
    if not volunteer.is_active:
        reasons.append(f"their status is ‘{volunteer.get_status_display().lower()}’")
    if volunteer.locality_id != client.locality_id:
        reasons.append("they volunteer in another locality")
    reasons.extend(missing_requirements(volunteer, on=on))
    return reasons


@transaction.atomic
def assignment_create(
    *,
    client: Client,
    volunteer: Volunteer,
    by,
    started_on: dt.date | None = None,
    request=None,
) -> Assignment:
    """Start a volunteer visiting a client, and let them see the client (guardian's
    ``view_client`` object permission) in the same transaction.

    Refused (``AssignmentRefused``, naming what is missing) for a volunteer without current
    'medically aware' training or without a signature of the current confidentiality
    agreement, one who is not active, or one of another locality.
    """
    started_on = started_on or timezone.localdate()
    # Lock the volunteer row so that two coordinators assigning at once see one another.
    volunteer = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    reasons = assignment_refusal_reasons(client=client, volunteer=volunteer)
    if reasons:
        raise AssignmentRefused(volunteer, reasons)
    if started_on > timezone.localdate():
        raise ClientError("An assignment cannot start in the future.")
    try:
        with transaction.atomic():
            assignment = Assignment(
                client=client, volunteer=volunteer, started_on=started_on, created_by=by
            )
            assignment._history_user = by
            assignment.save()
    except IntegrityError:
        raise ClientError(f"{volunteer} already visits {client}.") from None
    assign_perm(VIEW_CLIENT, volunteer.user, client)
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=assignment,
        client_id=client.pk,
        summary=f"{volunteer} assigned from {started_on:%d %b %Y}",
        request=request,
    )
    return assignment


@transaction.atomic
def assignment_end(
    *,
    assignment: Assignment,
    by,
    ended_on: dt.date | None = None,
    reason: str = "",
    request=None,
) -> Assignment:
    """End an assignment and take away the volunteer's sight of the client in the same
    transaction (unless another open assignment still gives it)."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("volunteer__user", "client")
        .get(pk=assignment.pk)
    )
    if assignment.ended_on is not None:
        raise ClientError("This assignment has already ended.")
    ended_on = ended_on or timezone.localdate()
    if ended_on < assignment.started_on:
        raise ClientError(
            f"The end date must be on or after the start date, {assignment.started_on:%-d %B %Y}."
        )
    if ended_on > timezone.localdate():
        raise ClientError("The end date cannot be in the future.")
    assignment.ended_on = ended_on
    assignment.ended_by = by
    assignment.end_reason = reason
    assignment._history_user = by
    assignment.save(update_fields=["ended_on", "ended_by", "end_reason"])
    still_open = Assignment.objects.filter(
        client_id=assignment.client_id,
        volunteer__user_id=assignment.volunteer.user_id,
        ended_on__isnull=True,
    ).exists()
    if not still_open:
        remove_perm(VIEW_CLIENT, assignment.volunteer.user, assignment.client)
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=assignment,
        client_id=assignment.client_id,
        summary=f"{assignment.volunteer} no longer assigned from {ended_on:%d %b %Y}",
        request=request,
    )
    return assignment


def client_export(*, client: Client, by, request=None) -> dict:
    """Everything held about a client (subject access), and an audit entry saying who took it."""
    from .subject_access import collect

    data = collect(client)
    audit(
        actor=by,
        action=AuditAction.EXPORT,
        obj=client,
        client_id=client.pk,
        summary="Subject access export",
        request=request,
    )
    return data


def retention_cutoff(*, now=None, years: int | None = None) -> dt.datetime:
    """The moment ``years`` (``RETENTION_YEARS``) before ``now``; 29 February becomes the 28th."""
    from django.conf import settings

    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


@transaction.atomic
def client_anonymise(*, client: Client, by=None) -> Client:
    """Blank everything that identifies a client and keep what the evidence counts.

    The row stays (locality, practice, status "anonymised", when recorded, the year of birth
    for age bands), as do its needs' kinds, consent records and assignments, so every figure
    of the dashboard is unchanged. Names, date of birth, NHS number, address, phone and free
    text go, and so does their change history. Sends ``clients.signals.client_anonymised`` so
    higher apps blank their own free text about the client. Audited.
    """
    from .enums import ClientStatus
    from .models import ClientUserObjectPermission
    from .signals import client_anonymised

    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status == ClientStatus.ANONYMISED:
        return client
    client.first_name = "Anonymised"
    client.last_name = f"client {client.pk}"
    client.date_of_birth = client.date_of_birth.replace(month=7, day=1)
    client.nhs_number = client.address = client.postcode = client.phone = ""
    client.visit_notes = ""
    client.status = ClientStatus.ANONYMISED
    client.needs.update(description="")
    client.consents.update(notes="")
    # The change history holds every earlier value: it goes too.
    client.history.all().delete()
    for model in (Need, ConsentRecord, Assignment):
        model.history.filter(client_id=client.pk).delete()
    ClientUserObjectPermission.objects.filter(content_object=client).delete()
    client._history_user = by
    client.save()
    audit(
        actor=by,
        action=AuditAction.ANONYMISE,
        obj=client,
        client_id=client.pk,
        summary="Anonymised after the retention period",
    )
    client_anonymised.send(sender=Client, client=client)
    return client


def clients_anonymise_inactive(*, now=None, years: int | None = None) -> int:
    """Anonymise every client with no contact for ``years`` (``RETENTION_YEARS``); returns
    how many. Each client in its own transaction, checked again under a row lock, so a visit
    recorded meanwhile keeps them, and a run stopped half-way is simply run again."""
    from .selectors import clients_without_contact_since

    cutoff = retention_cutoff(now=now, years=years)
    done = 0
    for pk in list(clients_without_contact_since(cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            client = Client.objects.select_for_update().filter(pk=pk).first()
            if client and clients_without_contact_since(cutoff).filter(pk=pk).exists():
                client_anonymise(client=client)
                done += 1
    logger.info("retention: anonymised %s client(s) with no contact since %s", done, cutoff)
    return done
