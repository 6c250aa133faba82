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
alerts section). Their public names are re-exported here: ``from posturelog.report import wording`` is
the one import of the report's modules and the notebooks.
"""

from __future__ import annotations

from posturelog.report.wording.alerts import ALERTS_ASSOCIATION_NOTE as ALERTS_ASSOCIATION_NOTE
from posturelog.report.wording.alerts import ALERTS_INTRO as ALERTS_INTRO
from posturelog.report.wording.alerts import ALERTS_TITLE as ALERTS_TITLE
from posturelog.report.wording.alerts import alert_lines as alert_lines
from posturelog.report.wording.alerts import alert_no_alerts_line as alert_no_alerts_line
from posturelog.report.wording.alerts import alert_trend_line as alert_trend_line
from posturelog.report.wording.dataquality import CALIBRATION_WORDS as CALIBRATION_WORDS
from posturelog.report.wording.dataquality import calibration_text as calibration_text
from posturelog.report.wording.dataquality import (
    walking_availability_text as walking_availability_text,
)
from posturelog.report.wording.dataquality import (
    walking_unavailable_reason as walking_unavailable_reason,
)
from posturelog.report.wording.headline import headline_sentences as headline_sentences
from posturelog.report.wording.numbers import DASH as DASH
from posturelog.report.wording.numbers import format_change as format_change
from posturelog.report.wording.numbers import format_degrees as format_degrees
from posturelog.report.wording.numbers import format_hour_range as format_hour_range
from posturelog.report.wording.numbers import format_local_time as format_local_time
from posturelog.report.wording.numbers import format_minutes as format_minutes
from posturelog.report.wording.numbers import format_percent as format_percent
from posturelog.report.wording.numbers import format_score as format_score
from posturelog.report.wording.numbers import format_seconds as format_seconds
from posturelog.report.wording.numbers import format_seconds_short as format_seconds_short
from posturelog.report.wording.numbers import signed as signed
from posturelog.report.wording.pain import Association as Association
from posturelog.report.wording.pain import association_sentence as association_sentence
from posturelog.report.wording.pain import correlation_sentence as correlation_sentence
from posturelog.report.wording.pain import pain_caveat as pain_caveat
from posturelog.report.wording.pain import pain_lines as pain_lines
from posturelog.report.wording.pain import pain_note as pain_note
from posturelog.report.wording.pain import remedy_lines as remedy_lines
from posturelog.report.wording.pain import strength_word as strength_word
from posturelog.report.wording.pain import stretch_lines as stretch_lines
from posturelog.report.wording.pain import too_few_sentence as too_few_sentence
from posturelog.report.wording.pain import withheld_sentence as withheld_sentence
