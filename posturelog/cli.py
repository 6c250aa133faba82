"""The ``posturelog`` command line: thin wrappers over the library.

Every command takes ``--data-dir``; bad input ends with one line on stderr and exit code 1.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.exceptions import TyperException

from posturelog.display import clean, literal
from posturelog.errors import UserError

__all__ = ["app", "main"]

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="posturelog",
    help="Log upper-back posture from a back-worn IMU and write an honest weekly report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log_app = typer.Typer(help="List, edit, delete, import and export pain and remedy entries.", no_args_is_help=True)
app.add_typer(log_app, name="log")

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    str | None,
    typer.Option("--data-dir", help="Data directory (default: $POSTURELOG_DATA_DIR or the platform's)."),
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")]
UpAxis = Annotated[
    str | None,
    typer.Option("--up-axis", help="How the sensor is worn: the device axis pointing toward the head "
                 "when you stand (+x, -x, +y, -y, +z, -z; default: [sensor] up_axis in config.toml). "
                 "Used only where the data give no upright of their own."),
]


def _error_line(message: str) -> None:
    """Print ``error: message`` on stderr as one literal line (no markup, no control characters)."""
    err_console.print(Text.assemble(("error: ", "bold red"), literal(message)), highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    _error_line(message)
    raise typer.Exit(1)


def _say(message: object) -> None:
    """Print a line to stdout literally: user text (notes, paths, names) is never markup."""
    console.print(clean(message), markup=False, highlight=False, soft_wrap=True)


def _os_error_text(exc: OSError) -> str:
    reason = (exc.strerror or str(exc)).lower()
    return f"{exc.filename}: {reason}" if exc.filename else reason


_opened: list[Any] = []
"""Stores opened by the running command; closed when it ends, not whenever the garbage
collector gets to them, so the database's write-ahead log is folded in at a known moment."""


def _close_stores() -> None:
    while _opened:
        _opened.pop().close()


