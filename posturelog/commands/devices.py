"""Commands on the live sensor: ``scan``, ``record``, ``calibrate``, ``stretch``, ``snooze``."""

from __future__ import annotations

from typing import Annotated

import typer

from posturelog.commands.common import (
    DataDir,
    UpAxis,
    Verbose,
    console,
    open_store,
    say,
    user_errors,
)
from posturelog.errors import UserError

__all__ = ["scan", "record", "calibrate", "stretch", "snooze"]


@user_errors
def scan(
    data_dir: DataDir = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to scan.")] = 5.0,
    verbose: Verbose = False,
) -> None:
    """List nearby supported sensors: name, address, model, RSSI."""
    from posturelog.live import run_scan
    from posturelog.paths import resolve_data_dir

    raise typer.Exit(run_scan(resolve_data_dir(data_dir, tighten=False), timeout))


@user_errors
def record(
    data_dir: DataDir = None,
    device: Annotated[str | None, typer.Option("--device", help="Sensor name or address; switches and remembers it.")] = None,
    duration: Annotated[float | None, typer.Option("--duration", help="Seconds to record (default: until Ctrl-C).")] = None,
    rate: Annotated[float | None, typer.Option("--rate", help="Sample rate in Hz.")] = None,
    alert_after: Annotated[float | None, typer.Option("--alert-after", help="Seconds of slouch before an alert (default: [alerts] alert_after_s, 30).")] = None,
    live: Annotated[bool, typer.Option("--live/--no-live", help="Live posture view and alerts.")] = True,
    up_axis: UpAxis = None,
    verbose: Verbose = False,
) -> None:
    """Stream the wearer's sensor into the store until Ctrl-C (or --duration), with a live
    posture view and slouch alerts."""
    from posturelog.live import run_record
    from posturelog.paths import resolve_data_dir

    if duration is not None and duration <= 0:
        raise UserError(f"--duration must be positive, got {duration}")
    if rate is not None and rate <= 0:
        raise UserError(f"--rate must be positive, got {rate}")
    raise typer.Exit(run_record(resolve_data_dir(data_dir), device, duration, rate, alert_after,
                                live_view=live, up_axis=up_axis))


@user_errors
def calibrate(
    data_dir: DataDir = None,
    at: Annotated[str | None, typer.Option("--at", help="Time of a stand-tall + bend-forward routine in recorded data.")] = None,
    duration: Annotated[float, typer.Option("--duration", help="Seconds to record for a live routine.")] = 20.0,
    verbose: Verbose = False,
) -> None:
    """Calibrate the mounting: stand tall 5 s, then bend forward and back.

    With --at, marks a routine already in the recorded data; without it, guides a live routine
    with the remembered sensor.
    """
    from posturelog.calibrate import calibrate_at, calibrate_live

    store = open_store(data_dir)
    if at is not None:
        message = calibrate_at(store, at)
    else:
        message = calibrate_live(store, duration, console)
    say(message)


@user_errors
def stretch(
    routine: Annotated[str | None, typer.Argument(help="thoracic-extension (default), knee-twist, doorway, scapular-squeeze.")] = None,
    reps: Annotated[int | None, typer.Option("--reps", help="Repetitions (default per routine).")] = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Do a prompted stretch with the sensor on; it is checked and logged as a stretch remedy."""
    from posturelog.stretch import prompt_schedule
    from posturelog.stretch_cmd import run_stretch

    prompt_schedule(routine or "thoracic-extension", reps)  # bad routine or reps: before any change
    say(run_stretch(open_store(data_dir), routine, reps, console))


@user_errors
def snooze(
    duration: Annotated[str, typer.Argument(help="How long: 30m, 1h, 90s, 1h30m; or 'off'.")],
    data_dir: DataDir = None,
) -> None:
    """Pause posture alerts for a while (or end the pause with 'off')."""
    import time

    from posturelog.alert_config import snooze_message

    console.print(snooze_message(open_store(data_dir), duration, time.time_ns()))
