import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_health_reports_each_service(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "tasks": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_without_leaking_the_error(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
    assert "secret-host" not in response.content.decode()
    assert "cache check failed" in caplog.text


def test_health_pings_the_rq_queues_and_is_503_when_their_redis_is_down(client, settings, caplog):
    from django.test import override_settings

    from esports import compat

    rq_backend = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    down = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 0.5}}
    with override_settings(TASKS=rq_backend, RQ_QUEUES=down, INSTALLED_APPS=[*settings.INSTALLED_APPS, "django_rq"]):
        backend = compat.task_backends[compat.DEFAULT_TASK_BACKEND_ALIAS]
        assert type(backend).__module__.startswith("django_tasks_rq")
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "tasks": "error"}
    assert "task queue check failed" in caplog.text and "Traceback" not in caplog.text


def test_health_only_answers_get(client):
    assert client.post("/health/").status_code == 405


def test_demo_data_is_idempotent_and_prints_the_accounts(db, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("demo_data")
    call_command("demo_data")
    out = capsys.readouterr().out
    assert "eyt-demo-2026" in out and "staff" in out
    users = get_user_model().objects.order_by("username")
    assert [u.username for u in users] == ["coach", "organiser", "player", "player2", "staff"]
    assert users.get(username="staff").is_staff and not users.get(username="player").is_staff
    assert users.get(username="player").check_password("eyt-demo-2026")
