"""The wearer's headline: a few short sentences about the week, most important first."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from posturelog.report.wording.numbers import (
    format_change,
    format_hour_range,
    format_minutes,
    format_score,
)

__all__ = ["headline_sentences"]


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
