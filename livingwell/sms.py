"""SMS behind a backend setting (``SMS_BACKEND``); the console backend only logs."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
outbox: list[tuple[str, str]] = []


class ConsoleSMSBackend:
    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s (%d characters)", to[-4:].rjust(len(to), "*"), len(text))


class LocmemSMSBackend:
    """For tests: keeps messages in ``livingwell.sms.outbox``."""

    def send(self, *, to: str, text: str) -> None:
        outbox.append((to, text))


def send_sms(*, to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to=to, text=text)
