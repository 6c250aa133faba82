"""Errors the command line turns into one clear line and exit code 1."""

from __future__ import annotations

__all__ = ["InputError", "UserError"]


class UserError(Exception):
    """Bad input or an unusable environment, reported to the user as one line (exit 1).

    The message must say what was wrong and where (file, line, value), never a traceback.
    Any other exception reaching the command line is a bug and shows its traceback.
    """


class InputError(UserError, ValueError):
    """A value the user gave (option, file cell, log entry, time, setting) is invalid.

    It is also a ``ValueError`` so that library callers validating their own values catch it
    the usual way; the command line reports it as one line because it is a ``UserError``.
    """
