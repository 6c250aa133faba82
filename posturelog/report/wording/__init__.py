"""Every sentence a person reads about their posture: the report's and the notebooks'.

The analysis (:mod:`analysis`) returns numbers and reason codes only; this package turns them
into words, so the report and the notebooks say the same thing about the same numbers (a
Spearman ρ of 0.55 is "a strong positive association" everywhere). The wording rules:

* durations as ``2 h 10 min`` (never decimal hours), percentages as whole numbers;
* local clock times with the wearer's UTC offset;
* pain and posture are *associated*, never said to be the cause of one another, and the
  report says plainly when there are too few data to tell;
* labels fit a sensor worn between the shoulder blades (trunk / thoracic flexion).

One module per kind of text: :mod:`~posturelog.report.wording.numbers` (numbers as people read
them), :mod:`~posturelog.report.wording.headline` (the week's headline),
:mod:`~posturelog.report.wording.pain` (pain findings), :mod:`~posturelog.report.wording.dataquality`
(calibration and walking availability) and :mod:`~posturelog.report.wording.alerts` (the live
alerts section). Their names are gathered here: ``from posturelog.report import wording`` is the
one import of the report's modules and the notebooks.
"""

from __future__ import annotations

from posturelog.report.wording.alerts import (
    ALERTS_ASSOCIATION_NOTE,
    ALERTS_INTRO,
    ALERTS_TITLE,
    alert_lines,
    alert_no_alerts_line,
    alert_trend_line,
)
from posturelog.report.wording.dataquality import (
    CALIBRATION_WORDS,
    calibration_text,
    walking_availability_text,
    walking_unavailable_reason,
)
from posturelog.report.wording.headline import headline_sentences
from posturelog.report.wording.numbers import (
    format_change,
    format_degrees,
    format_hour_range,
    format_local_time,
    format_minutes,
    format_percent,
    format_score,
    format_seconds,
    format_seconds_short,
)
from posturelog.report.wording.pain import (
    Association,
    association_sentence,
    correlation_sentence,
    pain_caveat,
    pain_lines,
    pain_note,
    remedy_lines,
    strength_word,
    too_few_sentence,
    withheld_sentence,
)

__all__ = [
    "ALERTS_ASSOCIATION_NOTE",
    "ALERTS_INTRO",
    "ALERTS_TITLE",
    "CALIBRATION_WORDS",
    "Association",
    "alert_lines",
    "alert_no_alerts_line",
    "alert_trend_line",
    "association_sentence",
    "calibration_text",
    "correlation_sentence",
    "format_change",
    "format_degrees",
    "format_hour_range",
    "format_local_time",
    "format_minutes",
    "format_percent",
    "format_score",
    "format_seconds",
    "format_seconds_short",
    "headline_sentences",
    "pain_caveat",
    "pain_lines",
    "pain_note",
    "remedy_lines",
    "strength_word",
    "too_few_sentence",
    "walking_availability_text",
    "walking_unavailable_reason",
    "withheld_sentence",
]
