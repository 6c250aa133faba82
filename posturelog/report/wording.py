"""Every sentence a person reads about their posture: the report's and the notebooks'.

The analysis (:mod:`analysis`) returns numbers and reason codes only; this module turns them
into words, so the report and the notebooks say the same thing about the same numbers (a
Spearman ρ of 0.55 is "a strong positive association" everywhere). The wording rules:

* durations as ``2 h 10 min`` (never decimal hours), percentages as whole numbers;
* local clock times with the wearer's UTC offset;
* pain and posture are *associated*, never said to be the cause of one another, and the
  report says plainly when there are too few data to tell;
* labels fit a sensor worn between the shoulder blades (trunk / thoracic flexion).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.pain import Correlation, PainAnalysis, Withheld

__all__ = [
    "Association",
    "association_sentence",
    "calibration_text",
    "walking_availability_text",
    "walking_unavailable_reason",
    "correlation_sentence",
    "pain_caveat",
    "pain_lines",
    "pain_note",
    "remedy_lines",
    "stretch_lines",
    "withheld_sentence",
    "format_change",
    "format_degrees",
    "format_hour_range",
    "format_local_time",
    "format_minutes",
    "format_percent",
    "format_score",
    "format_seconds",
    "headline_sentences",
    "strength_word",
    "too_few_sentence",
]

_DASH = "–"


def format_minutes(minutes: float | None) -> str:
    """A duration for people: ``"2 h 10 min"``, ``"45 min"``, ``"under 1 min"``, ``"0 min"``.

    Parameters
    ----------
    minutes
        Duration in minutes (NaN/None gives an en dash).

    Returns
    -------
    str
        The duration rounded to whole minutes.
    """
    if minutes is None or math.isnan(minutes):
        return _DASH
    if minutes <= 0:
        return "0 min"
    if minutes < 1:
        return "under 1 min"
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if hours == 0:
        return f"{rest} min"
    if rest == 0:
        return f"{hours} h"
    return f"{hours} h {rest} min"


def format_seconds(seconds: float) -> str:
    """A setting's duration: ``60`` → ``"1 min"``, ``90`` → ``"90 s"``, ``300`` → ``"5 min"``."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def format_percent(value: float | None, *, decimals: int = 0) -> str:
    """A percentage such as ``"18%"`` (value already in percent)."""
    if value is None or math.isnan(value):
        return _DASH
    return f"{value:.{decimals}f}%"


def format_degrees(value: float | None, *, decimals: int = 0) -> str:
    """An angle such as ``"23°"``."""
    if value is None or math.isnan(value):
        return _DASH
    return f"{value:.{decimals}f}°"


def format_score(value: float | None) -> str:
    """A 0–10 pain score with one decimal (``"4.5"``), or an en dash."""
    if value is None or math.isnan(value):
        return _DASH
    return f"{value:.1f}"


def format_hour_range(hour: int) -> str:
    """The clock hour ``hour`` as a range: ``15`` → ``"15:00–16:00"``."""
    if not 0 <= int(hour) <= 23:
        raise ValueError(f"hour must be in 0..23, got {hour}")
    return f"{int(hour):02d}:00–{(int(hour) + 1) % 24:02d}:00"


def format_local_time(value: pd.Timestamp | dt.datetime, tz: str, *, seconds: bool = False) -> str:
    """A local time with its UTC offset: ``"2026-11-18 14:05 +01:00"``.

    Parameters
    ----------
    value
        A tz-aware timestamp (naive values are taken as UTC).
    tz
        The wearer's IANA time zone.
    seconds
        Include seconds.
    """
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    local = ts.tz_convert(tz)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if len(offset) == 5 else offset
    return f"{local.strftime('%Y-%m-%d %H:%M:%S' if seconds else '%Y-%m-%d %H:%M')} {offset}"


