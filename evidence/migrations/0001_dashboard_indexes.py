from django.db import migrations

# The evidence dashboard's cohort query (evidence.metrics.escalation_figures) reads a
# locality's escalations by created_at and aggregates kind, the step times and the due time.
# On PostgreSQL the INCLUDE columns make it an index-only scan. The index lives here, not in
# escalations' models, because only this read-only dashboard needs it.
POSTGRES = """
CREATE INDEX IF NOT EXISTS evidence_escalation_cohort
ON escalations_escalation (locality_id, created_at)
INCLUDE (kind, triaged_at, referred_at, closed_at, due_at)
"""
OTHER = """
CREATE INDEX IF NOT EXISTS evidence_escalation_cohort
ON escalations_escalation (locality_id, created_at)
"""
DROP = "DROP INDEX IF EXISTS evidence_escalation_cohort"


def create(apps, schema_editor):
    schema_editor.execute(POSTGRES if schema_editor.connection.vendor == "postgresql" else OTHER)


def drop(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0002_initial")]

    operations = [migrations.RunPython(create, drop)]
