"""Named layouts: a mapping taught once (`--save-layout NAME`) and named again
(`--layout NAME`), kept in the database (marketdata.models.BarLayout).

A saved layout holds the header of every role the file was read with (mapped or found),
the factors a person gave, and the date form when it was not ISO 8601; units written in a
header are read again from the next file's header. Options given with --layout win over
the saved ones, role by role.
"""

import dataclasses

from django.utils.text import slugify

from marketdata.loader import mapping
from marketdata.loader.errors import LoadError, shown
from marketdata.models import BarLayout


def apply(opts):
    """`opts` with the maps and date form of the layout it names (unchanged without one)."""
    if not opts.layout:
        return opts
    saved = BarLayout.objects.filter(name=opts.layout).first()
    if saved is None:
        known = ", ".join(BarLayout.objects.values_list("name", flat=True)) or "none yet"
        raise LoadError(
            [
                f"--layout {shown(opts.layout)}: no layout of that name (saved: {known}); "
                "--save-layout NAME saves the one a load used"
            ]
        )
    given = mapping.parse_map(opts.maps)
    kept = [
        spec
        for spec in saved.maps
        if next(iter(mapping.parse_map([spec]))) not in given  # a role --map gives again
    ]
    return dataclasses.replace(
        opts,
        maps=[*kept, *(opts.maps or [])],
        date_format=opts.date_format or saved.date_format or None,
    )


def check_name(name: str | None) -> list[str]:
    if name is None or (name and slugify(name, allow_unicode=True) == name and len(name) <= 60):
        return []
    return [
        f"--save-layout {shown(name)}: a layout's name is letters, digits, - and _ "
        "(60 at most), such as investing-ko"
    ]


def save(name: str, file_load, *, saved_by: str) -> BarLayout:
    """Save how `file_load` read its file under `name`, replacing a layout of that name."""
    layout, mapped = file_load.layout, mapping.parse_map(file_load.opts.maps)
    roles = {
        role: (layout.names[i], (mapped.get(role) or (None, None))[1])
        for role, i in sorted(layout.position.items(), key=lambda item: item[1])
        if role != "interval"
    }
    form = file_load.stage.date_form
    saved, _ = BarLayout.objects.update_or_create(
        name=name,
        defaults={
            "maps": mapping.map_specs(roles),
            "date_format": form.spec if form else "",
            "saved_by": saved_by[:150],
        },
    )
    return saved
