from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse

from eyt_audit import record, security_event
from eyt_audit.context import current


def whoami(request):
    context = current()
    return JsonResponse({"ip": context.ip_address, "request_id": context.request_id})


def audited(request):
    entry = record("tests.viewed")
    return JsonResponse({"sequence": entry.sequence})


async def async_whoami(request):
    context = current()
    return JsonResponse({"ip": context.ip_address, "request_id": context.request_id})


def coupon_abuse(request):
    event = security_event("shop.coupon_abuse", severity="error", metadata={"coupon": "FREE100"})
    return JsonResponse({"id": event.pk if event else None})


def forbidden(request):
    raise PermissionDenied("staff only")


def forbidden_response(request):
    return HttpResponseForbidden("no")


async def async_forbidden(request):
    raise PermissionDenied("staff only")


def csrf_protected(request):
    return HttpResponse("posted")
