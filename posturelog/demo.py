"""``posturelog demo``: a simulated week streamed through the real recorder path, then the report."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import platformdirs
from rich.console import Console

from posturelog.alert_config import load_alert_settings
from posturelog.config import load_settings
from posturelog.demo_feedback import ReplayFeedback
from posturelog.errors import UserError
from posturelog.progress import task_progress
from posturelog.recorder import RecordResult, record_stream
from posturelog.report import ReportPaths, build_report
from posturelog.store import Store
from posturelog.timezones import MAX_TIME_NS, MIN_TIME_NS
from sensor.batch import SampleBatch
from sensor.simulate import SimulatedWearer, SimulationSettings
from vocab.units import NS_PER_S

__all__ = ["DEMO_TIMEZONE", "default_start", "run_demo"]

log = logging.getLogger(__name__)

DEMO_TIMEZONE = "Europe/London"
_MARKER = ".posturelog-demo"


def _prepare_data_dir(data_dir: Path | None) -> Path:
    """A clean data directory for the demo; refuses to wipe one that is not a demo directory."""
    path = Path(data_dir) if data_dir else Path(platformdirs.user_cache_dir("posturelog", appauthor=False)) / "demo"
    if path.exists() and any(path.iterdir()):
        if not (path / _MARKER).exists():
            raise UserError(
                f"{path} already holds data that the demo did not write; give an empty --data-dir"
            )
        for child in path.iterdir():
            if child.name == _MARKER:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    (path / _MARKER).write_text("written by 'posturelog demo'; safe to delete\n")
    return path


def default_start(days: int, today: date | None = None) -> date:
    """First simulated day so that the simulation ends on the last Sunday before ``today``:
    the report then covers the last complete ISO week, as it would for a real wearer."""
    today = today or datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    last_sunday = today - timedelta(days=today.isoweekday())
    return last_sunday - timedelta(days=days - 1)


def _check_days(first_day: date, days: int) -> None:
    """Refuse simulated days outside the supported time range (every stored time lies in it).

    Raises
    ------
    UserError
        Naming the allowed first days.
    """
    # a day's margin either side for the zone's offset
    earliest = datetime.fromtimestamp(MIN_TIME_NS // NS_PER_S, UTC).date() + timedelta(days=1)
    latest = datetime.fromtimestamp(MAX_TIME_NS // NS_PER_S, UTC).date() - timedelta(days=days + 1)
    if not earliest <= first_day <= latest:
        raise UserError(f"--start must lie between {earliest} and {latest} for {days} day(s), got {first_day}")


def _report_week(start: date, days: int) -> str:
    """ISO week of the last simulated day."""
    iso = (start + timedelta(days=days - 1)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def log_simulated_wearer(store: Store, wearer: SimulatedWearer) -> None:
    """Log a simulated wearer's pain ratings, remedies and calibration routines in ``store``."""
    rows: list[tuple[int, str, int | None, str]] = [(r.t_ns, "pain", r.score, r.note) for r in wearer.pain_ratings()]
    rows += [(r.t_ns, r.kind, None, r.note) for r in wearer.remedies()]
    store.add_events(rows)
    for start_ns, end_ns in wearer.routines():
        store.add_calibration_mark(start_ns, end_ns, source="routine")


def run_demo(
    *,
    data_dir: Path | None,
    out_dir: Path | None,
    days: int = 7,
    seed: int = 1,
    rate_hz: float = 50.0,
    start: date | None = None,
    console: Console | None = None,
    feedback: bool = False,
    workers: int = 1,
    stretching: bool = False,
) -> ReportPaths:
    """Simulate ``days`` of wear, record them through the recorder, log pain, write the report.

    By default the simulated days end on the last Sunday before today (``default_start``), so
    the report covers the last complete week. With ``feedback`` the simulated wearer gets live
    alerts and reacts to them (:mod:`posturelog.demo_feedback`); the alerts go to the alert log
    and the report's alerts section. ``workers``: processes the report may use. With
    ``stretching`` the wearer does prompted stretch sessions, well or badly
    (:mod:`sensor.simulate.stretching`), logged as ``stretch`` remedies with the command's note,
    so the report compares verified stretching with the pain ratings after it.
    """
    console = console or Console()
    if not 1 <= days <= 28:
        raise UserError(f"--days must be 1–28, got {days}")
    if not 5 <= rate_hz <= 200:
        raise UserError(f"--rate must be 5–200 Hz, got {rate_hz}")
    first_day = start or default_start(days)
    _check_days(first_day, days)
    out = Path(out_dir) if out_dir else Path.cwd() / "posturelog-demo-report"
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")  # before minutes of simulation
    path = _prepare_data_dir(data_dir)
    store = Store(path)
    store.set_setting("timezone", DEMO_TIMEZONE)
    alert_settings = load_alert_settings(path) if feedback else None
    wearer = SimulatedWearer(
        SimulationSettings(seed=seed, days=days, fs_hz=rate_hz, start_date=first_day, timezone=DEMO_TIMEZONE,
                           feedback_alert_after_s=None if alert_settings is None else alert_settings.alert_after_s,
                           stretching=stretching)
    )
    replay = (ReplayFeedback(store, wearer, DEMO_TIMEZONE, alert_settings, load_settings(path))
              if alert_settings is not None else None)
    expected = days * 86400 * rate_hz
    with task_progress(console, "Recording simulated wear") as progress:

        def on_batch(batch: SampleBatch, result: RecordResult) -> None:
            if replay is not None:
                replay(batch, result)
            if result.n_samples % 1_000_000 < len(batch):
                progress("Recording simulated wear", result.n_samples, expected)

        result = asyncio.run(
            record_stream(
                wearer.stream(batch_s=10.0), store, wearer.info, DEMO_TIMEZONE, source="demo", progress=on_batch
            )
        )
        progress("Recording simulated wear", result.n_samples, result.n_samples)
    console.print(f"Recorded {result.n_samples:,} samples in session {result.session_id}, {len(result.gaps)} gaps.")
    if replay is not None:
        replay.finish()
        console.print(f"Live feedback: {replay.alerts} alert(s) logged.")

    log_simulated_wearer(store, wearer)

    settings = load_settings(store.data_dir)
    with task_progress(console, "Analysing") as progress:
        paths = build_report(store, _report_week(first_day, days), out, settings, progress=progress,
                             workers=workers)
    store.close()
    return paths
