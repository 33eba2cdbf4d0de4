"""Errors lesionkit raises for bad input; each message says what was wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence

#: How many problems an error message lists before counting the rest.
MAX_LISTED = 20


def format_problems(title: str, problems: Sequence[str]) -> str:
    """``title`` then one problem a line, the first 20 and a count of the rest.

    Example:
        >>> print(format_problems("labels.csv: 2 problem(s)", ["line 3: empty image_id", "line 5: 2 fields"]))
        labels.csv: 2 problem(s):
          - line 3: empty image_id
          - line 5: 2 fields
    """
    lines = [title + ":"] + [f"  - {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)


class LesionkitError(Exception):
    """Base class of lesionkit's user-facing errors (the CLI prints them as one line)."""


class ConfigError(LesionkitError, ValueError):
    """A configuration key or value that is not valid; the message names it and what to do."""


class DataError(LesionkitError):
    """Missing, malformed or inconsistent data; names the file, row or value."""


class DataProblems(DataError):
    """Every problem found in one file or folder, kept as data as well as in the message.

    Attributes:
        problems: one line each (the message lists only the first 20).
        source: the file the problems' line numbers refer to, if they do.
    """

    def __init__(self, title: str, problems: Sequence[str], *, source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(format_problems(title, self.problems))


class DataNotFoundError(DataError, FileNotFoundError):
    """A dataset that is not where lesionkit looked; says where it looked and how to get it."""


class DataWarning(UserWarning):
    """Data that lesionkit handled but you should know about (e.g. unlabelled images skipped)."""
