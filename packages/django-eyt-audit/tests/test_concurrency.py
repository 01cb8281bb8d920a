import multiprocessing

import pytest
from django.db import connection

from eyt_audit.models import AuditEntry
from eyt_audit.verification import verify
from tests.concurrent_writer import append_entries

WRITERS = 4
PER_WRITER = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_writer_processes_leave_a_gapless_chain_that_verifies():
    name = connection.settings_dict["NAME"]
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        results = pool.starmap(append_entries, [(name, writer, PER_WRITER) for writer in range(WRITERS)])
    written = sorted(sequence for sequences in results for sequence in sequences)
    kept_per_writer = PER_WRITER - PER_WRITER // 5
    assert written == list(range(1, WRITERS * kept_per_writer + 1))  # no gaps, no duplicates
    stored = list(AuditEntry.objects.order_by("sequence").values_list("sequence", "metadata"))
    assert [sequence for sequence, _ in stored] == written
    assert not AuditEntry.objects.filter(action="tests.rolled_back").exists()
    assert len({metadata["writer"] for _, metadata in stored}) == WRITERS
    report = verify()
    assert report.ok, report.problem
    assert report.checked == WRITERS * kept_per_writer