def user_errors(func: F) -> F:
    """Turn UserError/OSError/sqlite3.Error from a command into one line on stderr and exit code 1.

    Any other exception, ``ValueError`` included, is a bug and shows its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(_os_error_text(exc))
        except sqlite3.Error as exc:
            _fail(f"the posturelog database cannot be used: {exc}")
        except KeyboardInterrupt:
            err_console.print("stopped")
            raise typer.Exit(130) from None
        finally:
            _close_stores()
        return None

    return wrapper  # type: ignore[return-value]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _store(data_dir: str | None, *, tighten: bool = True):  # type: ignore[no-untyped-def]
    """Open the store; read-only commands pass ``tighten=False`` (they never chmod)."""
    from posturelog.paths import resolve_data_dir
    from posturelog.store import Store

    store = Store(resolve_data_dir(data_dir, tighten=tighten))
    _opened.append(store)
    store.compact_pending()
    return store


def _workers() -> int:
    """Processes the analysis and the report may use: ``POSTURELOG_WORKERS``, else up to two
    (one per CPU). Read here, once, and passed down."""
    import os

    text = os.environ.get("POSTURELOG_WORKERS", "").strip()
    if not text:
        return min(2, os.cpu_count() or 1)
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if workers < 1:
        raise UserError(f"POSTURELOG_WORKERS must be a whole number ≥ 1, got {text!r}")
    return workers


# --------------------------------------------------------------------------------------------
@app.command()
@user_errors
def demo(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option("--out", help="Report directory.")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=28, help="Days to simulate.")] = 7,
    seed: Annotated[int, typer.Option("--seed", help="Simulation seed.")] = 1,
    rate: Annotated[float, typer.Option("--rate", help="Simulated sample rate in Hz.")] = 50.0,
    start: Annotated[str | None, typer.Option("--start", help="First simulated day, YYYY-MM-DD (default: so the days end last Sunday).")] = None,
    feedback: Annotated[bool, typer.Option("--feedback", help="Simulate live alerts and the wearer's reactions (slower).")] = False,
    stretching: Annotated[bool, typer.Option("--stretching", help="Simulate prompted stretch sessions, done well or badly, logged as checked stretches.")] = False,
    verbose: Verbose = False,
) -> None:
    """Simulate a week of wear, log pain and remedies, and write the weekly report."""
    _setup_logging(verbose)
    from datetime import date

    from posturelog.demo import run_demo
    from posturelog.paths import data_dir_option

    try:
        first = None if start is None else date.fromisoformat(start)
    except ValueError:
        raise UserError(f"--start must be a date like 2026-11-16, got {start!r}") from None
    paths = run_demo(
        data_dir=data_dir_option(data_dir), out_dir=out, days=days, seed=seed, rate_hz=rate, start=first, console=console,
        feedback=feedback, workers=_workers(), stretching=stretching,
    )
    _say(f"Report written to {paths.out_dir}")
    for p in paths.files():
        _say(f"  {p}")


@app.command()
@user_errors
def scan(
    data_dir: DataDir = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to scan.")] = 5.0,
    verbose: Verbose = False,
) -> None:
    """List nearby supported sensors: name, address, model, RSSI."""
    _setup_logging(verbose)
    from posturelog.live import run_scan
    from posturelog.paths import resolve_data_dir

    raise typer.Exit(run_scan(resolve_data_dir(data_dir, tighten=False), timeout))


@app.command()
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
    _setup_logging(verbose)
    from posturelog.live import run_record
    from posturelog.paths import resolve_data_dir

    if duration is not None and duration <= 0:
        raise UserError(f"--duration must be positive, got {duration}")
    if rate is not None and rate <= 0:
        raise UserError(f"--rate must be positive, got {rate}")
    raise typer.Exit(run_record(resolve_data_dir(data_dir), device, duration, rate, alert_after,
                                live_view=live, up_axis=up_axis))


@app.command("import")
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
    _setup_logging(verbose)
    from posturelog.config import resolve_up_axis
    from posturelog.importer import import_file
    from posturelog.sampling import describe_sampling
    from posturelog.timezones import check_timezone, machine_timezone

    zone = check_timezone(timezone) if timezone else machine_timezone()
    store = _store(data_dir)
    axis = resolve_up_axis(up_axis, store.data_dir)
    report = import_file(store, file, zone, model=model, up_axis=axis)
    result = report.result
    _say(
        f"Imported {result.n_samples:,} samples from {file} as session {result.session_id} "
        f"({zone}); source: {report.source}."
    )
    for line in [*(f"Note: {n}" for n in report.notes), *describe_sampling(report.sampling)]:
        _say(line)


@app.command()
@user_errors
def export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    data_dir: DataDir = None,
    from_: Annotated[str | None, typer.Option("--from", help="Start time (ISO 8601).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="End time (ISO 8601, exclusive).")] = None,
    minutes: Annotated[bool, typer.Option("--minutes", help="One row per minute (worn, context, flexion, slouch, calibration) instead of raw samples.")] = False,
    verbose: Verbose = False,
) -> None:
    """Export stored samples as recorded (sensor frame, SI units), or per-minute results, to CSV."""
    _setup_logging(verbose)
    store = _store(data_dir, tighten=False)
    if minutes:
        from posturelog.config import load_settings
        from posturelog.minutes import export_minutes

        n = export_minutes(store, out, from_, to, load_settings(store.data_dir))
        _say(f"Wrote {n:,} minutes to {out}")
        return
    from posturelog.importing import export_csv

    n = export_csv(store, out, from_, to)
    _say(f"Wrote {n:,} samples to {out}")


@app.command(context_settings={"ignore_unknown_options": True})  # "pain -1" is a bad score
@user_errors
def pain(
    score: Annotated[str, typer.Argument(help="Pain right now, 0 (none) to 10 (worst imaginable).")],
    data_dir: DataDir = None,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO 8601; local time without offset).")] = None,
    note: Annotated[str, typer.Option("--note", help="Free text.")] = "",
) -> None:
    """Log a pain rating (0–10)."""
    from posturelog.painlog import log_pain

    store = _store(data_dir)
    entry_id, when = log_pain(store, score, at, note)
    _say(f"Logged pain {score.strip()} at {when} (entry {entry_id}).")


@app.command()
@user_errors
def remedy(
    kind: Annotated[str, typer.Argument(help="stretch, heat, ice, painkiller or physio.")],
    data_dir: DataDir = None,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO 8601; local time without offset).")] = None,
    note: Annotated[str, typer.Option("--note", help="Free text, e.g. which stretch or dose.")] = "",
) -> None:
    """Log a remedy: stretch, heat, ice, painkiller or physio."""
    from posturelog.painlog import log_remedy

    store = _store(data_dir)
    entry_id, when = log_remedy(store, kind, at, note)
    _say(f"Logged {kind.strip().lower()} at {when} (entry {entry_id}).")


@app.command()
@user_errors
def snooze(
    duration: Annotated[str, typer.Argument(help="How long: 30m, 1h, 90s, 1h30m; or 'off'.")],
    data_dir: DataDir = None,
) -> None:
    """Pause posture alerts for a while (or end the pause with 'off')."""
    import time

    from posturelog.alert_config import snooze_message

    console.print(snooze_message(_store(data_dir), duration, time.time_ns()))


@app.command()
@user_errors
def stretch(
    routine: Annotated[str | None, typer.Argument(help="thoracic-extension (default), knee-twist, doorway, scapular-squeeze.")] = None,
    reps: Annotated[int | None, typer.Option("--reps", help="Repetitions (default per routine).")] = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Do a prompted stretch with the sensor on; it is checked and logged as a stretch remedy."""
    _setup_logging(verbose)
    from posturelog.stretch import prompt_schedule
    from posturelog.stretch_cmd import run_stretch

    prompt_schedule(routine or "thoracic-extension", reps)  # bad routine or reps: before any change
    _say(run_stretch(_store(data_dir), routine, reps, console))


