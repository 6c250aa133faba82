"""Settings of the analysis steps after the tilt filter: wear, context, slouch, bands, pain.

Every processing step in :mod:`analysis` takes one :class:`AnalysisSettings`. The defaults are
justified in the field comments (sources in ``docs/domain.md`` §3–4); the tuned values
(wear and walking thresholds) were measured on the simulator (``sensor/simulate.py``), see
``tests/analysis/test_truth.py``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from vocab.terms import CONTEXTS

__all__ = ["AnalysisSettings"]

#: Context labels of an epoch, in the order of the simulator's codes.


@dataclass(frozen=True)
class AnalysisSettings:
    """Parameters of wear detection, context, slouch episodes, bands and pain statistics.

    Attributes
    ----------
    slouch_threshold_deg : float
        Flexion beyond the wearer's calibrated upright (degrees) that starts a slouch.
        20° = the RULA/REBA/ISO 11226 boundary between "acceptable" 0–20° and the 20–60° band,
        and above the ~12° of flexion seen in ordinary computer work (Claus 2016), so reading
        at a desk is not by itself a slouch. Products use 15–20°; see ``sensitivity_table``.
    slouch_hysteresis_deg : float
        A slouch ends only when flexion falls below ``threshold - hysteresis`` (5° ≈ the
        breathing and fidgeting sway of the trunk), so noise does not split one episode.
    slouch_min_duration_s : float
        Minimum duration of a slouch episode (seconds). 60 s: between Lumo Lift's default
        delay (2 min) and the 30 s lower end in docs/domain.md; reaching for a cup is not a slouch.
    slouch_max_gap_s : float
        Missing data (link loss) up to this long does not split an episode; the missing
        seconds are not counted as slouch.
    slouch_contexts : tuple of str
        Contexts in which flexion can count as slouch. Lying and non-wear never count.
    wear_window_s : int
        Length (s) of the centred window for the stillness test (GGIR uses 60 min and
        actipy 10 s windows on wrist/hip devices; a back sensor needs short windows so a
        sensor left on a desk for a few minutes is found).
    wear_sd_mg : float
        SD (milli-g) of the per-second mean acceleration over the window below which an
        axis counts as still. GGIR: 13 mg, actipy: 15 mg on raw samples — far too high for a
        back sensor on a quietly sitting or lying person (simulator: worn quiet seconds have
        ≥ 1.2 mg, a sensor on a table ≤ 0.5 mg once the per-second mean removes white noise).
    wear_range_mg : float
        Range (max − min, milli-g) of the per-second means below which an axis counts as
        still (GGIR: 50 mg on raw samples; simulator: table ≤ 2.3 mg, worn ≥ 4.2 mg).
    wear_axes_still : int
        How many of the three axes must be still. GGIR uses 2 of 3 for wrist devices; on the
        back, breathing is a small tilt about one axis and may move a single accelerometer
        axis only, so all 3 must be still (as in actipy).
    wear_gyro_sd_dps : float
        SD (°/s, vector norm) of the per-second mean angular rate over the window below which
        the sensor counts as still when a gyroscope exists (simulator: table ≤ 0.08 °/s,
        worn lying ≥ 0.15 °/s from breathing and sway).
    wear_noise_ratio : float
        The still limits are raised to this multiple of the sensor's own noise floor (the
        within-second SD / √n), so a noisier sensor on a table is still found "still"; a
        table gives ≈ 1×, a worn sensor ≥ 2.9× (simulator).
    wear_min_nonwear_s : float
        Still runs shorter than this (s) stay "worn" (a person can hold their breath).
    wear_max_island_s : float
        Worn runs shorter than this (s) between two non-wear runs become non-wear (handling
        a sensor that lies on a desk; GGIR's relabelling of short wear blocks).
    wear_handling_s : float
        Non-wear runs are widened by this many seconds each side: attaching or detaching
        the sensor moves it (not "still") but it is not on the body yet (simulator: 5–12 s).
    wear_breathing_mg : float
        Breathing tilts the upper trunk by ~0.2–0.5°, i.e. ≥ sin(0.2°)·1 g ≈ 3.5 mg on the
        axes across it. Accelerometers quantised more coarsely (e.g. 1/64 g = 15.6 mg) cannot
        show it, and the coarse non-wear rule is used (``analysis.wear``).
    wear_breathing_min_rate_hz : float
        Below this rate a 0.2–0.4 Hz breath is not followed (Nyquist); coarse rule as well.
    wear_coarse_min_nonwear_s : float
        Coarse rule: a still run must last this long (60 min, GGIR's non-wear window, van
        Hees et al. 2013) and rest within ``wear_flat_deg`` of a sensor face.
    wear_coarse_long_s : float
        Coarse rule: a still run this long (3 h) is non-wear in any orientation.
    wear_flat_deg : float
        A sensor put down rests on one of its faces: gravity within this angle of a sensor
        axis. A back- or chest-worn sensor follows the trunk's curve and posture.
    lying_inclination_deg : float
        Trunk inclination from the calibrated upright (degrees) above which the wearer is
        lying. 60°: the lying/sitting boundary of a hip-sensor study was 64.9°; the trunk
        of a reclining sitter rarely passes 45°.
    lying_min_duration_s : float
        Shorter runs above the lying inclination (a deep bend) are not lying.
    walking_band_hz : tuple of float
        Step-frequency band of the acceleration magnitude (1.5–2.5 Hz, docs/domain.md §3).
    walking_rms_mps2 : float
        Band-limited RMS of |acc| (m/s²) above which an epoch is walking; tuned on the
        simulator.
    walking_window_s : int
        Centred window (s) over which the step-band power is averaged.
    walking_min_duration_s : float
        Shorter walking runs are relabelled upright.
    band_edges_deg : tuple of float
        Trunk-flexion bands (RULA/REBA, ISO 11226): < 0, 0–20, 20–60, > 60.
    iso_min_hold_s : float
        Static holding: ISO 11226 concerns postures held > 4 s.
    iso_hold_at_20_s, iso_hold_at_60_s : float
        Acceptable holding time at 20° and 60° of trunk flexion (ISO 11226, ~4 min and
        ~1 min, linear in between).
    max_gap_s : float
        Gaps between samples longer than this split the data into segments that are
        filtered separately.
    calibration_min_walking_s : float
        Walking seconds a wear bout needs before upright is fitted from walking.
    calibration_min_bout_s : float
        Non-wear runs at least this long end a wear bout; the next bout is calibrated anew
        (the sensor may have been re-attached at another angle).
    routine_min_bend_deg : float
        A stand-tall + bend-forward calibration routine needs a forward bend of at least
        this much to define the sagittal plane (the one rule,
        ``analysis.calibration.check_routine``, for ``posturelog calibrate`` and the analysis).
    routine_max_stand_spread_deg : float
        The routine's still stand may spread by at most this much (RMS angle of its up
        vectors from their mean); a wearer still moving is not standing tall yet.
    walking_lean_deg : float
        Typical forward trunk lean while walking relative to standing tall (3–8° in gait
        studies and in the simulator); a walking calibration tilts the walking mean back by it.
    reattach_threshold_deg : float
        A wear bout after non-wear keeps the previous mounting unless the typical up
        direction before/after the gap differs by more than this
        (``analysis.calibration.detect_reattachment``) or the bout holds a routine.
    estimate_active_deg : float
        Without routine or walking, upright is estimated from "active" seconds: angular
        spread of the acceleration direction over 5 s above this (sitting and lying: median
        1–4°, 90th percentile ≤ 5°; walking ~10° on the FORTH-TRACE and UCI sets).
        ``analysis.calibration.estimate_upright``; postuR takes upright from walking-like
        periods of the chest-worn Zio patch.
    estimate_min_active_s, estimate_confident_active_s : int
        Active seconds the estimate needs at all (below: none), and for confidence "medium"
        instead of "low".
    pain_min_paired_days, pain_min_ratings : int
        Below these counts the pain statistics are withheld (reason given instead).
    pain_hours_before : float
        Within-day exposure window before each rating (hours).
    pain_remedy_window_h : float
        Window (hours) before and after a remedy in which ratings are compared.
    bootstrap_n : int
        Bootstrap replicates.
    bootstrap_block_days : float
        Mean block length of the stationary bootstrap (days).
    bootstrap_seed : int
        Seed of the bootstrap generator (results are reproducible).
    tilt_offline : bool
        Use the offline (forward-backward) tilt filter instead of the causal one. Off by
        default: on the simulated 50 Hz day the causal filter's inclination error is 0.258°
        vs 0.238° offline (benchmarks/README.md), per-day slouch and wear minutes of a
        simulated week agree to 0.1 min, and the causal filter is ~4× faster, which keeps a
        cold weekly report under 20 s.
    """

    slouch_threshold_deg: float = 20.0
    slouch_hysteresis_deg: float = 5.0
    slouch_min_duration_s: float = 60.0
    slouch_contexts: tuple[str, ...] = ("upright",)
    slouch_max_gap_s: float = 10.0
    wear_window_s: int = 30
    wear_sd_mg: float = 0.8
    wear_range_mg: float = 3.5
    wear_axes_still: int = 3
    wear_gyro_sd_dps: float = 0.12
    wear_noise_ratio: float = 1.8
    wear_min_nonwear_s: float = 60.0
    wear_max_island_s: float = 60.0
    wear_handling_s: float = 5.0
    wear_breathing_mg: float = 3.5
    wear_breathing_min_rate_hz: float = 1.0
    wear_coarse_min_nonwear_s: float = 3600.0
    wear_coarse_long_s: float = 10800.0
    wear_flat_deg: float = 5.0
    lying_inclination_deg: float = 60.0
    lying_min_duration_s: float = 20.0
    walking_band_hz: tuple[float, float] = (1.5, 2.5)
    walking_rms_mps2: float = 0.4
    walking_window_s: int = 4
    walking_min_duration_s: float = 5.0
    band_edges_deg: tuple[float, float, float] = (0.0, 20.0, 60.0)
    iso_min_hold_s: float = 4.0
    iso_hold_at_20_s: float = 240.0
    iso_hold_at_60_s: float = 60.0
    max_gap_s: float = 1.0
    calibration_min_walking_s: float = 30.0
    calibration_min_bout_s: float = 120.0
    routine_min_bend_deg: float = 20.0
    routine_max_stand_spread_deg: float = 3.0
    walking_lean_deg: float = 5.0
    reattach_threshold_deg: float = 10.0
    estimate_active_deg: float = 7.0
    estimate_min_active_s: int = 3
    estimate_confident_active_s: int = 60
    pain_min_paired_days: int = 7
    pain_min_ratings: int = 10
    pain_hours_before: float = 3.0
    pain_remedy_window_h: float = 3.0
    bootstrap_n: int = 2000
    bootstrap_block_days: float = 3.0
    bootstrap_seed: int = 20261116
    tilt_offline: bool = False

    def __post_init__(self) -> None:
        if self.slouch_threshold_deg <= 0:
            raise ValueError(f"slouch_threshold_deg must be > 0, got {self.slouch_threshold_deg}")
        if not 0 <= self.slouch_hysteresis_deg < self.slouch_threshold_deg:
            raise ValueError(
                "slouch_hysteresis_deg must be in [0, slouch_threshold_deg), got "
                f"{self.slouch_hysteresis_deg}"
            )
        if self.slouch_min_duration_s < 0:
            raise ValueError("slouch_min_duration_s must be >= 0")
        unknown = set(self.slouch_contexts) - set(CONTEXTS)
        if unknown or {"lying", "nonwear"} & set(self.slouch_contexts):
            raise ValueError(
                f"slouch_contexts must be a subset of ('upright', 'walking'), got {self.slouch_contexts}"
            )
        self._check_detection()

    def _check_detection(self) -> None:
        """Checks of the wear, walking, band, routine and bootstrap settings."""
        if self.wear_window_s < 2:
            raise ValueError("wear_window_s must be >= 2 seconds")
        if not 1 <= self.wear_axes_still <= 3:
            raise ValueError("wear_axes_still must be 1, 2 or 3")
        lo, hi = self.walking_band_hz
        if not 0 < lo < hi:
            raise ValueError(f"walking_band_hz must be increasing positive, got {self.walking_band_hz}")
        e = self.band_edges_deg
        if not e[0] < e[1] < e[2]:
            raise ValueError(f"band_edges_deg must be increasing, got {e}")
        if self.iso_hold_at_20_s < self.iso_hold_at_60_s or self.iso_hold_at_60_s <= 0:
            raise ValueError("ISO holding times must be positive and not increase with angle")
        if not 0 < self.routine_min_bend_deg < 90 or self.routine_max_stand_spread_deg <= 0:
            raise ValueError(
                "routine_min_bend_deg must be in (0, 90) and routine_max_stand_spread_deg > 0, "
                f"got {self.routine_min_bend_deg} and {self.routine_max_stand_spread_deg}")
        if self.bootstrap_n < 100:
            raise ValueError("bootstrap_n must be >= 100")
        if self.bootstrap_block_days < 1:
            raise ValueError("bootstrap_block_days must be >= 1")

    def to_dict(self) -> dict[str, object]:
        """All settings as a JSON-serialisable dict."""
        return asdict(self)

    def fingerprint(self) -> str:
        """Short stable hash of the settings (used in cache keys)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
