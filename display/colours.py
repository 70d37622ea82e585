"""One colour convention for rising and falling, gains and losses, buys and sells.

QB_COLOUR_CONVENTION=korean (the default) is the Korean one: red up, blue down, a buy red
and a sell blue. `western` is green up, red down. Pages show these through the classes
`qb-up` and `qb-down` (CSS variables set from here) and the chart through palette().
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Palette:
    up: str
    down: str

    def as_dict(self) -> dict[str, str]:
        return {"up": self.up, "down": self.down}


PALETTES = {
    "korean": Palette(up="#d11a2a", down="#1a5fd1"),
    "western": Palette(up="#178a3a", down="#d11a2a"),
}


def palette() -> Palette:
    return PALETTES[settings.QB_COLOUR_CONVENTION]


def direction(value) -> str:
    """The CSS class of a signed figure: qb-up, qb-down, or "" for zero and missing."""
    if value is None or value != value or value == 0:  # value != value: NaN
        return ""
    return "qb-up" if value > 0 else "qb-down"
