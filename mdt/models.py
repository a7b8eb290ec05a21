"""MDT meetings with consented agendas. Filled in by the MDT work."""
