"""Numbers as the desk reads them. Every function takes None (and NaN) and gives "-".

Grouping is by thousands with commas in English and Korean alike, so these do not depend
on the language.
"""

from decimal import ROUND_HALF_UP, Decimal

MISSING = "-"
CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number if number.is_finite() else None


def quantity(value) -> str:
    """Shares, contracts, volumes, counts: 1,234,567."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.0f}"


def won(value) -> str:
    """An amount of money in whole won: 57,552,360 (no .00)."""
    number = _decimal(value)
    if number is None:
        return MISSING
    return f"{number.quantize(Decimal(1), ROUND_HALF_UP):,.0f}"


def signed_won(value) -> str:
    """A gain or loss in whole won, with its sign: +9,708,616, -1,200, 0."""
    number = _decimal(value)
    if number is None:
        return MISSING
    whole = number.quantize(Decimal(1), ROUND_HALF_UP)
    return f"{whole:+,.0f}" if whole else "0"


def price(value) -> str:
    """A price: whole won where it is whole (72,000), else two decimals (71,234.57)."""
    number = _decimal(value)
    if number is None:
        return MISSING
    cents = number.quantize(CENT, ROUND_HALF_UP)
    return f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"


def percent(fraction, *, places: int = 2) -> str:
    """A fraction as a percentage: 0.0012 -> 0.12%."""
    number = _decimal(fraction)
    if number is None:
        return MISSING
    return f"{number * 100:,.{places}f}%"


def rate(fraction) -> str:
    """A commission or tax rate, to the thousandth of a percent: 0.00015 -> 0.015%."""
    return percent(fraction, places=3)


def signed_percent(fraction, *, places: int = 2) -> str:
    """A change as a signed percentage: +0.12%, -3.40%, 0.00%."""
    number = _decimal(fraction)
    if number is None:
        return MISSING
    scaled = (number * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{scaled:+,.{places}f}%" if scaled else f"{0:.{places}f}%"


def ratio(value, *, places: int = 2) -> str:
    """A plain ratio such as a Sharpe ratio: 1.23."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.{places}f}"


def hundred_millions(value) -> str:
    """Won in units of 100 million (억), as Korean screens show market caps: 4,312,345."""
    number = _decimal(value)
    return MISSING if number is None else won(number / 100_000_000)
