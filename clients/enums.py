from django.db import models


class ClientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"
    ANONYMISED = "anonymised", "Anonymised"


class NeedKind(models.TextChoices):
    MEDICAL = "medical", "Medical"
    NON_MEDICAL = "non_medical", "Non-medical"


class ConsentScope(models.TextChoices):
    SHARE_WITH_PARTNERS = "share_with_partners", "Share with Living Well partners"
    MDT_CHAMPION = "mdt_champion", "Their volunteer may speak for them at an MDT"
    ANONYMISED_STORY = "anonymised_story", "An anonymised story of their case may be shared"


class ConsentAction(models.TextChoices):
    GIVEN = "given", "Given"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentMethod(models.TextChoices):
    SPOKEN = "spoken", "Spoken"
    WRITTEN = "written", "Written"
