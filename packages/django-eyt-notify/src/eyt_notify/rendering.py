"""Rendering a notification for a channel: DB templates first, then file templates, then the shipped defaults.

Parts are ``subject`` (email subject, push or in-app title), ``body`` (plain text) and ``html`` (autoescaped).
Each part is looked up on its own; for a type ``match.starting`` on ``email`` in ``de-at`` the part ``html`` is the
first non-empty ``html_body`` of ``NotificationTemplate(match.starting, email, de-at)``, then ``(..., de)``, then
``(..., "")``, else the file ``eyt_notify/match.starting/email/body.html``, ``eyt_notify/default/email/body.html`` or
``eyt_notify/default/body.html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any
from urllib.parse import urljoin

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils import translation

from eyt_notify.conf import settings
from eyt_notify.models import NotificationTemplate
from eyt_notify.serializers import safe_url
from eyt_notify.types import NotificationType

__all__ = ["PART_FILES", "absolute_url", "render"]

PART_FILES = {"subject": "subject.txt", "body": "body.txt", "html": "body.html"}
_DB_FIELDS = {"subject": "subject", "body": "body", "html": "html_body"}


def absolute_url(url: str) -> str:
    """``url`` joined to ``EYT_NOTIFY_SITE_URL`` when it is relative and a site URL is set; ``""`` when it is unsafe.

    Unsafe is what ``safe_url()`` drops (``javascript:``, ``data:``, any scheme but http(s)), as the JSON API does.
    """
    url = safe_url(url)
    base = settings.EYT_NOTIFY_SITE_URL
    return urljoin(base, url) if url and base else url


def render(
    ntype: NotificationType,
    channel: str,
    parts: Sequence[str],
    context: Mapping[str, Any],
    language: str | None = None,
    *,
    defaults: bool = True,
) -> dict[str, str]:
    """Render ``parts`` of ``ntype`` for ``channel`` in ``language`` (``None``: the active language).

    With ``defaults=False`` only the type's own templates count and a missing one raises ``TemplateDoesNotExist``.
    A template with a syntax error raises ``TemplateSyntaxError`` naming the row or the files.
    """
    with translation.override(language, deactivate=False) if language else nullcontext():
        rows = _db_templates(ntype.key, channel, translation.get_language() or "")
        rendered = {}
        for part in parts:
            row = next((row for row in rows if getattr(row, _DB_FIELDS[part])), None)
            template = _db_template(row, part) if row else _file_template(ntype, channel, part, defaults)
            text = template.render(Context(dict(context), autoescape=part == "html"))
            rendered[part] = " ".join(text.split()) if part == "subject" else text.strip()
    return rendered


def _engine() -> Engine:
    return Engine.get_default()


def _db_template(row: NotificationTemplate, part: str) -> Any:
    field = _DB_FIELDS[part]
    try:
        return _engine().from_string(getattr(row, field))
    except TemplateSyntaxError as error:
        raise TemplateSyntaxError(f"NotificationTemplate {row} ({field}): {error}") from error


def _file_template(ntype: NotificationType, channel: str, part: str, defaults: bool) -> Any:
    folder = ntype.templates.get(channel, f"eyt_notify/{ntype.key}/{channel}")
    names = [f"{folder}/{PART_FILES[part]}"]
    if defaults:
        names += [f"eyt_notify/default/{channel}/{PART_FILES[part]}", f"eyt_notify/default/{PART_FILES[part]}"]
    try:
        return _engine().select_template(names)
    except TemplateDoesNotExist as error:
        raise TemplateDoesNotExist(f"No template for {ntype.key}/{channel}/{part}: tried {', '.join(names)}") from error
    except TemplateSyntaxError as error:
        found = f"the first found of {', '.join(names)}"
        raise TemplateSyntaxError(f"Template for {ntype.key}/{channel}/{part} ({found}): {error}") from error


def _db_templates(type_key: str, channel: str, language: str) -> list[NotificationTemplate]:
    """The rows of ``type_key`` on ``channel`` in lookup order: ``language``, its base language, any language."""
    candidates = list(dict.fromkeys([language, language.split("-")[0], ""]))
    rows = {
        row.language: row
        for row in NotificationTemplate.objects.filter(
            notification_type=type_key, channel=channel, language__in=candidates
        )
    }
    return [rows[lang] for lang in candidates if lang in rows]
