"""A writer process for the concurrency test: its own Django, its own connection to the test database."""

import os


def append_entries(database_name: str, writer: int, count: int) -> list[int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from django.db import connection, transaction

    from eyt_audit import audit_context, record

    sequences = []
    with audit_context(reason=f"writer {writer}"):
        for n in range(count):
            if n % 5 == 4:  # some entries roll back: their numbers must be given back
                try:
                    with transaction.atomic():
                        record("tests.rolled_back", metadata={"writer": writer, "n": n})
                        raise RuntimeError
                except RuntimeError:
                    continue
            with transaction.atomic():
                sequences.append(record("tests.concurrent", metadata={"writer": writer, "n": n}).sequence)
    connection.close()
    return sequences
