import time
import uuid

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory, override_settings

from eyt_audit.limits import lockout
from eyt_audit.limits.exceptions import LoginRefused
from eyt_audit.limits.forms import LockoutAuthenticationForm
from tests import limits_support
from tests.limits_support import CountingHasher

# fixtures shared by the limits tests
broken_counters = limits_support.broken_counters
counters = limits_support.counters
security_events = limits_support.security_events

pytestmark = pytest.mark.django_db

factory = RequestFactory()
PASSWORD = "s3cret-pass"


@pytest.fixture(autouse=True)
def lockout_backend():
    with override_settings(
        AUTHENTICATION_BACKENDS=["eyt_audit.limits.backends.LockoutModelBackend"],
        PASSWORD_HASHERS=["tests.limits_support.CountingHasher"],
    ):
        CountingHasher.checks = 0
        yield


@pytest.fixture
def account(django_user_model):
    return django_user_model.objects.create_user(username=f"ada-{uuid.uuid4().hex[:8]}", password=PASSWORD)


WRONG = "wrong-pass"


def login(username, password=WRONG, ip="10.0.0.1"):
    return authenticate(factory.post("/login/", REMOTE_ADDR=ip), username=username, password=password)


def checks_during(action):
    before = CountingHasher.checks
    action()
    return CountingHasher.checks - before


def test_after_max_failures_the_account_is_refused_before_the_password_check(counters, account):
    assert checks_during(lambda: [login(account.username) for _ in range(5)]) == 5
    assert checks_during(lambda: login(account.username, PASSWORD)) == 0
    assert login(account.username, PASSWORD) is None
    account.refresh_from_db()
    assert account.is_active
    assert lockout.status(account.username).locked


def test_the_original_max_login_attempts_setting_is_honoured(counters, account):
    with override_settings(MAX_LOGIN_ATTEMPTS=2):
        assert checks_during(lambda: [login(account.username) for _ in range(4)]) == 2


def test_whitespace_case_and_width_variants_share_one_counter(counters, account):
    name = account.username
    variants = [name.upper(), f"  {name} ", f"{name}\t", name.title(), name.replace("a", "\uff41", 1)]
    for variant in variants:
        login(variant)
    assert lockout.status(name).failures == 5
    assert checks_during(lambda: login(name, PASSWORD)) == 0
    assert login(name, PASSWORD) is None


def test_unknown_usernames_are_counted_too(counters):
    name = f"nobody-{uuid.uuid4().hex[:8]}"
    for _ in range(6):
        login(name)
    assert lockout.status(name).reason == "account"


def test_success_gives_the_attempt_back_and_resets_the_pair(counters, account):
    for _ in range(4):
        login(account.username)
    assert login(account.username, PASSWORD) == account
    assert lockout.status(account.username).failures == 4  # the successful attempt is not a failure
    assert lockout.status(account.username, "10.0.0.1").locked is False


def test_an_attacker_elsewhere_cannot_lock_the_owner_out_of_a_trusted_place(counters, account):
    assert login(account.username, PASSWORD, ip="10.0.0.1") == account  # the owner, from home
    for _ in range(5):
        login(account.username, ip="192.0.2.66")  # someone else locks the account
    assert lockout.status(account.username, "192.0.2.66").locked
    assert lockout.status(account.username, "198.51.100.7").reason == "account"
    assert login(account.username, PASSWORD, ip="10.0.0.1") == account


def test_a_trusted_place_still_has_its_own_pair_limit(counters, account):
    login(account.username, PASSWORD, ip="10.0.0.1")
    assert checks_during(lambda: [login(account.username, ip="10.0.0.1") for _ in range(7)]) == 5
    assert lockout.status(account.username, "10.0.0.1").reason == "pair"


def test_password_spraying_from_one_ip_locks_that_ip(counters):
    sprayer, names = f"10.66.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", [uuid.uuid4().hex for _ in range(4)]
    with override_settings(EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP=3):
        for name in names:
            login(name, ip=sprayer)
        assert [lockout.status(name).failures for name in names] == [1, 1, 1, 0]  # the 4th was refused
        assert lockout.status(names[3], sprayer).reason == "ip"
        assert lockout.status(names[3], "10.0.0.2").locked is False


def test_the_lock_expires_by_itself(counters, account):
    with override_settings(ACCOUNT_LOCK_DURATION=1):
        for _ in range(6):
            login(account.username)
        state = lockout.status(account.username)
        assert state.locked
        assert state.retry_after == 1
        time.sleep(1.2)
        assert lockout.status(account.username).locked is False
        assert login(account.username, PASSWORD) == account


def test_refusals_do_not_extend_the_lock(counters, account):
    with override_settings(ACCOUNT_LOCK_DURATION=2):
        for _ in range(5):
            login(account.username)
        time.sleep(1.0)
        for _ in range(20):
            login(account.username)
        assert lockout.status(account.username).retry_after == 1


