"""Commands that move samples in and out of the store: ``import`` and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from posturelog.commands.common import (
    CsvOut,
    DataDir,
    FromTime,
    ToTime,
    UpAxis,
    Verbose,
    open_store,
    say,
    user_errors,
)

__all__ = ["import_", "export"]


@user_errors
def import_(
    file: Annotated[Path, typer.Argument(help="CSV with time,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z], or a phyphox / Sensor Logger export (zip or folder).")],
    data_dir: DataDir = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="Wearer's IANA zone (default: the machine's).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Sensor model to store with the session (default: from the file).")] = None,
    up_axis: UpAxis = None,
    verbose: Verbose = False,
) -> None:
    """Import IMU samples from a CSV file or a phone export (all rows or nothing)."""
    from posturelog.config import resolve_up_axis
    from posturelog.importer import import_file
    from posturelog.sampling import describe_sampling
    from posturelog.timezones import check_timezone, machine_timezone

    zone = check_timezone(timezone) if timezone else machine_timezone()
    store = open_store(data_dir)
    axis = resolve_up_axis(up_axis, store.data_dir)
    report = import_file(store, file, zone, model=model, up_axis=axis)
    result = report.result
    say(
        f"Imported {result.n_samples:,} samples from {file} as session {result.session_id} "
        f"({zone}); source: {report.source}."
    )
    for line in [*(f"Note: {n}" for n in report.notes), *describe_sampling(report.sampling)]:
        say(line)


@user_errors
def export(
    out: CsvOut,
    data_dir: DataDir = None,
    from_: FromTime = None,
    to: ToTime = None,
    minutes: Annotated[bool, typer.Option("--minutes", help="One row per minute (worn, context, flexion, slouch, calibration) instead of raw samples.")] = False,
    verbose: Verbose = False,
) -> None:
    """Export stored samples as recorded (sensor frame, SI units), or per-minute results, to CSV."""
    store = open_store(data_dir, tighten=False)
    if minutes:
        from posturelog.config import load_settings
        from posturelog.minutes import export_minutes

        n = export_minutes(store, out, from_, to, load_settings(store.data_dir))
        say(f"Wrote {n:,} minutes to {out}")
        return
    from posturelog.importing import export_csv

    n = export_csv(store, out, from_, to)
    say(f"Wrote {n:,} samples to {out}")
