from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from escalations.enums import EscalationState
from escalations.models import Outcome
from tests.factories import EscalationFactory, ObservationFactory

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> dt.datetime:
    """'2026-03-10 09:00' in London time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def make_escalation(coordinator):
    """``make_escalation(locality, created, kind=..., triage=h, referral=h, outcome=h, due=h,
    fed_back=bool)``: hours after ``created`` for each step, None for not reached."""

    def make(
        locality,
        created,
        *,
        kind="transport",
        triage=None,
        referral=None,
        outcome=None,
        due=None,
        fed_back=False,
        volunteer=None,
    ):
        def after(hours):
            return None if hours is None else created + dt.timedelta(hours=hours)

        extra = {"volunteer": volunteer} if volunteer is not None else {}
        observation = ObservationFactory(
            client__practice__locality=locality, kind=kind, created_at=created, **extra
        )
        escalation = EscalationFactory(
            observation=observation,
            created_at=created,
            triaged_at=after(triage),
            referred_at=after(referral),
            closed_at=after(outcome),
            due_at=after(due),
            state=EscalationState.CLOSED if outcome is not None else EscalationState.ROUTED,
        )
        if outcome is not None:
            fields = {}
            if any(f.name == "volunteer_notified_at" for f in Outcome._meta.get_fields()):
                fields["volunteer_notified_at"] = after(outcome) if fed_back else None
            Outcome.objects.create(
                escalation=escalation,
                summary="Done",
                message_for_volunteer="Sorted",
                went_well=True,
                recorded_by=coordinator,
                recorded_at=after(outcome),
                **fields,
            )
        return escalation

    return make


@pytest.fixture
def now():
    return timezone.now()
