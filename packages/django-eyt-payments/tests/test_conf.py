from django.test import override_settings

from eyt_payments.conf import seed_setting, settings


def test_defaults():
    assert settings.EYT_PAYMENTS_DEFAULT_CURRENCY == "usd"
    assert settings.EYT_PAYMENTS_CURRENCIES is None
    assert settings.EYT_PAYMENTS_TIMEOUT == 30.0
    assert settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES == 2
    assert settings.EYT_PAYMENTS_CAPTURE_METHOD == "automatic"
    assert settings.EYT_PAYMENTS_ADAPTER == "eyt_payments.hooks.DefaultPaymentsAdapter"


def test_seed_settings_have_built_in_defaults():
    assert seed_setting("SECRET_KEY") == ""
    assert seed_setting("PUBLIC_KEY") == ""
    assert seed_setting("WEBHOOK_SECRET") == ""


@override_settings(STRIPE_PUBLIC_KEY="pk_test_1", STRIPE_SECRET_KEY="sk_test_1", STRIPE_WEBHOOK_SECRET="whsec_1")
def test_the_original_platform_settings_are_honoured():
    assert (seed_setting("PUBLIC_KEY"), seed_setting("SECRET_KEY"), seed_setting("WEBHOOK_SECRET")) == (
        "pk_test_1",
        "sk_test_1",
        "whsec_1",
    )


@override_settings(STRIPE_SECRET_KEY="sk_test_1", EYT_PAYMENTS_SECRET_KEY="sk_test_2")
def test_prefixed_settings_win():
    assert seed_setting("SECRET_KEY") == "sk_test_2"
