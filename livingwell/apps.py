from django.apps import AppConfig


class LivingwellConfig(AppConfig):
    name = "livingwell"
    verbose_name = "Living Well"
    default_auto_field = "django.db.models.BigAutoField"
