"""The report tests' booking maker, for the checks of what machines read."""

from tests.reports.conftest import book  # noqa: F401
