"""The loader's own exception: what went wrong, as complete lines for the person who ran it."""

# Values quoted in messages are cut to this many characters: a line can hold a megabyte.
SHOWN_CHARS = 40


class LoadError(Exception):
    """The run failed and wrote nothing; `errors` are lines such as "file:line: column: ..."
    (at most the first few), `total` how many there were in all."""

    def __init__(self, errors, total=None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))


def shown(value: str, limit: int = SHOWN_CHARS) -> str:
    """`value` as a message quotes it: at most `limit` characters, an ellipsis if cut."""
    return value if len(value) <= limit else value[: limit - 3] + "..."
