"""Volunteers: profile, training, confidentiality agreements.

A volunteer's workload (clients, practices, meetings, MDTs) is derived from the other apps'
rows through reverse relations, never stored here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from livingwell.choices import ChoiceLabels
from livingwell.models import Locality

from .enums import MdtWish, TrainingModule, VolunteerStatus


class Volunteer(ChoiceLabels, models.Model):
    """A volunteer's profile. Changed through ``volunteers.services``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="volunteers")
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True)
    skills = models.TextField(blank=True)
    professional_background = models.TextField(
        blank=True,
        help_text=(
            "Earlier work, for example nursing. In Living Well a former nurse volunteers as a "
            "volunteer: medically aware, not acting medically."
        ),
    )
    availability = models.TextField(blank=True, help_text="When they can visit, in their words.")
    mdt_wish = models.CharField(
        "wishes to attend MDTs",
        max_length=16,
        choices=MdtWish.choices,
        default=MdtWish.NOT_ASKED,
        help_text="Asked, never assumed.",
    )
    status = models.CharField(
        max_length=16, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    joined_on = models.DateField(default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__first_name", "user__last_name"]
        indexes = [models.Index(fields=["locality", "status"], name="volunteer_locality_status")]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return self.status == VolunteerStatus.ACTIVE


class TrainingRecord(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training")
    module = models.CharField(max_length=32, choices=TrainingModule.choices)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on"]
        indexes = [
            # Readiness to visit: is there a current record of module X for this volunteer?
            models.Index(fields=["volunteer", "module", "expires_on"], name="training_current")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_module_display()} ({self.completed_on})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.completed_on <= on and (self.expires_on is None or self.expires_on > on)


class AgreementQuerySet(models.QuerySet):
    def in_force(self, on=None):
        return self.filter(in_force_from__lte=on or timezone.localdate())

    def current(self, on=None):
        """The version in force on ``on`` (default today): the newest one, or None."""
        return self.in_force(on).order_by("-in_force_from", "-id").first()


class ConfidentialityAgreement(models.Model):
    """A version of the volunteers' confidentiality agreement. The newest in force is current;
    a signature of any other version is not current. Published through
    ``volunteers.services.agreement_publish``, which tells the other apps whose signature lapsed.
    """

    version = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    in_force_from = models.DateField()
    # Set once the volunteers whose signature this version made not current have been told
    # (``agreement_lapsed``); a version in force with this unset is picked up by the daily sweep.
    lapses_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-in_force_from", "-id"]

    def __str__(self) -> str:
        return f"Confidentiality agreement {self.version}"


class AgreementSignature(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signatures")
    agreement = models.ForeignKey(
        ConfidentialityAgreement, on_delete=models.PROTECT, related_name="signatures"
    )
    signed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-signed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "agreement"], name="one_signature_per_agreement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} signed {self.agreement.version} on {self.signed_on}"
