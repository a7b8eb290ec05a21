from django.db import migrations


def sync(apps, schema_editor):
    from livingwell.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Roles gain the permissions for MDT meetings, agendas and plans."""

    dependencies = [
        ("livingwell", "0005_role_permissions_escalations"),
        ("mdt", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
