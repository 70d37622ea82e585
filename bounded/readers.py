"""The readers of the bounded package (see its __init__)."""

import datetime as dt
import json as json_module
import math
import re
from decimal import Decimal

MAX_NUMBER_LENGTH = 64  # characters of a number's text: digits, sign, point, exponent
SHOWN = 40  # characters of a refused value a message repeats
# A number as people and files write it: sign, digits with an optional point, an exponent.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,18})?")


class OutOfBounds(ValueError):
    """A value that is not what the field takes, or outside its bounds; the message says
    which field and why."""


def shown(value) -> str:
    """`value` for a message: its repr, cut to 40 characters."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value[: SHOWN + 1]).decode("utf-8", "replace")
    value = value if isinstance(value, str) else str(value)
    return repr(value[:SHOWN]) + ("…" if len(value) > SHOWN else "")


def _refuse(field: str, value, why: str):
    where = f"{field}: " if field else ""
    raise OutOfBounds(f"{where}{shown(value)} {why}")


def _number_text(value, field: str, *, grouping: bool) -> str:
    """The text of a number, checked for length and NUL before anything reads it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal, float)):
        _refuse(field, value, "is not a number")
    if isinstance(value, int):
        # str() of a huge integer is itself slow: bound it by its bits first.
        if value.bit_length() > MAX_NUMBER_LENGTH * 3:
            _refuse(field, f"{value:x}", "has too many digits")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            _refuse(field, value, "is not a finite number")
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            _refuse(field, value, "is not a finite number")
        if len(value.as_tuple().digits) > MAX_NUMBER_LENGTH:
            _refuse(field, value, f"has more than {MAX_NUMBER_LENGTH} digits")
        return str(value)
    if len(value) > MAX_NUMBER_LENGTH * (2 if grouping else 1):
        _refuse(field, value, f"is longer than a number ({MAX_NUMBER_LENGTH} characters)")
    if "\x00" in value:
        _refuse(field, value, "holds a NUL character")
    value = value.strip()
    return value.replace(",", "") if grouping else value


def decimal(
    value,
    *,
    max_digits: int = 20,
    places: int | None = None,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    field: str = "",
    grouping: bool = False,
) -> Decimal:
    """A Decimal from a text (or int, float, Decimal) with at most `max_digits` digits, of
    which `places` (when given) after the point, between `minimum` and `maximum`.
    `grouping`: thousands separators (",") allowed. The text's length, NUL, its form and
    its exponent are checked before anything computes with it."""
    raw = _number_text(value, field, grouping=grouping)
    if not NUMBER.fullmatch(raw):
        _refuse(field, value, "is not a number")
    number = Decimal(raw)  # cheap even for 1e999999: nothing is expanded
    if not number:
        number = Decimal(0)
    # From the tuple of digits and the exponent only: no arithmetic on the value.
    _sign, digits, exponent = number.as_tuple()
    whole_digits = max_digits - (places or 0)
    if number and number.adjusted() >= whole_digits:
        _refuse(field, value, f"has more than {whole_digits} digits before the point")
    if exponent < -MAX_NUMBER_LENGTH:
        _refuse(field, value, "has too many decimal places")
    if places is not None and exponent < -places and any(digits[exponent + places :]):
        _refuse(field, value, f"has more than {places} decimal places")
    if minimum is not None and number < minimum:
        _refuse(field, value, f"is less than {minimum}")
    if maximum is not None and number > maximum:
        _refuse(field, value, f"is more than {maximum}")
    return number


def integer(
    value,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    max_digits: int = 19,
    field: str = "",
    grouping: bool = False,
) -> int:
    """A whole number (written as digits, or as a decimal or exponent whose value is whole:
    "10.0", "1e3"), checked as `decimal` does before int() reads it."""
    number = decimal(
        value,
        max_digits=max_digits,
        minimum=minimum,
        maximum=maximum,
        field=field,
        grouping=grouping,
    )
    if number != number.to_integral_value():
        _refuse(field, value, "is not a whole number")
    return int(number)


def date(
    value,
    *,
    first: dt.date,
    last: dt.date,
    formats: tuple[str, ...] = ("%Y-%m-%d",),
    field: str = "",
) -> dt.date:
    """A date written in one of `formats` (or a date), from `first` to `last`."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        if not isinstance(value, str):
            _refuse(field, value, "is not a date")
        if len(value) > 32:
            _refuse(field, value, "is longer than a date")
        if "\x00" in value:
            _refuse(field, value, "holds a NUL character")
        for spelling in formats:
            try:
                value = dt.datetime.strptime(value.strip(), spelling).date()
                break
            except ValueError:
                continue
        else:
            _refuse(field, value, f"is not a date ({' or '.join(formats)})")
    if not first <= value <= last:
        _refuse(field, value.isoformat(), f"is not a date from {first} to {last}")
    return value


def text(value, *, max_length: int, field: str = "", strip: bool = True) -> str:
    """A text of at most `max_length` characters without NUL. The length is read first (a
    str knows it), so a 100 MB text is refused without being scanned."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        value = str(value) if abs(value) < 10**max_length else "9" * (max_length + 1)
    if not isinstance(value, str):
        _refuse(field, value, "is not a text")
    if len(value) > max_length * 4 + 1024:  # refused before strip() reads it
        _refuse(field, value, f"is longer than {max_length} characters")
    if strip:
        value = value.strip()
    if len(value) > max_length:
        _refuse(field, value, f"is longer than {max_length} characters")
    if "\x00" in value:
        _refuse(field, value, "holds a NUL character")
    return value


def _json_number(spelled: str):
    if len(spelled) > MAX_NUMBER_LENGTH:
        raise OutOfBounds(f"{shown(spelled)} is longer than a number ({MAX_NUMBER_LENGTH} digits)")
    return Decimal(spelled)


def _json_constant(spelled: str):
    raise OutOfBounds(f"{spelled} is not a number JSON allows")


def json(document, *, max_depth: int = 20, max_bytes: int, field: str = ""):
    """The value of a JSON document (bytes or text) of at most `max_bytes`, nested at most
    `max_depth` deep. Numbers are read as Decimal (a text of at most 64 characters: an
    integer of 100,000 digits is refused, not converted); NaN and Infinity are refused."""
    if not isinstance(document, (str, bytes, bytearray)):
        _refuse(field, document, "is not a JSON document")
    if len(document) > max_bytes:
        raise OutOfBounds(
            f"{field + ': ' if field else ''}the document is larger than {max_bytes:,} bytes"
        )
    try:
        value = json_module.loads(
            document,
            parse_float=_json_number,
            parse_int=_json_number,
            parse_constant=_json_constant,
        )
    except RecursionError:
        value = None
        depth = max_depth + 1
    else:
        depth = _depth(value, max_depth)
    if depth > max_depth:
        raise OutOfBounds(
            f"{field + ': ' if field else ''}the document is nested deeper than {max_depth} levels"
        )
    return value


def _depth(value, limit: int) -> int:
    """How deep lists and objects nest in `value` (without recursion), up to limit + 1."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((v, depth) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def rows(items, *, maximum: int, what: str = "rows"):
    """`items` (a sized collection) when it holds at most `maximum`."""
    if len(items) > maximum:
        raise OutOfBounds(f"{len(items):,} {what}: at most {maximum:,} are taken")
    return items
