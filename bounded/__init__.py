"""One bounded reader for the numbers, dates, text and JSON that parsers take from outside
(files, forms, GET parameters). Every check a hostile value could abuse comes before any
arithmetic: the length of the text, NUL, the digits and the exponent, then the range. A
number such as `1e2000000` is refused by its exponent in microseconds instead of being
computed (`int(Decimal("1e2000000"))` runs for minutes); NaN, Infinity and values past a
column's digits are refused with a message that names the value, cut to 40 characters.

Every refusal is one exception, OutOfBounds (a ValueError), whose message says which field
and why; callers turn it into their own error (a form error, a file error naming the line).
Plain Python: the lowest layer, importing nothing of the project.

    from bounded import OutOfBounds, decimal, integer, date, text, json, rows
"""

from bounded.readers import (
    MAX_NUMBER_LENGTH,
    OutOfBounds,
    date,
    decimal,
    integer,
    json,
    rows,
    shown,
    text,
)

__all__ = [
    "MAX_NUMBER_LENGTH",
    "OutOfBounds",
    "date",
    "decimal",
    "integer",
    "json",
    "rows",
    "shown",
    "text",
]
