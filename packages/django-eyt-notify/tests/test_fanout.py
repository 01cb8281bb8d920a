import tracemalloc
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from eyt_notify import counts, events, notify, signals
from eyt_notify.channels import locmem
from eyt_notify.exceptions import InvalidChannel, UnknownNotificationType
from eyt_notify.models import Delivery, Notification
from eyt_notify.preferences import set_preference
from eyt_notify.types import NotificationType, get_type

pytestmark = pytest.mark.django_db


def channels_of(user):
    return sorted(Delivery.objects.filter(notification__recipient=user).values_list("channel", flat=True))


def test_one_user_gets_a_notification_and_a_delivery_per_default_external_channel(user, committed):
    with committed():
        result = notify(user, "match.starting", title="Final", message="Starts at 8", action_url="/m/1/")
    assert (result.created, result.deliveries) == (1, 1)
    assert result.notification.recipient == user
    assert result.notification.priority == "high"  # the type's default
    assert result.notification.category == "matches"
    assert channels_of(user) == ["email"]
    assert Delivery.objects.get().status == "sent"  # the immediate task backend sent it after commit
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_title_and_message_default_to_the_types_inapp_templates(user):
    result = notify(user, "match.starting", context={"match": "EYT Cup final", "starts": "20:00"})
    assert result.notification.title == "Your match EYT Cup final starts soon"
    assert result.notification.message == "Be ready at 20:00."
    assert result.notification.context == {"match": "EYT Cup final", "starts": "20:00"}


def test_a_type_without_inapp_templates_needs_a_title(user):
    with pytest.raises(ValueError, match="needs a title"):
        notify(user, "team.invite", message="Join us")
    assert not Notification.objects.exists()


def test_unknown_type_is_a_clear_error_and_writes_nothing(user):
    with pytest.raises(UnknownNotificationType, match="'nope'.*match.starting"):
        notify(user, "nope", title="x")
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"priority": "critical"}, "Priority 'critical'"),
        ({"context": {"when": object()}}, "context must be JSON-serialisable"),
        ({"data": {"x": {1, 2}}}, "data must be JSON-serialisable"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ],
)
def test_bad_arguments_raise_and_write_nothing(user, kwargs, error):
    with pytest.raises(ValueError, match=error):
        notify(user, "team.invite", title="x", **kwargs)
    assert not Notification.objects.exists()


def test_an_unconfigured_channel_is_refused(user):
    with pytest.raises(InvalidChannel, match="'sms' is not configured"):
        notify(user, "team.invite", title="x", channels=["sms"])
    assert not Notification.objects.exists()


def test_explicit_channels_replace_the_defaults(user, committed):
    with committed():
        notify(user, "match.starting", title="x", channels=["inapp", "memory"])
    assert channels_of(user) == ["memory"]
    assert [m.recipient_id for m in locmem.outbox] == [user.pk]


def test_preferences_turn_channels_off_and_on(make_user):
    quiet, keen, plain = make_user(), make_user(), make_user()
    set_preference(quiet, "email", False, category="matches")
    set_preference(keen, "memory", True, notification_type="match.starting")
    notify(get_user_model().objects.all(), "match.starting", title="x")
    assert channels_of(quiet) == []
    assert channels_of(keen) == ["email", "memory"]
    assert channels_of(plain) == ["email"]
    assert Notification.objects.count() == 3  # in-app is always stored


def test_a_type_override_beats_a_category_override(user):
    set_preference(user, "email", False, category="matches")
    set_preference(user, "email", True, notification_type="match.starting")
    notify(user, "match.starting", title="x")
    assert channels_of(user) == ["email"]


def test_required_channels_are_sent_whatever_the_preferences(user):
    set_preference(user, "email", False, category="payments")
    notify(user, "payment.receipt", title="Receipt")
    assert channels_of(user) == ["email"]


@pytest.mark.parametrize("shape", ["queryset", "list", "generator", "group", "manager"])
def test_every_shape_of_recipients(make_user, shape):
    users = [make_user() for _ in range(5)]
    group = Group.objects.create(name="team")
    group.user_set.add(*users[:3])
    recipients = {
        "queryset": get_user_model().objects.filter(pk__in=[u.pk for u in users[:3]]),
        "list": users[:3],
        "generator": (u for u in users[:3]),
        "group": group,
        "manager": group.user_set,
    }[shape]
    result = notify(recipients, "match.starting", title="x")
    assert (result.created, result.deliveries) == (3, 3)
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users[:3])


def test_a_sliced_queryset_notifies_the_users_in_the_slice(make_user):
    users = [make_user() for _ in range(4)]
    result = notify(get_user_model().objects.order_by("-pk")[:2], "team.invite", title="x")
    assert result.created == 2
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users[2:])


