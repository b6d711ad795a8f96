from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.scheduler.models import Lease, _holder_token, _process_space

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def test_a_held_lease_cannot_be_taken_twice() -> None:
    first = Lease.acquire("sync", ttl=MINUTE)
    assert first is not None
    assert Lease.acquire("sync", ttl=MINUTE) is None
    assert Lease.acquire("other", ttl=MINUTE) is not None


def test_a_released_lease_can_be_taken_again() -> None:
    first = Lease.acquire("sync", ttl=MINUTE)
    assert first is not None
    first.release()
    assert Lease.acquire("sync", ttl=MINUTE) is not None


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew() -> None:
    dead = Lease.acquire("sync", ttl=MINUTE)
    assert dead is not None
    Lease.objects.filter(name="sync").update(expires_at=timezone.now() - MINUTE)
    alive = Lease.acquire("sync", ttl=MINUTE)
    assert alive is not None
    assert not dead.renew()
    assert alive.renew()
    dead.release()  # does nothing: it is not theirs any more
    assert Lease.acquire("sync", ttl=MINUTE) is None


def test_renewing_pushes_the_expiry_forward() -> None:
    lease = Lease.acquire("sync", ttl=timedelta(seconds=1))
    assert lease is not None
    lease.ttl = timedelta(hours=1)
    assert lease.renew()
    row = Lease.objects.get(name="sync")
    assert row.expires_at is not None
    assert row.expires_at > timezone.now() + timedelta(minutes=59)


def dead_pid() -> int:
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


def holder_of(monkeypatch: pytest.MonkeyPatch, *, pid: int, space: str | None) -> str:
    """The holder token a process `pid` in process space `space` writes."""
    with monkeypatch.context() as patch:
        patch.setattr("portal.scheduler.models.os.getpid", lambda: pid)
        if space is not None:
            patch.setattr("portal.scheduler.models._process_space", lambda: space)
        return _holder_token()


def left_behind(holder: str) -> None:
    Lease.objects.update_or_create(
        name="sync",
        defaults={"holder": holder, "expires_at": timezone.now() + 10 * MINUTE},
    )


def test_a_lease_left_by_a_dead_process_of_this_process_space_is_taken_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not _process_space():
        pytest.skip("no process space on this platform: leases wait for expiry")
    left_behind(holder_of(monkeypatch, pid=dead_pid(), space=None))
    assert Lease.acquire("sync", ttl=MINUTE) is not None


def test_a_live_process_of_this_process_space_keeps_its_lease(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    left_behind(holder_of(monkeypatch, pid=os.getppid(), space=None))
    assert Lease.acquire("sync", ttl=MINUTE) is None


def test_a_container_with_the_same_host_name_keeps_its_lease(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its process ids mean nothing here: a pid that is dead (or alive) in this
    # container says nothing about the other's process.
    left_behind(holder_of(monkeypatch, pid=dead_pid(), space="0123456789abcdef"))
    assert Lease.acquire("sync", ttl=MINUTE) is None
    # A holder written in the old host:pid:random form is not guessed at either.
    left_behind(f"{socket.gethostname()[:40]}:{dead_pid()}:killed")
    assert Lease.acquire("sync", ttl=MINUTE) is None


def test_where_the_process_space_is_unknown_leases_wait_for_their_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("portal.scheduler.models._process_space", lambda: "")
    left_behind(_holder_token().replace(f":{os.getpid()}:", f":{dead_pid()}:"))
    assert Lease.acquire("sync", ttl=MINUTE) is None
    Lease.objects.filter(name="sync").update(expires_at=timezone.now() - MINUTE)
    assert Lease.acquire("sync", ttl=MINUTE) is not None


def test_another_hosts_lease_waits_for_its_expiry() -> None:
    left_behind("other-host:1:x")
    assert Lease.acquire("sync", ttl=MINUTE) is None


def test_every_holder_is_unique_and_keeps_a_long_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = "portal-" + "x" * 50 + ".eu-central-1.compute.internal"
    monkeypatch.setattr("portal.scheduler.models.socket.gethostname", lambda: host)
    first = Lease.acquire("sync", ttl=MINUTE)
    second = Lease.acquire("other", ttl=MINUTE)
    assert first is not None and second is not None
    assert first.token != second.token
    holder = Lease.objects.get(name="sync").holder
    assert holder == first.token
    assert holder.endswith(f":{os.getpid()}:{host}")  # the whole name
    assert len(holder) <= Lease._meta.get_field("holder").max_length


def test_a_host_name_too_long_for_the_column_is_cut_not_the_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("portal.scheduler.models.socket.gethostname", lambda: "h" * 300)
    token = _holder_token()
    assert len(token) == Lease._meta.get_field("holder").max_length
    random_part, _space, pid, host = token.split(":", 3)
    assert len(random_part) == 32
    assert pid == str(os.getpid())
    assert host.startswith("hhh")
