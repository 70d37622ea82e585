"""The general way in: a person says which header holds which role (`--map ROLE=HEADER`,
with `*FACTOR` for units), and units written in headers (`거래량(천주)`, `거래대금(백만)`)
are read as factors. formats.py finds the roles nobody mapped; this module gives the
mapped ones and the units of all, and describes how a file was read for the summary and
the load record.
"""

import re
from decimal import Decimal, InvalidOperation

from marketdata.loader.errors import shown

# The roles a person may map, and the role each is to the loader: a date is a session date
# or a full time, a time is the time of day beside a date column.
MAP_ROLES = {
    "date": "date",
    "datetime": "date",
    "time": "hour",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "amount": "amount",
    "symbol": "symbol",
}
# What the loader calls a role, as a person maps it.
SHOWN_ROLE = {"hour": "time", "date": "date"}

# Units Korean sources print after a column's name; each is a factor to shares or won.
UNITS = {
    "주": Decimal(1),
    "천주": Decimal(1000),
    "백만주": Decimal(1_000_000),
    "원": Decimal(1),
    "천원": Decimal(1000),
    "백만": Decimal(1_000_000),
    "백만원": Decimal(1_000_000),
    "억": Decimal(100_000_000),
    "억원": Decimal(100_000_000),
    "천": Decimal(1000),
}
_UNIT = re.compile(r"^(?P<base>.*?)\s*[(\[]\s*(?P<unit>[^()\[\]]+?)\s*[)\]]\s*$")
# Roles whose values a factor may scale.
SCALED = ("open", "high", "low", "close", "volume", "amount")


class MappingError(ValueError):
    pass


def split_unit(name: str) -> tuple[str, Decimal | None, str]:
    """(the name without its unit, the unit's factor or None, the unit as written)."""
    match = _UNIT.match(name)
    if not match or match["unit"] not in UNITS:
        return name, None, ""
    return match["base"], UNITS[match["unit"]], match["unit"]


def parse_map(specs: list[str] | None) -> dict[str, tuple[str, Decimal | None]]:
    """{loader role: (header, factor or None)} from `ROLE=HEADER[*FACTOR]` specs."""
    mapped = {}
    for spec in specs or []:
        role, sep, rest = spec.partition("=")
        role = role.strip().lower()
        if not sep or not rest.strip():
            raise MappingError(
                f"--map {shown(spec)}: not ROLE=HEADER, such as --map close=Price or "
                "--map volume=Vol.*1000"
            )
        if role not in MAP_ROLES:
            raise MappingError(
                f"--map {shown(spec)}: {shown(role)} is not a role ({', '.join(MAP_ROLES)})"
            )
        header, factor = rest, None
        head, star, number = rest.rpartition("*")
        if star:
            try:
                factor = Decimal(number.strip())
            except InvalidOperation:
                factor = None
            if factor is None or not factor.is_finite() or factor <= 0:
                raise MappingError(
                    f"--map {shown(spec)}: {shown(number)} is not a positive factor, such as "
                    "*1000 for thousands of shares"
                )
            if role not in SCALED:
                raise MappingError(f"--map {shown(spec)}: a {role} column takes no factor")
            header = head
        target = MAP_ROLES[role]
        if target in mapped:
            raise MappingError(f"--map maps {role} twice")
        mapped[target] = (header.strip(), factor)
    return mapped


def map_specs(mapped: dict[str, tuple[str, Decimal | None]]) -> list[str]:
    """The `ROLE=HEADER[*FACTOR]` specs of a mapping, as a layout is saved."""
    return [
        f"{SHOWN_ROLE.get(role, role)}={header}" + (f"*{_number(f)}" if f else "")
        for role, (header, f) in mapped.items()
    ]


def _number(factor: Decimal) -> str:
    return format(factor.normalize(), "f")


def describe(layout) -> dict:
    """How a file's columns were read: each role's header, and the units applied."""
    columns = {
        SHOWN_ROLE.get(role, role): layout.names[i] or f"column {i + 1}"
        for role, i in sorted(layout.position.items(), key=lambda item: item[1])
    }
    units = {SHOWN_ROLE.get(r, r): _number(f) for r, f in sorted(layout.factors.items())}
    return {"columns": columns, "units": units}


def shown_reading(reading: dict) -> str:
    """One line of the summary: the layout, mapping, units, date form, zone, bar time."""
    columns = ", ".join(f"{role}={header}" for role, header in reading["columns"].items())
    units = ", ".join(f"{role}×{factor}" for role, factor in reading["units"].items())
    sheet = f" from sheet {reading['sheet']}" if "sheet" in reading else ""
    return (
        f"read as {reading['layout']}{sheet} ({columns}); units {units or 'as written'}; "
        f"dates {reading['date_form']}; naive times in {reading['tz']}; "
        f"bars stamped with their {reading['bar_time']}"
    )
