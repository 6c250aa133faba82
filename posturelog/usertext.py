"""Text the user gives (notes, model names, file names) before it is stored.

On POSIX, command-line arguments are bytes; Python turns bytes that are not UTF-8 into lone
surrogate code points, which SQLite (and every UTF-8 file) refuses. Such text is refused with
one clear line, or, where it only describes something (the path an import came from), stored
with the undecodable bytes shown as U+FFFD.
"""

from __future__ import annotations

import re

from posturelog.errors import InputError

__all__ = ["check_text", "decodable"]

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_text(text: str, what: str) -> str:
    """``text`` if it can be stored as UTF-8.

    Parameters
    ----------
    text
        The user's text.
    what
        What it is, for the message (``"note"``, ``"model name"``).

    Raises
    ------
    InputError
        When ``text`` holds bytes that are not UTF-8 (lone surrogates).
    """
    if _SURROGATE.search(text):
        raise InputError(f"{what} is not valid UTF-8 text (the terminal sent bytes that are not UTF-8)")
    return text


def decodable(text: str) -> str:
    """``text`` with every undecodable byte (lone surrogate) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
