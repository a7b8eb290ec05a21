"""The audit log cannot be changed: refused by PostgreSQL itself; people who appear in it
cannot be deleted (deactivate them)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from livingwell.audit import audit
from livingwell.enums import AuditAction
from livingwell.models import AuditEntry
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(coordinator, west):
    return audit(actor=coordinator, action=AuditAction.VIEW, obj=west, summary="Opened")


def needs_postgresql():
    if connection.vendor != "postgresql":
        require_or_skip("the audit table's trigger exists on PostgreSQL only (set DATABASE_URL)")


def test_postgresql_refuses_to_update_an_audit_entry(entry):
    needs_postgresql()
    refused = pytest.raises(DatabaseError, match="audit entries are never changed")
    with refused, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="Nothing to see")
    entry.refresh_from_db()
    assert entry.summary == "Opened"


def test_postgresql_refuses_to_delete_an_audit_entry(entry):
    needs_postgresql()
    refused = pytest.raises(DatabaseError, match="audit entries are never changed")
    with refused, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    refused = pytest.raises(DatabaseError, match="DELETE refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM livingwell_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_postgresql_still_takes_new_entries(entry, coordinator, west):
    needs_postgresql()
    audit(actor=coordinator, action=AuditAction.UPDATE, obj=west, summary="Renamed")
    assert AuditEntry.objects.count() == 2


def test_someone_in_the_audit_log_cannot_be_deleted(entry, coordinator):
    with pytest.raises(ProtectedError):
        coordinator.delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor == coordinator
