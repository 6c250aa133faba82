"""What every column means, in words: the glossary printed in the report and docs/glossary.md.

The analysis (:mod:`analysis.metrics`, :mod:`analysis.episodes`) names the columns and
returns numbers; their meanings live here, with the rest of the wording
(:mod:`posturelog.report.wording`). The flexion-band entries follow
``AnalysisSettings.band_edges_deg``, as the band columns of ``daily.csv`` do.
"""

from __future__ import annotations

from analysis.metrics import band_columns
from analysis.settings import AnalysisSettings

__all__ = ["GLOSSARY", "glossary", "glossary_markdown"]

_COLUMNS: dict[str, str] = {
    # per-second epochs
    "time": "Start of the one-second epoch (UTC; shown in the wearer's local time in reports).",
    "flexion_deg": "Thoracic flexion in degrees beyond the wearer's calibrated upright; forward "
    "positive, backward (extension) negative. Mean over the second of the tilt filter (causal by "
    "default; offline with the tilt_offline setting).",
    "lateral_deg": "Lateral bend in degrees from the calibrated upright (positive toward the "
    "sensor's calibrated right-hand side).",
    "inclination_deg": "Angle in degrees between the trunk's current up direction and its "
    "calibrated upright, any direction (0 = as upright as calibrated, 90 = horizontal).",
    "worn": "True when the sensor was on the back (see wear rule in analysis/wear.py).",
    "context": "nonwear (sensor not worn), lying (inclination > 60° for ≥ 20 s; from the "
    "calibrated or, without calibration, the estimated upright), walking (1.5–2.5 Hz step "
    "energy in |acceleration|; not available below 6 Hz), upright (sitting or standing, the "
    "rest).",
    "slouch": "True in seconds belonging to a slouch episode.",
    "n_samples": "Number of raw IMU samples in the second (50 at 50 Hz).",
    "calibration": "How the upright/forward mounting of that wear bout was found: routine "
    "(stand-tall + bend routine), walking (fitted from walking), estimated (upright only, from "
    "the bout's active periods; inclination and lying, no flexion), prior (upright only, from "
    "how the sensor is worn, --up-axis / [sensor] up_axis, where the data give none; low "
    "confidence; inclination and lying, no flexion), none (no fit; no flexion). "
    "A mounting applies to its whole wear bout, before and after the routine or walk. In the "
    "daily table: the source of most worn seconds of the day.",
    "calibration_confidence": "Confidence of that calibration: high (routine, or a clear "
    "walking fit), medium (walking fit with a weak forward axis, or upright estimated from "
    "≥ 60 active seconds), low (estimated from fewer, the worn up axis, or none). In the daily "
    "table: the value "
    "of most worn seconds of the day.",
    "accdir_x": "Mean over the second of the unit acceleration direction, x component "
    "(likewise accdir_y, accdir_z; its length drops below 1 when the direction moves).",
    "still": "True when the 30-s window around the second is as still as a sensor on a table.",
    "step_power": "Mean square of the 1.5–2.5 Hz band-passed acceleration magnitude, (m/s²)²; "
    "NaN when the sampling rate is below 6 Hz (the step band is above Nyquist: walking is "
    "not available and such seconds are never walking).",
    "gyr_mean_x": "Mean angular rate about the sensor x axis within the second (rad/s; NaN "
    "without gyroscope); likewise gyr_mean_y, gyr_mean_z.",
    "gyr_sd_x": "Standard deviation of the x angular rate within the second (rad/s); likewise "
    "y, z.",
    "acc_mean_x": "Mean acceleration on the sensor x axis within the second (m/s²); "
    "likewise acc_mean_y, acc_mean_z.",
    "acc_sd_x": "Standard deviation of x acceleration within the second (m/s²); likewise y, z.",
    "acc_min_x": "Minimum x acceleration within the second (m/s²); likewise y, z.",
    "acc_max_x": "Maximum x acceleration within the second (m/s²); likewise y, z.",
    "up_x": "Gravity ('up') direction in the sensor frame, x component, mean over the second "
    "(unit vector components up_x, up_y, up_z).",
    "bout": "Number of the wear bout (a run of wear between non-wear periods) within the "
    "analysed day; each bout has its own mounting calibration.",
    # episodes
    "start": "Episode start (UTC).",
    "end": "Episode end (UTC), the second after the last slouch second.",
    "duration_min": "Episode duration in minutes, start to end (link losses of ≤ 10 s inside "
    "an episode are bridged and do not split it).",
    "mean_flexion_deg": "Mean flexion (degrees beyond upright) during the episode.",
    "peak_flexion_deg": "Largest one-second flexion (degrees beyond upright) in the episode.",
    # daily
    "date": "Local calendar date in the wearer's time zone.",
    "day_hours": "Length of that local day in hours: 24, or 23/25 on DST change days.",
    "recorded_minutes": "Minutes with any sensor data (worn or not).",
    "coverage_pct": "recorded_minutes as a percentage of the local day's length.",
    "wear_minutes": "Recorded minutes with the sensor worn.",
    "nonwear_minutes": "Recorded minutes with the sensor not worn (e.g. on a desk).",
    "upright_minutes": "Worn minutes sitting or standing (not lying, not walking).",
    "walking_minutes": "Worn minutes walking (empty in daily.csv on days when walking could "
    "not be measured).",
    "walking_available": "Whether walking could be measured that day: false when the median "
    "sampling rate is below 6 Hz (the 1.5–2.5 Hz step band is above Nyquist); those minutes "
    "count as upright. Empty on days without wear.",
    "walking_unavailable_reason": "Why walking was not measured, e.g. \"sampled at 1.6 Hz, "
    "below 6 Hz\"; empty when it was.",
    "lying_minutes": "Worn minutes lying (never counted as slouch).",
    "slouch_minutes": "Minutes in slouch episodes: flexion beyond upright by more than the "
    "threshold (default 20°, ends below 15°), sustained ≥ 60 s, while upright.",
    "slouch_share_pct": "slouch_minutes as a percentage of worn upright minutes.",
    "slouch_episodes": "Number of slouch episodes starting that local day.",
    "longest_slouch_minutes": "Duration of the longest episode starting that day (0 if none).",
    "flexion_median_deg": "Median flexion over worn, upright or walking seconds.",
    "flexion_p90_deg": "90th percentile of flexion over worn, upright or walking seconds.",
    "iso11226_violations": "Static holds (≥ 4 s, gap-free) starting that day that exceed the "
    "ISO 11226-style acceptable holding time: 20–60° held longer than 4 min at 20° down to "
    "1 min at 60° (linear), or any hold > 60°.",
    "pain_mean": "Mean of that day's 0–10 pain ratings (NaN without ratings).",
    "pain_ratings": "Number of pain ratings that day.",
    # hourly
    "hour": "Local wall-clock hour (0–23).",
    "slouch_share_pct_hour": "In the hourly table: slouch share (%) of worn upright time in "
    "that local hour (NaN when there was no upright time).",
    # weekly summary keys
    "week": "ISO week of the summary (e.g. 2026-W47), from its first date.",
    "days": "Local days in the table.",
    "days_with_wear": "Days with at least one worn minute.",
    "wear_hours": "Total worn hours in the week.",
    "wear_hours_per_day": "Mean worn hours per day with wear.",
    "slouch_minutes_per_day": "Mean slouch minutes per day with wear.",
    "slouch_minutes_total": "Total slouch minutes in the week.",
    "pain_mean_week": "Mean of all the week's pain ratings.",
    "band_minutes": "The week's worn upright/walking minutes in each flexion band (the "
    "band_*_minutes columns summed).",
    "worst_hour": "Local hour with the highest slouch share over the week (≥ 30 upright min).",
    "worst_hour_share_pct": "Slouch share (%) of that hour.",
    "change": "Week-over-week change vs the previous week: previous value and difference "
    "(this week − previous week) of slouch share, slouch minutes/day, wear hours/day, pain.",
}


