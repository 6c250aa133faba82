"""The weekly report: ``report.html``, ``report.pdf``, ``daily.csv`` and ``episodes.csv``.

* :mod:`~posturelog.report.week`: ISO weeks and the default week to report;
* :mod:`~posturelog.report.data`: what the report shows, computed once (:func:`report_data`
  from :func:`posturelog.analyze.analyze_week`; :func:`prepare_report` from epochs alone);
* :mod:`~posturelog.report.sections`: each section's title, text, figures and tables;
* :mod:`~posturelog.report.html`, :mod:`~posturelog.report.pdf`: render those sections;
* :mod:`~posturelog.report.csv`: ``daily.csv`` and ``episodes.csv``;
* :mod:`~posturelog.report.wording`, :mod:`~posturelog.report.glossary`: every sentence and
  column meaning (also used by the notebooks);
* :mod:`~posturelog.report.build`: :func:`build_report` (store → files) and
  :func:`write_report`.

The computation (:func:`prepare_report`) is separate from the rendering (:func:`write_report`),
so both can be used on their own (e.g. from a notebook or a test with synthetic epochs).
"""

from posturelog.report.build import ReportPaths, build_report, write_report
from posturelog.report.csv import EPISODE_CSV_COLUMNS, daily_csv_frame, episodes_csv_frame
from posturelog.report.data import ReportData, prepare_report, report_data
from posturelog.report.week import IsoWeek, resolve_week

__all__ = [
    "EPISODE_CSV_COLUMNS",
    "IsoWeek",
    "ReportData",
    "ReportPaths",
    "build_report",
    "daily_csv_frame",
    "episodes_csv_frame",
    "prepare_report",
    "report_data",
    "resolve_week",
    "write_report",
]
