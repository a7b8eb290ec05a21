"""``livingwell.reversing.reverse`` and the builtin ``{% url %}`` tag give Django's answers."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, get_resolver, include, set_script_prefix
from django.urls import reverse as django_reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from livingwell import reversing

TEST_URLS = "tests.livingwell.urls_reversing"


def _outcome(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except NoReverseMatch:
        return NoReverseMatch


def _named_patterns(resolver=None, prefix=""):
    """Every name of the project's URL configuration, with its number of arguments."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _named_patterns(p, ns)
        elif p.name:
            yield f"{prefix}{p.name}", p.pattern.regex.groups


def test_every_name_of_the_project_reverses_as_django_does():
    names = list(_named_patterns())
    assert len(names) > 50
    for name, n in names:
        for args in ([7] * n, [0] * n, [123456] * n, ["x"] * n, [True] * n):
            assert _outcome(reversing.reverse, name, args=args) == _outcome(
                django_reverse, name, args=args
            ), (name, args)


@override_settings(ROOT_URLCONF=TEST_URLS)
@given(
    name=st.sampled_from(
        ["thing", "part", "by_name", "year", "small", "sentinel_in_path", "home", "missing"]
    ),
    app=st.sampled_from(["one", "two"]),
    args=st.lists(
        st.one_of(
            st.integers(min_value=-3, max_value=10**12),
            st.booleans(),
            st.sampled_from(["a-slug", "2024", "x/y", ""]),
        ),
        max_size=3,
    ),
)
def test_any_arguments_give_djangos_answer(name, app, args):
    view = f"{app}:{name}"
    assert _outcome(reversing.reverse, view, args=args) == _outcome(django_reverse, view, args=args)


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_a_pattern_that_refuses_some_numbers_is_left_to_django():
    assert reversing.reverse("one:year", args=[2024]) == "/one/year/2024/"
    with pytest.raises(NoReverseMatch):
        reversing.reverse("one:year", args=[20245])
    assert reversing.reverse("one:small", args=[3]) == "/one/small/3/"
    with pytest.raises(NoReverseMatch):
        reversing.reverse("one:small", args=[0])
    # The number used to find the text around the arguments may be in the path itself.
    assert reversing.reverse("one:sentinel_in_path", args=[5]) == "/one/9083716254/5/"


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_keyword_arguments_and_current_app_as_django():
    assert reversing.reverse("one:thing", kwargs={"pk": 4}) == "/one/thing/4/"
    for current_app in (None, "one", "two"):
        assert reversing.reverse("app:thing", args=[4], current_app=current_app) == (
            django_reverse("app:thing", args=[4], current_app=current_app)
        )


def test_a_changed_url_configuration_is_not_answered_from_the_old_one():
    before = reversing.reverse("home")
    with override_settings(ROOT_URLCONF=TEST_URLS):
        assert reversing.reverse("one:home") == "/one/"
        with pytest.raises(NoReverseMatch):
            reversing.reverse("home")
    assert reversing.reverse("home") == before


def test_the_script_prefix_and_language_are_part_of_the_answer():
    name = "escalations:detail"
    try:
        set_script_prefix("/lw/")
        assert reversing.reverse(name, args=[3]) == django_reverse(name, args=[3])
        assert reversing.reverse(name, args=[3]).startswith("/lw/")
    finally:
        set_script_prefix("/")
    assert reversing.reverse(name, args=[3]) == django_reverse(name, args=[3])
    with translation.override("fr"):
        assert reversing.reverse(name, args=[3]) == django_reverse(name, args=[3])


@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize(
    "source",
    [
        "{% url 'one:thing' 5 %}",
        "{% url 'one:part' 5 n %}",
        "{% url 'one:by_name' 'a-b' %}",
        "{% url 'one:thing' pk=5 %}",
        "{% url 'one:thing' 5 as link %}[{{ link }}]",
        "{% url 'one:missing' as link %}[{{ link }}]",
        "{% url name 5 %}",
        "{% url 'app:thing' 5 %}",
        "{% autoescape off %}{% url 'one:by_name' odd %}{% endautoescape %}",
        "{% url 'one:by_name' odd %}",
    ],
)
def test_the_url_tag_renders_as_djangos(source):
    values = {"n": 9, "name": "two:thing", "odd": "a-b"}
    request = RequestFactory().get("/")
    for req in (None, request):
        ours = Template(source).render(Context(values | {"request": req}))
        # Django's own tag, under another name.
        theirs = Template(
            source.replace("{% url", "{% django_url"),
            engine=_django_engine(),
        ).render(Context(values | {"request": req}))
        assert ours == theirs, source


def test_the_url_tag_raises_as_djangos_for_a_missing_name():
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-page' %}").render(Context({}))


def _django_engine():
    from django.template import Engine, Library, defaulttags

    library = Library()
    library.tag("django_url", defaulttags.url)
    engine = Engine(builtins=["django.template.defaulttags"])
    engine.template_builtins.append(library)
    return engine


def test_every_template_uses_the_quick_tag():
    from livingwell.templatetags.urls import URLNode

    node = Template("{% url 'home' %}").nodelist[0]
    assert type(node) is URLNode


def test_django_is_asked_once_a_name_not_once_a_call(monkeypatch):
    calls = []
    real = reversing.django_reverse

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    reversing.clear()
    monkeypatch.setattr(reversing, "django_reverse", counted)
    paths = [reversing.reverse("escalations:detail", args=[pk]) for pk in range(1, 51)]
    assert paths == [real("escalations:detail", args=[pk]) for pk in range(1, 51)]
    assert len(calls) == 2  # the long and the one-digit numbers, once


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_patterns_changed_and_djangos_caches_cleared_are_followed():
    from django.urls import clear_url_caches, path

    from tests.livingwell import urls_reversing

    assert reversing.reverse("one:thing", args=[4]) == "/one/thing/4/"
    original = list(urls_reversing.urlpatterns)
    moved = (
        [path("item/<int:pk>/", urls_reversing.view, name="thing")],
        "app",
    )
    try:
        urls_reversing.urlpatterns[:] = [path("one/", include(moved, namespace="one"))]
        clear_url_caches()
        assert reversing.reverse("one:thing", args=[4]) == "/one/item/4/"
    finally:
        urls_reversing.urlpatterns[:] = original
        clear_url_caches()
    assert reversing.reverse("one:thing", args=[4]) == "/one/thing/4/"


def test_redirect_goes_where_djangos_goes():
    from django.shortcuts import redirect as django_redirect

    for name, args in (("escalations:my_observation", (12,)), ("escalations:triage", ())):
        ours, django = reversing.redirect(name, *args), django_redirect(name, *args)
        assert (ours.status_code, ours["Location"]) == (django.status_code, django["Location"])


def test_redirect_asks_django_once_a_name(monkeypatch):
    asked = []
    monkeypatch.setattr(
        reversing, "django_reverse", lambda *a, **k: asked.append(a) or django_reverse(*a, **k)
    )
    reversing.clear()
    paths = {reversing.redirect("escalations:my_observation", pk)["Location"] for pk in (1, 2, 3)}
    assert paths == {f"/observations/{pk}/" for pk in (1, 2, 3)}
    assert len(asked) == 2  # the long and the one-digit numbers, for the name's first use