def test_events_for_failures_the_lock_and_refusals(counters, account, security_events):
    for _ in range(6):
        login(account.username)
    kinds = [event["event_type"] for event in security_events]
    assert kinds == ["login_failed"] * 5 + ["lockout", "login_refused"]
    assert security_events[5]["metadata"] == {"locks": ["account", "pair"], "duration": 3600}
    assert security_events[6]["metadata"]["reason"] == "account"
    assert all(event["username"] == account.username for event in security_events)
    assert not any(PASSWORD in str(event) or WRONG in str(event) for event in security_events)


def test_unlock_lifts_account_and_pair_locks(counters, account, security_events):
    for ip in ("10.0.0.1", "10.0.0.2"):
        for _ in range(3):
            login(account.username, ip=ip)
    assert lockout.status(account.username).locked
    lockout.unlock(f" {account.username.upper()}", by="test")
    assert not lockout.status(account.username, "10.0.0.1").locked
    assert lockout.status(account.username).failures == 0
    assert security_events[-1]["event_type"] == "unlock"
    assert security_events[-1]["metadata"] == {"ip": None, "by": "test"}


def test_unlock_needs_something_to_unlock():
    with pytest.raises(ValueError, match="needs a username"):
        lockout.unlock()


def test_form_says_the_account_is_locked(counters, account):
    for _ in range(5):
        login(account.username)
    request = factory.post("/login/", REMOTE_ADDR="10.0.0.1")
    form = LockoutAuthenticationForm(request, data={"username": account.username, "password": PASSWORD})
    assert not form.is_valid()
    [error] = form.non_field_errors().as_data()
    assert error.code == "locked"
    assert "60 minutes" in form.non_field_errors()[0]


def test_admin_login_form_says_the_account_is_locked(counters, account):
    from eyt_audit.limits.admin_forms import LockoutAdminAuthenticationForm

    for _ in range(5):
        login(account.username)
    request = factory.post("/admin/login/", REMOTE_ADDR="10.0.0.1")
    form = LockoutAdminAuthenticationForm(request, data={"username": account.username, "password": PASSWORD})
    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "locked"


def test_form_without_a_request_checks_the_lock_itself(counters, account):
    for _ in range(5):
        login(account.username)
    form = LockoutAuthenticationForm(None, data={"username": account.username, "password": PASSWORD})
    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "locked"


def test_form_keeps_the_usual_message_for_a_wrong_password(counters, account):
    request = factory.post("/login/", REMOTE_ADDR="10.0.0.1")
    form = LockoutAuthenticationForm(request, data={"username": account.username, "password": "nope"})
    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "invalid_login"


def test_counters_down_refuse_logins_by_default(broken_counters, account, security_events):
    assert checks_during(lambda: login(account.username, PASSWORD)) == 0
    request = factory.post("/login/")
    form = LockoutAuthenticationForm(request, data={"username": account.username, "password": PASSWORD})
    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "unavailable"
    assert security_events[0]["event_type"] == "limits_unavailable"
    assert security_events[0]["severity"] == "error"


def test_counters_down_can_fail_open(broken_counters, account):
    with override_settings(EYT_AUDIT_LOCKOUT_FAIL_OPEN=True):
        assert login(account.username, PASSWORD) == account
        assert login(account.username) is None


def test_reserve_raises_a_permission_denied_subclass(counters):
    name = uuid.uuid4().hex
    for _ in range(5):
        lockout.failed(lockout.reserve(name))
    with pytest.raises(LoginRefused) as refused:
        lockout.reserve(name)
    assert refused.value.reason == "account"
    assert refused.value.retry_after == 3600


def test_the_admin_lifts_a_lock_from_its_security_event(counters, account, admin_client, security_events):
    from django.utils import timezone

    from eyt_audit.models import SecurityEvent

    for _ in range(5):
        login(account.username, ip="203.0.113.7")
    assert lockout.status(account.username).locked
    now = timezone.now()
    event = SecurityEvent.objects.create(
        event_type="lockout",
        severity="error",
        username=account.username,
        ip_address="203.0.113.7",
        first_seen=now,
        last_seen=now,
        key="lockout-test",
        window_start=now,
    )

    response = admin_client.post(
        "/admin/eyt_audit/securityevent/", {"action": "lift_locks", "_selected_action": [event.pk]}, follow=True
    )

    assert (
        "Lifted the login locks of 1 username(s) and 1 IP address(es); 1 of the usernames were locked."
        in response.content.decode()
    )
    assert not lockout.status(account.username).locked
    assert not lockout.status(account.username, "203.0.113.7").locked
    assert security_events[-1]["event_type"] == "unlock"
    assert security_events[-1]["metadata"]["by"].startswith("admin:")


