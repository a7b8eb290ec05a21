from django.db import migrations


def sync(apps, schema_editor):
    from livingwell.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """One group per role with its permissions. Later permission changes add a migration
    that calls the same function."""

    dependencies = [
        ("livingwell", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("volunteers", "0001_initial"),
        ("clients", "0002_initial"),
        ("escalations", "0002_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
