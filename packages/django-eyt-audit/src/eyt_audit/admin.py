"""Read-only admins for the trail and the security events: filters, exact search, and paging that never counts
millions of rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from eyt_audit import ledger
from eyt_audit.chain import GENESIS, link
from eyt_audit.middleware import parse_ip
from eyt_audit.models import AuditEntry, SecurityEvent
from eyt_audit.verification import PRUNE_ACTION

VERIFIED_ACTION = "eyt_audit.verified"

if TYPE_CHECKING:  # the admin classes are generic only for the type checker
    _EntryAdmin = admin.ModelAdmin[AuditEntry]
    _EventAdmin = admin.ModelAdmin[SecurityEvent]
    _Paginator = Paginator[Any]
else:
    _EntryAdmin = _EventAdmin = admin.ModelAdmin
    _Paginator = Paginator


class CappedPaginator(_Paginator):
    """Counts at most ``cap`` + 1 rows of a filtered list; the unfiltered count comes from the chain head."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            return _unfiltered_count(queryset.db)
        return int(queryset[: self.cap + 1].count())  # type: ignore[attr-defined]  # the admin passes a QuerySet


def _unfiltered_count(using: str) -> int:
    head, _chain = ledger.head_of(using)
    first = AuditEntry.objects.using(using).order_by("sequence").values_list("sequence", flat=True).first()
    return 0 if first is None else head - first + 1


class SortableChangeList(ChangeList):
    """Sorts by the ``sortable_by`` columns only, also on a hand-written ``?o=`` (Django checks it for the headers)."""

    def get_ordering_field(self, field_name: Any) -> Any:
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class InputFilter(admin.SimpleListFilter):
    """A text box instead of a list of every distinct value (there may be millions)."""

    template = "eyt_audit/admin/input_filter.html"
    placeholder = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # Django shows a filter only when it has lookups

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:  # type: ignore[override]  # Django yields plain dicts
        self.current = self.value()
        self.preserved_params = [
            (name, value)
            for name, value in changelist.get_filters_params().items()
            if name != self.parameter_name and isinstance(value, str)
        ]
        yield {"selected": self.value() is None}


class ActionFilter(InputFilter):
    title = _("action")
    parameter_name = "action"
    placeholder = "payments.  or  payments.refunded"

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(action__startswith=value) if value.endswith(".") else queryset.filter(action=value)


class ActorFilter(InputFilter):
    title = _("actor id")
    parameter_name = "actor"
    placeholder = "user id"

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        return queryset.filter(actor_pk=value) if value else queryset


class TargetTypeFilter(admin.SimpleListFilter):
    title = _("target type")
    parameter_name = "target_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted((model._meta.label_lower, str(model._meta.verbose_name)) for model in apps.get_models())

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        return queryset.filter(target_type=value) if value else queryset


