"""What a phone reader returns, and the checks every phone recording must pass."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posturelog.csvio import CsvSamples
from posturelog.errors import UserError
from vocab.samples import rate_from_times

__all__ = ["PhoneSamples", "Stream", "check_gravity", "make_samples"]

#: A recording of specific force has a median magnitude near 1 g (9.81 m/s²) because the
#: wearer is still or moving slowly most of the time; outside this range the file holds
#: something else (acceleration without g, values in g, a unit mix-up).
GRAVITY_RANGE_MPS2 = (7.0, 12.5)


@dataclass
class Stream:
    """One sensor's readings as the app wrote them, already in our units and axes.

    Attributes
    ----------
    t_ns : ndarray (N,) int64
        UTC ns, strictly increasing.
    values : ndarray (N, 3) float64
        m/s² (acceleration) or rad/s (angular rate), sensor frame.
    where : str
        File the stream came from (for messages).
    n_dropped : int
        Rows left out because their time repeated or stepped back.
    """

    t_ns: np.ndarray
    values: np.ndarray
    where: str
    n_dropped: int = 0


@dataclass
class PhoneSamples(CsvSamples):
    """Samples read from a phone export, ready to import (same fields as :class:`CsvSamples`).

    Attributes
    ----------
    model : str
        Source description stored with the session, e.g. ``"phyphox (Android)"``.
    notes : list[str]
        What was converted or dropped on the way (shown after the import).
    """

    model: str = "phone"
    notes: list[str] = field(default_factory=list)


def check_gravity(acc_mps2: np.ndarray, where: str) -> None:
    """Refuse acceleration that cannot be specific force in m/s².

    Parameters
    ----------
    acc_mps2 : ndarray (N, 3)
        Specific force, m/s².

    Raises
    ------
    UserError
        When the median magnitude is outside :data:`GRAVITY_RANGE_MPS2`.
    """
    norm = float(np.median(np.linalg.norm(acc_mps2, axis=1)))
    lo, hi = GRAVITY_RANGE_MPS2
    if not lo <= norm <= hi:
        if 0.7 <= norm <= 1.3:
            hint = "it looks like values in g, not m/s²"
        elif norm < 2.0:
            hint = "it looks like acceleration without gravity (linear acceleration)"
        else:
            hint = "expected about 9.81 m/s² (gravity) most of the time"
        raise UserError(f"{where}: median acceleration magnitude is {norm:.3g} m/s²; {hint}")


def make_samples(acc: Stream, gyr: np.ndarray | None, model: str, notes: list[str]) -> PhoneSamples:
    """Bundle aligned streams into :class:`PhoneSamples`.

    Parameters
    ----------
    acc : Stream
        Specific force (defines the sample times).
    gyr : ndarray (N, 3) or None
        Angular rate on the accelerometer's times, rad/s; NaN rows where none was near.
    """
    if acc.n_dropped:
        notes.append(f"{acc.n_dropped:,} accelerometer rows with a repeated or backward time left out")
    if acc.t_ns.size < 2:
        raise UserError(f"{acc.where}: fewer than 2 samples")
    check_gravity(acc.values, acc.where)
    if gyr is not None and np.isnan(gyr).all():
        notes.append("the gyroscope readings do not overlap the accelerometer's; imported without gyroscope")
        gyr = None
    rate = rate_from_times(acc.t_ns)
    return PhoneSamples(t_ns=acc.t_ns, acc_mps2=acc.values, gyr_rads=gyr, rate_hz=rate, model=model, notes=notes)
