from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # clients cannot import escalations, so a withdrawal reaches the stories by signal.
        from clients.panels import CLIENT_PAGE_PANELS
        from clients.signals import consent_withdrawn
        from livingwell.home import HOME_PANELS

        from . import receivers
        from .home import client_page_panel, escalations_panel

        consent_withdrawn.connect(
            receivers.unpublish_stories_on_withdrawal, dispatch_uid="escalations.stories"
        )
        if escalations_panel not in HOME_PANELS:
            HOME_PANELS.append(escalations_panel)
        if client_page_panel not in CLIENT_PAGE_PANELS:
            CLIENT_PAGE_PANELS.append(client_page_panel)
