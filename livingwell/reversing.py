"""Django's ``reverse()``, with the same answers, quick enough for every row of a list.

Django's ``reverse()`` walks the URL resolver's tables, checks each argument against its
pattern and quotes the result, and a page makes 40 to 70 calls (the menu, the header, a link
per row). The path of a name with whole-number arguments is the same text around the numbers
whatever the numbers are, so this module asks Django once per name, number of arguments, URL
resolver, script prefix, language and current app, keeps the text around the numbers, and then
only joins it: 21 us a call against Django's 52 on the developers' machines, most of what is
left being the reads of the thread's URL configuration, script prefix and language.

Only names reversed with no arguments or with non-negative ``int`` arguments take that way, and
only when two different sets of numbers (long and one-digit) give the same text around them;
anything else (keyword arguments, strings, a pattern that would refuse some numbers) is
Django's ``reverse()`` itself, every time. The ``{% url %}`` tag of every template uses it (a
template builtin, ``livingwell.templatetags.urls``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import get_language

# Numbers that no literal part of a path holds; the second set checks one-digit numbers.
_LONG = 9_083_716_254
_SHORT = 0

# (name, number of args, URL resolver, script prefix, language, current app) -> the text
# between the numbers, or None where this name takes Django's way every time. The resolver
# itself is in the key, not the name of its URL configuration: Django makes a new one when its
# URL caches are cleared (another ROOT_URLCONF, patterns changed in a test), and the kept text
# of the old one is then never used.
_parts: dict[tuple, tuple[str, ...] | None] = {}


def reverse(viewname, args=(), kwargs=None, current_app=None) -> str:
    if kwargs or not isinstance(viewname, str) or not _plain_ints(args):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    parts = _parts_of(viewname, len(args), current_app)
    if parts is None:
        return django_reverse(viewname, args=args, current_app=current_app)
    return _join(parts, args)


def redirect(viewname: str, *args) -> HttpResponseRedirect:
    """Django's ``redirect(viewname, *args)`` for a view name, its path made by ``reverse``
    above: for a form sent many times a minute (the observation form), where Django's
    ``reverse()`` is most of the redirect's cost."""
    return HttpResponseRedirect(reverse(viewname, args))


def reverser(viewname: str, n: int, current_app=None) -> Callable[..., str]:
    """``reverse(viewname, args)`` for ``n`` args, with what it reads of this thread (URL
    configuration, script prefix, language) read now, once: for a list that links each of its
    rows to the same view. Use it within one request, as that is what it has read."""
    parts = _parts_of(viewname, n, current_app)

    def reverse_row(*args) -> str:
        if parts is None or len(args) != n or not _plain_ints(args):
            return reverse(viewname, args, current_app=current_app)
        return _join(parts, args)

    return reverse_row


def _parts_of(viewname: str, n: int, current_app) -> tuple[str, ...] | None:
    resolver = get_resolver(get_urlconf())
    key = (viewname, n, resolver, get_script_prefix(), get_language(), current_app)
    try:
        return _parts[key]
    except KeyError:
        parts = _parts[key] = _split(viewname, n, current_app)
        return parts


def _join(parts: tuple[str, ...], args) -> str:
    if not args:
        return parts[0]
    out = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        out.append(str(arg))
        out.append(part)
    return "".join(out)


def _plain_ints(args) -> bool:
    # bool is an int subclass that Django would write as "True"; only exact ints.
    return all(type(a) is int and a >= 0 for a in args)


def _split(viewname: str, n: int, current_app) -> tuple[str, ...] | None:
    """The text around ``n`` numbers in the path of ``viewname``, or None if Django refuses
    these numbers or the path is not the same text around any numbers."""
    long_args = [_LONG + i for i in range(n)]
    try:
        url = django_reverse(viewname, args=long_args, current_app=current_app)
    except NoReverseMatch:
        return None
    parts: list[str] = []
    rest = url
    for arg in long_args:
        before, sep, rest = rest.partition(str(arg))
        if not sep:
            return None
        parts.append(before)
    parts.append(rest)
    if any(str(a) in p for p in parts for a in long_args):
        return None
    try:
        short = django_reverse(viewname, args=[_SHORT] * n, current_app=current_app)
    except NoReverseMatch:
        return None
    if short != str(_SHORT).join(parts):
        return None
    return tuple(parts)


def clear() -> None:
    _parts.clear()
