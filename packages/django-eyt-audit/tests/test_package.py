"""What ``import eyt_audit`` offers, and the Tasks framework shim."""

import importlib
import sys

import pytest

import eyt_audit
from eyt_audit import tracking


def test_every_public_name_is_importable_from_the_package_and_listed():
    for name in eyt_audit.__all__:
        assert getattr(eyt_audit, name) is not None
        assert name in dir(eyt_audit)
    assert eyt_audit.unregister is tracking.unregister


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        eyt_audit.nope


def test_without_a_tasks_framework_the_shim_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "django.tasks", None)
    monkeypatch.setitem(sys.modules, "django_tasks", None)
    monkeypatch.delitem(sys.modules, "eyt_audit.compat", raising=False)
    with pytest.raises(ImportError, match=r'pip install "django-eyt-audit\[tasks\]"'):
        importlib.import_module("eyt_audit.compat")
    monkeypatch.undo()
    assert importlib.import_module("eyt_audit.compat").task is not None
