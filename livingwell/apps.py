from django.apps import AppConfig


class LivingwellConfig(AppConfig):
    name = "livingwell"
    verbose_name = "Living Well"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
