import pytest

from eyt_notify.exceptions import UnknownNotificationType
from eyt_notify.types import NotificationType, get_type, register_type, registered_types, unregister_type


def test_defaults_and_derived_channels():
    ntype = NotificationType("a.b", channels=("inapp", "email", "sms", "email"), default_channels=("inapp", "email"))
    assert ntype.channels == ("inapp", "email", "sms")
    assert ntype.external_channels == ("email", "sms")
    assert ntype.is_default("email") and not ntype.is_default("sms")
    assert NotificationType("a.c").default_channels == ("inapp", "email")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"key": "Bad Key"}, "key 'Bad Key'"),
        ({"key": "ok", "category": ""}, "Category"),
        ({"key": "ok", "default_priority": "asap"}, "default_priority"),
        ({"key": "ok", "channels": ("inapp",), "required_channels": ("sms",)}, "required_channels .* sms"),
        ({"key": "ok", "channels": ("inapp",), "default_channels": ("email",)}, "default_channels .* email"),
    ],
)
def test_invalid_declarations_are_refused(kwargs, error):
    with pytest.raises(ValueError, match=error):
        NotificationType(**kwargs)


def test_register_get_and_unregister():
    ntype = register_type(NotificationType("x.y"))
    try:
        assert get_type("x.y") is ntype
        assert get_type(ntype) is ntype
        assert ntype in registered_types()
        register_type(NotificationType("x.y"))  # the same declaration again is fine
        with pytest.raises(ValueError, match="already registered"):
            register_type(NotificationType("x.y", category="other"))
        assert register_type(NotificationType("x.y", category="other"), replace=True).category == "other"
    finally:
        unregister_type("x.y")
    with pytest.raises(UnknownNotificationType, match="'x.y'"):
        get_type("x.y")
