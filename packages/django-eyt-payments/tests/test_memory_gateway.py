import ast
import inspect
import textwrap

import pytest

from eyt_payments.exceptions import GatewayUnavailable, IdempotencyConflict, InvalidGateway
from eyt_payments.gateways.base import IntentRequest, RefundRequest
from eyt_payments.gateways.memory import GatewayCall, MemoryGateway
from eyt_payments.gateways.simulation import SimulatorGateway


def test_the_outbox_records_exact_requests():
    gateway = MemoryGateway()
    gateway.create_intent(IntentRequest(amount=1234, currency="eur", metadata={"a": "1"}), idempotency_key="k1")
    assert gateway.outbox == [
        GatewayCall(
            "create_intent",
            {
                "amount": 1234,
                "currency": "eur",
                "customer": None,
                "payment_method": None,
                "confirm": False,
                "capture_method": "automatic",
                "description": "",
                "statement_descriptor_suffix": "",
                "receipt_email": "",
                "metadata": {"a": "1"},
                "return_url": "",
            },
            "k1",
        )
    ]


def test_money_moving_calls_need_an_idempotency_key():
    gateway = MemoryGateway()
    with pytest.raises(ValueError, match="idempotency key"):
        gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="")
    with pytest.raises(ValueError, match="idempotency key"):
        gateway.create_refund(RefundRequest(payment_intent="pi_x", amount=1), idempotency_key="k" * 256)
    assert gateway.outbox == []


def test_keys_are_honoured():
    gateway = MemoryGateway()
    first = gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="k")
    assert gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="k").id == first.id
    with pytest.raises(IdempotencyConflict):
        gateway.create_intent(IntentRequest(amount=101, currency="usd"), idempotency_key="k")


def test_fail_next_before_or_after_the_provider_acted():
    gateway = MemoryGateway()
    gateway.fail_next("create_intent", after_accept=False)
    with pytest.raises(GatewayUnavailable):
        gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="a")
    assert list(gateway.store.objects("payment_intent")) == []
    gateway.fail_next("create_intent", after_accept=True)
    with pytest.raises(GatewayUnavailable):
        gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="b")
    assert len(list(gateway.store.objects("payment_intent"))) == 1


def test_fail_next_refuses_an_operation_that_does_not_exist_and_names_the_real_ones():
    gateway = MemoryGateway()
    with pytest.raises(ValueError, match="'create_payment_intent' is not an operation of MemoryGateway") as refused:
        gateway.fail_next("create_payment_intent")
    assert all(name in str(refused.value) for name in ("create_intent", "confirm_intent", "create_refund"))
    with pytest.raises(ValueError, match="'create_payment_intent'"):
        gateway.calls("create_payment_intent")
    assert gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="a").id


def test_operations_are_exactly_the_names_the_gateway_records():
    source = ast.parse(textwrap.dedent(inspect.getsource(SimulatorGateway)))
    called = {
        node.args[0].value
        for node in ast.walk(source)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "call"
    }
    assert called == set(MemoryGateway.operations)


def test_reset_forgets_everything():
    gateway = MemoryGateway()
    gateway.create_intent(IntentRequest(amount=100, currency="usd"), idempotency_key="a")
    gateway.reset()
    assert gateway.outbox == []
    assert gateway.events == []
    assert list(gateway.store.objects("payment_intent")) == []


def test_options_are_checked():
    with pytest.raises(InvalidGateway, match="accepted: none"):
        MemoryGateway(colour="blue")


def test_a_card_attached_to_one_customer_cannot_be_attached_to_another():
    from eyt_payments.exceptions import GatewayRequestError

    gateway = MemoryGateway()
    ada = gateway.create_customer(email="ada@example.com", name="Ada", metadata={}, idempotency_key="c1").id
    bob = gateway.create_customer(email="bob@example.com", name="Bob", metadata={}, idempotency_key="c2").id
    card = gateway.create_payment_method("4242424242424242").id
    gateway.attach_payment_method(card, ada)
    assert gateway.attach_payment_method(card, ada).customer == ada  # again to the same customer: no change
    with pytest.raises(GatewayRequestError, match="already been attached") as refused:
        gateway.attach_payment_method(card, bob)
    assert refused.value.code == "payment_method_already_attached"
    assert [method.id for method in gateway.list_payment_methods(ada)] == [card]
    assert gateway.list_payment_methods(bob) == []
