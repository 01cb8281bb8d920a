import pytest
from django.core.exceptions import ImproperlyConfigured

from eyt_audit.limits.exceptions import InvalidRate
from eyt_audit.limits.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/m", Rate(10, 60)),
        ("1000/h", Rate(1000, 3600)),
        ("5/30s", Rate(5, 30)),
        ("1/d", Rate(1, 86400)),
        (" 3 / 2m ", Rate(3, 120)),
        ("7/s", Rate(7, 1)),
    ],
)
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["10", "10/x", "0/m", "10/0m", "-1/m", "ten/m", "10/m/h", "", "\uff11\uff10/m"])
def test_a_bad_rate_is_a_configuration_error_naming_it(text):
    with pytest.raises(InvalidRate, match="is not a rate") as raised:
        parse_rate(text)
    assert repr(text) in str(raised.value)
    assert isinstance(raised.value, ImproperlyConfigured)


def test_a_rate_object_passes_through():
    assert parse_rate(Rate(2, 5)) == Rate(2, 5)
    assert str(Rate(2, 5)) == "2/5s"
