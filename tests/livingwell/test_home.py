import pytest
from django.urls import reverse

from tests.otp import give_totp_device, next_code

pytestmark = pytest.mark.django_db


def test_home_anonymous_redirects_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("volunteer", "Your visits"),
        ("coordinator", "Coordinator"),
        ("team_leader", "Team leader on call"),
        ("mdt_chair", "MDT chair"),
        ("practitioner", "Practitioner"),
        ("admin", "Administrator"),
    ],
)
def test_home_is_role_aware(users, client_for, role, heading):
    response = client_for(users[role]).get(reverse("home"))
    assert response.status_code == 200
    assert f"<title>{heading} – Living Well</title>" in response.content.decode()


def test_sign_in_and_out(client, coordinator, password):
    device = give_totp_device(coordinator)
    response = client.post(reverse("login"), {"username": "colin", "password": password})
    assert response.status_code == 302
    assert response.url == reverse("home")
    # Staff enter the code from their authenticator app before any page.
    response = client.get(reverse("home"))
    assert response.url == f"{reverse('account:otp_verify')}?next=%2F"
    response = client.post(response.url, {"code": next_code(device), "next": "/"})
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_wrong_password_shows_error_summary(client, coordinator):
    response = client.post(reverse("login"), {"username": "colin", "password": "wrong-one-here"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in body
    assert "govuk-error-summary" in body
    assert "_auth_user_id" not in client.session


def test_404_page_in_house_style(client_for, coordinator):
    response = client_for(coordinator).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "govuk-header" in response.content.decode()


def test_403_page_in_house_style(rf, coordinator):
    from livingwell.views import error_403

    request = rf.get("/")
    request.user = coordinator
    response = error_403(request)
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()