def test_the_admin_says_how_many_usernames_and_ips_it_unlocked(counters, admin_client):
    from django.utils import timezone

    from eyt_audit.models import SecurityEvent

    now = timezone.now()
    selected = [
        SecurityEvent.objects.create(
            event_type="lockout",
            username=username,
            ip_address=ip,
            first_seen=now,
            last_seen=now,
            key=f"k{index}",
            window_start=now,
        ).pk
        for index, (username, ip) in enumerate([("Bob", "203.0.113.7"), ("bob", "203.0.113.8"), ("eve", None)])
    ]
    response = admin_client.post(
        "/admin/eyt_audit/securityevent/", {"action": "lift_locks", "_selected_action": selected}, follow=True
    )
    # none of them had failed a login: their counters are reset all the same, and the message says nobody was locked
    assert (
        "Lifted the login locks of 2 username(s) and 2 IP address(es); 0 of the usernames were locked."
        in response.content.decode()
    )


def test_staff_who_cannot_change_users_do_not_get_the_unlock_action(account, client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    client.force_login(staff)
    response = client.get("/admin/eyt_audit/securityevent/")
    assert response.status_code == 200
    assert "lift_locks" not in response.content.decode()


def test_staff_who_may_change_users_get_the_unlock_action(client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("user-admin", password="pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_securityevent"),
        Permission.objects.get(content_type__app_label="auth", codename="change_user"),
    )
    client.force_login(staff)
    assert "lift_locks" in client.get("/admin/eyt_audit/securityevent/").content.decode()


def test_the_unlock_action_asks_for_the_change_permission_of_a_custom_user_model():
    from eyt_audit.admin import change_user_permission

    assert change_user_permission() == "auth.change_user"
    with override_settings(AUTH_USER_MODEL="testapp.EmailUser"):
        assert change_user_permission() == "testapp.change_emailuser"


def test_the_admin_lifts_the_lock_of_an_email_longer_than_django_usernames(counters, admin_client, security_events):
    from eyt_audit.models import SecurityEvent
    from eyt_audit.security import build_event

    email = f"{'a' * 60}.{'b' * 60}.{'c' * 60}-{uuid.uuid4().hex[:8]}@example.com"  # > 150, <= 254 characters
    for _ in range(5):
        login(email, ip="203.0.113.9")
    assert lockout.status(email).locked
    [reported] = [event["username"] for event in security_events if event["event_type"] == "lockout"]
    assert reported == email
    row = build_event("lockout", severity="error", username=reported, metadata={"locks": ["account"]})
    event = SecurityEvent.objects.create(**{**row, "key": "long-email"})  # as stored, on any database
    assert event.username == email

    admin_client.post(
        "/admin/eyt_audit/securityevent/", {"action": "lift_locks", "_selected_action": [event.pk]}, follow=True
    )

    assert not lockout.status(email).locked


def alogin(username, password=WRONG, ip="10.0.0.1"):
    """``aauthenticate()``, as an async login view calls it (``alogin`` follows it)."""
    from asgiref.sync import async_to_sync
    from django.contrib.auth import aauthenticate

    request = factory.post("/login/", REMOTE_ADDR=ip)
    return async_to_sync(aauthenticate)(request, username=username, password=password)


def test_an_async_login_is_guarded_like_a_sync_one(counters, account, security_events):
    assert checks_during(lambda: [alogin(account.username) for _ in range(5)]) == 5
    assert checks_during(lambda: alogin(account.username, PASSWORD)) == 0  # locked: the password is not checked
    assert alogin(account.username, PASSWORD) is None
    assert lockout.status(account.username).failures == 5
    assert {"login_failed", "lockout", "login_refused"} <= {event["event_type"] for event in security_events}


def test_an_async_login_with_the_right_password_counts_as_a_sync_one_does(counters, account, django_user_model):
    twin = django_user_model.objects.create_user(username=f"bob-{uuid.uuid4().hex[:8]}", password=PASSWORD)
    login(twin.username)
    alogin(account.username)
    assert checks_during(lambda: alogin(account.username, PASSWORD)) == 1  # one password check, one attempt
    assert login(twin.username, PASSWORD) == twin
    assert alogin(account.username, PASSWORD) == account
    assert lockout.status(account.username) == lockout.status(twin.username)


def test_the_admin_says_so_when_the_counters_cannot_be_reached(broken_counters, admin_client):
    from django.utils import timezone

    from eyt_audit.models import SecurityEvent

    now = timezone.now()
    event = SecurityEvent.objects.create(
        event_type="lockout", username="ada", first_seen=now, last_seen=now, key="down", window_start=now
    )
    response = admin_client.post(
        "/admin/eyt_audit/securityevent/", {"action": "lift_locks", "_selected_action": [event.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "The counter cache could not be reached; try again." in response.content.decode()
