"""Volunteer meetings per locality: formal monthly meetings and informal coffee mornings.

Seed s3.1 and s3.2: volunteers meet each other and Living Well staff; topics are raised
beforehand; notes and follow-up actions with owners close the loop that the coffee-morning
model was found to lack. Medical staff may be invited (recommendation 4: a trial to review).

Every write goes through ``peersupport.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from livingwell.models import Locality
from volunteers.models import Volunteer

from .enums import AttendeeRole, MeetingKind


class VolunteerMeeting(models.Model):
    """One meeting. Change it through ``peersupport.services``."""

    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="volunteer_meetings"
    )
    kind = models.CharField(max_length=32, choices=MeetingKind.choices)
    title = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=300)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_meetings",
    )
    notes = models.TextField(
        blank=True,
        help_text="What was discussed. Shared with everyone who can see the meeting: "
        "no client names or health details.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]
        indexes = [
            # The meetings list (a locality's meetings by date) and the dashboard's
            # attendance figures (a locality's meetings in a period).
            models.Index(fields=["locality", "starts_at"], name="meeting_locality_starts")
        ]

    def __str__(self) -> str:
        return f"{self.display_title}, {timezone.localtime(self.starts_at):%d %b %Y}"

    @property
    def display_title(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class MeetingSignUp(models.Model):
    """A volunteer saying they will come."""

    meeting = models.ForeignKey(VolunteerMeeting, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="meeting_signups"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "volunteer"], name="one_signup_per_meeting")
        ]
        indexes = [
            # A volunteer's calendar feed and "meetings you signed up for".
            models.Index(fields=["volunteer", "meeting"], name="signup_volunteer")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} signed up for {self.meeting}"


class MeetingInvitation(models.Model):
    """A member of staff outside Living Well (a GP, a nurse, a pharmacist) asked to come.

    Recommendation 4: medical staff attending volunteer meetings is a trial to review.
    """

    meeting = models.ForeignKey(
        VolunteerMeeting, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_invitation_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user} invited to {self.meeting}"


class MeetingTopic(models.Model):
    """Something a volunteer (or anyone at the meeting) wants to talk about, raised beforehand."""

    meeting = models.ForeignKey(VolunteerMeeting, on_delete=models.CASCADE, related_name="topics")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class MeetingAttendance(models.Model):
    """Who came, by role. A guest without an account (a GP who dropped in) has a name only."""

    meeting = models.ForeignKey(
        VolunteerMeeting, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_attendance",
    )
    name = models.CharField(max_length=200, blank=True, help_text="For a guest with no account.")
    role = models.CharField(max_length=16, choices=AttendeeRole.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="one_attendance_per_user_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="attendance_names_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.name


class FollowUpAction(models.Model):
    """Something to do after a meeting, with the person who owns it."""

    meeting = models.ForeignKey(VolunteerMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [
            # "Your open actions" on the home page.
            models.Index(
                fields=["owner", "due_on"], condition=Q(done_at__isnull=True), name="action_open"
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_overdue(self) -> bool:
        return (
            self.done_at is None and self.due_on is not None and self.due_on < timezone.localdate()
        )
