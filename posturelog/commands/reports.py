"""Commands that write the weekly report: ``report`` and ``demo`` (a simulated week and its report)."""

from __future__ import annotations

from typing import Annotated

import typer

from posturelog.commands.common import (
    DataDir,
    Verbose,
    console,
    open_store,
    say,
    user_errors,
    workers,
)
from posturelog.errors import UserError

__all__ = ["demo", "report"]


# --------------------------------------------------------------------------------------------
@user_errors
def demo(
    data_dir: DataDir = None,
    out: Annotated[str | None, typer.Option("--out", help="Report directory.")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=28, help="Days to simulate.")] = 7,
    seed: Annotated[int, typer.Option("--seed", help="Simulation seed.")] = 1,
    rate: Annotated[float, typer.Option("--rate", help="Simulated sample rate in Hz.")] = 50.0,
    start: Annotated[str | None, typer.Option("--start", help="First simulated day, YYYY-MM-DD (default: so the days end last Sunday).")] = None,
    feedback: Annotated[bool, typer.Option("--feedback", help="Simulate live alerts and the wearer's reactions (slower).")] = False,
    stretching: Annotated[bool, typer.Option("--stretching", help="Simulate prompted stretch sessions, done well or badly, logged as checked stretches.")] = False,
    verbose: Verbose = False,
) -> None:
    """Simulate a week of wear, log pain and remedies, and write the weekly report."""
    from datetime import date

    from posturelog.demo import run_demo
    from posturelog.outputs import out_dir_option
    from posturelog.paths import data_dir_option

    try:
        first = None if start is None else date.fromisoformat(start)
    except ValueError:
        raise UserError(f"--start must be a date like 2026-11-16, got {start!r}") from None
    paths = run_demo(
        data_dir=data_dir_option(data_dir), out_dir=out_dir_option(out), days=days, seed=seed, rate_hz=rate, start=first, console=console,
        feedback=feedback, workers=workers(), stretching=stretching,
    )
    say(f"Report written to {paths.out_dir}")
    for p in paths.files():
        say(f"  {p}")


@user_errors
def report(
    data_dir: DataDir = None,
    week: Annotated[str | None, typer.Option("--week", help="ISO week like 2026-W47 (default: the last complete week with data).")] = None,
    out: Annotated[str | None, typer.Option("--out", help="Output directory (default: ./posturelog-report-<week>).")] = None,
    threshold: Annotated[str | None, typer.Option("--threshold", help="Slouch threshold in degrees beyond upright.")] = None,
    min_duration: Annotated[str | None, typer.Option("--min-duration", help="Minimum slouch duration in seconds.")] = None,
    verbose: Verbose = False,
) -> None:
    """Write the weekly report: report.html, report.pdf, daily.csv, episodes.csv."""
    from posturelog.config import load_settings, parse_number
    from posturelog.outputs import out_dir_option

    out_dir = out_dir_option(out)
    threshold_deg = None if threshold is None else parse_number(threshold, "--threshold")
    min_duration_s = None if min_duration is None else parse_number(min_duration, "--min-duration")
    from posturelog.progress import task_progress
    from posturelog.report import build_report

    store = open_store(data_dir, tighten=False)
    settings = load_settings(store.data_dir, threshold_deg=threshold_deg, min_duration_s=min_duration_s)
    with task_progress(console, "Analysing") as progress:
        paths = build_report(store, week, out_dir, settings, progress=progress,
                             workers=workers())
    say(f"Report written to {paths.out_dir}")
    for p in paths.files():
        say(f"  {p}")
