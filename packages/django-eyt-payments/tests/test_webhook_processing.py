"""The worker: retries with backoff, the dead letter, replays, the command, and nothing lost between insert and
processing."""

import dataclasses
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from types import ModuleType, SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from eyt_payments.models import Payment, WebhookEvent
from eyt_payments.webhooks import handlers, processing
from tests.conftest import open_payment
from tests.stripe_events import event, intent, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]


@pytest.fixture
def stored_only(settings):
    """Events are inserted but no wake-up is enqueued: the worker has not run (or crashed)."""
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False


@pytest.fixture
def broken_handler(monkeypatch):
    def explode(event):
        raise RuntimeError("handler bug")

    monkeypatch.setitem(handlers.HANDLERS, "payment_intent.succeeded", explode)


def store_succeeded(client, payment):
    payload = event("payment_intent.succeeded", intent(payment, "succeeded"))
    assert post(client, payload).status_code == 200
    return payload["id"]


def due_now(event_id):
    WebhookEvent.objects.filter(pk=event_id).update(next_attempt_at=timezone.now())


@pytest.mark.usefixtures("stored_only")
def test_a_crash_between_insert_and_processing_loses_nothing(client, service, user):
    payment = open_payment(service, user)
    event_id = store_succeeded(client, payment)
    assert WebhookEvent.objects.get(pk=event_id).status == "pending"
    call_command("eyt_payments_process_webhooks", stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == "Processed 1 event(s): 1 processed."
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_a_failing_task_backend_still_acknowledges_and_keeps_the_event(
    client, service, user, monkeypatch, django_capture_on_commit_callbacks
):
    from eyt_payments import tasks

    def unavailable(*args):
        raise ConnectionError("task broker down")

    monkeypatch.setattr(tasks, "process_webhook_event", SimpleNamespace(enqueue=unavailable))
    payment = open_payment(service, user)
    with django_capture_on_commit_callbacks(execute=True):
        event_id = store_succeeded(client, payment)
    assert WebhookEvent.objects.get(pk=event_id).status == "pending"
    assert processing.process_due() == {"processed": 1}


@pytest.mark.usefixtures("stored_only", "broken_handler")
def test_a_handler_failure_is_rolled_back_and_retried_with_backoff(client, service, user, settings):
    settings.EYT_PAYMENTS_WEBHOOK_RETRY_DELAY = 30
    payment = open_payment(service, user)
    event_id = store_succeeded(client, payment)
    before = timezone.now()
    assert processing.process_event(event_id) == "failed"
    stored = WebhookEvent.objects.get(pk=event_id)
    assert (stored.attempts, stored.last_error) == (1, "RuntimeError: handler bug")
    assert before + timedelta(seconds=29) < stored.next_attempt_at < before + timedelta(seconds=40)
    assert processing.process_due() == {}  # not due yet
    due_now(event_id)
    assert processing.process_event(event_id) == "failed"
    stored.refresh_from_db()
    assert stored.attempts == 2
    assert stored.next_attempt_at > timezone.now() + timedelta(seconds=50)  # doubled


def test_retry_delays_double_up_to_six_hours(settings):
    settings.EYT_PAYMENTS_WEBHOOK_RETRY_DELAY = 30
    assert [processing.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert processing.retry_delay(40) == timedelta(hours=6)


@pytest.mark.usefixtures("stored_only")
def test_after_the_last_attempt_the_event_is_dead_until_replayed(client, service, user, settings, monkeypatch):
    settings.EYT_PAYMENTS_WEBHOOK_MAX_ATTEMPTS = 2
    payment = open_payment(service, user)
    event_id = store_succeeded(client, payment)
    with monkeypatch.context() as patched:
        patched.setitem(handlers.HANDLERS, "payment_intent.succeeded", lambda e: 1 / 0)
        processing.process_event(event_id)
        due_now(event_id)
        assert processing.process_event(event_id) == "dead"
        due_now(event_id)
        assert processing.process_due() == {}
    call_command("eyt_payments_process_webhooks", "--replay", event_id, stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == f"{event_id}: processed"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    stored = WebhookEvent.objects.get(pk=event_id)
    assert (stored.attempts, stored.last_error) == (3, "")


@pytest.mark.usefixtures("stored_only")
def test_replaying_a_processed_event_changes_nothing(client, service, user):
    payment = open_payment(service, user)
    event_id = store_succeeded(client, payment)
    processing.process_due()
    assert processing.process_due() == {}
    assert processing.replay([event_id]) == {event_id: "processed"}
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def test_replay_of_an_unknown_event_is_an_error():
    with pytest.raises(CommandError, match="No stored webhook event evt_nope"):
        call_command("eyt_payments_process_webhooks", "--replay", "evt_nope")


def test_due_events_are_processed_oldest_first(client, service, user, stored_only):
    payment = open_payment(service, user)
    newer = event("payment_intent.succeeded", intent(payment, "succeeded"), created=2_000_000_100)
    older = event("payment_intent.requires_action", intent(payment, "requires_action"), created=2_000_000_000)
    post(client, newer)
    post(client, older)
    assert processing.due_events() == [older["id"], newer["id"]]


def test_the_due_sweep_task_processes_what_is_due(client, service, user, stored_only):
    from eyt_payments.tasks import process_due_webhook_events

    payment = open_payment(service, user)
    store_succeeded(client, payment)
    assert process_due_webhook_events.call() == {"processed": 1}


REQUEST_ID: ContextVar[str] = ContextVar("stand_in_request_id", default="")


@dataclasses.dataclass(frozen=True)
class StandInContext:
    """The part of eyt_audit's ``AuditContext`` that ``audit.snapshot(anonymous=True)`` uses."""

    request_id: str
    request: object = None

    def as_dict(self):
        return {"request_id": self.request_id}


@pytest.fixture
def trail(monkeypatch):
    """eyt_audit as installed, even where it is not (the payments tests run without it): a request id in a
    contextvar for ``snapshot()`` / ``restored()``, and ``record`` appending ``(action, request id)`` here."""
    from eyt_payments.integrations import audit

    @contextmanager
    def restored(data):
        token = REQUEST_ID.set(data["request_id"])
        try:
            yield
        finally:
            REQUEST_ID.reset(token)

    recorded = []
    package, context = ModuleType("eyt_audit"), ModuleType("eyt_audit.context")
    package.record = lambda action, target=None, **kwargs: recorded.append((action, REQUEST_ID.get()))
    context.current = lambda: StandInContext(REQUEST_ID.get()) if REQUEST_ID.get() else None
    context.snapshot = lambda: context.current().as_dict() if context.current() else None
    context.restored = restored
    monkeypatch.setitem(sys.modules, "eyt_audit", package)
    monkeypatch.setitem(sys.modules, "eyt_audit.context", context)
    monkeypatch.setattr(audit, "is_enabled", lambda: True)
    return SimpleNamespace(recorded=recorded, request=restored)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("stored_only")
def test_the_worker_records_an_event_under_the_request_id_it_arrived_with(client, service, user, trail):
    payment = open_payment(service, user)
    with trail.request({"request_id": "req-delivery"}):
        event_id = store_succeeded(client, payment)
    assert WebhookEvent.objects.get(pk=event_id).audit_context == {"request_id": "req-delivery"}

    assert processing.process_due() == {"processed": 1}  # a sweeper, in a process with no context of its own

    # Recorded after the commit, so the context stays bound until the transaction has committed.
    assert ("payments.webhook_applied", "req-delivery") in trail.recorded
    assert REQUEST_ID.get() == ""


@pytest.mark.usefixtures("stored_only")
def test_without_eyt_audit_no_context_is_stored(client, service, user):
    event_id = store_succeeded(client, open_payment(service, user))
    assert WebhookEvent.objects.get(pk=event_id).audit_context is None
    assert processing.process_event(event_id) == "processed"
