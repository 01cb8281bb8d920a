import pytest
from django.test import override_settings

from eyt_payments import checks

STRIPE = {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"}
KEYS = {"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_PUBLIC_KEY": "pk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}


def ids(messages):
    return [message.id for message in messages]


@pytest.mark.parametrize(
    "gateway",
    [
        "eyt_payments.gateways.memory.MemoryGateway",
        {"BACKEND": "nowhere.Gateway"},
        {"BACKEND": "eyt_payments.models.Payment"},
        {"BACKEND": "eyt_payments.gateways.memory.MemoryGateway", "OPTIONS": {"colour": "blue"}},
        {"BACKEND": "eyt_payments.gateways.memory.MemoryGateway", "ALIAS": "x"},
    ],
)
def test_e001_for_a_gateway_setting_that_cannot_be_built(gateway):
    with override_settings(EYT_PAYMENTS_GATEWAY=gateway):
        assert ids(checks.check_gateway()) == ["eyt_payments.E001"]


@override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, STRIPE_PUBLIC_KEY="pk_test_1", STRIPE_WEBHOOK_SECRET="whsec_1")
def test_e002_without_a_secret_key():
    assert ids(checks.check_gateway()) == ["eyt_payments.E002"]


@pytest.mark.parametrize(
    "keys",
    [
        {"STRIPE_SECRET_KEY": "sk_live_1", "STRIPE_PUBLIC_KEY": "pk_test_1"},
        {"STRIPE_SECRET_KEY": "pk_test_1", "STRIPE_PUBLIC_KEY": "pk_test_1"},
        {"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_PUBLIC_KEY": "sk_test_2"},
    ],
)
def test_e003_for_malformed_or_mismatched_keys(keys):
    with override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, STRIPE_WEBHOOK_SECRET="whsec_1", **keys):
        assert ids(checks.check_gateway()) == ["eyt_payments.E003"]


@override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, **KEYS)
def test_matching_keys_pass():
    assert checks.check_gateway() == []


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"STRIPE_SECRET_KEY": " sk_test_abc\n"}, "STRIPE_SECRET_KEY"),
        ({"EYT_PAYMENTS_SECRET_KEY": "sk_test_abc\n"}, "EYT_PAYMENTS_SECRET_KEY"),
        ({"STRIPE_PUBLIC_KEY": "pk_test_1 "}, "STRIPE_PUBLIC_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_1\r\n"}, "STRIPE_WEBHOOK_SECRET"),
        ({"EYT_PAYMENTS_WEBHOOK_SECRET": ["whsec_new", " whsec_old"]}, "EYT_PAYMENTS_WEBHOOK_SECRET"),
    ],
)
def test_e003_names_a_key_with_surrounding_whitespace(overrides, setting):
    with override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, **{**KEYS, **overrides}):
        [message] = checks.check_gateway()
    assert message.id == "eyt_payments.E003"
    assert message.msg.endswith(f"({setting}) has surrounding whitespace (a pasted newline?).")


@pytest.mark.parametrize("secret", ["sk_test_1", "whsec", ["whsec_new", "sk_live_1"]])
def test_e003_for_a_webhook_secret_that_is_not_a_signing_secret(secret):
    with override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, **{**KEYS, "STRIPE_WEBHOOK_SECRET": secret}):
        [message] = checks.check_gateway()
    assert message.id == "eyt_payments.E003"
    assert message.msg == "The Stripe webhook signing secret (STRIPE_WEBHOOK_SECRET) must start with whsec_."


@override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, STRIPE_SECRET_KEY="sk_test_1", STRIPE_WEBHOOK_SECRET="whsec_1")
def test_w004_without_a_publishable_key():
    [message] = checks.check_gateway()
    assert message.id == "eyt_payments.W004"
    assert "EYT_PAYMENTS_PUBLIC_KEY" in message.hint


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"STRIPE_SECRET_KEY": "sk_live_1"}, "STRIPE_SECRET_KEY"),
        ({"EYT_PAYMENTS_PUBLIC_KEY": "pk_live_1"}, "EYT_PAYMENTS_PUBLIC_KEY"),
        ({"STRIPE_SECRET_KEY": "rk_live_1", "STRIPE_PUBLIC_KEY": "pk_live_1"}, "STRIPE_SECRET_KEY, STRIPE_PUBLIC_KEY"),
    ],
)
def test_w005_for_live_keys_beside_a_simulator(keys, named):
    with override_settings(DEBUG=True, **keys):
        [message] = checks.check_gateway()
    assert message.id == "eyt_payments.W005"
    assert message.msg.endswith(f"the live Stripe key(s) in {named}.")


