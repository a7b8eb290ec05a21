"""Every named URL of the URL configuration, read from the resolver (namespaces included)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# A value each path converter accepts, for pages reached before their view runs (the
# second-factor gate answers before any lookup).
DUMMY_VALUES = {"int": 999999, "slug": "no-such-thing", "str": "no-such-thing", "path": "x/y"}


@dataclass(frozen=True)
class NamedUrl:
    name: str  # "clients:detail", "home", "admin:index"
    converters: dict  # kwarg name -> converter class name ("int", "slug", ...)

    def dummy_path(self) -> str:
        kwargs = {}
        for kwarg, converter in self.converters.items():
            if converter == "regex":
                raise ValueError(f"{self.name}: a re_path() group ({kwarg}) has no dummy value")
            kwargs[kwarg] = uuid.uuid4() if converter == "uuid" else DUMMY_VALUES[converter]
        return reverse(self.name, kwargs=kwargs)


def _converter_name(converter) -> str:
    name = type(converter).__name__.lower().replace("converter", "")
    return {"integer": "int", "string": "str"}.get(name, name)


def named_urls(resolver=None, namespace: str = "", converters=None) -> list[NamedUrl]:
    resolver = resolver or get_resolver()
    converters = dict(converters or {})
    found = []
    for entry in resolver.url_patterns:
        entry_converters = dict(converters)
        entry_converters.update(
            {k: _converter_name(v) for k, v in getattr(entry.pattern, "converters", {}).items()}
        )
        # re_path() patterns: their groups have no converter; name them by the regex.
        for group in entry.pattern.regex.groupindex:
            entry_converters.setdefault(group, "regex")
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            found.extend(named_urls(entry, ns, entry_converters))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append(NamedUrl(f"{namespace}{entry.name}", entry_converters))
    # A name can be defined twice (the last one wins in reverse()); keep the first seen.
    unique = {}
    for url in found:
        unique.setdefault(url.name, url)
    return sorted(unique.values(), key=lambda u: u.name)


def is_admin_internal(name: str) -> bool:
    """The Django admin's own pages beyond its index and login: every one of them goes through
    ``AdminSite.admin_view``, whose permission check test_admin.py proves for every model."""
    return name.startswith("admin:") and name not in {"admin:index", "admin:login"}
