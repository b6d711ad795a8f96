from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # The home page's cards; the waiting list hears of status changes
        # and new chargers.
        from bookings.home import charging_card, visitors_card
        from bookings.waitlist import receivers  # noqa: F401
        from bookings.waitlist.home import offers_card
        from portal import home

        home.register(offers_card)
        home.register(charging_card)
        home.register(visitors_card)
