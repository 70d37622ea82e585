"""Symbols: KRX short codes of listed securities, and KRX index codes.

- Stocks, ETFs and ETNs: six characters, digits or (since 2024) some letters, leading zeros
  kept. KRX's rule: four digits, then a digit or a letter other than I, O and U, then a digit
  or K, L, M, N. Old all-digit codes such as 005930 match too. Trades are in these.
- Indices: the four-digit codes KRX and pykrx use (1001 KOSPI, 1028 KOSPI 200, 2001 KOSDAQ,
  2203 KOSDAQ 150, ...). Bars and stock metadata may hold them; trades never do.
"""

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

EQUITY_PATTERN = r"^[0-9]{4}[0-9A-HJ-NP-TV-Z][0-9KLMN]$"
INDEX_PATTERN = r"^[1-9][0-9]{3}$"
# Anything a bar may be of: a listed security or an index.
BAR_SYMBOL_PATTERN = r"^([0-9]{4}[0-9A-HJ-NP-TV-Z][0-9KLMN]|[1-9][0-9]{3})$"

EQUITY_RE = re.compile(EQUITY_PATTERN)
INDEX_RE = re.compile(INDEX_PATTERN)

# Indices known by name, as people name files and options (KOSPI.csv, --symbol KOSPI).
INDICES = {
    "1001": "KOSPI",
    "1028": "KOSPI 200",
    "2001": "KOSDAQ",
    "2203": "KOSDAQ 150",
}
_INDEX_BY_NAME = {name.replace(" ", ""): code for code, name in INDICES.items()}

EQUITY_MESSAGE = _("Enter a KRX short code of six characters, such as 005930 or 0088M0.")
SYMBOL_MESSAGE = _(
    "Enter a KRX short code of six characters (005930, 0088M0) or an index code of four "
    "digits (1001)."
)

validate_equity = RegexValidator(EQUITY_RE, EQUITY_MESSAGE)
validate_symbol = RegexValidator(re.compile(BAR_SYMBOL_PATTERN), SYMBOL_MESSAGE)


def is_equity(value: str) -> bool:
    return bool(EQUITY_RE.match(value))


def is_index(value: str) -> bool:
    return bool(INDEX_RE.match(value))


def is_symbol(value: str) -> bool:
    return is_equity(value) or is_index(value)


def index_code(name: str) -> str | None:
    """The code of an index known by name: KOSPI, 'KOSPI 200', kosdaq150, ..."""
    return _INDEX_BY_NAME.get(name.upper().replace(" ", "").replace("_", ""))


def symbol_named(value: str) -> str | None:
    """The symbol a person means by `value`: a code as it is, or an index by its name."""
    return value if is_symbol(value) else index_code(value)
