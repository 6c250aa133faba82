"""The sampling rate of a day's samples (the samples themselves come from the one reader,
:meth:`posturelog.store.Store.read_arrays` / :func:`posturelog.samplereader.read_sample_files`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from posturelog.errors import InputError
from vocab.samples import rate_from_times

__all__ = ["estimate_rate_hz"]


def estimate_rate_hz(samples: pd.DataFrame | np.ndarray) -> float:
    """Sampling rate (Hz) from the median interval between samples (gaps ignored).

    ``samples`` is a DataFrame with a time index or the sample times (int64 ns).
    """
    if isinstance(samples, pd.DataFrame):
        t = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    else:
        t = np.asarray(samples, dtype=np.int64)
    rate = rate_from_times(t)
    if rate <= 0:
        raise InputError("need at least two samples with increasing times to estimate the "
                         "sampling rate")
    return rate
