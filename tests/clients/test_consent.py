"""Current consent is derived from the records: the latest per scope wins."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.consent import (
    client_consents_to,
    current_consent_records,
    current_consents,
    latest_consent_action,
)
from clients.enums import ConsentAction, ConsentMethod, ConsentScope
from clients.models import Client, ConsentRecord
from clients.services import consent_record
from clients.signals import consent_withdrawn
from livingwell.models import AuditEntry
from tests.factories import ClientFactory, ConsentRecordFactory

pytestmark = pytest.mark.django_db

SCOPES = st.sampled_from(ConsentScope.values)
ACTIONS = st.sampled_from(ConsentAction.values)
BASE = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)

db_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@db_settings
@given(
    events=st.lists(
        # Minutes after BASE: small, so that ties (same time) happen and the id breaks them.
        st.tuples(SCOPES, ACTIONS, st.integers(min_value=0, max_value=5)),
        max_size=12,
    )
)
def test_consent_latest_record_per_scope_wins(west_practice, events):
    client = ClientFactory(practice=west_practice)
    expected: dict[str, tuple] = {}
    for scope, action, minutes in events:
        at = BASE + dt.timedelta(minutes=minutes)
        record = ConsentRecordFactory(client=client, scope=scope, action=action, recorded_at=at)
        key = (at, record.pk)
        if scope not in expected or key > expected[scope][0]:
            expected[scope] = (key, action)
    want = {
        s: (s in expected and expected[s][1] == ConsentAction.GIVEN) for s in ConsentScope.values
    }

    assert current_consents(client) == want
    assert {s: client_consents_to(client, s) for s in ConsentScope.values} == want
    annotated = Client.objects.annotate(
        **{f"c_{s}": latest_consent_action(s) for s in ConsentScope.values}
    ).get(pk=client.pk)
    assert {
        s: getattr(annotated, f"c_{s}") == ConsentAction.GIVEN for s in ConsentScope.values
    } == want
    records = current_consent_records(client)
    assert {
        s: (records[s] is not None and records[s].action == ConsentAction.GIVEN)
        for s in ConsentScope.values
    } == want


@db_settings
@given(events=st.lists(st.tuples(SCOPES, ACTIONS), max_size=10))
def test_consent_through_the_service_last_act_wins(west_practice, coordinator, events):
    client = ClientFactory(practice=west_practice)
    for scope, action in events:
        consent_record(
            client=client,
            scope=scope,
            action=action,
            method=ConsentMethod.SPOKEN,
            privacy_notice_version="2025-1",
            by=coordinator,
        )
    last = dict(events)  # later tuples overwrite earlier ones: the last act per scope
    assert current_consents(client) == {
        s: last.get(s) == ConsentAction.GIVEN for s in ConsentScope.values
    }


def test_no_records_means_no_consent(west_practice):
    client = ClientFactory(practice=west_practice)
    assert current_consents(client) == dict.fromkeys(ConsentScope.values, False)
    assert not client_consents_to(client, ConsentScope.MDT_CHAMPION)


def test_one_clients_records_never_count_for_another(west_practice):
    a, b = ClientFactory(practice=west_practice), ClientFactory(practice=west_practice)
    ConsentRecordFactory(client=a, scope=ConsentScope.MDT_CHAMPION)
    assert client_consents_to(a, ConsentScope.MDT_CHAMPION)
    assert not client_consents_to(b, ConsentScope.MDT_CHAMPION)


def test_consent_record_audits_and_keeps_who_and_how(west_practice, coordinator):
    client = ClientFactory(practice=west_practice)
    record = consent_record(
        client=client,
        scope=ConsentScope.ANONYMISED_STORY,
        action=ConsentAction.GIVEN,
        method=ConsentMethod.WRITTEN,
        privacy_notice_version="2025-2",
        by=coordinator,
        notes="Daughter present",
    )
    assert (record.recorded_by, record.method, record.privacy_notice_version) == (
        coordinator,
        ConsentMethod.WRITTEN,
        "2025-2",
    )
    entry = AuditEntry.objects.get(object_type="clients.consentrecord", object_id=str(record.pk))
    assert (entry.actor, entry.action, entry.client_id) == (coordinator, "create", client.pk)
    assert entry.summary == "Consent given: An anonymised story of their case may be shared"
    assert record.history.count() == 1


def test_withdrawal_sends_signal_inside_the_transaction(west_practice, coordinator):
    client = ClientFactory(practice=west_practice)
    heard = []

    def receiver(sender, client, scope, by, **kwargs):
        heard.append(
            (
                client.pk,
                scope,
                by,
                transaction.get_connection().in_atomic_block,
                ConsentRecord.objects.filter(client=client, action="withdrawn").count(),
            )
        )

    consent_withdrawn.connect(receiver)
    try:
        consent_record(
            client=client,
            scope=ConsentScope.MDT_CHAMPION,
            action=ConsentAction.GIVEN,
            method=ConsentMethod.SPOKEN,
            privacy_notice_version="1",
            by=coordinator,
        )
        assert heard == []  # giving sends nothing
        consent_record(
            client=client,
            scope=ConsentScope.MDT_CHAMPION,
            action=ConsentAction.WITHDRAWN,
            method=ConsentMethod.SPOKEN,
            privacy_notice_version="1",
            by=coordinator,
        )
    finally:
        consent_withdrawn.disconnect(receiver)
    # Heard once, with the record already written, inside the same transaction.
    assert heard == [(client.pk, ConsentScope.MDT_CHAMPION, coordinator, True, 1)]


def test_withdrawal_is_undone_if_a_receiver_fails(west_practice, coordinator):
    client = ClientFactory(practice=west_practice)
    ConsentRecordFactory(client=client, scope=ConsentScope.MDT_CHAMPION)

    def receiver(**kwargs):
        raise RuntimeError("agenda could not be updated")

    consent_withdrawn.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            consent_record(
                client=client,
                scope=ConsentScope.MDT_CHAMPION,
                action=ConsentAction.WITHDRAWN,
                method=ConsentMethod.SPOKEN,
                privacy_notice_version="1",
                by=coordinator,
            )
    finally:
        consent_withdrawn.disconnect(receiver)
    # All or nothing: the withdrawal is not half-recorded while the agenda still relies on it.
    assert client_consents_to(client, ConsentScope.MDT_CHAMPION)
    assert ConsentRecord.objects.filter(client=client).count() == 1
    assert not AuditEntry.objects.filter(client_id=client.pk).exists()


def test_consent_record_refuses_unknown_scope(west_practice, coordinator):
    from django.core.exceptions import ValidationError

    client = ClientFactory(practice=west_practice)
    with pytest.raises(ValidationError):
        consent_record(
            client=client,
            scope="marketing",
            action=ConsentAction.GIVEN,
            method=ConsentMethod.SPOKEN,
            privacy_notice_version="1",
            by=coordinator,
        )
    assert not ConsentRecord.objects.exists()


def test_recorded_at_is_now(west_practice, coordinator):
    client = ClientFactory(practice=west_practice)
    before = timezone.now()
    record = consent_record(
        client=client,
        scope=ConsentScope.MDT_CHAMPION,
        action="given",
        method="spoken",
        privacy_notice_version="1",
        by=coordinator,
    )
    assert before <= record.recorded_at <= timezone.now()