@log_app.command("list")
@user_errors
def log_list(
    data_dir: DataDir = None,
    from_: Annotated[str | None, typer.Option("--from", help="Start time (ISO 8601).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="End time (ISO 8601).")] = None,
) -> None:
    """List pain and remedy entries."""
    from posturelog.painlog import list_table

    store = _store(data_dir, tighten=False)
    console.print(list_table(store, from_, to))


@log_app.command("edit")
@user_errors
def log_edit(
    entry_id: Annotated[str, typer.Argument(help="Entry id from 'posturelog log list'.")],
    data_dir: DataDir = None,
    score: Annotated[str | None, typer.Option("--score", help="New pain score 0–10.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="New time (ISO 8601).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="New remedy kind.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="New note.")] = None,
) -> None:
    """Change an entry."""
    from posturelog.painlog import edit_entry, parse_entry_id

    number = parse_entry_id(entry_id)
    store = _store(data_dir)
    edit_entry(store, number, score=score, at=at, kind=kind, note=note)
    _say(f"Entry {number} updated.")


@log_app.command("delete")
@user_errors
def log_delete(
    entry_id: Annotated[str, typer.Argument(help="Entry id from 'posturelog log list'.")],
    data_dir: DataDir = None,
) -> None:
    """Delete an entry."""
    from posturelog.painlog import parse_entry_id

    number = parse_entry_id(entry_id)
    store = _store(data_dir)
    store.delete_entry(number)
    _say(f"Entry {number} deleted.")


@log_app.command("import")
@user_errors
def log_import(
    file: Annotated[Path, typer.Argument(help="CSV with time,kind,score,note.")],
    data_dir: DataDir = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="Zone for times without offset.")] = None,
) -> None:
    """Import pain and remedy entries from CSV (all rows or nothing)."""
    from posturelog.painlog import import_log_csv

    store = _store(data_dir)
    n, skipped = import_log_csv(store, file, timezone)
    extra = f"; skipped {skipped} already in the log" if skipped else ""
    _say(f"Imported {n} entries from {file}{extra}.")


@log_app.command("export")
@user_errors
def log_export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    data_dir: DataDir = None,
) -> None:
    """Export pain and remedy entries to CSV."""
    from posturelog.painlog import export_log_csv

    store = _store(data_dir, tighten=False)
    n = export_log_csv(store, out)
    _say(f"Wrote {n} entries to {out}.")


@app.command()
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
    _setup_logging(verbose)
    from posturelog.calibrate import calibrate_at, calibrate_live

    store = _store(data_dir)
    if at is not None:
        message = calibrate_at(store, at)
    else:
        message = calibrate_live(store, duration, console)
    _say(message)


@app.command()
@user_errors
def report(
    data_dir: DataDir = None,
    week: Annotated[str | None, typer.Option("--week", help="ISO week like 2026-W47 (default: the last complete week with data).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output directory (default: ./posturelog-report-<week>).")] = None,
    threshold: Annotated[str | None, typer.Option("--threshold", help="Slouch threshold in degrees beyond upright.")] = None,
    min_duration: Annotated[str | None, typer.Option("--min-duration", help="Minimum slouch duration in seconds.")] = None,
    verbose: Verbose = False,
) -> None:
    """Write the weekly report: report.html, report.pdf, daily.csv, episodes.csv."""
    _setup_logging(verbose)
    from posturelog.config import load_settings, parse_number

    threshold_deg = None if threshold is None else parse_number(threshold, "--threshold")
    min_duration_s = None if min_duration is None else parse_number(min_duration, "--min-duration")
    from posturelog.progress import task_progress
    from posturelog.report import build_report

    store = _store(data_dir, tighten=False)
    settings = load_settings(store.data_dir, threshold_deg=threshold_deg, min_duration_s=min_duration_s)
    with task_progress(console, "Analysing") as progress:
        paths = build_report(store, week, out, settings, progress=progress,
                             workers=_workers())
    _say(f"Report written to {paths.out_dir}")
    for p in paths.files():
        _say(f"  {p}")


# -------------------------------------------------------------------------------- sessions
sessions_app = typer.Typer(help="List and delete recording and import sessions.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")


def _session_id(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) >= 2**63:
        raise UserError(f"session id must be a whole number from 'posturelog sessions list', got {text!r}")
    return int(value)


@sessions_app.command("list")
@user_errors
def sessions_list(data_dir: DataDir = None) -> None:
    """List sessions: id, start and end (local time), model, samples, status."""
    from posturelog.sessionlist import sessions_table

    console.print(sessions_table(_store(data_dir)))


@sessions_app.command("delete", context_settings={"ignore_unknown_options": True})
@user_errors
def sessions_delete(
    session: Annotated[str, typer.Argument(help="Session id from 'posturelog sessions list'.")],
    data_dir: DataDir = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete a session: its samples, gaps and record (asks first)."""
    sid = _session_id(session)
    store = _store(data_dir)
    row = store.sessions().query("id == @sid")
    if row.empty:
        raise UserError(f"no session with id {sid} (see 'posturelog sessions list')")
    if store.is_live(sid):
        raise UserError(f"session {sid} is being recorded by a running posturelog process; stop it first")
    n = int(row["n_samples"].iloc[0])
    try:
        sure = yes or typer.confirm(f"Delete session {sid} and its {n:,} samples? This cannot be undone")
    except typer.Abort:
        sure = False
    if not sure:
        raise UserError(f"session {sid} not deleted (not confirmed; use --yes to skip the question)")
    store.delete_session(sid)
    console.print(f"Session {sid} deleted ({n:,} samples).")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``posturelog`` console script.

    Usage mistakes (a wrong option, a value of the wrong type or range) end like every other bad
    input: one line on stderr and exit code 1, not a usage box with exit code 2.
    """
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:
        err_console.print("stopped")
        code = 130
    except TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption, ...
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command group: show its help
            exc.show()  # type: ignore[attr-defined]
            code = 0
        else:
            _error_line(exc.format_message())
            code = 1
    sys.exit(code if isinstance(code, int) else 0)

if __name__ == "__main__":
    main()
