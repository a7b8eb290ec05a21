"""Clients, their needs, their volunteers and their consent.

Current consent is derived from ``ConsentRecord`` rows (the latest per scope wins) by
``clients.consent``; it is never stored twice. Every write goes through ``clients.services``,
which keeps the audit log and the object permissions in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from livingwell.choices import ChoiceLabels
from livingwell.models import Locality, Practice
from volunteers.models import Volunteer

from .enums import ClientStatus, ConsentAction, ConsentMethod, ConsentScope, NeedKind
from .validators import validate_nhs_number


class Client(ChoiceLabels, models.Model):
    """An older person Living Well visits. Created and changed through
    ``clients.services.client_create`` and ``client_update`` (audited)."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    visit_notes = models.TextField(
        "things that help a visit",
        blank=True,
        help_text="How to get in, the best times, what they enjoy talking about.",
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    # Indexed by client_locality_status below (its first column), not an index of its own.
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="clients", db_index=False
    )
    status = models.CharField(
        max_length=16, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # The coordinator's client list: a locality's clients by name. With the status in
            # the index, the list's count of a locality's active clients reads the index alone
            # (4-8 ms -> under 1 at 1M, where it read a heap page for every few clients).
            models.Index(
                fields=["locality", "last_name", "first_name"],
                include=["status"],
                name="client_locality_name",
            ),
            # Counting a locality's clients of a status (the client list counts the active
            # ones on every page): an index-only scan of the narrowest entries, 1.6 to 0.9 ms
            # for a locality's 5,000 at 1M. Also the locality's own index.
            models.Index(fields=["locality", "status"], name="client_locality_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~Q(nhs_number=""),
                name="unique_nhs_number",
                violation_error_message="A client with this NHS number is already recorded.",
            )
        ]
        permissions = [("export_client", "Can export everything held about a client")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Need(models.Model):
    """Something the client needs, medical or not (seed s4.2 point 2). Changed through
    ``clients.services`` (audited)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(max_length=16, choices=NeedKind.choices)
    description = models.CharField(max_length=300)
    met = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.description


class Assignment(models.Model):
    """A volunteer visiting a client, from ``started_on`` until ``ended_on`` (open while null).

    Created and ended through ``clients.services`` so the object permissions follow.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="assignments")
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "volunteer"],
                condition=Q(ended_on__isnull=True),
                name="one_open_assignment_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            # "My clients": a volunteer's open assignments.
            models.Index(
                fields=["volunteer"], condition=Q(ended_on__isnull=True), name="assignment_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} visits {self.client}"


class ConsentRecord(models.Model):
    """One act of giving or withdrawing consent for one scope. Never edited: add another."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    action = models.CharField(max_length=16, choices=ConsentAction.choices)
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    privacy_notice_version = models.CharField(max_length=20)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # Current consent: the latest record per (client, scope).
            models.Index(fields=["client", "scope", "recorded_at"], name="consent_latest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=ConsentScope.values), name="consent_scope_known"
            ),
            models.CheckConstraint(
                condition=Q(action__in=ConsentAction.values), name="consent_action_known"
            ),
            models.CheckConstraint(
                condition=Q(method__in=ConsentMethod.values), name="consent_method_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_scope_display()} {self.get_action_display()}"


# Direct foreign-key object permissions (guardian), granted and revoked with assignments.
class ClientUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class ClientGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)
