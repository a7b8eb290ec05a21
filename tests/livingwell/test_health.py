import json

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_without_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_ok_without_broker_in_process_tasks(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert json.loads(response.content)["down"] == []


@pytest.mark.django_db
def test_readyz_503_names_unreachable_broker(client, settings):
    # Nothing listens on port 1: the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("readyz"))
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down (")


@pytest.mark.django_db
def test_readyz_503_names_database(client, monkeypatch):
    from livingwell import health

    monkeypatch.setattr(health, "_database_ok", lambda: "OperationalError")
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert json.loads(response.content)["down"] == ["database"]
