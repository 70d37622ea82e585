"""Date and time formats for every language of the site (FORMAT_MODULE_PATH): ISO dates
and a 24-hour clock, as a trading desk reads them (2026-11-26 15:40, never "3:40 p.m." or
"오후 3:40")."""

DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
# The first of each is what the admin's date and time widgets write.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y%m%d"]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
