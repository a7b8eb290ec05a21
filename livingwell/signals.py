"""Signals that higher apps listen to (volunteers, clients, escalations and mdt may not be
imported here)."""

from django.dispatch import Signal

# Sent when a practice's MDT protocol stops allowing volunteers to attend (kwargs ``practice``
# and ``by``), inside the transaction that saves it. MDT agendas of that practice not yet over
# drop their volunteers.
practice_stopped_volunteers = Signal()
