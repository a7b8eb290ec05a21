"""Signals that higher apps listen to (clients, escalations and mdt may not be imported here)."""

from django.dispatch import Signal

# Sent when a volunteer's confidentiality agreement stops being current (a new version comes
# into force, or a signature is removed): kwargs ``volunteer`` and ``agreement`` (the version now
# current). Sent by ``volunteers.services`` inside the transaction that makes the change, and
# possibly more than once for the same volunteer: receivers must be idempotent. MDT agendas
# drop the volunteer.
agreement_lapsed = Signal()

# Sent when a volunteer's wish to attend MDTs changes away from "yes" (kwargs ``volunteer``),
# inside the transaction that saves it. MDT agendas not yet over drop the volunteer.
mdt_wish_withdrawn = Signal()
