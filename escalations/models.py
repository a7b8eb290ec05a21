"""Observations, their escalations and everything that happens to them.

State changes go through ``escalations.services``: the transitions table, the history events,
the notifications and the enqueueing of routing all live there.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Client
from livingwell.choices import ChoiceLabels
from livingwell.models import Locality, Practice
from volunteers.models import Volunteer

from .enums import (
    Action,
    EscalationState,
    ObservationKind,
    ReferralChannel,
    ResponseKind,
    RoutingStatus,
    StoryState,
    TriageRole,
    Urgency,
)


class Service(models.Model):
    """An entry of the service directory: who to call for what (seed s3.2)."""

    name = models.CharField(max_length=200)
    is_medical = models.BooleanField(default=False)
    kinds = models.JSONField(
        default=list, blank=True, help_text="Observation kinds this service handles."
    )
    localities = models.ManyToManyField(Locality, related_name="services", blank=True)
    contact_name = models.CharField("who to call", max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    organisation = models.CharField("practice or organisation", max_length=200, blank=True)
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    helps_with = models.TextField("what they can help with", blank=True)
    hours = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UrgencyPolicy(models.Model):
    """How long each urgency has before its escalation is due (configurable in the admin)."""

    urgency = models.CharField(max_length=16, choices=Urgency.choices, unique=True)
    due_within = models.DurationField()

    class Meta:
        verbose_name_plural = "urgency policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(due_within__gt=timedelta(0)), name="urgency_policy_due_within_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()}: {self.due_within}"


class RoutingRule(models.Model):
    """Kind, locality and urgency (blank = any) -> service and triage owner.

    The most specific matching rule wins, then the lowest ``priority``. A rule with no
    conditions is the fallback, so nothing is left unrouted.
    """

    kind = models.CharField(max_length=32, choices=ObservationKind.choices, blank=True)
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    urgency = models.CharField(max_length=16, choices=Urgency.choices, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="routing_rules"
    )
    triage_role = models.CharField(
        max_length=32, choices=TriageRole.choices, default=TriageRole.COORDINATOR
    )
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        parts = [
            self.get_kind_display() if self.kind else "any kind",
            str(self.locality) if self.locality_id else "any locality",
            self.get_urgency_display() if self.urgency else "any urgency",
        ]
        return " / ".join(parts) + f" -> {self.service or 'no service'} ({self.triage_role})"

    def clean(self):
        if (
            self.service_id
            and self.locality_id
            and not self.service.localities.filter(pk=self.locality_id).exists()
        ):
            raise ValidationError({"service": f"{self.service} does not cover {self.locality}."})


class OnCallShift(models.Model):
    """A team leader on duty for a locality (seed s4.1, team-leader coordination)."""

    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="on_call_shifts")
    team_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["locality", "starts_at", "ends_at"], name="shift_window")]

    def __str__(self) -> str:
        return f"{self.team_leader} on call for {self.locality} from {self.starts_at:%d %b %H:%M}"


class Observation(ChoiceLabels, models.Model):
    """What a volunteer noticed. Saved at once; its escalation is routed after the commit."""

    # Both indexed by the composite indexes below, which lead with them.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    by_phone = models.BooleanField(
        "logged from a phone call",
        default=False,
        help_text="Logged by a team leader on the volunteer's behalf.",
    )
    kind = models.CharField(max_length=32, choices=ObservationKind.choices)
    urgency = models.CharField(max_length=16, choices=Urgency.choices)
    noticed = models.TextField("what they noticed")
    client_wants = models.TextField("what the client wants", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The form's one-time token: a double submit creates one observation.
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "My observations": a volunteer's, newest first.
            models.Index(fields=["volunteer", "-created_at"], name="observation_volunteer"),
            # A client's page: their latest, however long their history.
            models.Index(fields=["client", "-created_at"], name="observation_client"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client} ({self.created_at:%d %b %Y})"


class Escalation(ChoiceLabels, models.Model):
    """The work that follows one observation. See ``escalations.services`` for transitions."""

    observation = models.OneToOneField(
        Observation, on_delete=models.PROTECT, related_name="escalation"
    )
    # Copied from the observation and client so the triage queue is one indexed table scan.
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(max_length=32, choices=ObservationKind.choices)
    urgency = models.CharField(max_length=16, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField(help_text="0 urgent, 1 worried, 2 keep an eye")
    created_at = models.DateTimeField(default=timezone.now)

    state = models.CharField(
        max_length=16, choices=EscalationState.choices, default=EscalationState.NEW
    )
    version = models.PositiveIntegerField(default=0, help_text="Bumped by every transition.")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_escalations",
    )
    due_at = models.DateTimeField(null=True, blank=True)

    routing_status = models.CharField(
        max_length=16, choices=RoutingStatus.choices, default=RoutingStatus.PENDING
    )
    routing_attempts = models.PositiveIntegerField(default=0)
    routing_claimed_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    routing_error = models.TextField(blank=True)

    triaged_at = models.DateTimeField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    put_to_mdt_at = models.DateTimeField(null=True, blank=True)
    owner_reminded_at = models.DateTimeField(null=True, blank=True)
    lead_reminded_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the task that texts the on-call team leader about an urgent escalation.
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["urgency_rank", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gt=models.F("created_at")),
                name="escalation_due_after_creation",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="closed_escalation_has_closed_at",
            ),
        ]
        indexes = [
            # The triage queue: a locality's open escalations, urgent and oldest first. The
            # included columns answer the queue's counts and its filters' counts from the index
            # alone (PostgreSQL's index-only scan), without reading each open row.
            models.Index(
                fields=["locality", "urgency_rank", "created_at"],
                include=["kind", "urgency", "due_at", "routing_status", "owner"],
                condition=~Q(state="closed"),
                name="escalation_queue",
            ),
            # The routing sweep: pending or stale claims.
            models.Index(
                fields=["routing_status", "created_at"],
                condition=~Q(routing_status="done"),
                name="escalation_unrouted",
            ),
            # The overdue reminders.
            models.Index(fields=["due_at"], condition=~Q(state="closed"), name="escalation_due"),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk}: {self.get_kind_display()} ({self.get_state_display()})"

    @property
    def is_overdue(self) -> bool:
        return (
            self.state != EscalationState.CLOSED
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class EscalationEvent(ChoiceLabels, models.Model):
    """One step in an escalation's history: who did what, when."""

    # Indexed by event_escalation_at, which leads with it.
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    summary = models.TextField(help_text="For staff.")
    volunteer_summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="The same step in words for the volunteer; blank hides it.",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["escalation", "at"], name="event_escalation_at")]

    def __str__(self) -> str:
        return f"{self.at:%d %b %H:%M} {self.action}"


