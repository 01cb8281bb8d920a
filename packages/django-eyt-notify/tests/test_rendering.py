import pytest
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import translation

from eyt_notify.models import NotificationTemplate
from eyt_notify.rendering import absolute_url, render
from eyt_notify.types import get_type

pytestmark = pytest.mark.django_db


class Note:
    title = "Line one\nline <two>"
    message = "Body & more"


def test_defaults_escape_html_but_not_text_and_keep_subjects_on_one_line():
    parts = render(get_type("team.invite"), "email", ["subject", "body", "html"], {"notification": Note()})
    assert parts["subject"] == "Line one line <two>"
    assert parts["body"] == "Body & more"
    assert "<h1>Line one\nline &lt;two&gt;</h1>" in parts["html"]


def test_db_templates_win_by_language_with_fallbacks():
    key = "team.invite"
    NotificationTemplate.objects.create(notification_type=key, channel="email", language="", subject="Any {{ x }}")
    NotificationTemplate.objects.create(
        notification_type=key, channel="email", language="de", subject="Deutsch {{ x }}"
    )
    assert render(get_type(key), "email", ["subject"], {"x": 1}, "de")["subject"] == "Deutsch 1"
    assert render(get_type(key), "email", ["subject"], {"x": 1}, "de-at")["subject"] == "Deutsch 1"
    assert render(get_type(key), "email", ["subject"], {"x": 1}, "en")["subject"] == "Any 1"


def test_each_part_walks_the_whole_lookup_order_on_its_own():
    key = "team.invite"
    NotificationTemplate.objects.create(notification_type=key, channel="email", language="de", subject="Betreff")
    NotificationTemplate.objects.create(
        notification_type=key, channel="email", language="", subject="Any subject", body="Any body"
    )
    parts = render(get_type(key), "email", ["subject", "body", "html"], {"notification": Note()}, "de-at")
    assert parts["subject"] == "Betreff"  # the base language's row
    assert parts["body"] == "Any body"  # the any-language row, not the file
    assert "<h1>Line one\nline &lt;two&gt;</h1>" in parts["html"]  # no row has it: the file


def test_a_syntax_error_names_the_row_and_the_field():
    NotificationTemplate.objects.create(notification_type="team.invite", channel="email", body="{% if %}")
    with pytest.raises(TemplateSyntaxError, match=r"NotificationTemplate team.invite/email/\* \(body\): "):
        render(get_type("team.invite"), "email", ["subject", "body"], {})


def test_rendering_uses_the_given_language_and_restores_the_active_one():
    NotificationTemplate.objects.create(
        notification_type="team.invite",
        channel="email",
        subject="{% load i18n %}{% get_current_language as l %}{{ l }}",
    )
    with translation.override("en"):
        assert render(get_type("team.invite"), "email", ["subject"], {}, "de")["subject"] == "de"
        assert translation.get_language() == "en"


def test_without_defaults_a_missing_type_template_raises():
    with pytest.raises(TemplateDoesNotExist, match="team.invite/inapp/subject"):
        render(get_type("team.invite"), "inapp", ["subject"], {}, defaults=False)


def test_absolute_url(settings):
    assert absolute_url("/m/1/") == "/m/1/"
    settings.EYT_NOTIFY_SITE_URL = "https://eyt.example"
    assert absolute_url("/m/1/") == "https://eyt.example/m/1/"
    assert absolute_url("https://other.example/x") == "https://other.example/x"
    assert absolute_url("") == ""
    for unsafe in ("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x"):
        assert absolute_url(unsafe) == ""  # left out, as the JSON API and the pages do
