"""Demo data for the organisation and one user per role. See ``manage.py seed_demo``."""

from __future__ import annotations

from datetime import date

from .enums import CoproductionModel, Role
from .models import Locality, LocalityModel, Practice, User
from .services import user_create

DEMO_PASSWORD = "living-well-demo"  # noqa: S105 - printed for the demo, documented in README

LOCALITIES = [
    (
        "West Cornwall",
        "west-cornwall",
        [CoproductionModel.FORMAL_MEETING, CoproductionModel.VOLUNTEERS_IN_MDT],
    ),
    (
        "Central Cornwall",
        "central-cornwall",
        [CoproductionModel.COFFEE_MORNING, CoproductionModel.TEAM_LEADER],
    ),
    ("East Cornwall", "east-cornwall", [CoproductionModel.COFFEE_MORNING]),
]

PRACTICES = [
    ("Penwith Surgery", "L82001", "west-cornwall", True),
    ("Mount's Bay Practice", "L82002", "west-cornwall", False),
    ("Truro Health Park", "L82010", "central-cornwall", True),
    ("St Austell Medical Group", "L82011", "central-cornwall", False),
    ("Liskeard Medical Centre", "L82020", "east-cornwall", False),
]

# (username, first, last, role, locality slug, practice codes)
USERS = [
    ("volunteer", "Vera", "Penrose", Role.VOLUNTEER, "west-cornwall", []),
    ("coordinator", "Colin", "Tregear", Role.COORDINATOR, "west-cornwall", []),
    ("teamleader", "Tessa", "Rowe", Role.TEAM_LEADER, "west-cornwall", []),
    ("chair", "Asha", "Chaudhry", Role.MDT_CHAIR, "west-cornwall", ["L82001"]),
    ("practitioner", "Pat", "Jago", Role.PRACTITIONER, "west-cornwall", ["L82001"]),
    ("admin", "Ada", "Moyle", Role.ADMIN, None, []),
    # Same roles elsewhere: they must see none of West Cornwall's people.
    ("volunteer2", "Wenna", "Kitto", Role.VOLUNTEER, "west-cornwall", []),
    ("coordinator.central", "Morwenna", "Hocking", Role.COORDINATOR, "central-cornwall", []),
    ("volunteer.central", "Jory", "Pascoe", Role.VOLUNTEER, "central-cornwall", []),
    ("chair.central", "Ian", "Trethewey", Role.MDT_CHAIR, "central-cornwall", ["L82010"]),
]


def seed(stdout) -> None:
    localities = {}
    for name, slug, models in LOCALITIES:
        loc, _ = Locality.objects.get_or_create(slug=slug, defaults={"name": name})
        localities[slug] = loc
        for model in models:
            LocalityModel.objects.get_or_create(
                locality=loc, model=model, ended_on=None, defaults={"started_on": date(2025, 4, 1)}
            )
    practices = {}
    for name, code, slug, allows in PRACTICES:
        practice, _ = Practice.objects.get_or_create(
            ods_code=code,
            defaults={
                "name": name,
                "locality": localities[slug],
                "volunteers_may_attend_mdt": allows,
                "volunteer_trial_starts_on": date(2026, 1, 5) if allows else None,
                "volunteer_trial_review_on": date(2027, 1, 5) if allows else None,
                "contact_name": "Practice manager",
                "phone": "01736 000000",
                "confidentiality_protocol": (
                    "Volunteers attend only for their own client's item, leave before other "
                    "cases, and keep what they hear to themselves."
                ),
            },
        )
        practices[code] = practice
    for username, first, last, role, slug, codes in USERS:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@livingwell.example",
            role=role,
            locality=localities.get(slug) if slug else None,
            practices=[practices[c] for c in codes],
            is_superuser=(role == Role.ADMIN),
        )
    west = localities["west-cornwall"]
    if west.lead_id is None:
        west.lead = User.objects.get(username="coordinator")
        west.save(update_fields=["lead"])
