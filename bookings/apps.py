from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from bookings.home import charging_card, visitors_card
        from portal import home

        home.register(charging_card)
        home.register(visitors_card)
