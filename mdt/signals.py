"""Receivers: a consent withdrawn, an agreement lapsed, a volunteer no longer wishing to attend
or a practice no longer allowing volunteers takes the volunteer off every coming agenda at once,
in the same transaction (connected in ``MdtConfig.ready``)."""

from __future__ import annotations

from clients.enums import ConsentScope
from volunteers.selectors import volunteer_agreement_is_current

from .eligibility import FAILURE_TEXT
from .enums import Condition


def _sentence(text: str) -> str:
    """The first letter in capitals and the rest as written ("MDT" stays "MDT")."""
    return text[:1].upper() + text[1:]


def on_consent_withdrawn(sender, *, client, scope, by=None, **kwargs):
    if scope != ConsentScope.MDT_CHAMPION:
        return
    from .services import items_drop_for_client

    reason = _sentence(FAILURE_TEXT[Condition.CLIENT_CONSENTS]) + " (consent withdrawn)."
    items_drop_for_client(client=client, reason=reason, by=by)


def on_agreement_lapsed(sender, *, volunteer, **kwargs):
    from .services import items_drop_for_volunteer

    # The signal may come more than once, or late: a volunteer who has signed the version in
    # force by now keeps their place.
    if volunteer_agreement_is_current(volunteer):
        return
    reason = _sentence(FAILURE_TEXT[Condition.AGREEMENT_CURRENT]) + "."
    items_drop_for_volunteer(volunteer=volunteer, reason=reason)


def on_mdt_wish_withdrawn(sender, *, volunteer, **kwargs):
    from .services import items_drop_for_volunteer

    reason = _sentence(FAILURE_TEXT[Condition.VOLUNTEER_WANTS]) + " (their wish changed)."
    items_drop_for_volunteer(volunteer=volunteer, reason=reason)


def on_practice_stopped_volunteers(sender, *, practice, by=None, **kwargs):
    from .services import items_drop_for_practice

    reason = _sentence(FAILURE_TEXT[Condition.PRACTICE_ALLOWS]) + "."
    items_drop_for_practice(practice=practice, reason=reason, by=by)


def on_client_anonymised(sender, *, client, **kwargs):
    """Blank what the MDT wrote about the client; keep the rows the dashboard counts."""
    from .models import AgendaItem, PlanAction

    AgendaItem.objects.filter(client=client).update(
        reason="", care_plan="", decisions="", volunteer_note="", key_worker_name=""
    )
    PlanAction.objects.filter(item__client=client).update(description="(anonymised)")
