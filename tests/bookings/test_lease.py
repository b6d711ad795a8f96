from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Lease

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


def test_a_lease_left_by_a_dead_process_of_this_host_is_taken_at_once() -> None:
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    Lease.objects.create(
        name="sync",
        holder=f"{socket.gethostname()[:40]}:{gone.pid}:killed",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    assert Lease.acquire("sync", ttl=MINUTE) is not None


def test_a_lease_of_a_live_process_or_another_host_waits_for_its_expiry() -> None:
    import os
    import socket

    for holder in (
        f"{socket.gethostname()[:40]}:{os.getppid()}:alive",
        "other-host:1:x",
    ):
        Lease.objects.update_or_create(
            name="sync",
            defaults={
                "holder": holder,
                "expires_at": timezone.now() + timedelta(minutes=10),
            },
        )
        assert Lease.acquire("sync", ttl=MINUTE) is None
