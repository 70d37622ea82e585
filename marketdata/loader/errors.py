"""The loader's own exception: what went wrong, as complete lines for the person who ran it."""

from display.messages import SHOWN_CHARS, shown

__all__ = ["SHOWN_CHARS", "LoadError", "shown"]


class LoadError(Exception):
    """The run failed and wrote nothing; `errors` are lines such as "file:line: column: ..."
    (at most the first few), `total` how many there were in all."""

    def __init__(self, errors, total=None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))
