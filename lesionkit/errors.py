"""Errors lesionkit raises for bad input; each message says what was wrong and what to do."""

from __future__ import annotations


class LesionkitError(Exception):
    """Base class of lesionkit's user-facing errors (the CLI prints them as one line)."""


class DataError(LesionkitError):
    """Missing, malformed or inconsistent data; names the file, row or value."""


class DataNotFoundError(DataError, FileNotFoundError):
    """A dataset that is not where lesionkit looked; says where it looked and how to get it."""


class DataWarning(UserWarning):
    """Data that lesionkit handled but you should know about (e.g. unlabelled images skipped)."""
