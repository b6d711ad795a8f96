"""Every app's jobs are registered when Django starts, and name real commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

# A fresh process, so that nothing this test session imported fills the
# registry: only Django's start-up does.
PROBE = (
    "import json, django\n"
    "django.setup()\n"
    "from django.core.management import get_commands\n"
    "from portal.scheduler import registry\n"
    "commands = get_commands()\n"
    "print(json.dumps({name: job.command in commands"
    " for name, job in registry.JOBS.items()}))\n"
)


def test_every_apps_jobs_are_registered_at_start_with_a_real_command() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        # bookings/jobs.py
        "sync_bookings": True,
        "sync_bookings_full": True,
        "settle_bookings": True,
        "purge_visitor_data": True,
        # bookings/waitlist/jobs.py
        "waitlist": True,
        # reports/jobs.py
        "monthly_reports": True,
    }
