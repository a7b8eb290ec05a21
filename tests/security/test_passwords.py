"""Passwords: at least 12 characters, long passphrases and pasting welcome, common refused."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSPHRASE = (
    "Mae'r môr yn las a'r gwynt yn gryf — and the pasty is still warm at Penzance station, "
    "platform two 🚂 " * 3
)


def change(client, old, new):
    return client.post(
        reverse("account:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_a_long_unicode_passphrase_is_accepted(client_for, volunteer, password):
    assert len(PASSPHRASE) > 250
    response = change(client_for(volunteer), password, PASSPHRASE)
    assert response.url == reverse("account:overview")
    volunteer.refresh_from_db()
    assert volunteer.check_password(PASSPHRASE)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("1q2w3e4r5t6y", "too common"),
        ("730194628501", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client_for, volunteer, password, new, message):
    response = change(client_for(volunteer), password, new)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Change your password" in body
    assert message in body
    volunteer.refresh_from_db()
    assert volunteer.check_password(password)


def test_a_password_like_the_username_is_refused(volunteer):
    volunteer.username = "veronica.penrose"
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("veronica.penrose1", user=volunteer)


@pytest.mark.parametrize("page", ["login", "account:password_change"])
def test_password_fields_allow_pasting_and_password_managers(client, client_for, volunteer, page):
    if page != "login":
        client = client_for(volunteer)
    body = client.get(reverse(page)).content.decode()
    inputs = re.findall(r"<input[^>]*type=\"password\"[^>]*>", body)
    assert inputs
    for tag in inputs:
        assert re.search(r'autocomplete="(current|new)-password"', tag), tag
        assert "onpaste" not in tag and "maxlength" not in tag
    assert "onpaste" not in body
