from django.db import models


class MeetingState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    HELD = "held", "Held"


class MemberRole(models.TextChoices):
    """Table 4 (core members) and Table 5 (additional members) of the seed."""

    # core
    GP = "gp", "GP"
    COMMUNITY_MATRON = "community_matron", "Community matron"
    DISTRICT_NURSE = "district_nurse", "District nurse"
    LIVING_WELL_COORDINATOR = "living_well_coordinator", "Living Well coordinator"
    MENTAL_HEALTH_WORKER = "mental_health_worker", "Mental health worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    COMMUNITY_THERAPIST = "community_therapist", "Community therapist"
    PRACTICE_NURSE = "practice_nurse", "Practice nurse"
    COMMUNITY_PHARMACIST = "community_pharmacist", "Community pharmacist"
    # additional
    GERIATRICIAN = "geriatrician", "Geriatrician"
    SPECIALIST_NURSE = "specialist_nurse", "Specialist nurse"
    DEMENTIA_SUPPORT = "dementia_support", "Dementia support"
    HOSPITAL_DISCHARGE = "hospital_discharge", "Hospital discharge team"
    POLICE = "police", "Police"


CORE_MEMBER_ROLES = frozenset(
    {
        MemberRole.GP,
        MemberRole.COMMUNITY_MATRON,
        MemberRole.DISTRICT_NURSE,
        MemberRole.LIVING_WELL_COORDINATOR,
        MemberRole.MENTAL_HEALTH_WORKER,
        MemberRole.SOCIAL_WORKER,
        MemberRole.COMMUNITY_THERAPIST,
        MemberRole.PRACTICE_NURSE,
        MemberRole.COMMUNITY_PHARMACIST,
    }
)


class Condition(models.TextChoices):
    """The four conditions for a volunteer to attend an item (seed s4.2, recommendation 2)."""

    PRACTICE_ALLOWS = "practice_allows", "The practice's protocol allows volunteers at its MDT"
    VOLUNTEER_WANTS = "volunteer_wants", "The volunteer wants to attend MDTs"
    AGREEMENT_CURRENT = (
        "agreement_current",
        "The volunteer has signed the current confidentiality agreement",
    )
    CLIENT_CONSENTS = (
        "client_consents",
        "The client consents now to their volunteer speaking for them at an MDT",
    )
