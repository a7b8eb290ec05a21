"""Retention: clients with no contact for RETENTION_YEARS are anonymised, the figures stay."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from clients.enums import ClientStatus
from clients.models import Client
from clients.signals import client_anonymised
from clients.tasks import retention_anonymise
from escalations.models import Observation
from livingwell.enums import AuditAction
from livingwell.models import AuditEntry
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    ConsentRecordFactory,
    NeedFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

TZ = dt.UTC
LONG_AGO = dt.datetime(2015, 3, 2, 10, 0, tzinfo=TZ)
NOW = dt.datetime(2025, 6, 1, 2, 30, tzinfo=TZ)  # the nightly run


def recorded(when, **kwargs):
    with time_machine.travel(when, tick=False):
        return ClientFactory(created_at=when, **kwargs)


@pytest.fixture
def old_client(west_practice, volunteer):
    """Recorded in 2015, a volunteer saw her until 2016, one observation in 2016."""
    client = recorded(
        LONG_AGO,
        first_name="Elowen",
        last_name="Trewin",
        practice=west_practice,
        nhs_number="9434765870",
        phone="01736 123456",
        visit_notes="Ring twice; she loves talking about the lifeboat",
    )
    NeedFactory(client=client, kind="medical", description="Insulin at 8am")
    ConsentRecordFactory(client=client, recorded_at=LONG_AGO, notes="Said yes with her daughter")
    AssignmentFactory(
        client=client,
        volunteer=volunteer.volunteer,
        started_on=LONG_AGO.date(),
        ended_on=dt.date(2016, 5, 1),
    )
    with time_machine.travel(dt.datetime(2016, 5, 1, tzinfo=TZ), tick=False):
        ObservationFactory(client=client, volunteer=volunteer.volunteer)
    return client


def test_a_client_without_contact_for_8_years_is_anonymised(old_client, coordinator):
    received = []
    client_anonymised.connect(lambda sender, client, **kw: received.append(client.pk), weak=False)
    figures_before = dashboard_figures()
    with time_machine.travel(NOW, tick=False):
        assert retention_anonymise.delay().get() == 1

    client = Client.objects.get(pk=old_client.pk)
    assert client.status == ClientStatus.ANONYMISED
    assert (client.first_name, client.last_name) == ("Anonymised", f"client {client.pk}")
    assert client.date_of_birth == dt.date(old_client.date_of_birth.year, 7, 1)
    for field in ("nhs_number", "address", "postcode", "phone", "visit_notes"):
        assert getattr(client, field) == "", field
    assert list(client.needs.values_list("kind", "description")) == [("medical", "")]
    assert list(client.consents.values_list("notes", flat=True)) == [""]
    # No earlier version of her survives in the change history.
    assert set(client.history.values_list("first_name", flat=True)) == {"Anonymised"}
    assert not client.needs.model.history.filter(description="Insulin at 8am").exists()
    # The figures the dashboard shows are the same.
    assert dashboard_figures() == figures_before
    assert received == [client.pk]
    assert AuditEntry.objects.filter(client_id=client.pk, action=AuditAction.ANONYMISE).exists()


def test_running_again_changes_nothing(old_client):
    with time_machine.travel(NOW, tick=False):
        assert retention_anonymise() == 1
        assert retention_anonymise() == 0


@pytest.mark.parametrize(
    "contact",
    ["recorded_recently", "open_assignment", "recent_observation", "recent_consent", "ended_late"],
)
def test_any_contact_within_8_years_keeps_the_client(old_client, volunteer, contact):
    recent = NOW - dt.timedelta(days=365 * 7)
    client = old_client
    if contact == "recorded_recently":
        client = recorded(recent, practice=old_client.practice)
        Client.objects.filter(pk=old_client.pk).update(status=ClientStatus.ANONYMISED)
    elif contact == "open_assignment":
        AssignmentFactory(client=client, started_on=LONG_AGO.date())
    elif contact == "recent_observation":
        with time_machine.travel(recent, tick=False):
            ObservationFactory(client=client, volunteer=volunteer.volunteer)
    elif contact == "recent_consent":
        ConsentRecordFactory(client=client, recorded_at=recent)
    elif contact == "ended_late":
        client.assignments.update(ended_on=recent.date())
    with time_machine.travel(NOW, tick=False):
        retention_anonymise()
    client.refresh_from_db()
    assert client.status != ClientStatus.ANONYMISED
    assert client.first_name != "Anonymised"


def test_the_period_is_the_setting(old_client, settings):
    settings.RETENTION_YEARS = 10
    with time_machine.travel(NOW, tick=False):
        assert retention_anonymise() == 0
        settings.RETENTION_YEARS = 9
        assert retention_anonymise() == 1


def test_the_command_says_how_many_and_can_only_count(old_client):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_inactive_clients", "--dry-run", stdout=out)
        assert out.getvalue() == "1 client(s) with no contact since 01 Jun 2017\n"
        assert Client.objects.get(pk=old_client.pk).first_name == "Elowen"
        call_command("anonymise_inactive_clients", stdout=out)
    assert "Anonymised 1 client(s)" in out.getvalue()
    assert Client.objects.get(pk=old_client.pk).first_name == "Anonymised"


def dashboard_figures():
    return {
        "clients": list(
            Client.objects.values("locality", "practice").annotate(n=Count("pk")).order_by()
        ),
        "needs": list(Client.objects.values("needs__kind").annotate(n=Count("needs")).order_by()),
        "observations": list(
            Observation.objects.values("kind", "urgency", "client__locality").annotate(
                n=Count("pk")
            )
        ),
        "assignments": list(
            Client.objects.values("assignments__started_on", "assignments__ended_on").order_by()
        ),
        "recorded": sorted(Client.objects.values_list("created_at", flat=True)),
    }


def test_now_is_after_the_cutoff():
    from clients.services import retention_cutoff

    assert retention_cutoff(now=dt.datetime(2024, 2, 29, tzinfo=TZ), years=8) == dt.datetime(
        2016, 2, 29, tzinfo=TZ
    )
    assert retention_cutoff(now=dt.datetime(2024, 2, 29, tzinfo=TZ), years=1) == dt.datetime(
        2023, 2, 28, tzinfo=TZ
    )
    assert retention_cutoff(years=8) < timezone.now()
