"""KRX short codes: six characters, digits or (since 2024) some letters, leading zeros kept."""

import re

from django.core.validators import RegexValidator

# Fourth-from-last rule from KRX: 4 digits, then a digit or letter (no I, O, U), then a
# digit or K/L/M/N. Old all-digit codes such as 005930 match too.
SYMBOL_PATTERN = r"^[0-9]{4}[0-9A-HJ-NP-TV-Z][0-9KLMN]$"
SYMBOL_RE = re.compile(SYMBOL_PATTERN)

validate_symbol = RegexValidator(
    SYMBOL_RE, "Enter a KRX short code of six characters, such as 005930 or 0088M0."
)


def is_symbol(value: str) -> bool:
    return bool(SYMBOL_RE.match(value))
