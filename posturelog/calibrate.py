"""``posturelog calibrate``: find and store a stand-tall + bend-forward routine.

A routine is 5 s standing tall and still, then a slow forward bend and back. Its still part
gives the wearer's upright; the bend's plane gives the sagittal (forward) axis
(see :mod:`analysis.calibration.routine`). The store keeps the routine's time span as a
calibration mark; the analysis fits the mounting from the samples inside every mark. A
routine is accepted here exactly when the analysis accepts it: the same up vectors (the
tilt filter the analysis uses, ``AnalysisSettings.tilt_offline``), the same rule
(:func:`analysis.calibration.check_routine`) and thresholds (``routine_min_bend_deg``,
``routine_max_stand_spread_deg``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from analysis.calibration import Mounting, Routine, check_routine
from analysis.settings import AnalysisSettings
from analysis.tilt import gravity_direction
from posturelog.config import load_settings
from posturelog.errors import UserError
from posturelog.store import Store
from posturelog.timezones import parse_time
from vocab.samples import ACC_COLUMNS, rate_from_times
from vocab.units import NS_PER_S

__all__ = [
    "LIVE_PROMPTS",
    "calibrate_at",
    "calibrate_live",
    "fit_streamed_routine",
    "mark_routine",
    "store_live_calibration",
]

#: How far before and after the given time a routine is looked for.
SEARCH_BEFORE_S = 60.0
SEARCH_AFTER_S = 120.0
_MARGIN_NS = 2 * NS_PER_S


def _local(store: Store, t_ns: int) -> str:
    return datetime.fromtimestamp(t_ns / NS_PER_S, tz=ZoneInfo(store.timezone())).isoformat(timespec="seconds")


def mark_routine(store: Store, start_ns: int, end_ns: int, source: str = "marked",
                 settings: AnalysisSettings | None = None) -> str:
    """Find a routine in recorded samples within ``[start_ns, end_ns)``, check that it defines
    the mounting, and store it as a calibration mark.

    ``settings`` default to the data directory's (``config.toml``).

    Returns
    -------
    str
        When the routine was, its forward bend and stand steadiness (one line for the user).

    Raises
    ------
    UserError
        No samples there, no routine found, or a routine that cannot define the axes.
    """
    samples = store.read_samples(start_ns, end_ns)
    if len(samples) < 50:
        raise UserError(
            f"no recorded samples between {_local(store, start_ns)} and {_local(store, end_ns)}"
        )
    t_ns = samples.index.asi8
    acc = samples[list(ACC_COLUMNS)].to_numpy()
    gyr_df = samples[["gyr_x", "gyr_y", "gyr_z"]]
    gyr = None if gyr_df.isna().all().all() else gyr_df.to_numpy()
    where = f"between {_local(store, start_ns)} and {_local(store, end_ns)}"
    mounting, routine = fit_streamed_routine(t_ns, acc, gyr, where=where,
                                             settings=settings or load_settings(store.data_dir),
                                             local=lambda t: _local(store, t))
    start = _store_mark(store, t_ns, routine, source)
    return f"Calibrated from the routine at {_local(store, start)}: {_fit_text(mounting, routine)}."


def _store_mark(store: Store, t_ns: NDArray[np.int64], routine: Routine, source: str) -> int:
    """Store a calibration mark over ``routine`` (with a margin each side); its first sample
    time (UTC ns)."""
    start = int(t_ns[routine.stand_start])
    last = int(t_ns[min(routine.bend_stop, len(t_ns) - 1)]) + _MARGIN_NS
    store.add_calibration_mark(start - _MARGIN_NS, last, source=source)
    return start


def _fit_text(mounting: Mounting, routine: Routine) -> str:
    """``forward bend 42°, stand steadiness 0.8° RMS``."""
    spread = mounting.quality.get("stand_spread_deg", float("nan"))
    return f"forward bend {routine.bend_peak_deg:.0f}°, stand steadiness {spread:.1f}° RMS"


def fit_streamed_routine(
    t_ns: NDArray[np.int64],
    acc_mps2: NDArray[np.float64],
    gyr_rads: NDArray[np.float64] | None,
    *,
    settings: AnalysisSettings,
    where: str = "in the recording",
    local: Callable[[int], str] | None = None,
) -> tuple[Mounting, Routine]:
    """Find and fit a stand-tall + bend-forward routine in samples with the one acceptance
    rule (:func:`analysis.calibration.check_routine`, the analysis' tilt filter and thresholds).

    Parameters
    ----------
    t_ns : ndarray, shape (N,)
        UTC ns, increasing.
    acc_mps2 : ndarray, shape (N, 3)
        Accelerometer, m/s², sensor frame.
    gyr_rads : ndarray, shape (N, 3) or None
        Gyroscope, rad/s (None for accelerometer-only sensors).
    settings : AnalysisSettings
        ``tilt_offline``, ``routine_min_bend_deg``, ``routine_max_stand_spread_deg``.
    where : str
        Where the routine was looked for (for the message).
    local : callable, optional
        UTC ns → local time text, for the message about an unusable routine.

    Raises
    ------
    UserError
        Too few samples, no routine (not still first, no forward bend, not back up), or a
        routine that cannot define the axes.
    """
    if len(t_ns) < 50:
        raise UserError(f"too few samples {where} for a calibration ({len(t_ns)})")
    fs_hz = rate_from_times(t_ns)
    up = gravity_direction(acc_mps2, gyr_rads, fs_hz, causal=not settings.tilt_offline)
    check = check_routine(up, fs_hz, t_ns=t_ns, min_bend_deg=settings.routine_min_bend_deg,
                          max_stand_spread_deg=settings.routine_max_stand_spread_deg)
    routine, mounting = check.routine, check.mounting
    if routine is None:
        raise UserError(
            f"no stand-tall + bend-forward routine found {where} "
            f"(stand still ~5 s, then bend forward at least {settings.routine_min_bend_deg:g}° "
            "and come back)"
        )
    if mounting is None:
        at = local(int(t_ns[routine.stand_start])) if local is not None else where
        raise UserError(f"calibration routine at {at} is unusable: {check.reason}")
    return mounting, routine


def calibrate_at(store: Store, at: str) -> str:
    """Mark the routine done around local time ``at`` in already recorded data."""
    t_ns = parse_time(at, store.timezone())
    return mark_routine(
        store, t_ns - int(SEARCH_BEFORE_S * NS_PER_S), t_ns + int(SEARCH_AFTER_S * NS_PER_S)
    )


#: Prompts of the guided routine (seconds from the start, text).
LIVE_PROMPTS: tuple[tuple[float, str], ...] = (
    (0.0, "Stand tall and still, looking straight ahead."),
    (6.0, "Now bend forward slowly, as far as is comfortable…"),
    (11.0, "…and come back up slowly."),
    (16.0, "Stand still. Nearly done."),
)


def store_live_calibration(store: Store, t_ns: NDArray[np.int64], acc_mps2: NDArray[np.float64],
                           gyr_rads: NDArray[np.float64] | None) -> str:
    """Fit the mounting from a streamed routine and store it: a calibration mark over the
    routine and the live mounting (:func:`posturelog.live_state.save_live_mounting`).

    Returns
    -------
    str
        The routine's forward bend and stand steadiness (one line for the user).

    Raises
    ------
    UserError
        The routine was not done as prompted (nothing is stored then).
    """
    from posturelog.live_state import save_live_mounting

    mounting, routine = fit_streamed_routine(t_ns, acc_mps2, gyr_rads, where="in what the sensor sent",
                                             settings=load_settings(store.data_dir))
    _store_mark(store, t_ns, routine, "guided")
    save_live_mounting(store, mounting)
    return f"Calibrated: {_fit_text(mounting, routine)}. Live flexion and alerts now use this calibration."


def calibrate_live(store: Store, duration_s: float, console: Console) -> str:
    """Guide a routine with the remembered sensor (prompts on the terminal), record it, fit
    the mounting from the streamed samples and store it.

    Raises
    ------
    UserError
        A duration outside 18–120 s, the sensor not found, or a routine not done as prompted
        ("no stand-tall + bend-forward routine found …"; nothing is stored then).
    """
    from posturelog.guided import run_guided
    from posturelog.stretch import Prompt

    if not 18 <= duration_s <= 120:
        raise UserError(f"--duration must be 18–120 s for a calibration, got {duration_s}")
    console.print("[bold]Calibration[/]: follow the prompts with the sensor on.")
    prompts = [Prompt(t, text) for t, text in LIVE_PROMPTS]
    collected = run_guided(store, prompts, duration_s, console, record=True)
    return store_live_calibration(store, collected.t_ns, collected.acc_mps2, collected.gyr_rads)
