"""Django's message storage (a signed cookie, the session for what does not fit), with short
cookies left uncompressed."""

from __future__ import annotations

from django.contrib.messages.storage import cookie, fallback, session
from django.contrib.messages.storage.cookie import MessagePartGatherSerializer

# Serialized messages at least this long are compressed, as Django compresses every cookie.
COMPRESS_FROM = 512


class CookieStorage(cookie.CookieStorage):
    """Django's cookie, compressed only when its messages are long enough to gain from it.

    Django tries zlib on every cookie it writes and keeps the result when it is shorter. zlib
    sets up its compressor afresh each time, which costs more than all the rest of a message
    (70 us for one sentence on the developers' machines, against 3 us for its JSON), and one or
    two sentences come out no shorter. Under ``COMPRESS_FROM`` characters the cookie is signed
    as it is, about 700 characters at most, well inside the cookie's limit; longer, it is
    compressed as Django does. Reading is Django's, which takes either.
    """

    def _encode_parts(self, messages, encode_empty=False):
        if messages or encode_empty:
            return self.signer.sign_object(
                messages,
                serializer=MessagePartGatherSerializer,
                compress=sum(map(len, messages)) >= COMPRESS_FROM,
            )


class FallbackStorage(fallback.FallbackStorage):
    """Django's default storage, with the cookie above."""

    storage_classes = (CookieStorage, session.SessionStorage)
