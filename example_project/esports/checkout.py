from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse


def redirect_to_checkout(payment_type: str, ref: object) -> HttpResponseRedirect:
    """The package's checkout page for what is being paid; it prices ``ref`` on the server."""
    query = urlencode({"type": payment_type, "ref": str(ref)})
    return HttpResponseRedirect(f"{reverse('eyt_payments:checkout')}?{query}")