@override_settings(DEBUG=True, **KEYS)
def test_test_keys_beside_a_simulator_pass():
    assert checks.check_gateway() == []


@override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, STRIPE_SECRET_KEY="sk_test_1", STRIPE_PUBLIC_KEY="pk_test_1")
def test_w002_without_a_webhook_secret():
    assert ids(checks.check_gateway()) == ["eyt_payments.W002"]


@override_settings(EYT_PAYMENTS_GATEWAY=STRIPE, EYT_PAYMENTS_API_VERSION="2020-08-27", **KEYS)
def test_w003_for_an_api_version_other_than_the_librarys():
    assert ids(checks.check_gateway()) == ["eyt_payments.W003"]


def test_w001_for_a_simulator_in_production():
    with override_settings(DEBUG=False):
        assert ids(checks.check_gateway()) == ["eyt_payments.W001"]
    with override_settings(DEBUG=True):
        assert checks.check_gateway() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"EYT_PAYMENTS_DEFAULT_CURRENCY": "xyz"},
        {"EYT_PAYMENTS_CURRENCIES": ["usd", "zzz"]},
        {"EYT_PAYMENTS_CURRENCIES": ["eur"]},
    ],
)
def test_e004_for_currency_settings(overrides):
    with override_settings(**overrides):
        assert set(ids(checks.check_currencies())) == {"eyt_payments.E004"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": {"usd": ("10", "5")}}},
        {"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": {"usd": "10"}}},
        {"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": {"usd": ("1.001", None)}}},
        {"EYT_PAYMENTS_STRIPE_FEES": {"usd": {"percent": 2.9, "fixed": "0.30"}}},
        {"EYT_PAYMENTS_STRIPE_FEES": {"usd": {"percent": "2.9", "fixed": "0.301"}}},
        {"EYT_PAYMENTS_PLATFORM_FEES": {"coaching": {"percent": "-1"}}},
        {"EYT_PAYMENTS_PLATFORM_FEES": {"coaching": {"percent": "1", "fixed": "0.50"}}},
    ],
)
def test_e005_for_bad_limit_and_fee_tables(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_amount_and_fee_tables()) == ["eyt_payments.E005"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"EYT_PAYMENTS_STRIPE_FEES": [1]}, "EYT_PAYMENTS_STRIPE_FEES must be a dict shaped {currency or"),
        ({"EYT_PAYMENTS_STRIPE_FEES": {"usd": 1}}, "EYT_PAYMENTS_STRIPE_FEES['usd'] must be a dict, as in {"),
        ({"EYT_PAYMENTS_STRIPE_FEES": {"USD": {"percent": "1"}}}, "EYT_PAYMENTS_STRIPE_FEES['USD']: the key must be"),
        (
            {"EYT_PAYMENTS_STRIPE_FEES": {"usd": {"percentage": "1"}}},
            "EYT_PAYMENTS_STRIPE_FEES['usd'] has unknown keys",
        ),
        (
            {"EYT_PAYMENTS_STRIPE_FEES": {"default": {"percent": "x"}, "usd": {"percent": "1"}}},
            "EYT_PAYMENTS_STRIPE_FEES['default'] holds 'x'",
        ),
        ({"EYT_PAYMENTS_PLATFORM_FEES": [1]}, "EYT_PAYMENTS_PLATFORM_FEES must be a dict shaped {payment_type or"),
        ({"EYT_PAYMENTS_PLATFORM_FEES": {"coaching": "5%"}}, "EYT_PAYMENTS_PLATFORM_FEES['coaching'] must be a dict"),
        (
            {"EYT_PAYMENTS_PLATFORM_FEES": {"coaching": {"fixed": {"USD": "1"}}}},
            "EYT_PAYMENTS_PLATFORM_FEES['coaching'][\"fixed\"] has the key 'USD'",
        ),
        (
            {"EYT_PAYMENTS_AMOUNT_LIMITS": [("1", "2")]},
            "EYT_PAYMENTS_AMOUNT_LIMITS must be a dict shaped {payment_type",
        ),
        ({"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": [1]}}, "EYT_PAYMENTS_AMOUNT_LIMITS['default'] must be a dict"),
        ({"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": {"usd": 1}}}, "EYT_PAYMENTS_AMOUNT_LIMITS['default']['usd'] must"),
        (
            {"EYT_PAYMENTS_AMOUNT_LIMITS": {"default": {"usd": (1.5, None)}}},
            "EYT_PAYMENTS_AMOUNT_LIMITS['default']['usd']",
        ),
        (
            {"EYT_PAYMENTS_AMOUNT_LIMITS": {"x": {"US": ("1", None)}}},
            "EYT_PAYMENTS_AMOUNT_LIMITS['x'] has the key 'US'",
        ),
    ],
)
def test_e005_names_the_setting_and_its_shape(overrides, expected):
    with override_settings(**overrides):
        [message] = checks.check_amount_and_fee_tables()
    assert message.id == "eyt_payments.E005"
    assert message.msg.startswith(expected)


