from django.db import models


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", "Volunteer"
    COORDINATOR = "coordinator", "Coordinator"
    TEAM_LEADER = "team_leader", "Team leader"
    MDT_CHAIR = "mdt_chair", "MDT chair"
    PRACTITIONER = "practitioner", "Practitioner"
    ADMIN = "admin", "Admin"


# Roles whose users work a locality's triage queue and client list.
LOCALITY_STAFF_ROLES = frozenset({Role.COORDINATOR, Role.TEAM_LEADER})
# Roles that must sign in with a second factor (everyone but volunteers).
STAFF_ROLES = frozenset(set(Role) - {Role.VOLUNTEER})


class CoproductionModel(models.TextChoices):
    FORMAL_MEETING = "formal_meeting", "Formal monthly meeting"
    COFFEE_MORNING = "coffee_morning", "Informal coffee morning"
    TEAM_LEADER = "team_leader", "Team-leader coordination"
    VOLUNTEERS_IN_MDT = "volunteers_in_mdt", "Volunteers in MDT"


class AgendaOrder(models.TextChoices):
    VOLUNTEER_ITEMS_FIRST = "volunteer_items_first", "Items with a volunteer attending first"
    BY_URGENCY = "by_urgency", "Volunteer items first, then by urgency"


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    ANONYMISE = "anonymise", "Anonymised"
