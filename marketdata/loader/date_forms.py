"""Date forms other than ISO 8601: `Apr 18, 2018`, `2024- 03- 01`, `2024년 03월 01일`,
`18/04/2018`. A form is written as strftime writes it (`--date-format "%b %d, %Y"`); SQL
turns each date of that form into ISO text, which the text way then checks as any other.

Without `--date-format`, the form is read off the date column as a whole
(`inference_query`, `choose`): the form most dates have, never a guess per row, and an
error when day-first and month-first read the column equally well.
"""

import re
from dataclasses import dataclass

from psycopg2 import sql

from marketdata.loader.errors import LoadError, shown

ISO = "ISO 8601 (YYYY-MM-DD or YYYYMMDD, a time optional)"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# strftime's directives we read: (pattern, the part it gives).
DIRECTIVES = {
    "Y": (r"([0-9]{4})", "year"),
    "y": (r"([0-9]{2})", "year2"),
    "m": (r"([0-9]{1,2})", "month"),
    "b": (r"([A-Za-z]{3})[A-Za-z]*\.?", "month_name"),
    "B": (r"([A-Za-z]{3})[A-Za-z]*\.?", "month_name"),
    "d": (r"([0-9]{1,2})", "day"),
    "H": (r"([0-9]{1,2})", "hour"),
    "M": (r"([0-9]{2})", "minute"),
    "S": (r"([0-9]{2})", "second"),
    "a": (r"[^0-9\s(),]+", None),  # a weekday's name: read past
    "A": (r"[^0-9\s(),]+", None),
}
# The forms tried on a column that is not ISO, the likelier first. Spaces are optional
# around separators, so %Y-%m-%d reads Investing.com's `2024- 03- 01` too.
CANDIDATES = (
    "%b %d, %Y",
    "%d %b %Y",
    "%Y년 %m월 %d일",
    "%Y년 %m월 %d일 (%a)",
    "%Y년 %m월",
    "%b %y",
    "%Y-%m-%d",
    "%Y.%m.%d",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%m.%d.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
)


class DateFormError(ValueError):
    pass


@dataclass(frozen=True)
class DateForm:
    spec: str
    pattern: str  # a PostgreSQL regular expression, with a group per part
    parts: tuple[str, ...]  # the part each group gives

    @classmethod
    def parse(cls, spec: str) -> "DateForm":
        pattern, parts, i = [r"^\s*"], [], 0
        while i < len(spec):
            char = spec[i]
            if char == "%":
                directive = spec[i + 1 : i + 2]
                if directive == "%":
                    pattern.append(r"\s*%\s*")
                elif directive in DIRECTIVES:
                    regex, part = DIRECTIVES[directive]
                    pattern.append(regex)
                    if part:
                        parts.append(part)
                else:
                    raise DateFormError(
                        f"--date-format {shown(spec)}: %{directive} is not one we read "
                        f"(%{', %'.join(DIRECTIVES)})"
                    )
                i += 2
                continue
            pattern.append(r"\s*" if char.isspace() else rf"\s*{re.escape(char)}\s*")
            i += 1
        pattern.append(r"\s*$")
        if not {"year", "year2"} & set(parts) or not {"month", "month_name"} & set(parts):
            raise DateFormError(
                f"--date-format {shown(spec)}: a date needs a year (%Y) and a month (%m or %b)"
            )
        return cls(spec, "".join(pattern), tuple(parts))

    def iso(self, date: sql.Composable) -> sql.Composed:
        """`date` (text) as ISO text, or '' when it does not have this form."""
        at = {part: i + 1 for i, part in enumerate(self.parts)}

        def group(part: str) -> sql.Composed:
            return sql.SQL("m[{}]").format(sql.Literal(at[part]))

        def two(part: str, default: str = "01") -> sql.Composable:
            if part not in at:
                return sql.Literal(default)
            return sql.SQL("lpad({}, 2, '0')").format(group(part))

        if "year" in at:
            year = group("year")
        else:
            year = sql.SQL("CASE WHEN {y}::int < 69 THEN '20' ELSE '19' END || {y}").format(
                y=group("year2")
            )
        if "month" in at:
            month = two("month")
        else:
            month = sql.SQL("lpad(array_position({months}, lower({m}))::text, 2, '0')").format(
                months=sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(map(sql.Literal, MONTHS))),
                m=group("month_name"),
            )
        text = sql.SQL("{} || '-' || {} || '-' || {}").format(year, month, two("day"))
        if "hour" in at:
            text = sql.SQL("{} || 'T' || {} || ':' || {} || ':' || {}").format(
                text, two("hour"), two("minute", "00"), two("second", "00")
            )
        return sql.SQL(
            "coalesce((SELECT {text} FROM (SELECT regexp_match({date}, {pattern}) AS m) x), '')"
        ).format(text=text, date=date, pattern=sql.Literal(self.pattern))

    @property
    def day_first(self) -> bool | None:
        if "day" not in self.parts or "month" not in self.parts:
            return None
        return self.parts.index("day") < self.parts.index("month")


def parse(spec: str | None) -> DateForm | None:
    return DateForm.parse(spec) if spec else None


_VALID = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


def inference_query(
    table: sql.Composable, column: sql.Composable, iso, *, candidates: bool
) -> sql.Composed:
    """Per form, how many of the distinct dates of `column` it reads as a date in range:
    the distinct dates there are, then ISO (`iso(date)` gives the ISO expression), then,
    with `candidates`, each of CANDIDATES (a second query, for the files whose dates are
    not all ISO). Distinct values: a file of many symbols repeats each date."""
    date = sql.SQL("d")
    counts = [sql.SQL("count(*) FILTER (WHERE {} ~ {})").format(iso(date), sql.Literal(_VALID))]
    for spec in CANDIDATES if candidates else ():
        counts.append(
            sql.SQL("count(*) FILTER (WHERE {} ~ {})").format(
                DateForm.parse(spec).iso(date), sql.Literal(_VALID)
            )
        )
    return sql.SQL(
        "SELECT count(*), {counts} FROM (SELECT DISTINCT btrim({column}) AS d FROM {table} "
        "WHERE btrim({column}) <> '') dates"
    ).format(counts=sql.SQL(", ").join(counts), column=column, table=table)


def choose(counts: tuple, name: str, column: str) -> DateForm | None:
    """The form that reads the most dates (None: ISO, which wins ties); an error when a
    day-first and a month-first form read as many."""
    present, iso, *by_form = counts
    best = max(by_form, default=0)
    if not present or iso >= best:
        return None
    tied = [DateForm.parse(s) for s, n in zip(CANDIDATES, by_form, strict=True) if n == best]
    orders = {f.day_first for f in tied if f.day_first is not None}
    if len(orders) > 1:
        specs = " or ".join(f'"{f.spec}"' for f in tied)
        raise LoadError(
            [
                f"{name}: {column}: every date reads as well day-first as month-first; pass "
                f"--date-format {specs}"
            ]
        )
    return tied[0]
