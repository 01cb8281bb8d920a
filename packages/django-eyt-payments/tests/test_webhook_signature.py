"""Our signature check gives stripe-python's verdict (``WebhookSignature.verify_header``) on any body and header:
it only skips decoding the body, so it must never accept what stripe-python refuses, nor the reverse. The one
difference: we also refuse a timestamp further ahead than the tolerance, which stripe-python accepts."""

import time

import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from eyt_payments.webhooks.signature import WebhookRefused, verify

SECRET = "whsec_property"
TOLERANCE = 300


def stripe_accepts(body: bytes, header: str) -> bool:
    try:
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, SECRET, TOLERANCE)
    except stripe.SignatureVerificationError:
        return False
    return True


def we_accept(body: bytes, header: str) -> bool:
    try:
        verify(body, header, [SECRET])
    except WebhookRefused:
        return False
    return True


def header_for(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{body.decode()}", secret)
    return f"t={timestamp},v1={signature}"


bodies = st.text(max_size=200).map(str.encode)
ages = st.integers(min_value=-60, max_value=2 * TOLERANCE)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=bodies, age=ages, tampered=st.booleans(), wrong_secret=st.booleans(), extra=st.booleans())
def test_we_accept_exactly_what_stripe_python_accepts(body, age, tampered, wrong_secret, extra):
    timestamp = int(time.time()) - age
    header = header_for(body, timestamp, "whsec_other" if wrong_secret else SECRET)
    if extra:  # a second v1 (Stripe sends one per secret during a roll) and an unknown scheme
        header += f",v1={'0' * 64},v0=ignored"
    delivered = body + b" " if tampered else body
    assert we_accept(delivered, header) == stripe_accepts(delivered, header)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=bodies, header=st.text(max_size=120))
def test_an_arbitrary_header_gets_the_same_verdict(body, header):
    assert we_accept(body, header) == stripe_accepts(body, header)


@pytest.mark.parametrize("ahead", [TOLERANCE + 2, 3600, 10**9])
def test_a_timestamp_further_ahead_than_the_tolerance_is_refused(ahead):
    body = b'{"id": "evt_1"}'
    header = header_for(body, int(time.time()) + ahead)
    assert stripe_accepts(body, header)
    with pytest.raises(WebhookRefused) as refused:
        verify(body, header, [SECRET])
    assert refused.value.code == "signature_from_future"
