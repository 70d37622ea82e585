"""PostgreSQL intervals given by people: '7 days', '12 hours', '1 year'.

They are spliced into SQL in places that take no parameters, so only this shape passes.
"""

import re

INTERVAL = re.compile(r"^\d+ ?(second|minute|hour|day|week|month|year)s?$")


def is_interval(value: str) -> bool:
    return bool(INTERVAL.match(value.strip().lower()))
