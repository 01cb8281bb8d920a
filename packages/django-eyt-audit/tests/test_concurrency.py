import multiprocessing
import threading
import time

import pytest
from django.db import connection, connections, transaction

from eyt_audit import record
from eyt_audit.models import AuditEntry
from eyt_audit.verification import verify
from eyt_testing.plugin import SERVERS
from tests.concurrent_writer import append_entries

WRITERS = 4
PER_WRITER = 40


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_writer_processes_leave_a_gapless_chain_that_verifies(server):
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


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.django_db(transaction=True)
def test_the_first_appenders_of_an_empty_trail_all_get_numbers(server):
    """They race to create the chain head: the losers wait for it and queue on it, none fails (on MariaDB two
    losers sharing a lock on the head deadlocked)."""
    threads = 8
    barrier = threading.Barrier(threads)
    sequences, errors = [], []

    def first_append(writer):
        try:
            barrier.wait()
            with transaction.atomic():
                sequences.append(record("tests.first", metadata={"writer": writer}).sequence)
                time.sleep(0.05)  # the head's creator commits after the others tried to create it too
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=first_append, args=(writer,)) for writer in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(sequences) == list(range(1, threads + 1))
    assert verify().ok
