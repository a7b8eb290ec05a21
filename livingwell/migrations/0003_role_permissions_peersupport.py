from django.db import migrations


def sync(apps, schema_editor):
    from livingwell.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Volunteer meetings: volunteers sign up and raise topics, coordinators run them."""

    dependencies = [
        ("livingwell", "0002_role_groups"),
        ("peersupport", "0001_volunteer_meetings"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
