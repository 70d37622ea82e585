"""How a value is quoted in a message: a line of a file can hold a megabyte."""

# Values quoted in messages are cut to this many characters.
SHOWN_CHARS = 40


def shown(value: str, limit: int = SHOWN_CHARS) -> str:
    """`value` as a message quotes it: at most `limit` characters, an ellipsis if cut."""
    return value if len(value) <= limit else value[: limit - 3] + "..."
