from django.apps import AppConfig


class PeersupportConfig(AppConfig):
    name = "peersupport"
    verbose_name = "Peer support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from livingwell.calendar import CALENDAR_SOURCES
        from livingwell.home import HOME_PANELS

        from .calendar import meeting_events
        from .home import meetings_panel

        if meeting_events not in CALENDAR_SOURCES:
            CALENDAR_SOURCES.append(meeting_events)
        if meetings_panel not in HOME_PANELS:
            HOME_PANELS.append(meetings_panel)
