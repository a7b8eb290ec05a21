"""seed_scale at a small size: the counts asked for, a consistent world, and idempotency.

On SQLite this exercises the bulk_create path; with DATABASE_URL on PostgreSQL (CI), COPY.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from clients.consent import client_consents_to
from clients.enums import ConsentScope
from clients.models import Assignment, Client, ConsentRecord
from clients.selectors import clients_for
from escalations.enums import EscalationState, RoutingStatus, StoryState
from escalations.models import (
    Escalation,
    EscalationEvent,
    Observation,
    Outcome,
    Referral,
    Story,
)
from livingwell.enums import Role
from livingwell.management.commands.seed_scale import (
    CHAIR_AGENDA,
    REPRESENTATIVES,
    SCALE_PASSWORD,
    nhs_number,
    otp_key,
    seeded_observations,
)
from livingwell.models import Locality, Practice, User
from peersupport.enums import AttendeeRole
from peersupport.models import MeetingAttendance, VolunteerMeeting
from tests.factories import EscalationFactory
from volunteers.models import AgreementSignature, TrainingRecord, Volunteer

SMALL = {
    "localities": 2,
    "practices": 4,
    "volunteers": 6,
    "clients": 20,
    "observations": 60,
    "batch_size": 25,  # several batches, the last one partial
}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_scale_makes_the_sizes_asked_for():
    output = seed()

    assert Locality.objects.filter(slug__startswith="scale-").count() == 2
    assert Practice.objects.filter(ods_code__startswith="SC").count() == 4
    assert Volunteer.objects.count() == 6
    assert Client.objects.count() == 20
    assert seeded_observations().count() == 60
    assert Observation.objects.count() == 60
    assert Escalation.objects.count() == 60
    assert "rows/s" in output and "peak memory" in output


@pytest.mark.django_db
def test_seed_scale_world_is_consistent():
    seed()

    # Every client has one open assignment to a volunteer of its locality, and that volunteer
    # sees it through the scoped selector (the guardian object permission was granted).
    assert Assignment.objects.filter(ended_on__isnull=True).count() == 20
    assert not Assignment.objects.exclude(volunteer__locality=F("client__locality"))
    for volunteer in Volunteer.objects.select_related("user"):
        assigned = set(volunteer.assignments.values_list("client_id", flat=True))
        assert set(clients_for(volunteer.user).values_list("pk", flat=True)) == assigned
    # Each volunteer is trained and signed the agreement.
    assert TrainingRecord.objects.values("volunteer").distinct().count() == 6
    assert AgreementSignature.objects.count() == 6
    # Observations are by the client's own volunteer; escalations carry their observation's
    # kind, urgency and client's locality.
    for esc in Escalation.objects.select_related("observation__client"):
        assert esc.kind == esc.observation.kind
        assert esc.urgency == esc.observation.urgency
        assert esc.locality_id == esc.observation.client.locality_id
        assert esc.routing_status == RoutingStatus.DONE
        assert Assignment.objects.filter(
            client=esc.observation.client, volunteer=esc.observation.volunteer
        ).exists()
    # A closed escalation has its outcome and a closing event; a referral its referred event.
    closed = Escalation.objects.filter(state=EscalationState.CLOSED)
    assert closed.exists()
    assert Outcome.objects.count() == closed.count()
    assert EscalationEvent.objects.filter(action="closed").count() == closed.count()
    assert EscalationEvent.objects.filter(action="routed").count() == 60
    assert EscalationEvent.objects.filter(action="referred").count() == Referral.objects.count()
    # Consent is recorded, not assumed: some clients gave it for some scopes only.
    assert ConsentRecord.objects.values("client").distinct().count() > 0
    # Both localities hold peer-support meetings; only meetings already held have attendance.
    scale = Locality.objects.filter(slug__startswith="scale-")
    assert set(VolunteerMeeting.objects.values_list("locality", flat=True)) == set(
        scale.values_list("pk", flat=True)
    )
    assert not MeetingAttendance.objects.filter(meeting__starts_at__gt=timezone.now())
    assert MeetingAttendance.objects.filter(role=AttendeeRole.VOLUNTEER).exists()
    # NHS numbers are unique and valid.
    numbers = list(Client.objects.values_list("nhs_number", flat=True))
    assert len(set(numbers)) == 20
    assert all(len(n) == 10 and n.isdigit() for n in numbers)


@pytest.mark.django_db
def test_seed_scale_representatives_sign_in_and_others_cannot():
    seed()

    for role, username in REPRESENTATIVES.items():
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.groups.filter(name=str(role)).exists()
        assert user.check_password(SCALE_PASSWORD)
    admin = User.objects.get(username=REPRESENTATIVES[Role.ADMIN])
    assert admin.is_staff and admin.is_superuser
    others = User.objects.filter(username__startswith="scale.").exclude(
        username__in=REPRESENTATIVES.values()
    )
    assert others.count() > 0
    assert not any(u.has_usable_password() for u in others)


@pytest.mark.django_db
def test_seed_scale_again_adds_nothing():
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "nothing to add" in output


@pytest.mark.django_db
def test_seed_scale_counts_only_its_own_observations():
    """Observations made by people (or the benchmark) are not mistaken for seeded ones."""
    seed(observations=30)
    EscalationFactory()  # someone else's, in another locality
    before = row_counts()

    seed(observations=60)

    after = row_counts()
    assert after["escalations.Observation"] == before["escalations.Observation"] + 30
    assert after["escalations.Escalation"] == before["escalations.Escalation"] + 30
    assert seeded_observations().count() == 60
    # Nothing else of the world was made twice.
    for label in ("livingwell.Locality", "volunteers.Volunteer", "clients.Client"):
        assert after[label] == before[label]


@pytest.mark.django_db
def test_seed_scale_spreads_observations_over_the_years():
    seed(observations=60, years=5)

    dates = Observation.objects.order_by("created_at").values_list("created_at", flat=True)
    assert (dates.last() - dates.first()).days > 4 * 365
    per_volunteer = Observation.objects.values("volunteer").annotate(n=Count("pk"))
    assert len(per_volunteer) > 1


@pytest.mark.django_db
def test_a_small_world_still_fills_the_pages_the_benchmark_compares():
    # The newest tenth lies within the last week (full queues, as in a large world), and a
    # share of it is about the representative volunteer's clients.
    seed(observations=60, years=5)
    week = Observation.objects.filter(created_at__gte=timezone.now() - dt.timedelta(days=7))
    assert week.count() == 6
    rep = User.objects.get(username=REPRESENTATIVES[Role.VOLUNTEER])
    assert week.filter(volunteer__user=rep).count() == 6
    assert Observation.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=365))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options",
    [{"practices": 1}, {"volunteers": 1}, {"clients": 0}, {"observations": -1}],
)
def test_seed_scale_refuses_impossible_sizes(options):
    with pytest.raises(CommandError):
        seed(**options)
    assert Locality.objects.count() == 0


def test_nhs_numbers_pass_the_modulus_11_check():
    for index in range(2_000):
        number = nhs_number(index)
        digits = [int(d) for d in number]
        total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        assert check != 10
        assert digits[9] == check


@pytest.mark.django_db
def test_staff_representatives_get_an_authenticator_the_benchmark_can_answer():
    from django_otp import verify_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.scenario import second_factor

    seed()

    for role, username in REPRESENTATIVES.items():
        devices = TOTPDevice.objects.filter(user__username=username, confirmed=True)
        if role == Role.VOLUNTEER:
            assert not devices.exists()
            assert second_factor(username) is None
            continue
        (device,) = devices
        assert device.key == otp_key(username)
        path, code = second_factor(username)
        assert path == "/account/code/"
        first = code()
        assert verify_token(device.user, device.persistent_id, first) is not None
        # A code works once; the next one asked for is a different, accepted one.
        second = code()
        assert second != first
        assert verify_token(device.user, device.persistent_id, second) is not None


MDT_SIZES = {"years": 1, "observations": 3000, "clients": 120, "volunteers": 40}


@pytest.mark.django_db
def test_seed_scale_holds_mdts_with_cases_put_forward():
    from django.db.models import Max, Min

    from bench.scenario import _busiest_meeting
    from mdt.eligibility import item_attendance_failures
    from mdt.enums import MeetingState
    from mdt.models import AgendaItem, Meeting, StandingMember

    seed(**MDT_SIZES)

    scale_practices = Practice.objects.filter(ods_code__startswith="SC")
    # About one meeting a month for each practice, over the year and two months ahead.
    for practice in scale_practices:
        meetings = Meeting.objects.filter(practice=practice)
        assert 13 <= meetings.count() <= 16
        span = meetings.aggregate(first=Min("starts_at"), last=Max("starts_at"))
        assert span["first"] < timezone.now() - timezone.timedelta(days=330)
        assert span["last"] > timezone.now() + timezone.timedelta(days=28)
        assert not meetings.filter(state=MeetingState.HELD, starts_at__gt=timezone.now())
        assert not meetings.exclude(state=MeetingState.HELD).filter(ends_at__lt=timezone.now())
        assert StandingMember.objects.filter(practice=practice).count() == 5
    # Every item is a case put forward at the meeting's practice, after it was put forward.
    items = AgendaItem.objects.select_related("escalation", "meeting", "client")
    assert items.count() > 0
    for item in items:
        assert item.escalation.put_to_mdt_at is not None
        assert item.client.practice_id == item.meeting.practice_id
        assert item.escalation.observation.client_id == item.client_id
        assert item.escalation.put_to_mdt_at < item.meeting.starts_at
        if item.meeting.state != MeetingState.HELD:
            assert item.escalation.state == EscalationState.AT_MDT
    # A share with their volunteer attending, only where every condition held.
    attending = items.filter(volunteer__isnull=False)
    assert 0 < attending.count() < items.count()
    for item in attending.filter(meeting__state=MeetingState.PUBLISHED):
        assert item_attendance_failures(item, volunteer=item.volunteer) == []
        assert item.volunteer_id == item.escalation.observation.volunteer_id
    assert not items.filter(
        volunteer__isnull=False, meeting__practice__volunteers_may_attend_mdt=False
    )
    # Volunteer items come first on each agenda.
    for meeting in Meeting.objects.filter(items__isnull=False).distinct()[:20]:
        flags = [i.volunteer_id is None for i in meeting.items.order_by("position")]
        assert flags == sorted(flags)
    # The benchmark's chair has a coming meeting with cases on it, and the benchmark finds it.
    chair = User.objects.get(username=REPRESENTATIVES[Role.MDT_CHAIR])
    coming = Meeting.objects.filter(
        practice__in=chair.practices.all(), starts_at__gt=timezone.now(), items__isnull=False
    )
    assert coming.exists()
    busiest = Meeting.objects.get(pk=_busiest_meeting(chair))
    assert busiest.starts_at > timezone.now() and busiest.items.count() >= CHAIR_AGENDA


@pytest.mark.django_db
def test_seed_scale_again_adds_no_mdts():
    seed(**MDT_SIZES)
    before = row_counts()
    assert before["mdt.Meeting"] > 0 and before["mdt.AgendaItem"] > 0
    assert "nothing to add" in seed(**MDT_SIZES)
    assert row_counts() == before


@pytest.mark.django_db
def test_seed_scale_writes_stories_only_where_they_may_be_shared(client):
    seed(observations=200)

    stories = Story.objects.select_related("escalation__observation__client", "escalation__outcome")
    assert stories.filter(state=StoryState.PUBLISHED).exists()
    for story in stories:
        escalation = story.escalation
        assert escalation.state == EscalationState.CLOSED and escalation.outcome.went_well
        assert story.locality_id == escalation.locality_id
        assert client_consents_to(escalation.observation.client, ConsentScope.ANONYMISED_STORY)
        assert (story.published_at is not None) == (story.state == StoryState.PUBLISHED)
    # The representative volunteer's stories page shows them.
    volunteer = User.objects.get(username=REPRESENTATIVES[Role.VOLUNTEER])
    client.force_login(volunteer)
    page = client.get(reverse("escalations:stories", args=[volunteer.locality.slug]))
    published = stories.filter(locality=volunteer.locality, state=StoryState.PUBLISHED)
    assert page.status_code == 200
    assert page.content.decode().count('<article class="lw-story">') == min(published.count(), 20)
    assert published.exists()
