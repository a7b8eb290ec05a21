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
