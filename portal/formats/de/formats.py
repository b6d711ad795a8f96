"""German as the portal writes it: "Mi., 2. Dez. 2026", "09:00", "1.234,50"."""

DATE_FORMAT = "D., j. N Y"  # Mi., 2. Dez. 2026
MONTH_DAY_FORMAT = "D., j. N"  # Mi., 2. Dez.
SHORT_DATE_FORMAT = "d.m.Y"  # 02.12.2026
TIME_FORMAT = "H:i"  # 09:00
DATETIME_FORMAT = "D., j. N Y, H:i"  # Mi., 2. Dez. 2026, 09:00
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"  # 02.12.2026, 09:00
YEAR_MONTH_FORMAT = "F Y"  # Dezember 2026
FIRST_DAY_OF_WEEK = 1  # Montag
# What people type and what forms show: ISO, never localised.
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
MONEY_FORMAT = "{sign}{amount}\u00a0€"  # 1.234,50 €, -17,90 € (a no-break space)
