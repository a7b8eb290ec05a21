import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.demo import DEMO_PASSWORD, USERS
from livingwell.models import Locality, User
from livingwell.security.demo import DEMO_TOTP_KEY
from tests.otp import next_code

pytestmark = pytest.mark.django_db


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"livingwell", "volunteers", "clients", "escalations", "mdt"}
    }


def test_seed_demo_creates_localities_and_a_user_per_role():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Locality.objects.values_list("name", flat=True)) >= {
        "West Cornwall",
        "Central Cornwall",
        "East Cornwall",
    }
    for username, *_ in USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.groups.filter(name=user.role).exists()


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = row_counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert row_counts() == first


def test_each_demo_login_reaches_its_home(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username, *_ in USERS:
        client.logout()
        response = client.post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get(response.url)
        if home.status_code == 302:
            # Staff: the code step, with a code from the demo's published key.
            assert home.url.startswith("/account/code/"), username
            device = TOTPDevice.objects.get(user__username=username)
            assert device.key == DEMO_TOTP_KEY
            client.post(home.url, {"code": next_code(device)})
            home = client.get(response.url)
        assert home.status_code == 200, username


def test_seed_demo_gives_the_chair_a_held_and_a_coming_mdt():
    from django.utils import timezone

    from escalations.enums import Action, EscalationState
    from escalations.models import EscalationEvent
    from mdt.eligibility import item_attendance_failures
    from mdt.enums import MeetingState
    from mdt.models import Meeting, StandingMember
    from mdt.selectors import meeting_list

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    chair = User.objects.get(username="chair")
    practice = chair.practices.get(ods_code="L82001")
    roles = set(
        StandingMember.objects.filter(practice=practice).values_list("member_role", flat=True)
    )
    assert {
        "gp",
        "district_nurse",
        "community_matron",
        "living_well_coordinator",
        "social_worker",
    } <= roles

    coming = meeting_list(chair).get()
    assert coming.state == MeetingState.PUBLISHED and coming.starts_at > timezone.now()
    items = list(coming.items.select_related("volunteer__user", "meeting__practice", "client"))
    assert len(items) >= 3
    attending = [i for i in items if i.volunteer_id]
    assert [i.volunteer.user.username for i in attending] == ["volunteer"]
    assert item_attendance_failures(attending[0], volunteer=attending[0].volunteer) == []
    assert attending[0].position == 1
    assert any("has not consented" in i.volunteer_note for i in items if not i.volunteer_id)

    held = Meeting.objects.get(practice=practice, state=MeetingState.HELD)
    assert held.starts_at < timezone.now()
    planned = held.items.exclude(care_plan="")
    assert planned.count() == 2
    assert held.items.filter(actions__isnull=False).distinct().count() == 2
    closed = held.items.get(escalation__state=EscalationState.CLOSED)
    assert closed.volunteer.user.username == "volunteer"
    assert closed.escalation.outcome.message_for_volunteer
    assert (
        EscalationEvent.objects.filter(
            escalation=closed.escalation, action=Action.MDT_UPDATE
        ).count()
        >= 3
    )
    assert closed.escalation.events.filter(action=Action.PUT_TO_MDT).get().at < held.starts_at


def test_demo_codes_work_for_sign_ins_in_quick_succession(client, settings, time_machine):
    """Each sign-in within one 30-second step takes the next step's code, and the device learns
    a drift from it; the command's code is for the device's own step, drift and all."""
    import io

    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = True
    time_machine.move_to("2026-12-07 10:00:05+00:00", tick=False)
    for attempt in range(3):
        client.logout()
        client.post("/sign-in/", {"username": "coordinator", "password": DEMO_PASSWORD})
        out = io.StringIO()
        call_command("demo_otp_code", "coordinator", stdout=out)
        response = client.post("/account/code/", {"code": out.getvalue().strip()})
        assert response.status_code == 302, f"sign-in {attempt + 1} refused its code"
    assert TOTPDevice.objects.get(user__username="coordinator").drift == 2
