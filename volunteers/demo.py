"""Demo volunteers: profiles for the demo's volunteer users, a current confidentiality
agreement, training and signatures. Part of ``manage.py seed_demo``; running it again changes
nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from livingwell.enums import Role
from livingwell.models import Locality, User
from livingwell.services import user_create

from .enums import MdtWish, TrainingModule
from .models import AgreementSignature, ConfidentialityAgreement, TrainingRecord, Volunteer
from .services import agreement_publish

AGREEMENT_TEXT = (
    "I will keep what I learn about the people I visit to myself. I share it only with the "
    "Living Well coordinator or team leader, or at an MDT meeting I have been invited to for my "
    "own client. I will leave an MDT meeting before other people's cases are discussed. I will "
    "not write down or photograph anything about a client outside the Living Well app."
)

# (username, phone, skills, background, availability, MDT wish, ready to visit)
PROFILES = [
    (
        "volunteer",
        "07700 900101",
        "Gardening, crosswords, driving",
        "Retired district nurse",
        "Weekday mornings",
        MdtWish.YES,
        True,
    ),
    (
        "volunteer2",
        "07700 900102",
        "Knitting, local history",
        "",
        "Tuesday and Thursday afternoons",
        MdtWish.MAYBE,
        True,
    ),
    (
        "volunteer.central",
        "07700 900103",
        "Cooking, chess",
        "Retired teacher",
        "Weekends",
        MdtWish.NO,
        True,
    ),
    # Not ready yet: shows a coordinator what is missing before she can visit anyone.
    ("volunteer.new", "07700 900104", "Walking, music", "", "Any day", MdtWish.NOT_ASKED, False),
]


def seed(stdout) -> None:
    today = timezone.localdate()
    agreement = ConfidentialityAgreement.objects.filter(version="2025-1").first()
    if agreement is None:
        agreement = agreement_publish(
            version="2025-1", text=AGREEMENT_TEXT, in_force_from=dt.date(2025, 4, 1)
        )
    coordinator = User.objects.filter(username="coordinator").first()
    if not User.objects.filter(username="volunteer.new").exists():
        user_create(
            username="volunteer.new",
            role=Role.VOLUNTEER,
            first_name="Kerensa",
            last_name="Nance",
            email="volunteer.new@livingwell.example",
            locality=Locality.objects.get(slug="west-cornwall"),
        )
    made = 0
    for username, phone, skills, background, availability, wish, ready in PROFILES:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        volunteer, created = Volunteer.objects.get_or_create(
            user=user,
            defaults={
                "locality": user.locality,
                "phone": phone,
                "skills": skills,
                "professional_background": background,
                "availability": availability,
                "mdt_wish": wish,
                "joined_on": dt.date(2025, 5, 1),
            },
        )
        made += created
        if not ready:
            continue
        if not TrainingRecord.objects.filter(volunteer=volunteer).exists():
            TrainingRecord.objects.create(
                volunteer=volunteer,
                module=TrainingModule.MEDICALLY_AWARE,
                completed_on=today - dt.timedelta(days=120),
                expires_on=today + dt.timedelta(days=610),
                recorded_by=coordinator,
            )
            TrainingRecord.objects.create(
                volunteer=volunteer,
                module=TrainingModule.SAFEGUARDING,
                completed_on=today - dt.timedelta(days=100),
                expires_on=today + dt.timedelta(days=630),
                recorded_by=coordinator,
            )
        AgreementSignature.objects.get_or_create(
            volunteer=volunteer,
            agreement=agreement,
            defaults={"signed_on": dt.date(2025, 5, 1), "recorded_by": coordinator},
        )
    stdout.write(f"Volunteers: {made} new profiles, agreement {agreement.version} current.")
