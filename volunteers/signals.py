"""Signals that higher apps listen to (clients, escalations and mdt may not be imported here)."""

from django.dispatch import Signal

# Sent when a volunteer's confidentiality agreement stops being current (a new version comes
# into force, or a signature is removed): kwargs ``volunteer``. MDT agendas drop the volunteer.
agreement_lapsed = Signal()
