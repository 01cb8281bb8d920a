"""Test support shared by the django-eyt packages. Not published; installed by tox and nox."""
