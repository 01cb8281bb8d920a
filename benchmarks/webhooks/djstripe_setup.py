"""Runs inside dj-stripe's virtual environment (see ``run.py``) and prints one JSON line.

python djstripe_setup.py setup    migrates BENCH_DB_NAME (dj-stripe's tables from its models) and adds the WebhookEndpoint row whose signing secret is
                                  BENCH_WEBHOOK_SECRET; prints its webhook path and the versions
python djstripe_setup.py report   prints what the deliveries left in the database
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "djstripe_site"


def setup() -> dict[str, object]:
    import stripe
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone
    from djstripe.models import Account, APIKey, WebhookEndpoint

    call_command("migrate", run_syncdb=True, verbosity=0)
    # dj-stripe learns the key's owner from GET /v1/account on first use and keeps it (an APIKey row with its
    # Account); localstripe has no /v1/account, so the rows are made here, as after that first call.
    key, _ = APIKey.objects.get_or_create_by_api_key(os.environ["BENCH_STRIPE_KEY"])
    key.djstripe_owner_account = Account.objects.create(id="acct_bench", livemode=False)
    key.save()
    endpoint = WebhookEndpoint.objects.create(
        id="we_bench",
        livemode=False,
        created=timezone.now(),
        api_version=stripe.api_version,
        enabled_events=["*"],
        secret=os.environ["BENCH_WEBHOOK_SECRET"],
        status="enabled",
        url="http://127.0.0.1/stripe/webhook/",
    )
    return {
        "path": reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid}),
        "versions": {"dj-stripe": version("dj-stripe"), "stripe": stripe.VERSION, "Django": django.get_version()},
    }


def report() -> dict[str, object]:
    from djstripe.models import Event, PaymentIntent, WebhookEventTrigger

    return {
        "triggers": WebhookEventTrigger.objects.count(),
        "triggers_failed": WebhookEventTrigger.objects.exclude(exception="").count(),
        "first_error": WebhookEventTrigger.objects.exclude(exception="").values_list("exception", flat=True).first(),
        "events": Event.objects.count(),
        "payment_intents": PaymentIntent.objects.count(),
    }


def version(distribution: str) -> str:
    from importlib.metadata import version as installed

    return installed(distribution)


if __name__ == "__main__":
    django.setup()
    print(json.dumps({"setup": setup, "report": report}[sys.argv[1]]()))
