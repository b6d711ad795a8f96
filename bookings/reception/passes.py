"""The visitor's pass: what they need to charge, on paper, on screen and by e-mail.

Each window of a visit has its own temporary (ad_hoc) token, tied to that
charger and that window, so the pass lists every window with its token and a
QR code of it. The token is for reception and the visitor only: nothing else
in the portal shows it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, Visit
from bookings.statuses import TERMINAL
from portal.emails import Attachment, send_email
from portal.i18n import other_language
from portal.models import SiteCharger

INSTRUCTIONS = (
    _("Park at the charger shown for your time and plug in."),
    _(
        "Start charging with your temporary token: hold the QR code to the "
        "charger's reader or scan it in the operator's app, or enter the token id."
    ),
    _("Each token works only at its charger and only during its time window."),
    _("If charging does not start, please ask at reception."),
)


@dataclass(frozen=True)
class PassWindow:
    booking: Booking
    bay: str  # what the site calls this EVSE, when it is one of the site's

    @property
    def is_live(self) -> bool:
        return self.booking.status not in TERMINAL

    @property
    def token(self) -> str:
        """The token to hand out: only while the window can still be used."""
        return self.booking.token_uid if self.is_live else ""

    @property
    def qr(self) -> str:
        return qr_data_uri(self.token) if self.token else ""


def pass_windows(visit: Visit, bookings: Sequence[Booking]) -> list[PassWindow]:
    bays = dict(
        SiteCharger.objects.filter(site=visit.site).values_list("evse_uid", "label")
    )
    return [PassWindow(b, bays.get(b.evse_uid, "")) for b in bookings]


def common_charger(windows: Sequence[PassWindow]) -> PassWindow | None:
    """The window standing for all, when every live window is at one charger.

    The pass then names the charger once, so ten windows fit on one page.
    """
    live = [w for w in windows if w.is_live]
    if live and len({w.booking.evse_uid for w in live}) == 1:
        return live[0]
    return None


def _qr(text: str) -> segno.QRCode:
    # Level M survives a smudged print; the token is short, so the code stays small.
    return segno.make(text, error="m", micro=False)


def qr_data_uri(text: str) -> str:
    """An SVG image of the QR code, as a data: URI (the CSP allows data: images)."""
    return _qr(text).svg_data_uri(scale=4, border=4, svgclass=None, lineclass=None)


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def send_pass(*, visit: Visit) -> bool:
    """E-mail the pass to the visitor, a QR code per token attached.

    Returns whether the mail server took it; records when it was sent.
    """
    if not visit.has_personal_data or not visit.visitor_email:
        return False
    bookings = list(visit.bookings.order_by("reservation_start"))
    windows = [w for w in pass_windows(visit, bookings) if w.token]
    if not windows:
        return False
    attachments: list[Attachment] = [
        (f"charging-token-{w.token}.png", qr_png(w.token), "image/png") for w in windows
    ]
    sent = send_email(
        template="visitor_pass",
        context={
            "visit": visit,
            "site": visit.site,
            "time_zone": visit.site.time_zone,
            "windows": windows,
            "instructions": INSTRUCTIONS,
            "other_language": other_language(visit.language),
        },
        to=[visit.visitor_email],
        attachments=attachments,
        language=visit.language,
    )
    if sent:
        visit.pass_sent_at = timezone.now()
        visit.save(update_fields=["pass_sent_at"])
    return sent
