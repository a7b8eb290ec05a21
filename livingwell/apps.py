from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, apps=None, **kwargs):
    from .roles import sync_role_groups

    sync_role_groups(apps)


class LivingwellConfig(AppConfig):
    name = "livingwell"
    verbose_name = "Living Well"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)

        # The role groups come from data migrations; syncing after every migrate (and after
        # the flush between transactional tests, which empties auth_group) keeps them whole
        # and gives a new model's permissions to the roles that ROLE_PERMISSIONS names.
        post_migrate.connect(
            _sync_role_groups, sender=self, dispatch_uid="livingwell.sync_role_groups"
        )
        from .security.backends import forget_permission_names

        post_migrate.connect(forget_permission_names, dispatch_uid="livingwell.permission_names")
