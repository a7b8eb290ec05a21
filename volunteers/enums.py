from django.db import models


class MdtWish(models.TextChoices):
    NOT_ASKED = "not_asked", "Not asked yet"
    NO = "no", "No"
    MAYBE = "maybe", "Maybe"
    YES = "yes", "Yes"


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


class TrainingModule(models.TextChoices):
    MEDICALLY_AWARE = "medically_aware", "Medically aware, not medically trained"
    SAFEGUARDING = "safeguarding", "Safeguarding adults"
    INDUCTION = "induction", "Living Well induction"
    DEMENTIA_FRIENDS = "dementia_friends", "Dementia Friends"


# Assigning a volunteer to a client needs a current record of each of these.
REQUIRED_TRAINING = (TrainingModule.MEDICALLY_AWARE,)
