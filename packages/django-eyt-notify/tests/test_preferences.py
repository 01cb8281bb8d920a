import pytest

from eyt_notify.exceptions import UnknownNotificationType
from eyt_notify.models import NotificationPreference
from eyt_notify.preferences import ChannelRule, channel_rules, enabled_channels, overrides_for, set_preference
from eyt_notify.types import get_type

pytestmark = pytest.mark.django_db


def test_defaults_come_from_the_type(user):
    assert enabled_channels(user, "match.starting") == ["inapp", "email"]
    assert enabled_channels(user, "system.notice") == ["inapp"]


def test_overrides_by_category_and_type(user):
    set_preference(user, "email", False, category="matches")
    assert enabled_channels(user, "match.starting") == ["inapp"]
    set_preference(user, "memory", True, notification_type="match.starting")
    assert enabled_channels(user, "match.starting") == ["inapp", "memory"]
    set_preference(user, "email", True, notification_type="match.starting")
    assert enabled_channels(user, "match.starting") == ["inapp", "email", "memory"]


def test_rules_and_overrides_are_what_the_readme_says(user, make_user, django_assert_num_queries):
    ntype = get_type("match.starting")
    assert channel_rules(ntype) == [ChannelRule("email", True, False), ChannelRule("memory", False, False)]
    assert channel_rules(ntype, ["inapp", "memory"]) == [ChannelRule("memory", True, False)]
    other = make_user("grace")
    set_preference(user, "email", False, category="matches")
    set_preference(user, "memory", True, notification_type="match.starting")
    with django_assert_num_queries(1):
        overrides = overrides_for(ntype, [user.pk, other.pk])
    assert overrides == {user.pk: {("category", "email"): False, ("type", "memory"): True}}


def test_setting_again_updates_the_one_row(user):
    set_preference(user, "email", False, category="matches")
    set_preference(user, "email", True, category="matches")
    assert NotificationPreference.objects.get().enabled is True


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("email", False), {"notification_type": "payment.receipt"}, "'email' is required"),
        (("inapp", False), {"notification_type": "team.invite"}, "'inapp' is required"),
        (("inapp", False), {"category": "teams"}, "always stored"),
        (("sms", True), {"notification_type": "team.invite"}, "not delivered on 'sms'"),
        (("email", True), {}, "exactly one"),
        (("email", True), {"notification_type": "x", "category": "y"}, "exactly one"),
        (("email", False), {"category": "nope"}, r"No notification type is in category 'nope' \(categories: .*matches"),
        (("emial", False), {"category": "matches"}, "No type in category 'matches' is delivered on 'emial'"),
    ],
)
def test_refused_changes_raise_and_write_nothing(user, args, kwargs, error):
    with pytest.raises(ValueError, match=error):
        set_preference(user, *args, **kwargs)
    assert not NotificationPreference.objects.exists()


def test_unknown_types_are_refused(user):
    with pytest.raises(UnknownNotificationType):
        set_preference(user, "email", True, notification_type="nope")
