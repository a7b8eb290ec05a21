"""The Jinja2 partials of long lists (``livingwell.jinja``, ``{% rows %}``) give what Django's
templates gave: the same dates and URLs, escaped values, and no silently empty cells."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template, engines
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import UndefinedError

from livingwell.jinja import HERE, Here

from .test_dates import TEMPLATE_FORMATS, _outcome

env = engines["jinja2"].env
aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("America/New_York")]),
)
days = st.dates(min_value=dt.date(1, 1, 1))


values = st.one_of(aware, aware.map(lambda d: d.replace(tzinfo=None)), days, st.none(), st.text())


@given(value=values)
def test_date_filter_is_the_django_templates_one_in_local_time(value):
    django, jinja = Template("{{ v|date:f }}"), env.from_string("{{ v|date(f) }}")
    here = Here()  # as {% rows %} gives a partial: read once, used for every cell
    for fmt in TEMPLATE_FORMATS:
        expected = _outcome(django.render, Context({"v": value, "f": fmt}))
        assert _outcome(jinja.render, v=value, f=fmt) == expected
        assert _outcome(jinja.render, v=value, f=fmt, **{HERE: here}) == expected


def test_date_filter_speaks_the_current_language():
    value = dt.datetime(2026, 7, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("fr"):
        assert env.from_string('{{ v|date("l j F Y, H:i") }}').render(v=value) == (
            Template('{{ v|date:"l j F Y, H:i" }}').render(Context({"v": value}))
        )
    assert env.from_string('{{ v|date("D j M H:i") }}').render(v=value) == "Sat 1 Aug 00:30"


@pytest.mark.parametrize("here", [{}, {HERE: Here()}], ids=["alone", "in rows"])
def test_url_is_reverse(here):
    links = env.from_string(
        "{{ url('escalations:detail', 42) }} {{ url('escalations:detail', 7) }} "
        "{{ url('escalations:triage') }} {{ url('clients:assignment_end', 3, 4) }} "
        "{{ url('escalations:detail', '9') }}"
    )
    assert links.render(**here).split() == [
        reverse("escalations:detail", args=[42]),
        reverse("escalations:detail", args=[7]),
        reverse("escalations:triage"),
        reverse("clients:assignment_end", args=[3, 4]),
        reverse("escalations:detail", args=["9"]),
    ]


def test_a_partial_reads_the_language_and_time_zone_of_its_render():
    value = dt.datetime(2026, 7, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    row = env.from_string('{{ v|date("l j F Y, H:i") }}')
    with translation.override("fr"), timezone.override(ZoneInfo("America/New_York")):
        here = Here()
    assert row.render(v=value, **{HERE: here}) == "vendredi 31 juillet 2026, 19:30"
    assert row.render(v=value) == "Saturday 1 August 2026, 00:30"


def test_values_are_escaped_and_the_tag_output_is_not_escaped_twice():
    row = {"id": 7, "kind_label": "Fall", "client_first_name": "<b>Ann</b>"}
    row |= {"client_last_name": "O'Neil & Co", "by_phone": False, "urgency": "urgent"}
    row |= {"urgency_label": "Urgent", "state_label": "New", "routing_status": "done"}
    row |= {"owner": "", "overdue": False, "created_at": None, "due_at": None}
    page = Template(
        '{% load rows %}{% rows "escalations/triage/_queue_rows.html" rows=rows '
        'show_locality=False failed="failed" %}'
    ).render(Context({"rows": [row]}))
    assert "Fall: &lt;b&gt;Ann&lt;/b&gt; O&#39;Neil &amp; Co</a>" in page
    assert '<a class="govuk-link" href="/escalations/7/">' in page


def test_a_name_the_partial_was_not_given_is_an_error_not_an_empty_cell():
    with pytest.raises(UndefinedError):
        Template(
            '{% load rows %}{% rows "escalations/triage/_queue_rows.html" rows=rows %}'
        ).render(Context({"rows": [{"overdue": False, "id": 1}]}))


@pytest.mark.parametrize("text", ["one\ntwo", "a\r\nb\rc", "<script>x</script>\n&", ""])
def test_linebreaksbr_is_django_templates_one(text):
    django = Template("{{ t|linebreaksbr }}").render(Context({"t": text}))
    assert env.from_string("{{ t|linebreaksbr }}").render(t=text) == django


# Django's own tag warns of itself for "NOTPROVIDED" (``format_html("")``, deprecated in 5.x).
@pytest.mark.filterwarnings(
    "ignore:Calling format_html:django.utils.deprecation.RemovedInDjango60Warning"
)
@pytest.mark.parametrize("token", ["a1B2c3", "NOTPROVIDED", "", None])
def test_csrf_field_is_what_csrf_token_writes(token):
    django = Template("{% csrf_token %}").render(Context({"csrf_token": token}))
    assert env.from_string("{{ csrf_field(t) }}").render(t=token) == django
