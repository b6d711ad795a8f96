"""The one error type of the Petitmonde client.

Every failure, whether the API answered or not, is a `PetitmondeError` with the
HTTP status (None when no answer came) and the API's `error` text. Callers
branch on what it means (`ambiguous`, `conflict`, `rate_limited` …), never on
status codes. The key never appears in an error or its repr.
"""

from __future__ import annotations


class PetitmondeError(Exception):
    """Any failure of a call to the API.

    `status` is the HTTP status, or None when no answer came (timeout, connection
    error). `message` is the API's `error` text when it sent one, else a plain
    description in English; forms turn it into a translated message for the user.
    `retry_after` is the number of seconds the API asked us to wait, if it did.
    `timed_out` says that no answer came within the timeouts (rather than a
    broken connection).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        ambiguous: bool | None = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self._ambiguous = ambiguous
        self.timed_out = timed_out

    def __str__(self) -> str:
        if self.status is None:
            return f"Petitmonde API: {self.message}"
        return f"Petitmonde API {self.status}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"PetitmondeError(status={self.status!r}, message={self.message!r}, "
            f"retry_after={self.retry_after!r})"
        )

    @property
    def ambiguous(self) -> bool:
        """The server may have acted although we got no clear answer.

        True for timeouts, connection errors, 5xx, and a success answer we could
        not read. After an ambiguous create, look the booking up by `external_id`
        before sending anything again (B3).
        """
        if self._ambiguous is not None:
            return self._ambiguous
        return self.status is None or self.status >= 500

    @property
    def rate_limited(self) -> bool:
        return self.status == 429

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        """409: the EVSE is taken for the requested time."""
        return self.status == 409

    @property
    def auth_failed(self) -> bool:
        """401 (missing or wrong key) or 403 (account suspended)."""
        return self.status in (401, 403)
