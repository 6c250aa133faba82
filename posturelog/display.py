"""Showing user text safely: literally (never as rich markup or matplotlib mathtext) and without
control characters (no terminal escape sequences reach the terminal)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from rich.text import Text

from posturelog.usertext import decodable

__all__ = ["clean", "literal", "literal_plot_text"]

# C0 and C1 control characters, DEL, and the bidirectional overrides/isolates that reorder text
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE_LIKE = re.compile(r"[\t\n\r\v\f]")


def clean(text: object) -> str:
    """``text`` as a string for display: tabs and line breaks become spaces, every other control
    character (escape sequences included) is removed, and bytes that are not UTF-8 (from a
    file name or argument) are shown as U+FFFD.

    Parameters
    ----------
    text
        Any value; it is converted with ``str``.

    Returns
    -------
    str
    """
    return decodable(_CONTROL.sub("", _SPACE_LIKE.sub(" ", str(text))))


def literal(text: object, style: str = "") -> Text:
    """A rich :class:`~rich.text.Text` that shows ``text`` exactly (no markup), cleaned."""
    return Text(clean(text), style=style)


@contextmanager
def literal_plot_text() -> Iterator[None]:
    """Within this block matplotlib draws every text literally (``$`` does not start mathtext).

    Processes forked inside the block inherit the setting.
    """
    import matplotlib as mpl

    with mpl.rc_context({"text.parse_math": False}):
        yield
