"""One local day of raw IMU samples → per-second epochs: flexion, wear, context, slouch.

Pipeline (:func:`epochs_from_arrays`):

1. split the samples into gap-free segments (gaps > ``max_gap_s``);
2. gravity ("up") direction per sample with the tilt filter
   (``analysis.tilt.gravity_direction``; causal by default, offline with
   ``AnalysisSettings.tilt_offline``) and the step-band-passed |acc| per segment;
3. per-second features (:mod:`analysis.epochs.features`);
4. wear (:func:`analysis.wear.detect_wear`) → wear bouts, and each bout's routine and walking
   fits (:mod:`analysis.epochs.mountings`);

   — steps 1–4 (:func:`prepare_day`) do not depend on the mounting carried in from the day
   before, so days can be prepared in parallel; the rest is cheap and per second —

5. the mounting of each bout (:func:`~analysis.epochs.mountings.choose_mountings`), flexion /
   lateral bend / inclination (:func:`~analysis.epochs.angles.bout_angles`; an estimated
   upright where a bout has no mounting, :mod:`analysis.epochs.estimates`) and context
   (:mod:`analysis.context`) (:func:`finish_day`);
6. slouch (:func:`analysis.episodes.find_episodes`; for a range of days the caller runs it
   once over the whole range so an episode crossing midnight is one episode).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

import numpy as np
import pandas as pd

from analysis.calibration import Mounting
from analysis.context import CONTEXT_DTYPE, classify_context, walking_flag
from analysis.episodes import find_episodes
from analysis.epochs.angles import BoutRecord, bout_angles
from analysis.epochs.features import (
    MIN_STEP_RATE_HZ,
    acc_resolution_mps2,
    second_features,
    step_band,
    step_band_availability,
)
from analysis.epochs.mountings import (
    BoutCandidates,
    bout_candidates,
    choose_mountings,
    marks_ns,
    wear_bouts,
)
from analysis.rows import finite_rows, row_norms, unit_rows, unit_rows_inplace
from analysis.settings import AnalysisSettings
from analysis.tilt import gravity_direction
from analysis.upaxis import UpPrior, prior_per_second
from analysis.wear import detect_wear
from vocab.units import NS_PER_S

__all__ = [
    "CALIBRATION_CONFIDENCE",
    "CALIBRATION_SOURCES",
    "DayOptions",
    "EPOCH_COLUMNS",
    "EpochsInfo",
    "PreparedDay",
    "empty_epochs",
    "epochs_from_arrays",
    "epochs_from_samples",
    "finish_day",
    "prepare_day",
]

log = logging.getLogger(__name__)

_NS = NS_PER_S

#: Contract columns of the epochs table (docs/architecture.md).
EPOCH_COLUMNS: tuple[str, ...] = (
    "flexion_deg",
    "lateral_deg",
    "inclination_deg",
    "worn",
    "context",
    "slouch",
    "n_samples",
    "calibration",
    "calibration_confidence",
)

#: Values of the ``calibration`` column.
CALIBRATION_SOURCES: tuple[str, ...] = ("routine", "walking", "estimated", "prior", "none")

#: Values of the ``calibration_confidence`` column.
CALIBRATION_CONFIDENCE: tuple[str, ...] = ("high", "medium", "low")

TiltGate = Callable[[int], AbstractContextManager[Any]]


class DayOptions(TypedDict, total=False):
    """Keyword options of :func:`epochs_from_arrays` / :func:`epochs_from_samples`.

    Attributes
    ----------
    calibration_marks : DataFrame, optional
        ``start``, ``end`` (UTC) of stand-tall + bend routines (``Store.calibration_marks()``
        or routines found elsewhere). A routine inside a wear bout calibrates that bout.
    mountings : sequence of Mounting, optional
        Known mountings; bout ``k`` uses ``mountings[min(k, len-1)]`` instead of fitting.
    initial_mounting : Mounting, optional
        Mounting carried over from the previous day: used for a bout that starts at the
        first sample when no routine is inside it and no re-attachment is seen.
    up_sensor : ndarray, shape (N, 3), optional
        Precomputed gravity-up directions (skips the tilt filter).
    up_priors : sequence of UpPrior, optional
        How the sensor was worn (:mod:`analysis.upaxis`): the device axis pointing up the
        trunk, per time span. Used only in bouts without routine or walking, where the data
        give no upright of their own (calibration "prior"), and to break a clear tie in the
        two-posture split. None: nothing changes.
    """

    calibration_marks: pd.DataFrame | None
    mountings: Sequence[Mounting] | None
    initial_mounting: Mounting | None
    up_sensor: np.ndarray | None
    up_priors: Sequence[UpPrior] | None


@dataclass(frozen=True)
class EpochsInfo:
    """What was found while computing one day's epochs.

    Attributes
    ----------
    tilt : str
        Which up estimate was used (``analysis.tilt causal``, ``… offline``, ``given``,
        ``normalised acceleration (… Hz)``, ``none`` without samples).
    segments : int
        Gap-free segments.
    fs_hz : float
        Sampling rate used (Hz).
    acc_resolution_mps2 : float
        Accelerometer quantisation step (m/s², 0 when fine or unknown).
    walking_available : bool
        Whether the rate resolves the step band (else no walking, no walking calibration).
    walking_reason : str
        Why walking is not available (empty when it is).
    wear : mapping
        ``analysis.wear.detect_wear``'s findings (``rule``, ``used_gyroscope``, …: an
        ``analysis.wear.WearInfo``), empty when it did not run.
    context : dict
        Seconds per context (``analysis.context.classify_context``).
    mountings : tuple of BoutRecord
        One calibration record per wear bout.
    rejected_routines : tuple of str
        Marked calibration routines that were rejected: when (UTC) and why
        (``analysis.calibration.check_routine``).
    last_mounting : Mounting or None
        The last mounting used (to carry into the next day).
    episodes : DataFrame or None
        Slouch episodes of the day (None where the caller finds them over a range).
    """

    tilt: str = "none"
    segments: int = 0
    fs_hz: float = float("nan")
    acc_resolution_mps2: float = 0.0
    walking_available: bool = False
    walking_reason: str = ""
    wear: Mapping[str, object] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    mountings: tuple[BoutRecord, ...] = ()
    rejected_routines: tuple[str, ...] = ()
    last_mounting: Mounting | None = None
    episodes: pd.DataFrame | None = None


@dataclass
class PreparedDay:
    """A day after steps 1–4 (:func:`prepare_day`): everything but the carried mounting.

    Holds no per-sample array (a day of per-second rows is ~30 MB), so it can be handed
    from a worker process to the one that finishes the days in order.

    Attributes
    ----------
    settings : AnalysisSettings
    feats : DataFrame or None
        Per-second features with ``worn`` and ``bout`` (None: no finite sample).
    walk : ndarray of bool, shape (E,)
        Worn walking seconds.
    candidates : BoutCandidates
        Routine and walking fits per wear bout.
    info : EpochsInfo
        Findings so far (mountings and context follow in :func:`finish_day`).
    """

    settings: AnalysisSettings
    feats: pd.DataFrame | None
    walk: np.ndarray
    candidates: BoutCandidates
    info: EpochsInfo


def _clean_inputs(
    t_ns: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None, fs_hz: float,
    up_sensor: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Validated float64 arrays; samples with non-finite acceleration dropped; a gyroscope
    with any NaN ignored (accelerometer only)."""
    if not np.isfinite(fs_hz) or fs_hz <= 0:
        raise ValueError(f"fs_hz must be a finite positive sampling rate, got {fs_hz}")
    t_ns = np.asarray(t_ns, dtype=np.int64)
    acc = np.asarray(acc, dtype=np.float64)
    if acc.shape != (t_ns.size, 3):
        raise ValueError(f"acc must have shape ({t_ns.size}, 3), got {acc.shape}")
    if t_ns.size and np.any(np.diff(t_ns) <= 0):
        raise ValueError("samples must be sorted by time without duplicates")
    if gyr is not None:
        g = np.asarray(gyr, dtype=np.float64)
        gyr = None
        if np.isfinite(g).all():
            gyr = g
        elif np.isfinite(g).any():
            log.warning("gyroscope has NaN samples; using the accelerometer only")
        del g
    if up_sensor is not None and np.shape(up_sensor) != acc.shape:
        raise ValueError(f"up_sensor must have shape {acc.shape}, got {np.shape(up_sensor)}")
    keep = finite_rows(acc)
    if not keep.all():
        log.warning("dropping %d samples with non-finite acceleration", int((~keep).sum()))
        t_ns, acc = t_ns[keep], acc[keep]
        gyr = gyr[keep] if gyr is not None else None
        up_sensor = np.asarray(up_sensor)[keep] if up_sensor is not None else None
    return t_ns, acc, gyr, up_sensor


