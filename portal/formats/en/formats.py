"""English as the portal writes it: day before month, 24-hour times.

Django's own English formats are American ("Dec. 2, 2026", "12/02/2026", "3 p.m.");
these replace them. The names are the ones portal.formatting uses.
"""

DATE_FORMAT = "D j M Y"  # Wed 2 Dec 2026
MONTH_DAY_FORMAT = "D j M"  # Wed 2 Dec
SHORT_DATE_FORMAT = "j M Y"  # 2 Dec 2026
TIME_FORMAT = "H:i"  # 09:00
DATETIME_FORMAT = "D j M Y, H:i"  # Wed 2 Dec 2026, 09:00
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 2 Dec 2026, 09:00
YEAR_MONTH_FORMAT = "F Y"  # December 2026
FIRST_DAY_OF_WEEK = 1  # Monday
# What people type and what forms show: ISO, never localised.
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
MONEY_FORMAT = "{sign}€{amount}"  # €1,234.50, -€17.90
