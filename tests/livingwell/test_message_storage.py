"""The messages' cookie (livingwell/message_storage.py): short ones signed uncompressed, long
ones compressed as Django does, and every one read back by Django."""

import zlib

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage as DjangoCookieStorage
from django.http import HttpResponse

from livingwell.message_storage import COMPRESS_FROM, CookieStorage, FallbackStorage


@pytest.fixture
def compressed(monkeypatch):
    calls = []
    compress = zlib.compress
    monkeypatch.setattr(zlib, "compress", lambda data, *a: calls.append(data) or compress(data, *a))
    return calls


def _stored(rf, texts) -> str:
    request = rf.get("/")
    storage = CookieStorage(request)
    for text in texts:
        storage.add(messages.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def _read(rf, cookie, storage_class=DjangoCookieStorage) -> list[str]:
    request = rf.get("/")
    request.COOKIES["messages"] = cookie
    return [str(m) for m in storage_class(request)]


def test_one_message_is_signed_without_trying_zlib(rf, compressed):
    text = "Thank you. We have it, and the right person will look at it."
    cookie = _stored(rf, [text])
    assert compressed == []
    assert not cookie.startswith(".")
    assert _read(rf, cookie) == [text]  # Django's own storage reads it


def test_long_messages_are_compressed_as_django_does(rf, compressed):
    texts = [f"Saved. It is being routed now ({i})." for i in range(30)]
    cookie = _stored(rf, texts)
    assert len(compressed) == 1 and cookie.startswith(".")
    assert _read(rf, cookie) == texts


def test_messages_just_short_of_the_threshold_fit_the_cookie_uncompressed(rf, compressed):
    # Each serialized message is its text and about 25 characters around it.
    texts = ["x" * 60 + f" {i:02d}" for i in range(5)]
    assert sum(len(t) + 25 for t in texts) < COMPRESS_FROM
    cookie = _stored(rf, texts)
    assert compressed == [] and not cookie.startswith(".")
    assert len(cookie) < DjangoCookieStorage.max_cookie_size
    assert _read(rf, cookie) == texts


def test_a_tampered_cookie_is_refused(rf):
    cookie = _stored(rf, ["Saved."])
    assert _read(rf, cookie[:-1] + ("A" if cookie[-1] != "A" else "B"), CookieStorage) == []


def test_the_fallback_keeps_the_session_for_what_does_not_fit():
    assert FallbackStorage.storage_classes[0] is CookieStorage
    assert FallbackStorage.storage_classes[1].__name__ == "SessionStorage"
