"""What the corporate-action importers raise: every problem of a file, each with its place."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    value: str
    message: str

    def __str__(self):
        return (
            f"{self.file}, line {self.line}, column {self.column} ({self.value!r}): {self.message}"
        )


class ActionFileError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"Nothing was written: {len(problems)} problem(s).\n{shown}{more}")
