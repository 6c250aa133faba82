"""Pain findings in words: associations with their intervals, withheld statistics, remedies.

:mod:`analysis.pain` returns numbers and reason codes only; this module words them. Pain and
posture are *associated*, never said to be the cause of one another, and the report says
plainly when there are too few data to tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.pain import Correlation, PainAnalysis, Withheld
from posturelog.report.wording.numbers import format_score, signed

__all__ = [
    "Association",
    "association_sentence",
    "correlation_sentence",
    "pain_caveat",
    "pain_lines",
    "pain_note",
    "remedy_lines",
    "stretch_lines",
    "strength_word",
    "too_few_sentence",
    "withheld_sentence",
]


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
    stats = f"Spearman ρ = {signed(assoc.rho)}"
    has_interval = not (math.isnan(assoc.low) or math.isnan(assoc.high))
    if has_interval:
        stats += (f", {assoc.level:.0f}% bootstrap interval {signed(assoc.low)} to "
                  f"{signed(assoc.high)}")
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
