"""Every form in the access matrix, filled with random text and unicode: never a server error.

The forms are read from the rendered page (so a new field is fuzzed without a change here);
choices get one of their own values or random text. A form page is any row marked
``form=True`` in access_matrix.py, which the matrix test insists on.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.otp import force_login_verified

from .access_matrix import MATRIX
from .html_forms import post_forms

pytestmark = pytest.mark.django_db

FORM_PAGES = sorted(name for name, row in MATRIX.items() if row.form)

# Random text of every kind: unicode, control characters and NUL, long strings.
TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(["", " ", "0", "-1", "9" * 30, "1e309", "NaN", "2026-02-30", "\x00"]),
)


def field_strategy(kind, default):
    if kind == "choice":
        return st.one_of(st.sampled_from(default or [""]), TEXT)
    if kind == "hidden":
        return st.one_of(st.just(default), TEXT)
    return TEXT


@pytest.mark.parametrize("name", FORM_PAGES)
def test_random_input_never_gets_a_server_error(name, world):
    row = MATRIX[name]
    client = Client(raise_request_exception=False)
    if row.fuzz_as != "anonymous":
        force_login_verified(client, world.users[row.fuzz_as])
    url = reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)
    page = client.get(url)
    assert page.status_code == 200
    forms = [form for form in post_forms(page.content.decode()) if form.typed]
    assert forms, f"{name} is marked form=True but has no form to fill in"

    for form in forms:
        fuzz(client, name, form.action or url, form.fields)


def fuzz(client, name, action, fields):
    strategy = st.fixed_dictionaries(
        {field: field_strategy(kind, default) for field, (kind, default) in fields.items()}
    )

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=strategy)
    def post_random(data):
        response = client.post(action, data)
        assert response.status_code < 500, (name, data, response.content[:2000])

    post_random()
