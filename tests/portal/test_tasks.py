"""The task engine on the portal's database: e-mails queued, each task run once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.tasks import task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from portal.emails import send_email_on_commit

CONTEXT = {"protocol": "https", "domain": "ev.example.com", "uid": "x", "token": "y"}
CALLS: Counter[int] = Counter()
LOCK = threading.Lock()


@task()
def record(number: int) -> int:
    with LOCK:
        CALLS[number] += 1
    return number


@pytest.fixture
def database_tasks(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CALLS.clear()


def worker(name: str) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        excluded_queue_names=[],
    )


@pytest.mark.django_db(transaction=True)
def test_an_email_waits_in_the_database_until_a_worker_sends_it(
    database_tasks: None,
) -> None:
    with transaction.atomic():
        send_email_on_commit(
            template="password_reset", context=CONTEXT, to=["a@example.com"]
        )
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "portal.tasks.deliver_email"
    worker("host-a").run()
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_request_queues_nothing(database_tasks: None) -> None:
    with transaction.atomic():
        send_email_on_commit(template="password_reset", context=CONTEXT, to=["a@x.de"])
        transaction.set_rollback(True)
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_hosts_working_one_queue_run_each_task_once(database_tasks: None) -> None:
    for number in range(20):
        record.enqueue(number)
    barrier = threading.Barrier(2)

    def host(name: str) -> None:
        barrier.wait()
        try:
            worker(name).run()
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        hosts = [threading.Thread(target=host, args=(n,)) for n in ("a", "b")]
        for thread in hosts:
            thread.start()
        for thread in hosts:
            thread.join()
    else:
        # SQLite takes one writer at a time: the two hosts take turns.
        worker("a").run()
        worker("b").run()
    assert Counter(dict.fromkeys(range(20), 1)) == CALLS
    results: list[Any] = list(DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert all(len(ids) == 1 for ids in results)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_twice_by_two_hosts_runs_twice_unless_it_guards(
    database_tasks: None,
) -> None:
    """The queue runs each *enqueued* task once: the same work queued by two
    hosts is two tasks, so the portal's tasks guard themselves (the waiting
    list's expiry is tested to act once in tests/bookings/waitlist)."""
    record.enqueue(7)
    record.enqueue(7)
    worker("a").run()
    worker("b").run()
    assert CALLS[7] == 2
