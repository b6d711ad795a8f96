"""When chargers are scarce: the waiting list, its offers, reminders and notices.

The room: `models` (the line, its offers, people's notice choices, the quota
this feature spent), `line` (the fair order and the matching of freed charger
time to people), `offers` (accepting and declining, through
bookings.services.create_booking), `tasks` (the timed work: an offer running
out, reminders), `notices` (the e-mails of each status change), `receivers`
(what a status change sets going), `views`, `forms`, `urls`, `jobs` (the one
job it adds to the scheduler).
"""
