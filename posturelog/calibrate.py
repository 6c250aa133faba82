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

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from analysis.calibration import check_routine
from analysis.settings import AnalysisSettings
from analysis.tilt import gravity_direction
from posturelog.config import load_settings
from posturelog.errors import UserError
from posturelog.store import Store
from posturelog.timezones import parse_time, time_ns
from vocab.samples import ACC_COLUMNS, rate_from_times
from vocab.units import NS_PER_S

__all__ = ["calibrate_at", "calibrate_live", "mark_routine"]

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
        A one-line description for the user.

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
    fs_hz = rate_from_times(t_ns)
    acc = samples[list(ACC_COLUMNS)].to_numpy()
    gyr_df = samples[["gyr_x", "gyr_y", "gyr_z"]]
    gyr = None if gyr_df.isna().all().all() else gyr_df.to_numpy()
    s = settings or load_settings(store.data_dir)
    up = gravity_direction(acc, gyr, fs_hz, causal=not s.tilt_offline)
    check = check_routine(up, fs_hz, t_ns=t_ns, min_bend_deg=s.routine_min_bend_deg,
                          max_stand_spread_deg=s.routine_max_stand_spread_deg)
    routine, mounting = check.routine, check.mounting
    if routine is None:
        raise UserError(
            "no stand-tall + bend-forward routine found between "
            f"{_local(store, start_ns)} and {_local(store, end_ns)} "
            f"(stand still ~5 s, then bend forward at least {s.routine_min_bend_deg:g}° "
            "and come back)"
        )
    if mounting is None:
        raise UserError(f"calibration routine at {_local(store, int(t_ns[routine.stand_start]))} "
                        f"is unusable: {check.reason}")
    first = int(t_ns[routine.stand_start]) - _MARGIN_NS
    last = int(t_ns[min(routine.bend_stop, len(t_ns) - 1)]) + _MARGIN_NS
    store.add_calibration_mark(first, last, source=source)
    spread = mounting.quality.get("stand_spread_deg", float("nan"))
    return (
        f"Calibrated from the routine at {_local(store, first + _MARGIN_NS)}: "
        f"forward bend {routine.bend_peak_deg:.0f}°, stand steadiness {spread:.1f}° RMS."
    )


def calibrate_at(store: Store, at: str) -> str:
    """Mark the routine done around local time ``at`` in already recorded data."""
    t_ns = parse_time(at, store.timezone())
    return mark_routine(
        store, t_ns - int(SEARCH_BEFORE_S * NS_PER_S), t_ns + int(SEARCH_AFTER_S * NS_PER_S)
    )


def calibrate_live(store: Store, duration_s: float, console: Console) -> str:
    """Guide a routine with the remembered sensor: record ``duration_s`` seconds, then mark it."""
    from posturelog.live import run_record

    if not 10 <= duration_s <= 120:
        raise UserError(f"--duration must be 10–120 s for a calibration, got {duration_s}")
    console.print(
        "[bold]Calibration[/]: when recording starts, stand tall and still for 5 seconds, "
        "then bend forward slowly as far as is comfortable and come back up."
    )
    started = time_ns()
    code = run_record(Path(store.data_dir), None, duration_s, None)
    if code != 0:
        raise UserError("recording for the calibration failed")
    return mark_routine(store, started, time_ns(), source="guided")
