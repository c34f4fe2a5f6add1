"""Typed exceptions. The library raises them; only the CLI turns them into a message and an exit code."""

from __future__ import annotations

import os


class ExplorerError(Exception):
    """Base class: the message is one line a user can act on."""


class InputError(ExplorerError):
    """A source file or folder cannot be loaded.

    Args:
        path: the file (or zip member) at fault, as the user would recognise it.
        problem: what is wrong with it.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DatabaseLockedError(ExplorerError):
    """Another process holds the database (or a load into it) open for writing."""


class DownloadError(ExplorerError):
    """A quarter could not be fetched or failed its checks."""


class StoreWriteError(ExplorerError):
    """A load could not write its new database (disk full, read-only folder, ...); the live database is unchanged."""


class OptionError(ExplorerError):
    """A command-line option or argument has a value the command cannot use (see ``explorer.options``)."""
