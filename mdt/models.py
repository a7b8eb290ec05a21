"""MDT meetings per practice, their members, consented agendas and action plans.

Changed through ``mdt.services``; read through ``mdt.selectors`` (scoped to the user).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Client
from escalations.models import Escalation
from livingwell.choices import ChoiceLabels
from livingwell.models import Practice
from volunteers.models import Volunteer

from .enums import CORE_MEMBER_ROLES, MeetingState, MemberRole


class StandingMember(models.Model):
    """Someone who sits on every MDT of a practice; copied onto each new meeting."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="mdt_standing")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mdt_standing",
        help_text="Their Living Well account, if they have one (then they can read the agenda).",
    )
    name = models.CharField(max_length=200)
    member_role = models.CharField("role", max_length=32, choices=MemberRole.choices)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["practice", "member_role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "user"],
                condition=Q(user__isnull=False),
                name="standing_member_once_per_practice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_member_role_display()}), {self.practice}"

    @property
    def is_core(self) -> bool:
        return self.member_role in CORE_MEMBER_ROLES


class Meeting(ChoiceLabels, models.Model):
    """One MDT meeting of a practice."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="mdt_meetings")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_mdts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    volunteers_leave_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the volunteers' part ends and they leave. Blank: worked out at publish.",
    )
    place = models.CharField(max_length=200, blank=True)
    call_link = models.URLField(blank=True)
    notes = models.TextField(blank=True, help_text="For members: anything about the meeting.")
    state = models.CharField(
        max_length=16, choices=MeetingState.choices, default=MeetingState.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="mdt_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(volunteers_leave_at__isnull=True)
                | (
                    Q(volunteers_leave_at__gte=models.F("starts_at"))
                    & Q(volunteers_leave_at__lte=models.F("ends_at"))
                ),
                name="mdt_volunteers_leave_during_meeting",
            ),
        ]
        indexes = [models.Index(fields=["practice", "starts_at"], name="mdt_practice_start")]

    def __str__(self) -> str:
        when = timezone.localtime(self.starts_at)
        return f"MDT of {self.practice} on {when:%-d %b %Y %H:%M}"

    @property
    def is_editable(self) -> bool:
        return self.state != MeetingState.HELD


class MeetingMember(ChoiceLabels, models.Model):
    """Who sits on one meeting, by their MDT role."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mdt_memberships",
    )
    name = models.CharField(max_length=200)
    member_role = models.CharField("role", max_length=32, choices=MemberRole.choices)
    email = models.EmailField(blank=True)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "member_role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="meeting_member_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_member_role_display()})"

    @property
    def is_core(self) -> bool:
        return self.member_role in CORE_MEMBER_ROLES


class AgendaItem(models.Model):
    """A case put forward from an escalation, on one meeting's agenda.

    ``volunteer`` is set only while all four conditions hold (``mdt.eligibility``): it is the
    volunteer who attends for this item and sees it, and nothing else of the agenda.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="mdt_items")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="mdt_items")
    volunteer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mdt_items",
        help_text="The volunteer attending for this item.",
    )
    position = models.PositiveIntegerField(default=0)
    reason = models.TextField(
        "why it is discussed", blank=True, help_text="For members; never shown to volunteers."
    )
    volunteer_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the volunteer is not attending, or was taken off (for the chair).",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # What the meeting decided (the anticipatory care and action plan).
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mdt_key_worker_items",
    )
    key_worker_name = models.CharField(
        max_length=200, blank=True, help_text="If the key worker has no Living Well account."
    )
    care_plan = models.TextField("anticipatory care plan", blank=True)
    decisions = models.TextField(blank=True)
    plan_updated_at = models.DateTimeField(null=True, blank=True)
    plan_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "escalation"], name="agenda_item_once")
        ]
        indexes = [models.Index(fields=["volunteer", "meeting"], name="agenda_item_volunteer")]

    def __str__(self) -> str:
        return f"Item {self.position} of {self.meeting}"

    @property
    def key_worker_display(self) -> str:
        return str(self.key_worker) if self.key_worker_id else self.key_worker_name


class PlanAction(models.Model):
    """One action of an item's plan, with its owner and due date."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mdt_actions",
    )
    owner_name = models.CharField(
        max_length=200, blank=True, help_text="If the owner has no Living Well account."
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(owner_name=""), name="plan_action_has_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.description[:60]} (due {self.due_on:%-d %b %Y})"

    @property
    def owner_display(self) -> str:
        return str(self.owner) if self.owner_id else self.owner_name
