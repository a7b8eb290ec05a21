from django.db import models


class ObservationKind(models.TextChoices):
    HEALTH_CHANGE = "health_change", "Health change"
    FALL = "fall", "Fall"
    MEDICATION = "medication", "Medication"
    MEMORY = "memory", "Memory or confusion"
    MOOD = "mood", "Mood"
    EATING = "eating", "Eating"
    CARER_STRAIN = "carer_strain", "Carer strain"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    TRANSPORT = "transport", "Transport"
    LONELINESS = "loneliness", "Loneliness"
    HOME_ACCESS = "home_access", "Home and building access"
    MONEY = "money", "Money"
    OTHER = "other", "Other"


# Kinds that a medical service normally handles; the evidence dashboard splits by these.
MEDICAL_KINDS = frozenset(
    {
        ObservationKind.HEALTH_CHANGE,
        ObservationKind.FALL,
        ObservationKind.MEDICATION,
        ObservationKind.MEMORY,
        ObservationKind.MOOD,
        ObservationKind.EATING,
    }
)


class Urgency(models.TextChoices):
    KEEP_AN_EYE = "keep_an_eye", "Keep an eye"
    WORRIED = "worried", "Worried"
    URGENT = "urgent", "Urgent"


# Sort order for the triage queue: urgent first.
URGENCY_RANK = {Urgency.URGENT: 0, Urgency.WORRIED: 1, Urgency.KEEP_AN_EYE: 2}


class EscalationState(models.TextChoices):
    NEW = "new", "Waiting to be routed"
    ROUTED = "routed", "Routed"
    ACCEPTED = "accepted", "Accepted"
    REFERRED = "referred", "Referred to a service"
    AT_MDT = "at_mdt", "Put forward to an MDT"
    CLOSED = "closed", "Closed"


OPEN_STATES = frozenset(set(EscalationState) - {EscalationState.CLOSED})


class RoutingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Being routed"
    DONE = "done", "Routed"
    FAILED = "failed", "Failed"


class TriageRole(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    TEAM_LEADER_ON_CALL = "team_leader_on_call", "Team leader on call"


class ReferralChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    SECURE_EMAIL = "secure_email", "Secure email (NHS mail)"


class Action(models.TextChoices):
    """Every step an escalation's history can hold. The transitions table in
    ``escalations.services`` says which of them change the state, and from where."""

    CREATED = "created", "Reported"
    ROUTED = "routed", "Routed"
    ROUTING_FAILED = "routing_failed", "Routing failed"
    ACCEPTED = "accepted", "Accepted"
    REROUTED = "rerouted", "Re-routed"
    REFERRED = "referred", "Referred to a service"
    PUT_TO_MDT = "put_to_mdt", "Put forward to an MDT"
    MDT_UPDATE = "mdt_update", "MDT decision or action"
    QUESTION_ASKED = "question_asked", "Question to the volunteer"
    QUESTION_ANSWERED = "question_answered", "Volunteer answered"
    CLOSED = "closed", "Closed with an outcome"
    OWNER_REMINDED = "owner_reminded", "Owner reminded (overdue)"
    LEAD_REMINDED = "lead_reminded", "Locality lead told (overdue)"
    VOLUNTEER_TOLD = "volunteer_told", "Volunteer told the outcome"
    VOLUNTEER_RESPONDED = "volunteer_responded", "Volunteer responded to the outcome"
    STAFF_REPLIED = "staff_replied", "Reply to the volunteer"
    STORY_PUBLISHED = "story_published", "Story published"
    STORY_UNPUBLISHED = "story_unpublished", "Story unpublished"


class StoryState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class ResponseKind(models.TextChoices):
    """What a volunteer (or staff, in reply) adds under an outcome."""

    THANKS = "thanks", "Thank you"
    QUESTION = "question", "Follow-up question"
    REPLY = "reply", "Reply"