def format_change(current: float, previous: float | None, *, what: str = "last week") -> str:
    """Relative change in words: ``"18% less than last week"``.

    Parameters
    ----------
    current, previous
        The two values (previous None/NaN → empty string).
    what
        What the comparison refers to.

    Returns
    -------
    str
        ``"N% less than …"``, ``"N% more than …"``, ``"about the same as …"`` (within ±5%), or
        ``""`` when there is nothing to compare with.
    """
    if previous is None or math.isnan(previous) or math.isnan(current):
        return ""
    if previous <= 0:
        return f"up from none {what}" if current > 0 else f"none, as {what}"
    change = (current - previous) / previous * 100.0
    if abs(change) < 5.0:
        return f"about the same as {what}"
    word = "more" if change > 0 else "less"
    return f"{abs(change):.0f}% {word} than {what}"


def strength_word(rho: float) -> str:
    """Conventional verbal strength of a rank correlation (|ρ| < .1 none … ≥ .5 strong)."""
    r = abs(rho)
    if r < 0.1:
        return "no clear"
    if r < 0.3:
        return "a weak"
    if r < 0.5:
        return "a moderate"
    return "a strong"


@dataclass(frozen=True)
class Association:
    """One estimated association between slouching and pain.

    Attributes
    ----------
    rho : float
        Spearman rank correlation.
    low, high : float
        Bootstrap interval bounds (NaN when not available).
    n : int
        Number of paired observations (days or ratings).
    unit : str
        What ``n`` counts (``"days"``, ``"ratings"``).
    description : str
        What was compared, e.g. "slouched time and mean pain on the same day".
    level : float
        Interval level in percent (95).
    """

    rho: float
    low: float
    high: float
    n: int
    unit: str
    description: str
    level: float = 95.0


def association_sentence(assoc: Association) -> str:
    """Describe an association in plain words with its interval; never a causal claim.

    Parameters
    ----------
    assoc
        The estimate.

    Returns
    -------
    str
        E.g. "Slouched time and mean pain on the same day: a moderate positive association
        (Spearman ρ = 0.42, 95% bootstrap interval −0.31 to 0.85; 9 days). The interval
        includes zero, so this may be chance."
    """
    strength = strength_word(assoc.rho)
    if strength == "no clear":
        verdict = "no clear association"
    else:
        direction = "positive" if assoc.rho > 0 else "negative"
        verdict = f"{strength} {direction} association"
    stats = f"Spearman ρ = {_signed(assoc.rho)}"
    has_interval = not (math.isnan(assoc.low) or math.isnan(assoc.high))
    if has_interval:
        stats += (f", {assoc.level:.0f}% bootstrap interval {_signed(assoc.low)} to "
                  f"{_signed(assoc.high)}")
    stats += f"; {assoc.n} {assoc.unit}"
    sentence = f"{assoc.description[:1].upper()}{assoc.description[1:]}: {verdict} ({stats})."
    if has_interval and assoc.low <= 0 <= assoc.high:
        sentence += " The interval includes zero, so this may well be chance."
    elif has_interval:
        sentence += " The interval excludes zero, but with this few data it is still uncertain."
    return sentence


def too_few_sentence(reason: str) -> str:
    """The sentence used when the pain statistics are withheld."""
    reason = reason.strip().rstrip(".")
    if not reason:
        reason = "not enough days with both sensor wear and pain ratings"
    return f"Too few data to say whether slouching and pain go together this week: {reason}."


def _signed(value: float) -> str:
    text = f"{value:.2f}"
    return text.replace("-", "−")