def _up_vectors(
    acc: np.ndarray, gyr: np.ndarray | None, fs_hz: float, bounds: list[tuple[int, int]],
    s: AnalysisSettings, tilt_gate: TiltGate | None,
) -> tuple[np.ndarray, str]:
    """Unit up vectors per sample through the tilt filter, one segment at a time.

    The filter's working memory is several times the segment's; ``tilt_gate`` lets parallel
    callers take turns. Returns the up vectors and which estimate was used.
    """
    tilt = f"analysis.tilt {'offline' if s.tilt_offline else 'causal'}"
    ups = []
    for a, b in bounds:
        seg_gyr = gyr[a:b] if gyr is not None else None
        with tilt_gate(b - a) if tilt_gate is not None else nullcontext():
            try:
                u = np.asarray(gravity_direction(acc[a:b], seg_gyr, fs_hz,
                                                 causal=not s.tilt_offline))
            except ValueError as exc:
                if fs_hz >= MIN_STEP_RATE_HZ:
                    raise
                # at ~1 Hz the samples are further apart than the accelerometer-only
                # low-pass's time constant (1 s), which the filter then refuses; the
                # normalised acceleration is what it would converge to
                log.info("tilt filter not usable at %.2g Hz (%s); using normalised "
                         "acceleration", fs_hz, exc)
                tilt = f"normalised acceleration ({fs_hz:.2g} Hz)"
                u = np.array(acc[a:b], dtype=float)
        ups.append(unit_rows_inplace(u))
        del u
    up = ups[0] if len(ups) == 1 else np.concatenate(ups)
    return up, tilt


