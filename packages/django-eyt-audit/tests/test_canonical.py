import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from eyt_audit.canonical import MASKED, canonical_bytes, clean, is_secret, mask_secrets


def test_datetimes_become_utc_and_decimals_strings():
    paris = dt.datetime(2026, 5, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert clean(paris) == "2026-05-01T12:30:00.000000+00:00"
    assert clean(Decimal("10.50")) == "10.50"
    assert clean(1.5) == "1.5"
    assert clean(dt.date(2026, 1, 2)) == "2026-01-02"
    assert clean(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert clean(b"\x00\x01") == "<2 bytes>"
    assert clean({"a": (1, True, None)}) == {"a": [1, True, None]}


def test_control_characters_become_spaces():
    assert clean("a\r\nb\tc\x00d") == "a  b c d"
    assert clean({"k\n": "v"}) == {"k ": "v"}


def test_secrets_are_masked_at_any_depth_by_key_fragment():
    value = {"user": {"Password": "x", "list": [{"stripe_secret": "y"}]}, "note": "secret is fine as a value"}
    assert mask_secrets(value, ["password", "secret"]) == {
        "user": {"Password": MASKED, "list": [{"stripe_secret": MASKED}]},
        "note": "secret is fine as a value",
    }


def test_secret_fragments_match_whatever_the_case_on_either_side():
    assert mask_secrets({"api_key": 1, "X-Auth-Token": 2, "other": 3}, ("API_KEY", "token")) == {
        "api_key": MASKED,
        "X-Auth-Token": MASKED,
        "other": 3,
    }
    assert is_secret("Stripe_SECRET_key", ["secret"]) and not is_secret("score", ["secret"])


def test_canonical_bytes_do_not_depend_on_key_order():
    assert canonical_bytes({"b": 1, "a": "é"}) == canonical_bytes({"a": "é", "b": 1}) == b'{"a":"\\u00e9","b":1}'
