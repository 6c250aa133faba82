"""Slouching and pain: rank correlations with block-bootstrap intervals, remedy effects.

* :mod:`analysis.pain.bootstrap`: the stationary bootstrap over days (Spearman ``Correlation``
  with an interval, group means);
* :mod:`analysis.pain.association`: slouch exposure vs pain (same day, next day, within day),
  reason codes (``Withheld``) and everything :func:`analyse_pain` finds (``PainAnalysis``);
* :mod:`analysis.pain.remedies`: pain before vs after each remedy, per kind;
* :mod:`analysis.pain.stretching`: verified vs logged-only stretching and pain.

Numbers and reason codes only; :mod:`posturelog.report.wording` words them.
"""

from analysis.pain.association import PainAnalysis, Withheld, analyse_pain
from analysis.pain.bootstrap import (
    Correlation,
    spearman_block_bootstrap,
    stationary_bootstrap_indices,
)
from analysis.pain.stretching import STRETCH_GROUPS, stretch_effects

__all__ = [
    "STRETCH_GROUPS",
    "Correlation",
    "PainAnalysis",
    "Withheld",
    "analyse_pain",
    "spearman_block_bootstrap",
    "stationary_bootstrap_indices",
    "stretch_effects",
]