def headline_sentences(
    *,
    slouch_minutes_per_day: float,
    days_worn: int,
    days_in_week: int,
    previous_slouch_minutes_per_day: float | None,
    worst_hour: int | None,
    wear_minutes_per_day: float,
    longest_episode_minutes: float | None,
    longest_episode_day: dt.date | None,
    pain_mean: float | None,
    pain_ratings: int,
    previous_pain_mean: float | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The wearer's headline: a few short sentences, most important first.

    Parameters
    ----------
    slouch_minutes_per_day
        Mean slouched minutes over the worn days.
    days_worn, days_in_week
        Days with sensor wear, days in the reported period.
    previous_slouch_minutes_per_day
        The same mean for the previous week, or None.
    worst_hour
        Local clock hour with the largest share of worn time slouched, or None.
    wear_minutes_per_day
        Mean worn minutes over the worn days.
    longest_episode_minutes, longest_episode_day
        Longest slouch episode and its local day, or None.
    pain_mean, pain_ratings
        Mean pain rating over the week (None/NaN when none) and number of ratings.
    previous_pain_mean
        Previous week's mean pain, or None.
    extra
        Further sentences appended as they are (e.g. the pain association).

    Returns
    -------
    list of str
        E.g. ["You slouched 2 h 10 min a day, 18% less than last week; your worst hour was
        15:00–16:00.", ...].
    """
    sentences: list[str] = []
    if days_worn == 0:
        sentences.append("The sensor was not worn this week, so there is no posture summary.")
    else:
        first = f"You slouched {format_minutes(slouch_minutes_per_day)} a day"
        change = format_change(slouch_minutes_per_day, previous_slouch_minutes_per_day)
        if change:
            first += f", {change}"
        if worst_hour is not None and slouch_minutes_per_day > 0:
            first += f"; your worst hour was {format_hour_range(worst_hour)}"
        sentences.append(first + ".")
        days = "every day" if days_worn >= days_in_week else f"on {days_worn} of {days_in_week} days"
        sentences.append(
            f"You wore the sensor {format_minutes(wear_minutes_per_day)} a day, {days}."
        )
        if longest_episode_minutes is not None and longest_episode_minutes > 0:
            when = f" on {longest_episode_day:%A}" if longest_episode_day is not None else ""
            sentences.append(
                f"Your longest slouch lasted {format_minutes(longest_episode_minutes)}{when}."
            )
    if pain_ratings == 0 or pain_mean is None or math.isnan(pain_mean):
        sentences.append("You logged no pain ratings this week.")
    else:
        plural = "rating" if pain_ratings == 1 else "ratings"
        pain = f"Your pain averaged {format_score(pain_mean)} out of 10 ({pain_ratings} {plural})"
        if previous_pain_mean is not None and not math.isnan(previous_pain_mean):
            diff = pain_mean - previous_pain_mean
            if abs(diff) < 0.5:
                pain += ", about the same as last week"
            else:
                pain += (f", {abs(diff):.1f} points {'higher' if diff > 0 else 'lower'} than "
                         "last week")
        sentences.append(pain + ".")
    sentences.extend(extra)
    return sentences


# --------------------------------------------------------------------------------------------
# pain findings (from analysis.pain, which returns numbers and reason codes only)
_ANALYSIS_DESCRIPTION: dict[str, str] = {
    "same_day": "Same day (daily slouch minutes vs mean pain)",
    "next_day": "Next day (slouch minutes vs next day's mean pain)",
    "within_day": "Within the day (slouch minutes in the {hours:g} h before a rating vs that "
    "rating)",
}

_WITHHELD: dict[tuple[str, str], str] = {
    ("same_day", "few_paired_days"): "Too few days to relate daily slouching to pain: {have} "
    "day(s) have both wear and ratings, at least {need} are needed.",
    ("same_day", "no_variation"): "Slouch minutes or pain did not vary between days; no "
    "correlation exists.",
    ("next_day", "few_day_pairs"): "Too few consecutive day pairs to relate slouching to the "
    "next day's pain: {have} pair(s), at least {need} are needed.",
    ("next_day", "no_variation"): "Slouch minutes or pain did not vary; no correlation exists.",
    ("within_day", "few_ratings"): "Too few ratings to relate recent slouching to momentary "
    "pain: {have} rating(s), at least {need} are needed.",
    ("within_day", "no_sensor_data"): "No sensor data to relate to the ratings.",
    ("within_day", "few_covered_ratings"): "Too few ratings with sensor data in the {hours:g} h "
    "before them: {have}, at least {need} are needed.",
    ("within_day", "no_variation"): "Recent slouching or ratings did not vary; no correlation "
    "exists.",
    ("remedies", "no_remedies"): "No remedies logged.",
    ("remedies", "no_ratings"): "Remedies were logged but there are no pain ratings to compare.",
}

_FEWER_LATER = "Fewer ratings were logged later in the period; later days weigh less."


def pain_caveat() -> str:
    """The closing caveat of every list of pain findings."""
    return ("Associations in one person's week are uncertain: days follow each other, so the "
            "intervals come from a block bootstrap over days, and no p-value is given. Research "
            "links posture with pain only modestly; a link here does not show what drives what.")


def correlation_sentence(corr: Correlation, hours_before: float = 3.0) -> str:
    """One association of :mod:`analysis.pain` in words (:func:`association_sentence`).

    Parameters
    ----------
    corr
        The correlation (its ``analysis`` key names what was compared).
    hours_before
        The within-day exposure window in hours (``PainAnalysis.hours_before``).
    """
    template = _ANALYSIS_DESCRIPTION.get(corr.analysis, corr.analysis or "Slouching and pain")
    return association_sentence(Association(
        rho=corr.rho, low=corr.ci_low, high=corr.ci_high, n=corr.n,
        unit="days" if corr.n == corr.n_days else "ratings",
        description=template.format(hours=hours_before),
    ))


def withheld_sentence(withheld: Withheld | None, hours_before: float = 3.0) -> str:
    """Why a pain statistic was withheld, in words ("" for None)."""
    if withheld is None:
        return ""
    template = _WITHHELD.get((withheld.analysis, withheld.reason))
    if template is None:
        return f"Not computed ({withheld.analysis}: {withheld.reason})."
    return template.format(have=withheld.have, need=withheld.need, hours=hours_before)


def _finding(pain: PainAnalysis, corr: Correlation | None, why: Withheld | None) -> str:
    if corr is not None:
        return correlation_sentence(corr, pain.hours_before)
    return withheld_sentence(why, pain.hours_before)


def pain_note(pain: PainAnalysis) -> str:
    """The short note under the slouch-versus-pain plot: the same-day finding."""
    return _finding(pain, pain.daily_lag0, pain.daily_lag0_reason)


def remedy_lines(pain: PainAnalysis) -> list[str]:
    """Pain before and after each kind of remedy, or why there is nothing to compare."""
    if pain.remedies is None or not len(pain.remedies):
        reason = withheld_sentence(pain.remedies_reason, pain.hours_before)
        return [reason] if reason else []
    window = pain.remedy_window_h
    lines: list[str] = []
    for row in pain.remedies.itertuples():
        kind = str(row.kind).capitalize()
        if int(row.n_compared) == 0:
            lines.append(f"{kind}: logged {int(row.n_logged)}×, never with pain ratings both "
                         f"within {window:g} h before and after.")
            continue
        lines.append(
            f"{kind}: pain averaged {format_score(row.mean_before)} in the {window:g} h before "
            f"and {format_score(row.mean_after)} after ({float(row.mean_change):+.1f} points; "
            f"{int(row.n_compared)} of {int(row.n_logged)} logged). Other things change around "
            "a remedy too, so this is an association only.")
    if pain.stretches is not None and len(pain.stretches):
        lines.extend(stretch_lines(pain.stretches, window))
    return lines


_STRETCH_GROUP_WORDS: dict[str, str] = {
    "stretch_verified": "Verified stretching (checked by the sensor, at least one repetition "
    "counted)",
    "stretch_logged_only": "Stretching logged without a sensor check, or with no repetition "
    "counted",
}


def stretch_lines(stretches: pd.DataFrame, window_h: float) -> list[str]:
    """Verified vs logged-only stretching and the next pain ratings (:func:`analysis.pain.stretch_effects`).

    Parameters
    ----------
    stretches
        One row per group (``stretch_verified``, ``stretch_logged_only``,
        ``stretch_difference``).
    window_h
        The before/after window, hours.
    """
    rows = {str(r.group): r for r in stretches.itertuples()}
    lines: list[str] = []
    shown = 0
    for key, label in _STRETCH_GROUP_WORDS.items():
        r = rows.get(key)
        if r is None or int(r.n_logged) == 0:
            continue
        if r.withheld:
            lines.append(f"{label}: too few to compare: {int(r.n_compared)} of {int(r.n_logged)} "
                         f"logged had ratings both within {window_h:g} h before and after; at "
                         f"least {int(r.need)} are needed.")
            continue
        shown += 1
        lines.append(
            f"{label}: pain averaged {format_score(r.mean_before)} in the {window_h:g} h before "
            f"and {format_score(r.mean_after)} after ({float(r.mean_change):+.1f} points, 95% "
            f"interval {float(r.ci_low):+.1f} to {float(r.ci_high):+.1f}; {int(r.n_compared)} "
            f"of {int(r.n_logged)} logged, on {int(r.n_days)} day(s)).")
    diff = rows.get("stretch_difference")
    if diff is not None and not diff.withheld:
        lines.append(f"Change after verified minus after logged-only stretching: "
                     f"{float(diff.mean_change):+.1f} points (95% interval "
                     f"{float(diff.ci_low):+.1f} to {float(diff.ci_high):+.1f}).")
    elif shown and diff is not None:
        lines.append("Verified and logged-only stretching are compared with each other only "
                     f"when both have at least {int(diff.need)} stretches with ratings around "
                     "them.")
    if shown:
        lines.append("Stretching is associated with these changes only: people often stretch "
                     "when pain is high, and pain tends to ease again anyway; a verified session "
                     "shows how the stretch was done, not why the pain changed.")
    return lines


def pain_lines(pain: PainAnalysis) -> list[str]:
    """All pain findings in plain language, in the order the report lists them.

    Parameters
    ----------
    pain
        From :func:`analysis.pain.analyse_pain`.

    Returns
    -------
    list of str
        Counts, the same-day, next-day and within-day associations (or why each was
        withheld), remedies, notes and the closing caveat.
    """
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    lines = [f"{plural(pain.n_ratings, 'pain rating')} on {plural(pain.n_rating_days, 'day')}; "
             f"{plural(pain.n_paired_days, 'day')} had both sensor wear and ratings."]
    for corr, why in ((pain.daily_lag0, pain.daily_lag0_reason),
                      (pain.daily_lag1, pain.daily_lag1_reason),
                      (pain.within_day, pain.within_day_reason)):
        text = _finding(pain, corr, why)
        if text:
            lines.append(text)
    lines.extend(remedy_lines(pain))
    if pain.fewer_ratings_later:
        lines.append(_FEWER_LATER)
    lines.append(pain_caveat())
    return lines


# ----------------------------------------------------------------------------------------------
# data quality: calibration source and walking availability

#: How each calibration source is said (``calibration`` column of the epochs and daily.csv).
CALIBRATION_WORDS: dict[str, str] = {
    "routine": "calibrated by the stand-tall + bend routine",
    "walking": "calibrated from walking",
    "estimated": "upright estimated from the data",
    "prior": "upright from how the sensor is worn (its up axis), not from the data",
    "none": "no calibration",
}


def calibration_text(source: str, confidence: str | None = None) -> str:
    """A day's or bout's calibration in words, e.g. "upright estimated from the data, low
    confidence"; "no calibration" carries no confidence."""
    text = CALIBRATION_WORDS.get(str(source), str(source))
    if confidence and str(source) != "none" and str(confidence) in ("high", "medium", "low"):
        text += f", {confidence} confidence"
    return text


def walking_unavailable_reason(fs_hz: float | None, need_hz: float) -> str:
    """Why walking is not measured, e.g. "sampled at 1.6 Hz, below 6 Hz"."""
    if fs_hz is None or not math.isfinite(float(fs_hz)) or float(fs_hz) <= 0:
        return "sampling rate unknown"
    return f"sampled at {float(fs_hz):.2g} Hz, below {need_hz:g} Hz"


def walking_availability_text(available: bool, reason: str = "") -> str:
    """"walking: available" or "walking: not available — <reason>"."""
    if available:
        return "walking: available"
    return f"walking: not available — {reason}" if reason else "walking: not available"


# ----------------------------------------------------------------------------- alerts section
ALERTS_TITLE = "Live alerts"
ALERTS_INTRO = (
    "While you recorded with posturelog, it could nudge you when a slouch lasted (a terminal "
    "bell, a desktop notification or a cue on the sensor). Time to correct is how long you took "
    "to sit up again after a slouch alert."
)
ALERTS_ASSOCIATION_NOTE = (
    "This compares days, it does not test the alerts: days with alerts may differ in other ways "
    "(work, mood, how long you sat), and an alert only fires once you slouch. Read any "
    "difference as an association, not as an effect of the alerts."
)


def format_seconds_short(seconds: float | None) -> str:
    """A time to correct: ``"12 s"``, ``"2 min 05 s"``; NaN/None gives an en dash."""
    if seconds is None or math.isnan(seconds):
        return _DASH
    s = int(round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def _day_list(days: Sequence[dt.date]) -> str:
    names = [f"{d:%a}" for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def alert_no_alerts_line() -> str:
    """The one line when alerts exist in other weeks but none in this one."""
    return "No live alerts were sent this week (alerts are sent only while `posturelog record` runs)."


def alert_lines(week_alerts: int, days_with_alerts: Sequence[dt.date], worn_days: int,
                median_stc_s: float, rate_with: float, rate_without: float) -> list[str]:
    """Bullets of the alerts section.

    Parameters
    ----------
    week_alerts : int
        Alerts in the week.
    days_with_alerts : sequence of date
        Days with at least one alert.
    worn_days : int
        Days with any worn minute.
    median_stc_s : float
        Median time to correct of the week's slouch alerts, seconds (NaN: none corrected).
    rate_with, rate_without : float
        Slouch minutes per worn hour on worn days with / without alerts (NaN: no such day).
    """
    n = len(days_with_alerts)
    lines = [f"{week_alerts} alert{'s' if week_alerts != 1 else ''} on {n} "
             f"day{'s' if n != 1 else ''} ({_day_list(days_with_alerts)}); "
             f"{week_alerts / max(n, 1):.1f} per day with alerts."]
    if math.isnan(median_stc_s):
        lines.append("No slouch alert was followed by sitting up while the sensor was worn.")
    else:
        lines.append(f"After a slouch alert you sat up again in {format_seconds_short(median_stc_s)} "
                     "(median of the days' medians).")
    if math.isnan(rate_with) or math.isnan(rate_without):
        lines.append(f"Alerts were on for {n} of {worn_days} worn day{'s' if worn_days != 1 else ''}: "
                     "there are no worn days of the other kind to compare with.")
    else:
        lines.append(f"Days with alerts ({_day_list(days_with_alerts)}): {rate_with:.1f} slouch minutes "
                     f"per worn hour; other worn days: {rate_without:.1f}. An association only "
                     "(see below).")
    return lines


def alert_trend_line(weeks: Sequence[str], medians_s: Sequence[float], slope_s_per_week: float) -> str:
    """The training-effect line: weekly median time to correct and its slope."""
    if math.isnan(slope_s_per_week):
        return ("Training effect: too early to tell (it needs at least two weeks with corrected "
                "slouch alerts).")
    series = ", ".join(f"{w} {format_seconds_short(m)}" for w, m in zip(weeks, medians_s, strict=True)
                       if not math.isnan(m))
    if abs(slope_s_per_week) < 0.5:
        trend = "about the same from week to week"
    elif slope_s_per_week < 0:
        trend = f"{-slope_s_per_week:.1f} s quicker per week, a possible training effect"
    else:
        trend = f"{slope_s_per_week:.1f} s slower per week"
    return f"Median time to sit up by week: {series}; {trend}."
