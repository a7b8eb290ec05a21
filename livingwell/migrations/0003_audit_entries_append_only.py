"""The audit log is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE
of its rows, whoever asks (the app, the admin, a shell). SQLite (the laptop demo) relies on
the app, which never changes an entry."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION livingwell_audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are never changed or deleted (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER livingwell_auditentry_append_only
    BEFORE UPDATE OR DELETE ON livingwell_auditentry
    FOR EACH ROW EXECUTE FUNCTION livingwell_audit_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS livingwell_auditentry_append_only ON livingwell_auditentry;
DROP FUNCTION IF EXISTS livingwell_audit_entry_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("livingwell", "0002_role_groups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