class Referral(ChoiceLabels, models.Model):
    """What was sent to a service from the directory, when, and by which channel."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    channel = models.CharField(max_length=16, choices=ReferralChannel.choices)
    what_was_shared = models.TextField()
    without_consent_reason = models.TextField(
        blank=True,
        help_text="Why it was shared although the client has not consented to sharing.",
    )
    sent_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Referral to {self.service} ({self.sent_at:%d %b %Y})"


class QuestionMessage(models.Model):
    """The thread between staff and the volunteer who raised an escalation."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.author} at {self.at:%d %b %H:%M}"


class Outcome(models.Model):
    """What came of an escalation; required to close it."""

    escalation = models.OneToOneField(Escalation, on_delete=models.CASCADE, related_name="outcome")
    summary = models.TextField("what happened (for staff)")
    message_for_volunteer = models.TextField(
        help_text="Plain words, with no more health detail than the volunteer needs."
    )
    went_well = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Set by the task that tells the volunteer (claimed once), and when they first read it:
    # the evidence dashboard's "outcomes fed back".
    volunteer_notified_at = models.DateTimeField(null=True, blank=True)
    volunteer_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The evidence figures: outcomes by when they were recorded.
            models.Index(fields=["recorded_at"], name="outcome_recorded_at")
        ]

    def __str__(self) -> str:
        return f"Outcome of escalation {self.escalation_id}"


class OutcomeResponse(models.Model):
    """A volunteer's thanks or follow-up question on an outcome, and staff replies."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ResponseKind.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ResponseKind.THANKS) | ~Q(text=""),
                name="outcome_response_question_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on escalation {self.outcome.escalation_id}"


class Story(ChoiceLabels, models.Model):
    """An anonymised success story, shared with every volunteer of the locality.

    Written only where the client consents to an anonymised story; published only when the
    identifying-details check passes; unpublished at once when that consent is withdrawn.
    Changes go through ``escalations.services`` (``story_save``, ``story_publish``,
    ``story_unpublish``).
    """

    escalation = models.OneToOneField(Escalation, on_delete=models.CASCADE, related_name="story")
    # Copied from the escalation: the stories page reads one locality's published stories.
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="stories")
    title = models.CharField(max_length=120)
    body = models.TextField()
    state = models.CharField(max_length=16, choices=StoryState.choices, default=StoryState.DRAFT)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)
    unpublished_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name_plural = "stories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=StoryState.PUBLISHED) | Q(published_at__isnull=False),
                name="published_story_has_published_at",
            )
        ]
        indexes = [
            # The stories page: a locality's published stories, newest first.
            models.Index(
                fields=["locality", "-published_at"],
                condition=Q(state=StoryState.PUBLISHED),
                name="story_published",
            )
        ]

    def __str__(self) -> str:
        return self.title
