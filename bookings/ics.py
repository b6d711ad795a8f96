"""A booking as an iCalendar file (RFC 5545), in the site's own time zone.

Times are written as local times with a TZID, and the file carries the
VTIMEZONE that defines it, computed from the IANA data: calendars that do not
know the zone's name still place the booking right, and it stays at its local
time if the zone's rules change. We write this ourselves (about a hundred
lines) rather than use the `icalendar` package: its VTIMEZONE generator gives
the spring transition's onset in the new offset instead of the old one
(RFC 5545 §3.6.5), which puts the change an hour late.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal import formatting

PRODID = "-//EV charging portal//Bookings//EN"
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# How far around the booking the VTIMEZONE describes the zone: the rule in
# force at the start, and a year on, should someone move the event.
COVER_BEFORE = timedelta(days=400)
COVER_AFTER = timedelta(days=366)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Transition:
    at: datetime  # UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def onset(self) -> datetime:
        """The local time of the change, in the offset before it (RFC 5545)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _offset(zone: tzinfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def transitions(zone: tzinfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of UTC offset in [start, end], to the second."""
    found = []
    day = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while day < end:
        following = min(day + _DAY, end)
        before, after = _offset(zone, day), _offset(zone, following)
        if before != after:
            # Halve the day down to the second: offset(low) is still the old one.
            low, high = int(day.timestamp()), int(following.timestamp()) + 1
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == before:
                    low = middle
                else:
                    high = middle
            at = datetime.fromtimestamp(high, UTC)
            local = at.astimezone(zone)
            found.append(
                Transition(
                    at=at,
                    offset_from=before,
                    offset_to=after,
                    name=local.tzname() or "",
                    is_dst=bool(local.dst()),
                )
            )
        day = following
    return found


def _utc_offset(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def vtimezone(zone: tzinfo, name: str, start: datetime, end: datetime) -> list[str]:
    """The VTIMEZONE for `name`, valid from before `start` to a year after `end`."""
    changes = transitions(zone, start - COVER_BEFORE, end + COVER_AFTER)
    in_force = [t for t in changes if t.at <= start]
    shown = [*in_force[-1:], *(t for t in changes if t.at > start)]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    if not shown or shown[0].at > start:
        # No change for a long while before the booking: one rule since 1970.
        offset = _offset(zone, start)
        local = start.astimezone(zone)
        lines += _observance(
            "DAYLIGHT" if local.dst() else "STANDARD",
            datetime(1970, 1, 1),
            offset,
            offset,
            local.tzname() or "",
        )
    for change in shown:
        lines += _observance(
            "DAYLIGHT" if change.is_dst else "STANDARD",
            change.onset,
            change.offset_from,
            change.offset_to,
            change.name,
        )
    lines.append("END:VTIMEZONE")
    return lines


def _observance(
    kind: str, onset: datetime, before: timedelta, after: timedelta, name: str
) -> list[str]:
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{_local(onset)}",
        f"TZOFFSETFROM:{_utc_offset(before)}",
        f"TZOFFSETTO:{_utc_offset(after)}",
    ]
    if name:
        lines.append(f"TZNAME:{escape(name)}")
    return [*lines, f"END:{kind}"]


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> Iterator[str]:
    """Lines of at most 75 octets, continued with a space (§3.1); never
    splitting a UTF-8 character."""
    limit = 75
    while len(line.encode()) > limit:
        cut = limit
        while len(line[:cut].encode()) > limit:
            cut -= 1
        yield line[:cut]
        line = " " + line[cut:]
    yield line


def _event_status(booking: Booking) -> str:
    if booking.status in (
        BookingStatus.CANCELLED,
        BookingStatus.EXPIRED,
        BookingStatus.NO_SHOW,
    ):
        return "CANCELLED"
    if booking.status in (
        BookingStatus.CONFIRMED,
        BookingStatus.ATTENDING,
        BookingStatus.COMPLETED,
    ):
        return "CONFIRMED"
    return "TENTATIVE"


def zone_of(booking: Booking) -> tuple[tzinfo, str]:
    if booking.site is not None:
        return booking.site.tzinfo, booking.site.time_zone
    return timezone.get_default_timezone(), settings.TIME_ZONE


def booking_calendar(booking: Booking, *, url: str, now: datetime | None = None) -> str:
    """The .ics text of one booking (CRLF line ends, as the RFC wants)."""
    zone, zone_name = zone_of(booking)
    start = booking.reservation_start.astimezone(zone)
    end = booking.reservation_end.astimezone(zone)
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "ev-portal"
    where = ", ".join(
        part
        for part in (
            booking.location_name,
            booking.location_address,
            booking.location_city,
        )
        if part
    )
    price = booking.price
    details = [
        _("Charger: %(charger)s")
        % {"charger": booking.location_name or booking.evse_uid},
        _("EVSE: %(evse)s") % {"evse": booking.evse_uid},
        _("Reference: %(reference)s") % {"reference": booking.external_id},
        _("Status: %(status)s") % {"status": booking.get_status_display()},
    ]
    if price is not None:
        label = _("Price") if booking.price_is_final else _("Estimated price")
        details.append(f"{label}: {formatting.money(price, booking.currency)}")
    details.append(url)
    cancelled = booking.status == BookingStatus.CANCELLED
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(zone, zone_name, booking.reservation_start, booking.reservation_end),
        "BEGIN:VEVENT",
        f"UID:booking-{booking.pk}@{host}",
        f"DTSTAMP:{(now or timezone.now()).astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone_name}:{_local(start)}",
        f"DTEND;TZID={zone_name}:{_local(end)}",
        # A cancellation replaces the event it was sent as before.
        f"SEQUENCE:{1 if cancelled else 0}",
        "SUMMARY:"
        + escape(
            _("EV charging: %(charger)s")
            % {"charger": booking.location_name or booking.evse_uid}
        ),
        f"LOCATION:{escape(where)}",
        f"DESCRIPTION:{escape(chr(10).join(details))}",
        f"URL:{url}",
        f"STATUS:{_event_status(booking)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{part}\r\n" for line in lines for part in fold(line))


def filename(booking: Booking) -> str:
    """The booking's reference as a file name that is safe in any header or
    file system: a reference made by another tool may hold quotes, slashes or
    anything else, so only letters, digits, ".", "_" and "-" are kept."""
    stem = _UNSAFE_IN_FILENAME.sub("-", booking.external_id).strip(".-")[:100]
    return f"{stem or f'booking-{booking.pk}'}.ics"
