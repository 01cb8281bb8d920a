"""Stripe webhooks through a durable inbox: the view verifies and stores, the worker processes.

- ``views.stripe_webhook``: ``POST /payments/webhook/``, signature check, insert, 2xx. Nothing else.
- ``inbox.receive``: the same verification and insert, for callers that hold the exact signed bytes.
- ``processing``: claims due events and runs ``handlers`` under row locks, with retries and a dead letter.
- ``simulator``: delivers the local simulator's events, signed, through ``inbox.receive``.
"""