def _band_meanings(settings: AnalysisSettings | None) -> dict[str, str]:
    """Glossary entries of the four flexion-band columns for ``settings``' band edges."""
    s = settings or AnalysisSettings()
    e0, e1, e2 = s.band_edges_deg
    iso = s.band_edges_deg == AnalysisSettings().band_edges_deg
    what = "Worn upright/walking minutes with flexion"
    texts = [
        f"{what} < {e0:g}°" + (" (more upright than calibrated, i.e. slight extension)."
                                if e0 == 0 else "."),
        f"{what} {e0:g}–{e1:g}°" + (" (RULA/REBA band; ISO 11226 acceptable)." if iso else "."),
        f"{what} {e1:g}–{e2:g}°" + (" (ISO 11226: acceptable only for limited holding times)."
                                     if iso else "."),
        f"{what} > {e2:g}°" + (" (ISO 11226: not acceptable when held)." if iso else "."),
    ]
    return dict(zip(band_columns(s), texts, strict=True))


def glossary(settings: AnalysisSettings | None = None) -> dict[str, str]:
    """Every output column of the analysis (epochs, episodes, daily, hourly, weekly summary).

    Parameters
    ----------
    settings
        Analysis settings; the band columns are named and explained from its
        ``band_edges_deg`` (defaults when None).

    Returns
    -------
    dict
        Column name → meaning, in the order of the tables.
    """
    out: dict[str, str] = {}
    for key, text in _COLUMNS.items():
        if key == "iso11226_violations":
            out.update(_band_meanings(settings))
        out[key] = text
    return out


#: The glossary with the default settings.
GLOSSARY: dict[str, str] = glossary()


def glossary_markdown(settings: AnalysisSettings | None = None) -> str:
    """The glossary as a Markdown table (what ``docs/glossary.md`` holds)."""
    lines = ["| column | meaning |", "|---|---|"]
    for k, v in glossary(settings).items():
        lines.append(f"| `{k}` | {v} |")
    return "\n".join(lines) + "\n"