def test_e005_reports_every_malformed_table_at_once():
    with override_settings(
        EYT_PAYMENTS_AMOUNT_LIMITS={"default": {"usd": "10", "eur": ("10", "5")}},
        EYT_PAYMENTS_STRIPE_FEES=[1],
        EYT_PAYMENTS_PLATFORM_FEES={"coaching": {"percent": 2.5}, "lessons": {"fixed": "0.50"}},
    ):
        messages = [message.msg for message in checks.check_amount_and_fee_tables()]
    named = [message.partition("[")[0].partition(" ")[0].removeprefix("EYT_PAYMENTS_") for message in messages]
    assert named == ["AMOUNT_LIMITS", "AMOUNT_LIMITS", "STRIPE_FEES", "PLATFORM_FEES", "PLATFORM_FEES"]


def test_valid_tables_pass():
    with override_settings(
        EYT_PAYMENTS_AMOUNT_LIMITS={"tournament_fee": {"usd": ("1", "500"), "jpy": (None, "50000")}},
        EYT_PAYMENTS_PLATFORM_FEES={"coaching": {"percent": "5", "fixed": {"usd": "0.25"}}},
    ):
        assert checks.check_amount_and_fee_tables() == []


@pytest.mark.parametrize("path", ["nowhere.Adapter", "eyt_payments.models.Payment"])
def test_e006_for_an_adapter_that_cannot_be_used(path):
    with override_settings(EYT_PAYMENTS_ADAPTER=path):
        assert ids(checks.check_adapter()) == ["eyt_payments.E006"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"EYT_PAYMENTS_WEBHOOK_SECRET": ["whsec_1", ""]},
        {"EYT_PAYMENTS_WEBHOOK_SECRET": 42},
        {"EYT_PAYMENTS_WEBHOOK_TOLERANCE": 0},
        {"EYT_PAYMENTS_WEBHOOK_MAX_BODY_BYTES": "big"},
        {"EYT_PAYMENTS_WEBHOOK_MAX_ATTEMPTS": True},
        {"EYT_PAYMENTS_RECONCILE_RECENT_HOURS": -1},
    ],
)
def test_e007_for_unusable_webhook_settings(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_webhook_settings()) == ["eyt_payments.E007"]


def test_webhook_settings_pass_with_a_secret_roll():
    with override_settings(EYT_PAYMENTS_WEBHOOK_SECRET=["whsec_new", "whsec_old"]):
        assert checks.check_webhook_settings() == []


@pytest.mark.parametrize("rate", ["20/m", "100/h", "5/30s", None, ""])
def test_valid_create_intent_rates_pass(rate):
    with override_settings(EYT_PAYMENTS_CREATE_INTENT_RATE=rate):
        assert checks.check_rates() == []


@pytest.mark.parametrize("rate", ["20 per minute", "0/m", "20/w", 20])
def test_e008_for_a_create_intent_rate_that_cannot_be_read(rate):
    with override_settings(EYT_PAYMENTS_CREATE_INTENT_RATE=rate):
        assert [message.id for message in checks.check_rates()] == ["eyt_payments.E008"]


def test_e009_on_mariadb_or_mysql(monkeypatch):
    from django.db import connection

    assert ids(checks.check_database()) == ([] if connection.vendor != "mysql" else ["eyt_payments.E009"])
    monkeypatch.setattr(connection, "vendor", "mysql")
    assert ids(checks.check_database()) == ["eyt_payments.E009"]