def prepare_day(
    t_ns: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    fs_hz: float,
    settings: AnalysisSettings,
    *,
    calibration_marks: pd.DataFrame | None = None,
    up_sensor: np.ndarray | None = None,
    tilt_gate: TiltGate | None = None,
    fit_mountings: bool = True,
) -> PreparedDay:
    """Steps 1–4 of the pipeline (see the module docstring) for one day of samples.

    Parameters
    ----------
    t_ns, acc, gyr, fs_hz
        As for :func:`epochs_from_arrays`.
    settings : AnalysisSettings
        The settings the day is analysed with (:func:`finish_day` uses the same).
    calibration_marks, up_sensor
        As in :class:`DayOptions`.
    tilt_gate : callable, optional
        ``tilt_gate(n)`` gives a context manager entered around each call of the tilt filter
        on a segment of ``n`` samples (e.g. a memory budget shared by processes that prepare
        days in parallel).
    fit_mountings : bool
        Fit the routines and walking of each bout (not needed when the mountings are given).

    Returns
    -------
    PreparedDay
        ``feats`` is None when no finite sample is left.
    """
    s = settings
    t_ns, acc, gyr, up_sensor = _clean_inputs(t_ns, acc, gyr, fs_hz, up_sensor)
    if t_ns.size == 0:
        return PreparedDay(s, None, np.zeros(0, dtype=bool), BoutCandidates([], frozenset(), []),
                           EpochsInfo(fs_hz=float(fs_hz)))
    walk_ok, walk_reason = step_band_availability(fs_hz, s.walking_band_hz)
    if not walk_ok:
        log.warning("%s", walk_reason)
    # a gap is longer than max_gap_s and than a few sample periods (at 1 Hz every interval
    # is 1 s: that is the rate, not a gap)
    cut = np.flatnonzero(np.diff(t_ns) > max(s.max_gap_s, 5.0 / fs_hz) * _NS) + 1
    edges = np.concatenate(([0], cut, [t_ns.size]))
    bounds = list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))
    if up_sensor is None:
        up, tilt = _up_vectors(acc, gyr, fs_hz, bounds, s, tilt_gate)
    else:
        up, tilt = unit_rows(np.asarray(up_sensor, dtype=float)), "given"
    mag = row_norms(acc)
    band = np.empty(t_ns.size)
    for a, b in bounds:
        band[a:b] = step_band(mag[a:b], fs_hz, s.walking_band_hz, t_ns[a:b])
    feats = second_features(t_ns, acc, gyr, up, band, acc_norm_mps2=mag)
    del band, gyr, mag
    resolution = acc_resolution_mps2(acc)
    feats, wear_info = detect_wear(feats, s, resolution_mps2=resolution, fs_hz=fs_hz)
    feats["bout"] = wear_bouts(feats, s)
    walk = walking_flag(feats, s) & feats["worn"].to_numpy(dtype=bool)
    counts = feats["n_samples"].to_numpy()
    bout = feats["bout"].to_numpy()
    if fit_mountings:
        sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
        cands = bout_candidates(t_ns, acc, up, fs_hz, sec, counts, bout, walk,
                                feats[["up_x", "up_y", "up_z"]].to_numpy(),
                                marks_ns(calibration_marks), s)
    else:
        n_bouts = int(bout.max()) + 1 if (bout >= 0).any() else 0
        cands = BoutCandidates([int(np.argmax(bout == k)) for k in range(n_bouts)],
                               frozenset(), [None] * n_bouts)
    info = EpochsInfo(tilt=tilt, segments=len(bounds), fs_hz=float(fs_hz),
                      acc_resolution_mps2=resolution, walking_available=walk_ok,
                      walking_reason=walk_reason, wear=wear_info,
                      rejected_routines=tuple(cands.rejected))
    return PreparedDay(s, feats, walk, cands, info)


