"""The template builtin ``date`` filter gives Django's output for every value and format."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.template import Context, Template, defaultfilters
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from livingwell.templatetags import dates

# Every format the templates use, and characters the filter leaves to Django.
TEMPLATE_FORMATS = [
    "j M Y",
    "j F Y",
    "j F Y, H:i",
    "H:i",
    "j F, H:i",
    "j M H:i",
    "l j F Y, H:i",
    "l j F Y",
    "D j M Y, H:i",
    "D j M H:i",
    "r",
    "j M Y H:i",
    "j% M",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
]
FORMAT_CHARACTERS = "dDjlmnMFyYGHisNSaAPe"
formats = st.one_of(
    st.sampled_from(TEMPLATE_FORMATS),
    st.text(alphabet=FORMAT_CHARACTERS + r" ,:/-\T%", max_size=12),
)
datetimes = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
values = st.one_of(
    datetimes,
    datetimes.map(lambda d: d.date()),
    st.none(),
    st.just(""),
    st.text(max_size=5),
)


def _outcome(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - comparing what each raises
        return type(exc)


@given(value=values, fmt=formats)
def test_date_filter_matches_django_for_any_value_and_format(value, fmt):
    assert _outcome(dates.date, value, fmt) == _outcome(defaultfilters.date, value, fmt)


@given(value=datetimes, fmt=st.sampled_from(TEMPLATE_FORMATS))
def test_date_filter_matches_django_in_another_language(value, fmt):
    # Month and day names are read once for each language, not once for all.
    with translation.override("fr"):
        assert dates.date(value, fmt) == defaultfilters.date(value, fmt)
    with translation.override("de"):
        assert dates.date(value, fmt) == defaultfilters.date(value, fmt)
    assert dates.date(value, fmt) == defaultfilters.date(value, fmt)


def test_date_filter_is_the_builtin_and_shows_local_time():
    # 23:30 UTC on 31 July is 00:30 on 1 August in London (summer time).
    late = dt.datetime(2026, 7, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    rendered = Template('{{ at|date:"D j M H:i" }}|{{ day|date:"j F Y" }}|{{ none|date:"j M" }}')
    out = rendered.render(Context({"at": late, "day": dt.date(2026, 1, 2), "none": None}))
    assert out == "Sat 1 Aug 00:30|2 January 2026|"
    assert any(lib.filters.get("date") is dates.date for lib in rendered.engine.template_builtins)


def test_date_filter_escapes_backslashed_characters_as_django_does():
    value = dt.datetime(2026, 3, 4, 5, 6)
    assert dates.date(value, r"\Y\e\s j") == "Yes 4"
    assert dates.date(value, r"j \o\f F") == defaultfilters.date(value, r"j \o\f F")