class OutcomeFilter(admin.SimpleListFilter):
    """The four outcomes, listed from the model (a plain field's filter reads its distinct values from every row)."""

    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in AuditEntry.Outcome.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        return queryset.filter(outcome=value) if value else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(_EntryAdmin):
    list_display = ("sequence", "created_at", "action", "outcome", "actor_repr", "target", "ip_address", "request_id")
    list_filter = (
        ActionFilter,
        ActorFilter,
        TargetTypeFilter,
        OutcomeFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    sortable_by = ("sequence", "created_at", "action", "request_id")  # the indexed columns: no sort of every row
    search_help_text = _("Exact match on a request id, action, actor id, target id or sequence number.")
    search_fields = ("request_id",)  # the search itself is get_search_results below (exact, indexed lookups)
    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are a COUNT over the whole trail per filter value
    list_per_page = 50
    list_max_show_all = 200
    actions = None
    readonly_fields = ("chain_status",)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SortableChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], search_term: str
    ) -> tuple[QuerySet[AuditEntry], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(request_id=term) | Q(action=term) | Q(actor_pk=term) | Q(target_pk=term)
        if term.isdigit():
            match |= Q(sequence=int(term))
        return queryset.filter(match), False

    @admin.display(description=_("target"))
    def target(self, entry: AuditEntry) -> str:
        return f"{entry.target_type} {entry.target_repr}".strip()

    @admin.display(description=_("chain link"))
    def chain_status(self, entry: AuditEntry) -> str:
        previous = _previous_chain(entry)
        if previous is None:
            return str(_("cannot be checked here: the entry before it is missing"))
        if link(previous, ledger.canonical_form(entry.canonical_values())) == entry.chain:
            return str(_("intact: matches its content and the entry before it"))
        return str(_("BROKEN: does not match its content and the entry before it; run eyt_audit_verify"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        context = {**(extra_context or {}), "chain_status": chain_status(self.model.objects.db)}
        return super().changelist_view(request, extra_context=context)  # type: ignore[return-value]


def _previous_chain(entry: AuditEntry) -> str | None:
    if entry.sequence == 1:
        return GENESIS
    entries = AuditEntry.objects.using(entry._state.db)
    previous = entries.filter(sequence=entry.sequence - 1).values_list("chain", flat=True).first()
    if previous is not None:
        return previous
    prune = (
        entries.filter(action=PRUNE_ACTION, metadata__through_sequence=entry.sequence - 1)
        .values_list("metadata", flat=True)
        .first()
    )
    return None if prune is None else str(prune["anchor_chain"])


def chain_status(using: str) -> dict[str, Any]:
    """The head and the outcome of the last ``eyt_audit_verify`` run, as recorded in the trail itself."""
    head, _chain = ledger.head_of(using)
    verified = (
        AuditEntry.objects.using(using).filter(action=VERIFIED_ACTION).values_list("created_at", "metadata").first()
    )
    status: dict[str, Any] = {"head": head, "verified": None}
    if verified:
        when, metadata = verified
        status["verified"] = {"when": when, **metadata}
    return status


class CappedCountPaginator(_Paginator):
    """Counts at most ``cap`` + 1 rows, filtered or not (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            return queryset[: self.cap + 1].count()
        return len(queryset)


class EventTypeFilter(admin.SimpleListFilter):
    title = _("type")
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SecurityEvent.Type.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SecurityEvent]) -> QuerySet[SecurityEvent]:
        value = self.value()
        return queryset.filter(event_type=value) if value else queryset


class OtherEventTypeFilter(InputFilter):
    """Host apps' own types, typed in (there is no cheap list of distinct values on a large table)."""

    title = _("type (any)")
    parameter_name = "type"
    placeholder = "shop.coupon_abuse"

    def queryset(self, request: HttpRequest, queryset: QuerySet[SecurityEvent]) -> QuerySet[SecurityEvent]:
        value = self.value()
        return queryset.filter(event_type=value.strip()) if value else queryset


def change_user_permission() -> str:
    """The change permission of the project's user model: ``auth.change_user`` only for Django's own ``User``."""
    opts = get_user_model()._meta
    return f"{opts.app_label}.{get_permission_codename('change', opts)}"


@admin.register(SecurityEvent)
class SecurityEventAdmin(_EventAdmin):
    list_display = (
        "first_seen",
        "event_type",
        "severity",
        "count",
        "last_seen",
        "who",
        "ip_address",
        "path",
        "request_id",
    )
    list_filter = (EventTypeFilter, OtherEventTypeFilter, "severity", ("first_seen", admin.DateFieldListFilter))
    search_help_text = _("Exact match on a username, IP address, request id, actor id or type.")
    search_fields = ("username",)  # the search itself is get_search_results below (exact, indexed lookups)
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 200
    actions = ["lift_locks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        """Whoever may change users (of ``AUTH_USER_MODEL``, e.g. ``accounts.change_user``) may lift their login
        locks."""
        return bool(request.user.has_perm(change_user_permission()))

    @admin.action(
        description=_("Lift the login locks of the selected events' usernames and IPs"), permissions=["unlock"]
    )
    def lift_locks(self, request: HttpRequest, queryset: QuerySet[SecurityEvent]) -> None:
        from eyt_audit.limits.exceptions import StorageUnavailable
        from eyt_audit.limits.keys import normalize_username
        from eyt_audit.limits.lockout import status, unlock

        pairs = set(queryset.exclude(username="").values_list("username", "ip_address"))
        try:
            locked = {normalize_username(username) for username, ip in pairs if status(username, ip).locked}
            for username, ip in pairs:
                unlock(username, ip, by=f"admin:{request.user.pk}")
        except StorageUnavailable:
            self.message_user(request, _("The counter cache could not be reached; try again."), messages.ERROR)
            return
        counts = {
            "usernames": len({normalize_username(username) for username, _ip in pairs}),
            "ips": len({ip for _username, ip in pairs if ip}),
            "locked": len(locked),
        }
        self.message_user(
            request,
            _(
                "Lifted the login locks of %(usernames)d username(s) and %(ips)d IP address(es); "
                "%(locked)d of the usernames were locked."
            )
            % counts,
        )

    def has_delete_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[SecurityEvent], search_term: str
    ) -> tuple[QuerySet[SecurityEvent], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(username=term) | Q(request_id=term) | Q(actor_pk=term) | Q(event_type=term)
        address = parse_ip(term)
        if address is not None:
            match |= Q(ip_address=address)
        return queryset.filter(match), False

    @admin.display(description=_("actor or username"))
    def who(self, event: SecurityEvent) -> str:
        return event.actor_repr or event.username
