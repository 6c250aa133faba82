"""Matplotlib figures of the analysed data (upper-back / thoracic sensor).

Every figure function takes plain DataFrames (the outputs of :mod:`analysis.metrics`,
:mod:`analysis.episodes` and the per-second epochs) and returns a
:class:`matplotlib.figure.Figure`; each accepts an optional ``fig`` argument, a
:class:`~matplotlib.figure.Figure` or :class:`~matplotlib.figure.SubFigure` to draw into (the
PDF report composes A4 pages from sub-figures). Without it a new figure of a sensible default
size is created. The return value is always the root figure.

Angles are in degrees relative to the wearer's own calibrated upright (trunk / thoracic
flexion: positive = bent forward). Durations on axes are hours or minutes as labelled.

* :mod:`analysis.figures.style`: palette, rc settings, figure helpers;
* :mod:`analysis.figures.days`: how each day was spent, heat map, wear, pain;
* :mod:`analysis.figures.flexion`: flexion distribution and one day's timeline.

Tables drawn as figures are report layout: :mod:`posturelog.report.figures`.
"""

from analysis.figures.days import (
    daily_context_figure,
    hourly_heatmap_figure,
    pain_association_figure,
    wear_quality_figure,
)
from analysis.figures.flexion import band_names, day_timeline_figure, flexion_distribution_figure
from analysis.figures.style import (
    CONTEXT_COLORS,
    CONTEXT_LABELS,
    OKABE_ITO,
    RC_PARAMS,
    new_figure,
)

__all__ = [
    "CONTEXT_COLORS",
    "CONTEXT_LABELS",
    "OKABE_ITO",
    "RC_PARAMS",
    "band_names",
    "daily_context_figure",
    "day_timeline_figure",
    "flexion_distribution_figure",
    "hourly_heatmap_figure",
    "new_figure",
    "pain_association_figure",
    "wear_quality_figure",
]
