"""Logs hold no passwords, codes, keys, session keys or what a volunteer wrote.

Every log record of every logger, at every level, is captured while people sign in (right and
wrong), enter codes (right and wrong), set up an app and reset a password; then the captured
text is searched for each secret that passed through.
"""

from __future__ import annotations

import logging
import re
from base64 import b32encode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.otp import give_totp_device, next_code, totp_code

pytestmark = pytest.mark.django_db


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))
        self.texts.append(repr({k: v for k, v in vars(record).items() if k not in ("args",)}))


@pytest.fixture
def captured():
    """Everything logged anywhere, at DEBUG and above, from when it is set up (list it after
    the fixtures that make users: the factories log the test password as they set it)."""
    handler = Capture()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        if lg is logging.getLogger() or not lg.propagate:
            lg.addHandler(handler)
    yield handler
    for lg, level in saved:
        lg.setLevel(level)
        lg.removeHandler(handler)


def assert_not_logged(captured, secrets: dict[str, str]):
    text = "\n".join(captured.texts)
    assert captured.texts, "nothing was captured: the capture is broken"
    for what, secret in secrets.items():
        assert secret and secret not in text, f"the log holds the {what}"


def session_keys(client) -> list[str]:
    return [m.value for name, m in client.cookies.items() if "session" in name and m.value]


def test_signing_in_with_codes_logs_no_secret(coordinator, volunteer, password, captured):
    secrets = {"password": password}
    keys = []
    client = Client()
    wrong_password = "Wr0ng-but-personal-passphrase"
    secrets["wrong password"] = wrong_password
    client.post(reverse("login"), {"username": "colin", "password": wrong_password})

    # Set up an app: the key is shown, a code typed.
    client.post(reverse("login"), {"username": "colin", "password": password})
    keys += session_keys(client)
    client.get(reverse("account:otp_setup"))
    device = TOTPDevice.objects.get(user=coordinator)
    secrets["key (hex)"] = device.key
    secrets["key (base32)"] = b32encode(device.bin_key).decode().rstrip("=")
    wrong_code = f"{(int(totp_code(device.key)) + 123457) % 1000000:06d}"
    secrets["wrong code"] = wrong_code
    client.post(reverse("account:otp_setup"), {"code": wrong_code})
    device.throttle_reset()
    code = next_code(device)
    secrets["code"] = code
    assert client.post(reverse("account:otp_setup"), {"code": code}).status_code == 302
    keys += session_keys(client)
    client.post(reverse("logout"))

    # Sign in again with the code step.
    client.post(reverse("login"), {"username": "colin", "password": password})
    second = next_code(device)
    secrets["second code"] = second
    client.post(reverse("account:otp_verify"), {"code": second})
    keys += session_keys(client)
    assert client.get(reverse("home")).status_code == 200

    # A volunteer, and a password reset.
    other = Client()
    other.post(reverse("login"), {"username": "vera", "password": password})
    keys += session_keys(other)
    give_totp_device(volunteer)
    Client().post(reverse("account:password_reset"), {"email": coordinator.email})
    token_path = re.search(r"/account/password/reset/\S+", mail.outbox[-1].body).group(0)
    secrets["reset link"] = token_path.rstrip("/").rsplit("/", 1)[-1]

    assert any("sign-in failed for username 'colin'" in t for t in captured.texts)
    for n, key in enumerate(keys):
        secrets[f"session key {n}"] = key
    assert len(keys) >= 3
    assert_not_logged(captured, secrets)


def test_an_observation_submitted_routed_and_failing_leaves_its_words_out_of_the_logs(
    volunteer, coordinator, west_practice, django_capture_on_commit_callbacks, captured
):
    """What a volunteer noticed and what the client wants never reach a log, also when the
    routing fails with an error that quotes them (a database error's DETAIL can)."""
    from unittest import mock

    from escalations.enums import RoutingStatus
    from escalations.models import Escalation
    from tests.escalations.helpers import visit
    from tests.factories import ClientFactory

    mary = visit(volunteer, ClientFactory(practice=west_practice, first_name="Mary"))
    client = Client()
    client.force_login(volunteer)
    secrets = {}

    def submit(n):
        noticed = f"Her left ankle is swollen and purple after the stairs {n}"
        wants = f"Please ask Dr Penhaligon to call her daughter Morwenna {n}"
        secrets[f"noticed {n}"] = noticed
        secrets[f"client wants {n}"] = wants
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("escalations:observation_create"),
                {
                    "submission_key": f"00000000-0000-4000-8000-00000000000{n}",
                    "client": mary.pk,
                    "noticed": noticed,
                    "kind": "fall",
                    "urgency": "urgent",
                    "client_wants": wants,
                },
            )
        assert response.status_code == 302
        return Escalation.objects.get(observation__noticed=noticed)

    routed = submit(1)
    assert routed.routing_status == RoutingStatus.DONE

    def quoting_error(**kwargs):
        raise ValueError(f"cannot route: {secrets['noticed 2']} / {secrets['client wants 2']}")

    with mock.patch("escalations.routing.choose_route", side_effect=quoting_error):
        failed = submit(2)
    assert failed.routing_status == RoutingStatus.FAILED
    # The coordinators see the reason on the escalation; the log only says that it failed.
    assert secrets["noticed 2"] in failed.routing_error
    assert any(f"routing {failed.pk} failed" in t for t in captured.texts)
    assert any("ValueError" in t for t in captured.texts)
    assert_not_logged(captured, secrets)
