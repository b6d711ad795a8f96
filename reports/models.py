from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportDelivery(models.Model):
    """A monthly report e-mailed to one address: sent once unless forced."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    recipient = models.EmailField(_("recipient"))
    kind = models.CharField(_("kind"), max_length=20)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-month", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "recipient"], name="reportdelivery_once_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} → {self.recipient}"