def finish_day(
    prep: PreparedDay,
    *,
    mountings: Sequence[Mounting] | None = None,
    initial_mounting: Mounting | None = None,
    up_priors: Sequence[UpPrior] | None = None,
) -> tuple[pd.DataFrame, EpochsInfo]:
    """Step 5 of the pipeline: mountings, angles and context (``slouch`` left False).

    Parameters
    ----------
    prep : PreparedDay
        From :func:`prepare_day`.
    mountings, initial_mounting, up_priors
        As for :func:`epochs_from_arrays`.

    Returns
    -------
    epochs : DataFrame
        :data:`EPOCH_COLUMNS` then the feature columns; ``slouch`` all False.
    info : EpochsInfo
        ``episodes`` None.
    """
    s = prep.settings
    feats = prep.feats
    if feats is None:
        return empty_epochs(), EpochsInfo(fs_hz=prep.info.fs_hz, last_mounting=initial_mounting)
    feats = feats.copy()
    fitted = choose_mountings(prep.candidates, initial_mounting, mountings)
    prior_up = None
    if up_priors:
        sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
        prior_up = prior_per_second(sec, up_priors)
    angles = bout_angles(feats, fitted, initial_mounting, s, prior_up=prior_up)
    feats["flexion_deg"] = angles.flexion_deg
    feats["lateral_deg"] = angles.lateral_deg
    feats["inclination_deg"] = angles.inclination_deg
    feats["lying_hint"] = angles.lying_hint
    feats["calibration"] = pd.Categorical(angles.calibration,
                                          categories=list(CALIBRATION_SOURCES))
    feats["calibration_confidence"] = pd.Categorical(
        angles.confidence, categories=list(CALIBRATION_CONFIDENCE))
    feats, ctx_info = classify_context(feats, s)
    feats["slouch"] = np.zeros(len(feats), dtype=bool)
    rest = [c for c in feats.columns if c not in EPOCH_COLUMNS]
    info = replace(prep.info, mountings=tuple(angles.records), last_mounting=angles.last,
                    context=ctx_info)
    return feats[list(EPOCH_COLUMNS) + rest], info


