"""Signals that higher apps listen to. A signal is used only because the direction demands it:
clients must not import escalations or mdt, yet a withdrawal has to act in them at once."""

from django.dispatch import Signal

# Sent inside the transaction that records a withdrawal: kwargs ``client``, ``scope``, ``by``.
# Receivers (MDT agendas, published stories) act in the same transaction.
consent_withdrawn = Signal()

# Sent inside the transaction that anonymises a client after the retention period: kwargs
# ``client``. Receivers blank their own free text about the client (what a volunteer noticed,
# referral letters, MDT notes) and keep the rows and their figures.
client_anonymised = Signal()
