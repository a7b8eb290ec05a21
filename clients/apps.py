from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from livingwell.home import HOME_PANELS

        from .home import clients_panel

        if clients_panel not in HOME_PANELS:
            HOME_PANELS.append(clients_panel)