@pytest.mark.parametrize("empty", ["none", "empty in", "no match"])
def test_a_queryset_that_selects_nobody_notifies_nobody(user, committed, empty):
    users = get_user_model().objects
    recipients = {"none": users.none(), "empty in": users.filter(pk__in=[]), "no match": users.filter(pk=-1)}[empty]
    with committed():
        result = notify(recipients, "match.starting", title="x")
    assert (result.created, result.deliveries, result.notification) == (0, 0, None)
    assert not Notification.objects.exists()


def test_a_queryset_with_a_join_notifies_each_user_once(make_user):
    alice = make_user()
    for name in ("a", "b"):
        Group.objects.create(name=name).user_set.add(alice)
    result = notify(get_user_model().objects.filter(groups__name__in=["a", "b"]), "team.invite", title="x")
    assert result.created == 1


def test_recipients_must_be_users(user):
    with pytest.raises(TypeError, match="must be User objects"):
        notify(Group.objects.all(), "team.invite", title="x")
    with pytest.raises(TypeError, match="must be User objects"):
        notify([user, "bob"], "team.invite", title="x")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("recipients", [1, None, "alice", b"alice"])
def test_recipients_that_are_not_users_or_collections_are_named(recipients):
    with pytest.raises(TypeError, match=r"recipients must be a User, a queryset or iterable of them, or a Group, not"):
        notify(recipients, "team.invite", title="x")
    assert not Notification.objects.exists()


def test_an_unsaved_recipient_is_refused_by_name(user):
    unsaved = get_user_model()(username="ghost")
    for recipients in (unsaved, [user, unsaved]):
        with pytest.raises(ValueError, match="recipient <User: ghost> is not saved yet"):
            notify(recipients, "team.invite", title="x")
    assert not Notification.objects.exists()


def test_channels_given_as_one_string_are_refused(user):
    with pytest.raises(TypeError, match="channels must be a list of channel names, not the string 'email'"):
        notify(user, "match.starting", title="x", channels="email")
    assert not Notification.objects.exists()


def test_a_type_object_must_be_the_registered_one(user):
    with pytest.raises(UnknownNotificationType, match="'x.unregistered' is not registered as given"):
        notify(user, NotificationType("x.unregistered"), title="x")
    changed = NotificationType("match.starting", category="matches", channels=("inapp", "memory"))
    with pytest.raises(UnknownNotificationType, match="'match.starting' is not registered as given"):
        notify(user, changed, title="x")
    assert not Notification.objects.exists()
    assert notify(user, get_type("match.starting"), title="x").created == 1


def test_queries_grow_with_batches_not_recipients(make_user, settings):
    settings.EYT_NOTIFY_BATCH_SIZE = 10
    for _ in range(30):
        make_user()
    with CaptureQueriesContext(connection) as queries:
        result = notify(get_user_model().objects.all(), "match.starting", title="x")
    assert (result.created, result.deliveries) == (30, 30)
    # SQLite: per chunk of 10, one INSERT of notifications, one SELECT of overrides, one INSERT of deliveries.
    assert len(queries) <= 30 / 10 * 3 + 5


def test_repeating_an_idempotency_key_creates_nothing_new(make_user, committed):
    alice, bob = make_user(), make_user()
    with committed():
        first = notify(alice, "match.starting", title="x", idempotency_key="match-7-start")
    with committed():
        again = notify(alice, "match.starting", title="x", idempotency_key="match-7-start")
        both = notify([alice, bob], "match.starting", title="x", idempotency_key="match-7-start")
    assert (first.created, again.created, both.created) == (1, 0, 1)
    assert again.notification == first.notification
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert Delivery.objects.count() == 2
    assert len(mail.outbox) == 2


def test_create_notification_is_a_thin_wrapper(user):
    notification = Notification.create_notification(
        user, "Payment received", "Thanks", "payment.receipt", priority="low", action_url="/payments/1/"
    )
    assert (notification.title, notification.message, notification.priority) == ("Payment received", "Thanks", "low")
    assert notification.action_url == "/payments/1/"
    assert notification.deliveries.get().channel == "email"


def test_actor_target_data_and_expiry_are_stored(make_user):
    alice, coach = make_user(), make_user()
    group = Group.objects.create(name="coaches")
    notification = notify(alice, "team.invite", title="x", actor=coach, target=group, data={"team": 3}).notification
    notification.refresh_from_db()
    assert notification.actor == coach
    assert notification.target == group
    assert notification.data == {"team": 3}


