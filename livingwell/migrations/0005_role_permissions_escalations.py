from django.db import migrations


def sync(apps, schema_editor):
    from livingwell.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Roles gain the permissions for outcomes' responses, questions, the on-call rota and
    stories."""

    dependencies = [
        ("livingwell", "0004_merge_audit_append_only_and_peersupport_roles"),
        ("escalations", "0003_outcomes_stories_and_routing_fields"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
