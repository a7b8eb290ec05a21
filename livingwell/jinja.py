"""The Jinja2 environment of the partials: the rows of long lists, and the top of the layout
every page shares.

Django's template engine costs 4-6 us a variable and 1-2 us a node: the triage queue's 50 rows
of six cells took 6 to 9 ms of its page here. Jinja2 compiles a template to Python code, and
the same rows, byte for byte, take 1.3 ms. Pages stay Django templates (their layout, forms and
messages); a list's rows, the layout's head, header and menu
(``livingwell/jinja2/layout/_top.html``) and the content of the busiest pages (the triage
queue, the escalation page, the client page, the MDT agenda's items) are Jinja2 partials, under
``<app>/jinja2/...``, drawn by ``{% rows %}`` (``livingwell.templatetags.rows``) with exactly
the values it is given. A form on such a page is drawn by crispy in the view and given as
HTML; ``{% csrf_token %}`` is ``{{ csrf_field(csrf_token) }}``, of the token it is given.
Quotes come out as ``&#39;`` and ``&#34;`` (markupsafe) where Django writes ``&#x27;`` and
``&quot;``: the same text.

The partials have what the Django templates use: ``url()`` (the project's quick
``reverse()``), ``static()`` (Django's ``{% static %}``, kept per file), the ``date`` filter
(the project's, after converting an aware datetime to the current time zone as Django's
templates do) and Django's ``linebreaksbr``; autoescaping is always on. A name they are not
given is an error, not an empty string, so that a typo fails a test instead of hiding a cell.

What a link and a date read of the thread (language, time zone, URL configuration and prefix)
is read once for each render of a partial (``Here``), not once for each cell: each such read
costs about 5 us here, and a row has several.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, partial

import jinja2
from crispy_forms_gds.templatetags.crispy_forms_gds import is_checkbox, is_radios
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from jinja2 import StrictUndefined, pass_context

from .reversing import reverser
from .templatetags.dates import format_date
from .templatetags.gds_options import radio_options

HERE = "_here"  # the name of a render's Here among its values


class Here:
    """The current language, time zone and URLs, read once for one render of a partial."""

    __slots__ = ("language", "tz", "use_tz", "links")

    def __init__(self):
        self.language = get_language()
        self.use_tz = settings.USE_TZ
        self.tz = timezone.get_current_timezone() if self.use_tz else None
        self.links = {}

    def url(self, viewname: str, *args) -> str:
        try:
            reverse_row = self.links[viewname, len(args)]
        except KeyError:
            reverse_row = self.links[viewname, len(args)] = reverser(viewname, len(args))
        return reverse_row(*args)

    def date(self, value, arg=None) -> str:
        # As django.utils.timezone.template_localtime, with the time zone already read.
        if (
            isinstance(value, dt.datetime)
            and self.use_tz
            and not timezone.is_naive(value)
            and getattr(value, "convert_to_local_time", True)
        ):
            value = value.astimezone(self.tz)  # timezone.localtime, its checks made above
        return format_date(value, arg, self.language)


def _here(context) -> Here:
    # A partial drawn by {% rows %} has one; one rendered any other way reads the thread now.
    here = context.get(HERE)
    return here if here is not None else Here()


@pass_context
def url(context, viewname: str, *args) -> str:
    return _here(context).url(viewname, *args)


@pass_context
def date(context, value, arg=None) -> str:
    return _here(context).date(value, arg)


class Environment(jinja2.Environment):
    def getattr(self, obj, attribute):
        # ``row.name`` reads a dict's key first, as Django's templates do: the rows are dicts
        # (``values()``), and Jinja2's attribute-then-key order raised an AttributeError for
        # each of a table's cells (a third of the partial's time).
        if obj.__class__ is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def csrf_field(token) -> str:
    """Django's ``{% csrf_token %}`` for a partial, which is given the ``csrf_token`` and not the
    request: the hidden input, or nothing when there is no token."""
    if not token or str(token) == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


@cache
def static(path: str) -> str:
    """Django's ``{% static %}``: the URL of a static file (with its content's hash in
    production), worked out once per process (60 us a file here, four on every page)."""
    return staticfiles_storage.url(path)


@receiver(setting_changed)
def _forget_static_urls(*, setting, **kwargs):
    if setting in {"STORAGES", "STATIC_URL", "STATIC_ROOT"}:
        static.cache_clear()


def environment(**options) -> Environment:
    options |= {"autoescape": True, "undefined": StrictUndefined}
    env = Environment(**options)  # noqa: S701 - autoescape is set on the line above
    env.globals["url"] = url
    env.globals["static"] = static
    env.globals["csrf_field"] = csrf_field
    # What crispy-forms-gds's field template asks of a field (livingwell/jinja2/gds/_field.html).
    env.filters["is_radios"] = is_radios
    env.filters["is_checkbox"] = is_checkbox
    env.filters["radio_options"] = radio_options
    env.filters["date"] = date
    env.filters["linebreaksbr"] = partial(linebreaksbr, autoescape=True)
    return env