def test_a_rolled_back_transaction_sends_nothing(user, committed):
    with committed() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        notify(user, "match.starting", title="x")
        raise RuntimeError("the caller's work failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_notification_created_is_sent_after_commit_once_per_call(make_user, committed):
    users = [make_user(), make_user()]
    seen = []

    def receiver(**kwargs):
        seen.append((kwargs["notification_type"].key, kwargs["created"], sorted(kwargs["recipient_ids"])))

    signals.notification_created.connect(receiver)
    try:
        with committed():
            notify(users, "team.invite", title="x")
            assert seen == []  # not before commit
    finally:
        signals.notification_created.disconnect(receiver)
    assert seen == [("team.invite", 2, sorted(u.pk for u in users))]


@pytest.mark.parametrize("shape", ["queryset", "list", "not-yet-notified"])
def test_a_fan_out_invalidates_every_recipients_count_after_commit_in_chunks(make_user, committed, settings, shape):
    settings.EYT_NOTIFY_BATCH_SIZE = 2
    users = [make_user() for _ in range(5)]
    outsider = make_user()
    notify(outsider, "system.notice", title="earlier")
    cache.clear()
    assert [counts.unread_count(u.pk).count for u in [*users, outsider]] == [0, 0, 0, 0, 0, 1]  # all cached now
    recipients = {
        "queryset": get_user_model().objects.filter(pk__in=[u.pk for u in users]),
        "list": users,
        # selects nobody once the rows exist: the recipients must come from what was created, not from this again
        "not-yet-notified": get_user_model().objects.exclude(eyt_notifications__notification_type="system.notice"),
    }[shape]
    chunks = []
    real_invalidate = counts.invalidate

    def invalidate(user_ids):
        chunks.append(list(user_ids))
        real_invalidate(user_ids)

    with mock.patch.object(counts, "invalidate", invalidate), committed():
        assert notify(recipients, "system.notice", title="x").created == 5
        assert chunks == []  # nothing before commit
        assert counts.unread_count(users[0].pk).count == 0  # the cached count until then
    assert sorted(len(chunk) for chunk in chunks) == [1, 2, 2]
    assert sorted(pk for chunk in chunks for pk in chunk) == sorted(u.pk for u in users)  # not the outsider
    assert [counts.unread_count(u.pk).count for u in [*users, outsider]] == [1, 1, 1, 1, 1, 1]


def test_without_returned_ids_the_recipients_are_found_by_timestamp_and_type(make_user):
    from eyt_notify.fanout import _created_for, _Span
    from eyt_notify.sql import Inserted

    users = [make_user() for _ in range(3)]
    notify(users, "system.notice", title="x")
    notify(users[0], "team.invite", title="other type, same fan-out time or not")
    stamp = Notification.objects.filter(notification_type="system.notice").first().created_at
    row = {"created_at": stamp, "notification_type": "system.notice"}
    unbounded = _Span().add(Inserted(3, 0, None, None))  # rows made, no ids returned by the database
    assert sorted(_created_for(unbounded, row, "default")) == sorted(u.pk for u in users)
    assert list(_created_for(_Span().add(Inserted(0, 0, None, None)), row, "default")) == []


def test_changed_walks_any_number_of_users_in_flat_memory(settings):
    """The after-commit walk of a fan-out keeps one chunk of ids at a time, never the whole recipient list."""
    settings.EYT_NOTIFY_BATCH_SIZE = 1000
    tracemalloc.start()
    try:
        events.changed(iter(range(1, 100_001)), events.CREATED)  # a lazy iterable, like the fan-out's cursor
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # the 100,000 ids alone in a list would take about 3.6 MiB


def test_inapp_only_types_write_no_deliveries_and_enqueue_nothing(user, committed):
    with committed() as callbacks:
        result = notify(user, "system.notice", title="Maintenance tonight")
    assert (result.created, result.deliveries) == (1, 0)
    assert len(callbacks) == 1  # the signal only; no wake-up task


def test_a_cache_outage_after_commit_fails_nothing_and_the_deliveries_still_go(make_user, committed, caplog):
    users = [make_user() for _ in range(2)]
    announced = []

    def count_signal(**kwargs):
        announced.append(kwargs["created"])

    signals.notification_created.connect(count_signal)
    try:
        with mock.patch.object(counts, "invalidate", side_effect=ConnectionError("cache down")), committed():
            result = notify(get_user_model().objects.filter(pk__in=[u.pk for u in users]), "match.starting", title="x")
    finally:
        signals.notification_created.disconnect(count_signal)
    assert (result.created, result.deliveries) == (2, 2)
    assert announced == [2]
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["sent", "sent"]  # the wake-up still ran
    assert len(mail.outbox) == 2
    failures = [r for r in caplog.records if r.name == "eyt_notify.live" and r.levelname == "ERROR"]
    assert [r.getMessage() for r in failures] == [
        "Could not drop the cached unread counts after a 'created' change (cache unavailable); "
        "they may show an old number until they expire."
    ]
