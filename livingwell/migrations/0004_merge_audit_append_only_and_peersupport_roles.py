from django.db import migrations


class Migration(migrations.Migration):
    """Joins two independent 0003 migrations: the audit trigger and the peer-support roles."""

    dependencies = [
        ("livingwell", "0003_audit_entries_append_only"),
        ("livingwell", "0003_role_permissions_peersupport"),
    ]

    operations = []
