"""Store → analysis: the one path through the data.

* :mod:`posturelog.analyze.reading`: one day's samples from Parquet straight to numpy;
* :mod:`posturelog.analyze.cache`: the per-day epochs cache and its typed sidecar;
* :mod:`posturelog.analyze.days`: epochs for a range of local days (cached, in parallel);
* :mod:`posturelog.analyze.week`: :func:`analyze_week`, the entry point of the report, the
  notebooks and the benchmarks.
"""

from posturelog.analyze.cache import CACHE_VERSION, CacheSidecar
from posturelog.analyze.days import EpochsRange, epochs_for_days
from posturelog.analyze.reading import estimate_rate_hz, read_day_arrays
from posturelog.analyze.week import WeekAnalysis, analyze_week, week_from_epochs

__all__ = [
    "CACHE_VERSION",
    "CacheSidecar",
    "EpochsRange",
    "WeekAnalysis",
    "analyze_week",
    "epochs_for_days",
    "estimate_rate_hz",
    "read_day_arrays",
    "week_from_epochs",
]
