"""Errors the command line turns into one clear line and exit code 1."""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """Bad input or an unusable environment, reported to the user as one line (exit 1).

    The message must say what was wrong and where (file, line, value), never a traceback.
    """