def epochs_from_arrays(
    t_ns: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    fs_hz: float,
    settings: AnalysisSettings | None = None,
    **options: Unpack[DayOptions],
) -> tuple[pd.DataFrame, EpochsInfo]:
    """Per-second epochs of one day of samples given as arrays (steps 1–6).

    Parameters
    ----------
    t_ns : ndarray, shape (N,), int64
        Sample times (ns since the epoch, UTC), strictly increasing.
    acc : ndarray, shape (N, 3)
        m/s² (any float dtype; computed in float64).
    gyr : ndarray, shape (N, 3), or None
        rad/s; None or all-NaN for an accelerometer-only sensor.
    fs_hz : float
        Nominal (median) sampling rate (Hz).
    settings : AnalysisSettings, optional
        Defaults to ``AnalysisSettings()``.
    **options
        :class:`DayOptions`: ``calibration_marks``, ``mountings``, ``initial_mounting``,
        ``up_sensor``, ``up_priors``.

    Returns
    -------
    epochs : DataFrame, shape (E, 9 + features)
        Index ``time`` (UTC, floor to the second), one row per second with samples;
        :data:`EPOCH_COLUMNS` then :data:`analysis.epochs.features.FEATURE_COLUMNS`.
    info : EpochsInfo
        With the day's slouch ``episodes``.
    """
    s = settings or AnalysisSettings()
    mountings = options.get("mountings")
    prep = prepare_day(t_ns, acc, gyr, fs_hz, s, calibration_marks=options.get("calibration_marks"),
                       up_sensor=options.get("up_sensor"), fit_mountings=not mountings)
    epochs, info = finish_day(prep, mountings=mountings,
                              initial_mounting=options.get("initial_mounting"),
                              up_priors=options.get("up_priors"))
    epochs, episodes = find_episodes(epochs, s)
    return epochs, replace(info, episodes=episodes)


def epochs_from_samples(
    samples: pd.DataFrame,
    fs_hz: float,
    settings: AnalysisSettings | None = None,
    **options: Unpack[DayOptions],
) -> tuple[pd.DataFrame, EpochsInfo]:
    """:func:`epochs_from_arrays` of a DataFrame of samples.

    Parameters
    ----------
    samples : DataFrame, shape (N, 6)
        Index ``time`` (tz-aware UTC, increasing); ``acc_x, acc_y, acc_z`` (m/s²) and
        optionally ``gyr_x, gyr_y, gyr_z`` (rad/s; all-NaN = accelerometer-only sensor).
    fs_hz, settings
        As for :func:`epochs_from_arrays`.
    **options
        :class:`DayOptions` (``calibration_marks``, ``mountings``, ``initial_mounting``,
        ``up_sensor``), as for :func:`epochs_from_arrays`.
    """
    if not isinstance(samples.index, pd.DatetimeIndex) or samples.index.tz is None:
        raise ValueError("samples must have a tz-aware DatetimeIndex 'time' (UTC)")
    missing = [c for c in ("acc_x", "acc_y", "acc_z") if c not in samples.columns]
    if missing:
        raise ValueError(f"samples lack columns {missing}")
    t_ns = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    acc = samples[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=np.float64)
    gyr: np.ndarray | None = None
    if {"gyr_x", "gyr_y", "gyr_z"} <= set(samples.columns):
        gyr = samples[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=np.float64)
    return epochs_from_arrays(t_ns, acc, gyr, fs_hz, settings, **options)


def empty_epochs() -> pd.DataFrame:
    """An epochs table without rows (the contract columns and dtypes)."""
    idx = pd.DatetimeIndex([], tz="UTC", name="time")
    df = pd.DataFrame(index=idx)
    for c in ("flexion_deg", "lateral_deg", "inclination_deg"):
        df[c] = np.zeros(0)
    df["worn"] = np.zeros(0, dtype=bool)
    df["context"] = pd.Categorical([], dtype=CONTEXT_DTYPE)
    df["slouch"] = np.zeros(0, dtype=bool)
    df["n_samples"] = np.zeros(0, dtype=np.int32)
    df["calibration"] = pd.Categorical([], categories=list(CALIBRATION_SOURCES))
    df["calibration_confidence"] = pd.Categorical([], categories=list(CALIBRATION_CONFIDENCE))
    return df
