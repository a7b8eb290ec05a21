from django.db import models

from livingwell.enums import CoproductionModel


class MeetingKind(models.TextChoices):
    """The two meeting-based coproduction models (seed s3.1 and s3.2).

    The values are the same as ``CoproductionModel``'s, so the evidence dashboard can put a
    meeting under the model it belongs to.
    """

    FORMAL = CoproductionModel.FORMAL_MEETING.value, "Formal monthly meeting"
    COFFEE_MORNING = CoproductionModel.COFFEE_MORNING.value, "Informal coffee morning"


class AttendeeRole(models.TextChoices):
    VOLUNTEER = "volunteer", "Volunteer"
    STAFF = "staff", "Living Well staff"
    # Recommendation 4: medical staff attending volunteer meetings is a trial to review.
    MEDICAL = "medical", "Medical staff (invited)"
