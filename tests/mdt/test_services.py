"""MDT agenda services: order, refusals, publishing, the receivers for a withdrawn consent
and a lapsed agreement, plans and actions in the escalation's history, closing, retention,
the volunteer's workload and the calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.enums import ConsentScope
from clients.services import client_anonymise
from escalations.enums import Action, EscalationState, Urgency
from escalations.models import EscalationEvent, Outcome
from livingwell.calendar import calendar_ics
from livingwell.enums import AgendaOrder, Role
from livingwell.models import Notification
from mdt import selectors, services
from mdt.enums import MeetingState, MemberRole
from mdt.models import AgendaItem, PlanAction
from mdt.services import MdtError
from volunteers.enums import MdtWish
from volunteers.services import agreement_publish, volunteer_update

from ..factories import MdtMeetingFactory, UserFactory
from .cases import (  # noqa: F401
    consenting_mary_fixture,
    mary_fixture,
    meeting_fixture,
    new_client,
    put_forward,
    record_consent,
    withdraw,
)

pytestmark = pytest.mark.django_db


def _add(meeting, escalation, by, *, attends=False):
    item, failures = services.item_add(
        meeting=meeting, escalation=escalation, by=by, volunteer_attends=attends
    )
    return item


def _positions(meeting):
    return list(meeting.items.order_by("position").values_list("escalation_id", flat=True))


@pytest.fixture
def case(consenting_mary, volunteer, coordinator):
    """Mary's case, raised by Vera, put forward to Penwith's MDT."""
    return put_forward(consenting_mary, volunteer_user=volunteer, by=coordinator)


@pytest.fixture
def other_cases(west_practice, volunteer, coordinator):
    """Two more of Vera's clients' cases at Penwith, without MDT consent."""
    return [
        put_forward(new_client(west_practice, volunteer), volunteer_user=volunteer, by=coordinator)
        for _ in range(2)
    ]


@pytest.fixture
def published(meeting, case, other_cases, chair):
    """Penwith's coming MDT, published, with Vera attending for Mary's item."""
    item = _add(meeting, case, chair, attends=True)
    for escalation in other_cases:
        _add(meeting, escalation, chair)
    services.meeting_publish(meeting=meeting, by=chair)
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert item.volunteer is not None
    return item


# ---- order -------------------------------------------------------------------------------


def test_volunteer_items_come_first_then_the_added_order(meeting, case, other_cases, chair):
    first, second = other_cases
    _add(meeting, first, chair)
    _add(meeting, case, chair, attends=True)
    _add(meeting, second, chair)
    assert _positions(meeting) == [case.pk, first.pk, second.pk]
    assert list(meeting.items.order_by("position").values_list("position", flat=True)) == [1, 2, 3]


def test_by_urgency_orders_within_each_part(meeting, west_practice, volunteer, coordinator, chair):
    west_practice.agenda_order = AgendaOrder.BY_URGENCY
    west_practice.save()
    cases = {}
    for name, urgency, consents in [
        ("calm", Urgency.KEEP_AN_EYE, False),
        ("worried", Urgency.WORRIED, False),
        ("calm_with_volunteer", Urgency.KEEP_AN_EYE, True),
        ("worried_with_volunteer", Urgency.WORRIED, True),
    ]:
        client = new_client(west_practice, volunteer)
        if consents:
            record_consent(client, by=coordinator)
        cases[name] = put_forward(client, volunteer_user=volunteer, by=coordinator, urgency=urgency)
    for name in ("calm", "worried", "calm_with_volunteer", "worried_with_volunteer"):
        _add(meeting, cases[name], chair, attends=name.endswith("volunteer"))
    assert _positions(meeting) == [
        cases["worried_with_volunteer"].pk,
        cases["calm_with_volunteer"].pk,
        cases["worried"].pk,
        cases["calm"].pk,
    ]


def test_added_order_when_the_practice_does_not_ask_for_urgency(
    meeting, west_practice, volunteer, coordinator, chair
):
    assert west_practice.agenda_order == AgendaOrder.VOLUNTEER_ITEMS_FIRST
    calm = put_forward(
        new_client(west_practice, volunteer),
        volunteer_user=volunteer,
        by=coordinator,
        urgency=Urgency.KEEP_AN_EYE,
    )
    worried = put_forward(
        new_client(west_practice, volunteer), volunteer_user=volunteer, by=coordinator
    )
    _add(meeting, calm, chair)
    _add(meeting, worried, chair)
    assert _positions(meeting) == [calm.pk, worried.pk]


def test_taking_the_volunteer_off_moves_the_item_to_the_second_part(
    meeting, case, other_cases, chair
):
    _add(meeting, other_cases[0], chair)
    item = _add(meeting, case, chair, attends=True)
    assert _positions(meeting) == [case.pk, other_cases[0].pk]
    services.item_set_volunteer(item=item, by=chair, attends=False)
    assert _positions(meeting) == [other_cases[0].pk, case.pk]
    item.refresh_from_db()
    assert item.volunteer is None


# ---- refusals ----------------------------------------------------------------------------


def test_a_case_not_at_mdt_is_refused(meeting, mary, volunteer, chair):
    from escalations import services as esc
    from escalations.enums import ObservationKind
    from escalations.models import Escalation

    observation, _ = esc.observation_create(
        client=mary,
        volunteer=volunteer.volunteer,
        logged_by=volunteer,
        kind=ObservationKind.TRANSPORT,
        urgency=Urgency.WORRIED,
        noticed="The bus no longer runs.",
        client_wants="A lift",
    )
    escalation = Escalation.objects.get(observation=observation)
    with pytest.raises(MdtError, match="Only a case put forward to an MDT"):
        _add(meeting, escalation, chair)
    assert not AgendaItem.objects.exists()


def test_another_practices_client_is_refused(
    meeting, east_practice, other_volunteer, chair, other_coordinator
):
    east_case = put_forward(
        new_client(east_practice, other_volunteer),
        volunteer_user=other_volunteer,
        by=other_coordinator,
    )
    with pytest.raises(MdtError, match="registered with another practice"):
        _add(meeting, east_case, chair)
    assert not AgendaItem.objects.exists()


def test_a_case_already_on_a_coming_agenda_is_refused(meeting, case, chair, west_practice):
    _add(meeting, case, chair)
    later = MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        starts_at=meeting.starts_at + dt.timedelta(days=28),
        ends_at=meeting.ends_at + dt.timedelta(days=28),
    )
    with pytest.raises(MdtError, match="already on the agenda of a coming meeting"):
        _add(later, case, chair)
    assert later.items.count() == 0
    assert selectors.agenda_candidates(later).filter(pk=case.pk).count() == 0


def test_once_held_the_case_may_go_on_a_later_agenda(case, chair, west_practice):
    past = MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(hours=2),
    )
    _add(past, case, chair)
    services.meeting_publish(meeting=past, by=chair)
    services.meeting_mark_held(meeting=past, by=chair)
    later = MdtMeetingFactory(practice=west_practice, chair=chair)
    assert selectors.agenda_candidates(later).filter(pk=case.pk).exists()
    _add(later, case, chair)
    assert later.items.count() == 1
    with pytest.raises(MdtError, match="has been held"):
        _add(past, case, chair)


def test_volunteer_attends_only_when_every_condition_holds(meeting, other_cases, chair):
    item, failures = services.item_add(
        meeting=meeting, escalation=other_cases[0], by=chair, volunteer_attends=True
    )
    assert [f.condition for f in failures] == ["client_consents"]
    assert item.volunteer is None
    assert "has not consented" in item.volunteer_note


# ---- publishing --------------------------------------------------------------------------


def test_publish_checks_again_and_drops_who_may_no_longer_attend(
    meeting, case, other_cases, chair, volunteer, west_practice
):
    item = _add(meeting, case, chair, attends=True)
    _add(meeting, other_cases[0], chair)
    west_practice.volunteers_may_attend_mdt = False
    west_practice.save()

    dropped = services.meeting_publish(meeting=meeting, by=chair)

    assert [d.pk for d in dropped] == [item.pk]
    item.refresh_from_db()
    assert item.volunteer is None
    assert "does not allow volunteers" in item.volunteer_note
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED
    assert meeting.volunteers_leave_at is None  # no volunteer attends
    assert not Notification.objects.filter(user=volunteer).filter(subject__contains="MDT").exists()
    assert _positions(meeting) == [case.pk, other_cases[0].pk]  # both in the second part


def test_publish_tells_members_with_accounts_and_attending_volunteers_once(
    meeting, case, other_cases, chair, volunteer, practitioner, django_capture_on_commit_callbacks
):
    services.member_add(
        meeting=meeting, by=chair, name="", member_role=MemberRole.GP, user=practitioner
    )
    services.member_add(
        meeting=meeting, by=chair, name="Nurse Rowe", member_role=MemberRole.DISTRICT_NURSE
    )
    _add(meeting, case, chair, attends=True)
    _add(meeting, other_cases[0], chair)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_publish(meeting=meeting, by=chair)

    assert (
        Notification.objects.filter(user=practitioner, subject__contains="published").count() == 1
    )
    invites = Notification.objects.filter(user=volunteer, subject__startswith="You are invited")
    assert invites.count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([practitioner.email, volunteer.email])
    meeting.refresh_from_db()
    assert meeting.volunteers_leave_at == meeting.starts_at + dt.timedelta(
        minutes=services.MINUTES_PER_VOLUNTEER_ITEM
    )

    # The publish logic run again (a retried request) notifies nobody twice.
    before = Notification.objects.count()
    services._tell_attendees(meeting, changed=False)
    assert Notification.objects.count() == before
    with pytest.raises(MdtError, match="Only a draft agenda"):
        services.meeting_publish(meeting=meeting, by=chair)


def test_meeting_update_changes_details_only(published, chair):
    meeting = published.meeting
    services.meeting_update(meeting=meeting, by=chair, place="Room 2", notes="Bring the list")
    meeting.refresh_from_db()
    assert (meeting.place, meeting.notes) == ("Room 2", "Bring the list")
    with pytest.raises(ValueError, match="state"):
        services.meeting_update(meeting=meeting, by=chair, state=MeetingState.DRAFT)
    with pytest.raises(MdtError, match="end after it starts"):
        services.meeting_update(meeting=meeting, by=chair, ends_at=meeting.starts_at)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED


def test_an_empty_agenda_is_not_published(meeting, chair):
    with pytest.raises(MdtError, match="at least one case"):
        services.meeting_publish(meeting=meeting, by=chair)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT


# ---- the receivers -----------------------------------------------------------------------


def test_consent_withdrawn_takes_the_volunteer_off_at_once_and_tells_the_chair(
    published, mary, coordinator, chair, volunteer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        withdraw(mary, by=coordinator)
        # In the same transaction: before the commit, the item is already without Vera.
        assert AgendaItem.objects.get(pk=published.pk).volunteer is None
        assert mail.outbox == []
    assert callbacks
    published.refresh_from_db()
    assert published.volunteer is None
    assert "consent withdrawn" in published.volunteer_note
    told = Notification.objects.get(user=chair, subject__startswith="A volunteer can no longer")
    assert told.url == reverse("mdt:meeting_detail", args=[published.meeting_id])
    assert chair.email in [m.to[0] for m in mail.outbox]
    assert Notification.objects.filter(
        user=volunteer, subject__startswith="You are no longer expected"
    ).exists()
    assert volunteer.email in [m.to[0] for m in mail.outbox]


@pytest.mark.parametrize("wish", [MdtWish.MAYBE, MdtWish.NO])
def test_a_volunteer_no_longer_wishing_leaves_coming_agendas_and_the_chair_is_told(
    published, volunteer, chair, wish
):
    profile = published.volunteer
    assert volunteer_update(volunteer=profile, by=volunteer, fields={"mdt_wish": wish}) == [
        "mdt_wish"
    ]
    published.refresh_from_db()
    assert published.volunteer is None
    assert "want to attend MDTs" in published.volunteer_note
    assert Notification.objects.filter(
        user=chair, subject__startswith="A volunteer can no longer"
    ).exists()


def _practice_form(practice, **changes):
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(practice).items()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}  # an unticked box is not sent


def test_a_practice_no_longer_allowing_volunteers_takes_them_off_coming_agendas(
    published, volunteer, chair, admin_user, client_for
):
    practice = published.meeting.practice
    assert practice.volunteers_may_attend_mdt
    agenda = reverse("mdt:meeting_detail", args=[published.meeting_id])
    assert published.client.last_name in client_for(volunteer).get(agenda).content.decode()
    url = reverse("admin:livingwell_practice_change", args=[practice.pk])
    response = client_for(admin_user).post(
        url, _practice_form(practice, volunteers_may_attend_mdt=False)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    published.refresh_from_db()
    assert published.volunteer is None
    assert published.volunteer_note == (
        "The practice's MDT protocol does not allow volunteers to attend."
    )
    assert Notification.objects.filter(
        user=chair, subject__startswith="A volunteer can no longer"
    ).exists()
    assert Notification.objects.filter(
        user=volunteer, subject__startswith="You are no longer expected"
    ).exists()
    # Vera no longer reads Mary's item.
    assert published.client.last_name not in client_for(volunteer).get(agenda).content.decode()


def test_other_practice_changes_leave_the_volunteers_on(published, chair, admin_user, client_for):
    practice = published.meeting.practice
    url = reverse("admin:livingwell_practice_change", args=[practice.pk])
    response = client_for(admin_user).post(url, _practice_form(practice, phone="01736 000000"))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_other_profile_changes_leave_the_volunteer_on(published, volunteer, chair):
    volunteer_update(volunteer=published.volunteer, by=volunteer, fields={"skills": "Knitting"})
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_a_withdrawal_rolled_back_leaves_the_volunteer_on(published, mary, coordinator, chair):
    with pytest.raises(RuntimeError), transaction.atomic():
        withdraw(mary, by=coordinator)
        raise RuntimeError("the request failed after the withdrawal")
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_a_withdrawal_of_another_scope_does_nothing(published, mary, coordinator, chair):
    withdraw(mary, by=coordinator, scope=ConsentScope.SHARE_WITH_PARTNERS)
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_a_withdrawal_leaves_a_held_meeting_alone(
    consenting_mary, volunteer, coordinator, chair, west_practice
):
    escalation = put_forward(consenting_mary, volunteer_user=volunteer, by=coordinator)
    past = MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(hours=2),
    )
    item = _add(past, escalation, chair, attends=True)
    services.meeting_publish(meeting=past, by=chair)
    services.meeting_mark_held(meeting=past, by=chair)
    withdraw(consenting_mary, by=coordinator)
    item.refresh_from_db()
    assert item.volunteer is not None  # who attended stays on the record


def test_a_withdrawal_leaves_a_meeting_that_is_over_alone(published, mary, coordinator, chair):
    # Over but not yet marked held: who attended stays on the record.
    meeting = published.meeting
    meeting.starts_at -= dt.timedelta(days=8)
    meeting.ends_at -= dt.timedelta(days=8)
    meeting.volunteers_leave_at = meeting.starts_at
    meeting.save()
    withdraw(mary, by=coordinator)
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_a_late_lapse_for_a_volunteer_who_signed_since_is_ignored(published, volunteer, chair):
    from volunteers.models import ConfidentialityAgreement
    from volunteers.signals import agreement_lapsed

    agreement_lapsed.send(
        sender=ConfidentialityAgreement,
        volunteer=volunteer.volunteer,
        agreement=ConfidentialityAgreement.objects.current(),
    )
    published.refresh_from_db()
    assert published.volunteer is not None
    assert not Notification.objects.filter(user=chair).exists()


def test_an_agreement_lapse_takes_the_volunteer_off_and_tells_the_chair(
    published, chair, volunteer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_publish(
            version="2026-1", text="Revised.", in_force_from=timezone.localdate(), by=chair
        )
    published.refresh_from_db()
    assert published.volunteer is None
    assert "confidentiality agreement" in published.volunteer_note
    assert Notification.objects.filter(
        user=chair, subject__startswith="A volunteer can no longer"
    ).exists()
    assert chair.email in [m.to[0] for m in mail.outbox]


def test_a_new_version_signed_ahead_keeps_the_volunteer(published, chair, volunteer):
    from volunteers.services import agreement_bring_into_force, agreement_sign

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    new = agreement_publish(version="2026-2", text="Next.", in_force_from=tomorrow)
    agreement_sign(
        volunteer=volunteer.volunteer, agreement=new, signed_on=timezone.localdate(), by=chair
    )
    new.in_force_from = timezone.localdate()
    new.save()
    agreement_bring_into_force(agreement=new)
    published.refresh_from_db()
    assert published.volunteer is not None


# ---- plans, actions, closing -------------------------------------------------------------


def test_plan_and_actions_go_into_the_escalations_history(published, chair, practitioner):
    escalation = published.escalation
    before = EscalationEvent.objects.filter(escalation=escalation).count()
    services.plan_save(
        item=published,
        by=chair,
        care_plan="Falls clinic; review medication.",
        decisions="Refer to the falls team.",
        key_worker_name="Nurse Rowe",
    )
    action = services.action_add(
        item=published,
        by=chair,
        description="Medication review",
        due_on=timezone.localdate() + dt.timedelta(days=14),
        owner=practitioner,
    )
    services.action_mark_done(action=action, by=practitioner)
    services.action_mark_done(action=action, by=practitioner)  # once only

    events = list(EscalationEvent.objects.filter(escalation=escalation).order_by("pk")[before:])
    assert [e.action for e in events] == [Action.MDT_UPDATE] * 3
    assert "Key worker: Nurse Rowe" in events[0].summary
    assert "Refer to the falls team." in events[0].summary
    assert "Medication review" in events[1].summary
    assert events[2].summary == "MDT action done: Medication review"
    assert Notification.objects.filter(user=practitioner, key=f"mdt-action-{action.pk}").exists()
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.AT_MDT


def test_plan_and_action_need_an_owner(published, chair):
    with pytest.raises(MdtError, match="key worker"):
        services.plan_save(item=published, by=chair, care_plan="x", decisions="y")
    with pytest.raises(MdtError, match="owns the action"):
        services.action_add(item=published, by=chair, description="x", due_on=timezone.localdate())
    assert PlanAction.objects.count() == 0


def test_closing_the_case_records_an_outcome_and_tells_the_volunteer(
    published, chair, volunteer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.item_close_escalation(
            item=published,
            by=chair,
            summary="Falls clinic booked; carers twice a day.",
            message_for_volunteer="Thank you: the practice has arranged more help at home.",
            went_well=True,
        )
    escalation = published.escalation
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.CLOSED
    assert Outcome.objects.get(escalation=escalation) == outcome
    assert outcome.summary.startswith(f"At the {published.meeting}")
    told = Notification.objects.get(user=volunteer, key=f"outcome-{escalation.pk}")
    assert told.body == "Thank you: the practice has arranged more help at home."
    assert volunteer.email in [m.to[0] for m in mail.outbox]
    assert escalation.events.filter(action=Action.VOLUNTEER_TOLD).exists()


# ---- retention ---------------------------------------------------------------------------


def test_anonymising_the_client_blanks_mdt_free_text(published, mary, chair):
    services.plan_save(
        item=published,
        by=chair,
        care_plan="Mary's daughter visits on Sundays.",
        decisions="Ask Mary about a key safe.",
        key_worker_name="Nurse Rowe",
    )
    AgendaItem.objects.filter(pk=published.pk).update(
        reason="Mary fell twice", volunteer_note="Mary said no"
    )
    services.action_add(
        item=published,
        by=chair,
        description="Phone Mary's daughter",
        due_on=timezone.localdate(),
        owner_name="Nurse Rowe",
    )
    client_anonymise(client=mary)
    item = AgendaItem.objects.get(pk=published.pk)
    assert (item.reason, item.care_plan, item.decisions, item.volunteer_note) == ("",) * 4
    assert item.key_worker_name == ""
    assert list(PlanAction.objects.values_list("description", flat=True)) == ["(anonymised)"]
    # The rows the dashboard counts stay.
    assert item.meeting_id == published.meeting_id and item.volunteer_id is not None


def test_the_nightly_retention_run_reaches_mdt_notes(published, mary, chair, coordinator):
    from clients.services import assignment_end, clients_anonymise_inactive

    for assignment in mary.assignments.filter(ended_on__isnull=True):
        assignment_end(assignment=assignment, by=coordinator)
    AgendaItem.objects.filter(pk=published.pk).update(reason="Mary fell twice")
    years_later = timezone.now() + dt.timedelta(days=365 * 30)
    # A case discussed at an MDT is contact: not anonymised while that is recent.
    AgendaItem.objects.filter(pk=published.pk).update(added_at=years_later)
    assert clients_anonymise_inactive(now=years_later) == 0
    AgendaItem.objects.filter(pk=published.pk).update(added_at=timezone.now())
    assert clients_anonymise_inactive(now=years_later) == 1
    assert AgendaItem.objects.get(pk=published.pk).reason == ""


# ---- workload, calendar ------------------------------------------------------------------

WORKLOAD = 'MDT meetings they are expected at</dt>\n    <dd class="govuk-summary-list__value">'


def test_workload_counts_published_coming_meetings_attended(
    published, case, consenting_mary, volunteer, coordinator, chair, west_practice, client_for
):
    vera = volunteer.volunteer
    # A second item of Vera's on the same meeting counts the meeting once.
    second = put_forward(consenting_mary, volunteer_user=volunteer, by=coordinator)
    assert second.pk != case.pk
    meeting = published.meeting
    item = AgendaItem.objects.create(
        meeting=meeting,
        escalation=second,
        client=consenting_mary,
        volunteer=vera,
        added_by=chair,
    )
    assert item.pk
    # A draft with Vera attending, a held one, and a published one without her: not counted.
    draft = MdtMeetingFactory(practice=west_practice, chair=chair)
    held = MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        state=MeetingState.HELD,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=1),
    )
    other = MdtMeetingFactory(practice=west_practice, chair=chair, state=MeetingState.PUBLISHED)
    third = put_forward(
        new_client(west_practice, volunteer), volunteer_user=volunteer, by=coordinator
    )
    for m, v in ((draft, vera), (held, vera), (other, None)):
        AgendaItem.objects.create(
            meeting=m,
            escalation=third,
            client=third.observation.client,
            volunteer=v,
            added_by=chair,
        )

    page = client_for(volunteer).get(reverse("volunteers:me"), follow=True).content.decode()
    assert WORKLOAD + "1" in page
    page = (
        client_for(coordinator).get(reverse("volunteers:detail", args=[vera.pk])).content.decode()
    )
    assert WORKLOAD + "1" in page

    services.item_set_volunteer(item=published, by=chair, attends=False)
    services.item_set_volunteer(item=item, by=chair, attends=False)
    page = client_for(volunteer).get(reverse("volunteers:me"), follow=True).content.decode()
    assert WORKLOAD + "0" in page


def test_calendar_feed_holds_the_users_mdts_and_no_client_names(
    published, chair, volunteer, practitioner, coordinator, west_practice
):
    meeting = published.meeting
    services.member_add(
        meeting=meeting, by=chair, name="", member_role=MemberRole.GP, user=practitioner
    )
    draft = MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        starts_at=meeting.starts_at + dt.timedelta(days=28),
        ends_at=meeting.ends_at + dt.timedelta(days=28),
    )
    names = list(AgendaItem.objects.values_list("client__first_name", "client__last_name"))
    for user, expected in (
        (chair, {meeting.pk, draft.pk}),
        (practitioner, {meeting.pk}),
        (volunteer, {meeting.pk}),
        (coordinator, set()),
    ):
        feed = calendar_ics(user).decode()
        found = {m for m in (meeting.pk, draft.pk) if f"UID:mdt-{m}@livingwell" in feed}
        assert found == expected, user
        for first, last in names:
            assert first not in feed and last not in feed
        if expected:
            assert f"MDT\\, {west_practice}" in feed
    feed = calendar_ics(volunteer).decode()
    leave = meeting.volunteers_leave_at.astimezone(dt.UTC)
    assert f"DTEND:{leave:%Y%m%dT%H%M%SZ}" in feed


def test_a_volunteer_sees_only_meetings_they_attend(published, volunteer, other_volunteer):
    from django.contrib.auth.models import AnonymousUser

    meeting = published.meeting
    assert selectors.audience(volunteer, meeting) == selectors.VOLUNTEER
    assert selectors.audience(other_volunteer, meeting) is None
    assert selectors.audience(AnonymousUser(), meeting) is None
    assert list(selectors.agenda_items(meeting, volunteer, selectors.VOLUNTEER)) == [published]


def test_members_see_their_practices_meetings(
    published, chair, practitioner, coordinator, admin_user, team_leader
):
    meeting = published.meeting
    for user in (chair, practitioner, coordinator, admin_user):
        assert selectors.audience(user, meeting) == selectors.MEMBER, user
    assert selectors.audience(team_leader, meeting) is None
    outsider = UserFactory(role=Role.MDT_CHAIR, locality=meeting.practice.locality)
    assert selectors.audience(outsider, meeting) is None
    assert selectors.agenda_items(meeting, chair, selectors.MEMBER).count() == 3
