"""Organisation (localities and GP practices), accounts, the audit log and notifications.

This is the lowest app: every other app may import it, it imports none of them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .enums import AgendaOrder, AuditAction, CoproductionModel, Role


class Locality(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_localities",
        help_text="Hears of escalations still without an outcome after their owner's reminder.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class LocalityModel(models.Model):
    """A coproduction model a locality runs (or ran), with dates so that a trial can be reviewed."""

    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="models_run")
    model = models.CharField(max_length=32, choices=CoproductionModel.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["locality__name", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "model"],
                condition=Q(ended_on__isnull=True),
                name="one_running_model_per_locality",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="locality_model_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality}: {self.get_model_display()}"


class Practice(models.Model):
    """A GP practice, with its MDT protocol (seed s4.2 point 4)."""

    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="practices")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    # MDT protocol
    volunteers_may_attend_mdt = models.BooleanField(
        "volunteers may attend MDTs",
        default=False,
        help_text="The practice's protocol allows volunteers to attend for their own clients.",
    )
    volunteer_trial_starts_on = models.DateField(null=True, blank=True)
    volunteer_trial_review_on = models.DateField(null=True, blank=True)
    volunteer_trial_notes = models.TextField(blank=True)
    agenda_order = models.CharField(
        max_length=32, choices=AgendaOrder.choices, default=AgendaOrder.VOLUNTEER_ITEMS_FIRST
    )
    confidentiality_protocol = models.TextField(
        blank=True, help_text="The locally agreed confidentiality protocol, shown to attendees."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(volunteer_trial_review_on__isnull=True)
                | Q(volunteer_trial_starts_on__isnull=True)
                | Q(volunteer_trial_review_on__gte=models.F("volunteer_trial_starts_on")),
                name="practice_trial_review_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class User(AbstractUser):
    """A person who signs in. ``role`` is the source; group membership follows it.

    Change a role through ``livingwell.services.user_set_role`` so the groups (and so the
    permissions) stay in step.
    """

    role = models.CharField(max_length=20, choices=Role.choices, db_index=True)
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    practices = models.ManyToManyField(
        Practice,
        blank=True,
        related_name="staff",
        help_text="For MDT chairs and practitioners: the practices whose meetings they sit on.",
    )
    phone = models.CharField(max_length=30, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How a user is named on every page (``str(user)``), from the three columns alone,
        for lists that read rows rather than users."""
        return f"{first_name} {last_name}".strip() or username

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER

    @property
    def is_locality_staff(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.TEAM_LEADER)


class Session(AbstractBaseSession):
    """A browser's session, as Django keeps it (``SESSION_ENGINE``), naming the user signed in
    with it: a user's sessions are found by user (signing them out everywhere), and a request
    reads its session and its user in one statement (``livingwell.security.sessions``). The
    user the session data names is still the one Django trusts; this column follows it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
    )

    class Meta(AbstractBaseSession.Meta):
        pass

    @classmethod
    def get_session_store_class(cls):
        from .security.sessions import SessionStore

        return SessionStore


class AuditEntry(models.Model):
    """Who saw or changed what, when. Written by ``livingwell.audit.audit``; never edited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: the log keeps who did it. On PostgreSQL the table refuses UPDATE and DELETE
    # (migration 0003), so a SET_NULL here could never run; deactivate people instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # The client the entry concerns, when there is one: subject access reads by it.
    client_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"
        indexes = [
            # Subject access and the client page's "who has seen this" read by client.
            models.Index(fields=["client_id", "at"], name="audit_client_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"


class Notification(models.Model):
    """A message to one user: shown in the app, and sent by email by a task."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    send_email = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # A stable key makes a notification idempotent: the same event never notifies twice.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The header's unread count.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # The email sweep.
            models.Index(
                fields=["created_at"],
                condition=Q(send_email=True, emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
