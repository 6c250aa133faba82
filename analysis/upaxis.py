"""How the sensor is worn: the device axis that points up the trunk (the "up axis" prior).

A sensor strapped between the shoulder blades or on the chest is worn a known way: one of its
axes points toward the head when the wearer stands upright. Written as a sign and an axis
letter (``"+y"``: the device's +y axis points up). It is a *prior*: a chest sensor sits
tilted 20–40° on the sternum and a strap slips, so the analysis uses it only where the data
give no upright of their own (:func:`analysis.epochs.bout_angles`) and to break a clear tie
between two held postures (:func:`analysis.upright.split_upright_lying`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from vocab.units import NS_PER_S

__all__ = ["UP_AXES", "UpPrior", "parse_up_axis", "prior_per_second", "up_axis_vector"]

#: The accepted spellings after normalisation.
UP_AXES: tuple[str, ...] = ("+x", "-x", "+y", "-y", "+z", "-z")


def parse_up_axis(text: str) -> str:
    """Normalise an up-axis text (``"+y"``, ``"y"``, ``" -Z "``) to one of :data:`UP_AXES`.

    Parameters
    ----------
    text : str
        A sign (optional, default ``+``) and one of the letters x, y, z.

    Returns
    -------
    str
        E.g. ``"+y"``.

    Raises
    ------
    ValueError
        When the text is not an axis, with the accepted values in the message.
    """
    t = str(text).strip().lower()
    if len(t) == 1:
        t = "+" + t
    if t not in UP_AXES:
        raise ValueError(f"up axis must be one of {', '.join(UP_AXES)} (the device axis that "
                         f"points toward the head when standing), got {text!r}")
    return t


def up_axis_vector(text: str) -> NDArray[np.float64]:
    """Unit vector, shape (3,), in the sensor frame of an up axis (``"-z"`` → ``[0, 0, -1]``).

    Raises
    ------
    ValueError
        As :func:`parse_up_axis`.
    """
    t = parse_up_axis(text)
    v = np.zeros(3)
    v["xyz".index(t[1])] = 1.0 if t[0] == "+" else -1.0
    return v


class UpPrior(NamedTuple):
    """The up axis of how the sensor was worn over a time span (one session).

    ``start_ns`` / ``end_ns``: UTC ns, end exclusive (None: open, a session still recording);
    ``axis``: as :func:`parse_up_axis` accepts.
    """

    start_ns: int
    end_ns: int | None
    axis: str


def prior_per_second(sec_s: NDArray[np.int64], priors: Sequence[UpPrior]) -> NDArray[np.float64]:
    """Per second, the unit up axis of the span containing it (NaN rows outside every span).

    Parameters
    ----------
    sec_s : ndarray, shape (E,), int64
        UTC seconds (floor).
    priors : sequence of UpPrior
        Later spans win where spans overlap.

    Returns
    -------
    ndarray, shape (E, 3)
        Unit vectors in the sensor frame, or NaN.
    """
    sec = np.asarray(sec_s, dtype=np.int64)
    out = np.full((sec.size, 3), np.nan)
    ns = sec * NS_PER_S
    for p in priors:
        inside = ns >= (p.start_ns // NS_PER_S) * NS_PER_S
        if p.end_ns is not None:
            inside &= ns < p.end_ns
        out[inside] = up_axis_vector(p.axis)
    return out
